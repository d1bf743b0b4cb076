"""The ``facestudio`` command: the GUI, ``analyze``, ``retouch`` and ``bench`` over the same core.

What belongs here: argument parsing, turning arguments into core calls, and the contract with
the shell: results on stdout, one-line messages on stderr, exit status 0 (done), 1 (an internal
failure, with a traceback, which is a bug), 2 (a user error: missing file, not an image, bad
value, existing or unwritable target; nothing written) and 130 (interrupted). Heavy modules
(the model runtime, OpenCV, Qt) are imported only by the command that needs them, so a usage
error answers at once.

``facestudio`` with no arguments, or with photo paths only, opens the desktop app.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from facestudio import __version__
from facestudio.core.errors import FaceStudioError, OutputExistsError, ParameterError
from facestudio.core.params import PARAMETERS, PRO_PARAMETERS, RESHAPE_PARTS

COMMANDS = ("analyze", "retouch", "bench", "filters")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


class UsageError(FaceStudioError):
    """A command-line argument the user has to fix."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (the usage stays available with --help)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}; see '{self.prog} --help'")


def _percent(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number (use 0 to 100)") from None
    if not 0 <= value <= 100 or value != int(value):
        raise argparse.ArgumentTypeError(f"{text} is out of range (use a whole number from 0 to 100)")
    return int(value)


def _quality(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number (use 1 to 100)") from None
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text} is out of range (use 1 to 100)")
    return value


def _face_index(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a face index (0, 1, 2 ...)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is not a face index (0, 1, 2 ...)")
    return value


def _reshape_value(text: str) -> tuple[str, int]:
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"'{text}' is not PART=VALUE (e.g. slim_face=40)")
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number from -100 to 100") from None
    if not -100 <= number <= 100:
        raise argparse.ArgumentTypeError(f"{number} is out of range (use -100 to 100)")
    return name, number


def _level(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number (use 0 to 1)") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is out of range (use 0 to 1)")
    return value


def _override(text: str) -> tuple[int, dict[str, str]]:
    index, sep, rest = text.partition(":")
    if not sep or not index.strip().isdigit() or not rest:
        raise argparse.ArgumentTypeError(f"'{text}' is not INDEX:NAME=VALUE[,NAME=VALUE] (e.g. 1:smoothing=0)")
    pairs = {}
    for item in rest.split(","):
        name, eq, value = item.partition("=")
        if not eq:
            raise argparse.ArgumentTypeError(f"'{item}' is not NAME=VALUE")
        pairs[name.strip().replace("-", "_")] = value.strip()
    return int(index), pairs


def _megapixels(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of megapixels") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("the limit must be a positive number of megapixels")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="facestudio",
        description="Portrait retouching with an offline engine. With no command (or with photo "
                    "paths only) the desktop app opens.",
        epilog="Exit status: 0 done, 2 user error (nothing written), 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"facestudio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    an = sub.add_parser("analyze", help="find every face and print its 90 landmarks as JSON",
                        description="Find every face and print the face/analyze JSON (coordinates "
                                    "of the image as displayed, EXIF orientation applied).")
    an.add_argument("photo", metavar="PHOTO")
    an.add_argument("--largest", action="store_true", help="only the largest face")
    an.add_argument("-o", "--output", metavar="OUT.json", help="write the JSON here instead of stdout")
    an.add_argument("--overlay", metavar="OUT.png", help="also write the photo with the points drawn by group")
    an.add_argument("--integers", action="store_true", help="round coordinates like the cloud service does")
    an.add_argument("--overwrite", action="store_true", help="replace existing output files")
    an.add_argument("--max-megapixels", type=_megapixels, default=200.0, metavar="MP",
                    help="refuse larger images (decompression-bomb guard, default 200)")

    rt = sub.add_parser("retouch", help="retouch a photo and export it (format from the extension)",
                        description="Retouch every face (or one) and export. Metadata (EXIF, ICC, "
                                    "XMP) and resolution are kept; the input is never overwritten "
                                    "unless --overwrite is given.")
    rt.add_argument("photo", metavar="PHOTO")
    rt.add_argument("-o", "--output", metavar="OUT", required=True,
                    help="output file: .jpg .png .tif .webp .bmp")
    for spec in PARAMETERS:
        rt.add_argument(f"--{spec.name.replace('_', '-')}", dest=spec.name, type=_percent,
                        default=spec.default, metavar="N",
                        help=f"{spec.label.lower()}, 0-100 (default {spec.default}): {spec.help.lower()}")
    for spec in PRO_PARAMETERS:
        rt.add_argument(f"--{spec.name.replace('_', '-')}", dest=spec.name, type=_percent,
                        default=spec.default, metavar="N",
                        help=f"{spec.label.lower()}, 0-100 (default {spec.default}): {spec.help.lower()}")
    rt.add_argument("--reshape", type=_reshape_value, action="append", default=[], metavar="PART=VALUE",
                    help="a reshape part, -100..100 (repeatable): " + ", ".join(n for n, _ in RESHAPE_PARTS))
    rt.add_argument("--filter", metavar="ID|NAME", help="colour filter 1-35 or its name (see 'facestudio filters')")
    rt.add_argument("--filter-strength", type=_percent, default=100, metavar="N", help="filter strength 0-100 (default 100)")
    rt.add_argument("--smart-beauty", type=_level, metavar="LEVEL",
                    help="one-click balanced retouch, 0-1, measured per face (replaces the slider values)")
    rt.add_argument("--largest-only", action="store_true",
                    help="with --smart-beauty: only the largest face (the provider's multi_face=0)")
    rt.add_argument("--override", type=_override, action="append", default=[], metavar="INDEX:NAME=VALUE,...",
                    help="give one face its own values, e.g. --override 1:smoothing=0,eye_enlarging=20")
    rt.add_argument("--face", type=_face_index, metavar="INDEX",
                    help="retouch only this face (numbers as printed by analyze); default: every face")
    rt.add_argument("--quality", type=_quality, default=95, metavar="Q", help="JPEG/WebP quality 1-100 (default 95)")
    rt.add_argument("--overwrite", action="store_true", help="allow replacing an existing file, even the input")
    rt.add_argument("--max-megapixels", type=_megapixels, default=200.0, metavar="MP",
                    help="refuse larger images (decompression-bomb guard, default 200)")

    fl = sub.add_parser("filters", help="list the 35 colour filters, or draw them on a photo",
                        description="List the 35 colour filters (ids and names as AILabTools "
                                    "face-beauty-pro numbers them); with --sheet, draw each on PHOTO.")
    fl.add_argument("--sheet", nargs=2, metavar=("PHOTO", "OUT.png"), help="write a contact sheet of all filters")
    fl.add_argument("--overwrite", action="store_true", help="replace an existing sheet")

    be = sub.add_parser("bench", help="time decode, landmarks, each operation and encode (2 MP and 24 MP)",
                        description="Benchmark the local engine on portraits composed from the "
                                    "shipped sample; figures are also given as ratios to floors "
                                    "measured in the same run.")
    be.add_argument("--repeat", type=int, default=3, metavar="N", help="runs per figure; the median is shown")
    be.add_argument("--photo", metavar="PHOTO", help="also time this photo end to end")
    return parser


def _check_output(path: Path, *, inputs: Sequence[Path], overwrite: bool, extensions: Sequence[str]) -> None:
    """Fail before any work when the output cannot or must not be written."""
    if path.suffix.lower() not in extensions:
        raise UsageError(f"cannot tell the format of '{path}': use one of {', '.join(extensions)}")
    if not overwrite:
        for src in inputs:
            if path.exists() and src.exists() and os.path.samefile(path, src):
                raise OutputExistsError(f"'{path}' is the input photo; choose another name or pass --overwrite")
        if path.exists():
            raise OutputExistsError(f"'{path}' exists; choose another name or pass --overwrite")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"folder '{folder}' does not exist; create it or choose another output")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"cannot write to folder '{folder}' (permission denied); choose another output")


def _warn(message: str) -> None:
    print(f"facestudio: warning: {message}", file=sys.stderr)


def cmd_analyze(args: argparse.Namespace) -> int:
    from facestudio.core import imageio, landmarks

    photo = Path(args.photo)
    if args.output:
        _check_output(Path(args.output), inputs=[photo], overwrite=args.overwrite, extensions=(".json",))
    if args.overlay:
        _check_output(Path(args.overlay), inputs=[photo], overwrite=args.overwrite,
                      extensions=(".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp"))
    loaded = imageio.load_image(photo, max_pixels=int(args.max_megapixels * 1_000_000))
    analysis = landmarks.detect_faces(loaded.pixels)
    if args.largest:
        analysis = analysis.largest()
    if not analysis.faces:
        _warn(f"no face found in '{photo}'")
    text = json.dumps(analysis.to_json(integers=args.integers), indent=2)
    if args.output:
        _write_text_atomic(Path(args.output), text + "\n")
    else:
        print(text)
    if args.overlay:
        from facestudio.core.overlay import draw_landmarks

        drawn = draw_landmarks(imageio.to_uint8(loaded.pixels), analysis)
        imageio.save_image(args.overlay, drawn, overwrite=args.overwrite, protect=[photo])
    return 0


def _write_text_atomic(path: Path, text: str) -> None:
    import tempfile

    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise FaceStudioError(f"cannot write '{path}': {exc.strerror or exc}; choose another output") from exc


def _params_from_args(args: argparse.Namespace) -> Any:
    from facestudio.core.params import RetouchParams

    filter_id = None
    if args.filter is not None:
        from facestudio.core.filters import filter_by_id, filter_by_name

        text = args.filter.strip()
        filter_id = filter_by_id(int(text)).id if text.isdigit() else filter_by_name(text).id
    base = RetouchParams(**{spec.name: getattr(args, spec.name) for spec in PARAMETERS + PRO_PARAMETERS},
                         reshape=dict(args.reshape), filter_id=filter_id,
                         filter_strength=args.filter_strength, face=args.face)
    for index, pairs in args.override:
        base = base.with_override(index, _apply_pairs(base, pairs))
    return base


def _apply_pairs(base: Any, pairs: dict[str, str]) -> Any:
    """``base`` with NAME=VALUE pairs applied: slider names, or reshape part names."""
    from facestudio.core.params import RESHAPE_INDEX, SLIDER_BY_NAME

    params = base.replace(overrides=(), face=None)
    for name, value in pairs.items():
        try:
            number = int(value)
        except ValueError:
            raise UsageError(f"--override: '{value}' is not a whole number") from None
        if name in SLIDER_BY_NAME:
            params = params.replace(**{name: number})
        elif name in RESHAPE_INDEX:
            params = params.with_part(name, number)
        else:
            raise UsageError(f"--override: unknown name '{name}'; use a slider ({', '.join(SLIDER_BY_NAME)}) "
                             "or a reshape part")
    return params


def _smart(args: argparse.Namespace, pixels: Any, faces: tuple, params: Any) -> Any:
    """Replace the face sliders by the measured smart-beauty mix, keeping shape flags and filter."""
    from facestudio.core.smart import smart_beauty

    mix = smart_beauty(pixels, faces, args.smart_beauty, multi_face=not args.largest_only)
    keep = dict(reshape=params.reshape, shrink_face=params.shrink_face, remove_eyebrow=params.remove_eyebrow)
    out = params.replace(**{spec.name: 0 for spec in PARAMETERS + PRO_PARAMETERS}, reshape=(0,) * len(RESHAPE_PARTS),
                         overrides=())
    for index, face_params in mix.overrides:
        out = out.with_override(index, face_params.replace(**keep))
    return out


def cmd_retouch(args: argparse.Namespace) -> int:
    from facestudio.core import imageio, landmarks, pipeline

    photo, out = Path(args.photo), Path(args.output)
    params = _params_from_args(args)
    _check_output(out, inputs=[photo], overwrite=args.overwrite, extensions=IMAGE_EXTENSIONS)
    loaded = imageio.load_image(photo, max_pixels=int(args.max_megapixels * 1_000_000))
    faces: tuple = ()
    if not params.is_identity() or args.smart_beauty:
        faces = landmarks.detect_faces(loaded.pixels).faces
        if not faces:
            _warn(f"no face found in '{photo}'; face operations skipped"
                  + ("" if params.filter_id else ", the photo is exported unchanged"))
            params = params.zero().replace(filter_id=params.filter_id, filter_strength=params.filter_strength)
        else:
            _check_face_indices(params, len(faces))
            if args.smart_beauty is not None:
                params = _smart(args, loaded.pixels, faces, params)
    result = pipeline.render(loaded.pixels, faces, params)
    imageio.save_image(out, result, metadata=loaded.metadata, alpha=loaded.alpha, quality=args.quality,
                       overwrite=args.overwrite, protect=[] if args.overwrite else [photo])
    print(f"wrote {out} ({result.shape[1]}x{result.shape[0]}, {len(faces)} face(s) retouched)", file=sys.stderr)
    return 0


def _check_face_indices(params: Any, n_faces: int) -> None:
    for index in [params.face] + [i for i, _ in params.overrides]:
        if index is not None and index >= n_faces:
            raise ParameterError(f"face {index} was named but this photo has {n_faces} face(s), "
                                 f"numbered 0 to {n_faces - 1} (see 'facestudio analyze')")


def cmd_filters(args: argparse.Namespace) -> int:
    from facestudio.core.filters import FILTERS

    if not args.sheet:
        for spec in FILTERS:
            print(f"{spec.id:2d}  {spec.name}")
        return 0
    from facestudio.core import imageio
    from facestudio.core.filters import contact_sheet

    photo, out = Path(args.sheet[0]), Path(args.sheet[1])
    _check_output(out, inputs=[photo], overwrite=args.overwrite, extensions=(".png", ".jpg", ".jpeg"))
    sheet = contact_sheet(imageio.to_uint8(imageio.load_image(photo).pixels))
    imageio.save_image(out, sheet, overwrite=args.overwrite, protect=[photo])
    print(f"wrote {out}", file=sys.stderr)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from facestudio import bench

    return bench.run(repeat=max(1, args.repeat), photo=args.photo)


def _open_gui(paths: Sequence[str]) -> int:
    from facestudio.gui.app import main as gui_main

    return int(gui_main(list(paths)) or 0)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
            missing = [p for p in argv if not Path(p).exists()]
            if missing:
                raise UsageError(f"'{missing[0]}' is neither a command ({', '.join(COMMANDS)}) nor an "
                                 f"existing photo; see 'facestudio --help'")
            return _open_gui(argv)
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 0
        handler = {"analyze": cmd_analyze, "retouch": cmd_retouch, "bench": cmd_bench,
                   "filters": cmd_filters}[args.command]
        return handler(args)
    except FaceStudioError as err:
        print(f"facestudio: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("facestudio: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
