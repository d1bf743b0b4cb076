"""The ``facestudio`` command line: parsing, dispatch, and the contract with the shell.

What belongs here: the argument parser (``analyze``, ``retouch``, ``batch``, ``presets``,
``filters``, ``bench``; the GUI when there is no command), the argument types with their one-line
messages, and the contract: results on stdout, messages on stderr, exit status 0 (done), 1 (some
photos of a batch failed; an internal failure with a traceback is a bug), 2 (a user error:
missing file, not an image, bad value, existing or unwritable target; nothing written) and 130
(interrupted). The commands themselves live in :mod:`facestudio.cli_commands`. Heavy modules
(the model runtime, OpenCV, Qt) are imported only by the command that needs them, so a usage
error answers at once.

``facestudio`` with no arguments, or with photo paths only, opens the desktop app.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from facestudio import __version__
from facestudio.cli_commands import UsageError
from facestudio.core.errors import FaceStudioError
from facestudio.core.params import PARAMETERS, PRO_PARAMETERS, RESHAPE_PARTS

COMMANDS = ("analyze", "retouch", "batch", "presets", "filters", "parts", "bench")
BACKENDS = ("local", "acedata", "ailab-pro", "ailab-smart", "ailab-tidyup")


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
    """A face number as people count (1 = the leftmost face), returned as a 0-based index."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a face number (1, 2, 3 ... from the left)") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a face number: faces are numbered 1, 2, 3 ... from the left")
    return value - 1


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
        raise argparse.ArgumentTypeError(f"'{text}' is not FACE:NAME=VALUE[,NAME=VALUE] (e.g. 2:smoothing=0)")
    if int(index) < 1:
        raise argparse.ArgumentTypeError(f"'{text}': faces are numbered 1, 2, 3 ... from the left")
    pairs = {}
    for item in rest.split(","):
        name, eq, value = item.partition("=")
        if not eq:
            raise argparse.ArgumentTypeError(f"'{item}' is not NAME=VALUE")
        pairs[name.strip().replace("-", "_")] = value.strip()
    return int(index) - 1, pairs


def _megapixels(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of megapixels") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("the limit must be a positive number of megapixels")
    return value


def _add_common(p: argparse.ArgumentParser, *, backend: bool = True) -> None:
    if backend:
        p.add_argument("--backend", choices=BACKENDS, default="local",
                       help="where the work is done (default local: offline, nothing leaves this computer)")
        p.add_argument("--image-url", metavar="URL",
                       help="acedata: a public URL of the same photo, instead of uploading it")
        p.add_argument("--timeout", type=float, metavar="S", help="cloud: give up after S seconds")
    p.add_argument("--max-megapixels", type=_megapixels, default=200.0, metavar="MP",
                   help="refuse larger images (decompression-bomb guard, default 200)")


def _add_edit_flags(p: argparse.ArgumentParser) -> None:
    """The retouch parameters, shared by retouch, batch and presets save. Unset flags keep the
    preset's value (or the default)."""
    p.add_argument("--preset", metavar="NAME", help="start from a preset (see 'facestudio presets list')")
    for spec in PARAMETERS + PRO_PARAMETERS:
        p.add_argument(f"--{spec.name.replace('_', '-')}", dest=spec.name, type=_percent, metavar="N",
                       help=f"{spec.label.lower()}, 0-100 (default {spec.default}): {spec.help.lower()}")
    p.add_argument("--reshape", type=_reshape_value, action="append", default=[], metavar="PART=VALUE",
                   help="a reshape part, -100..100 (repeatable): " + ", ".join(n for n, _ in RESHAPE_PARTS))
    p.add_argument("--filter", metavar="ID|NAME", help="colour filter 1-35 or its name (see 'facestudio filters')")
    p.add_argument("--filter-strength", type=_percent, metavar="N", help="filter strength 0-100 (default 100)")
    p.add_argument("--override", type=_override, action="append", default=[], metavar="FACE:NAME=VALUE,...",
                   help="give one face its own values (faces numbered from 1, left to right), "
                        "e.g. --override 2:smoothing=0,eye_enlarging=20")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="facestudio",
        description="Portrait retouching with an offline engine. With no command (or with photo "
                    "paths only) the desktop app opens.",
        epilog="Exit status: 0 done, 1 some photos of a batch failed, 2 user error (nothing written), "
               "130 interrupted.",
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
    _add_common(an)

    rt = sub.add_parser("retouch", help="retouch a photo and export it (format from the extension)",
                        description="Retouch every face (or one) and export. Metadata (EXIF, ICC, "
                                    "XMP) and resolution are kept; the input is never overwritten "
                                    "unless --overwrite is given.")
    rt.add_argument("photo", metavar="PHOTO")
    rt.add_argument("-o", "--output", metavar="OUT", required=True,
                    help="output file: .jpg .png .tif .webp .bmp")
    _add_edit_flags(rt)
    rt.add_argument("--smart-beauty", type=_level, metavar="LEVEL",
                    help="one-click balanced retouch, 0-1, measured per face (replaces the slider values)")
    rt.add_argument("--largest-only", action="store_true",
                    help="with --smart-beauty: only the largest face (the provider's multi_face=0)")
    rt.add_argument("--face", type=_face_index, metavar="N",
                    help="retouch only face N (1 = leftmost, as numbered by 'analyze --overlay' and the app); "
                         "default: every face")
    rt.add_argument("--sidecar", action="store_true",
                    help="use the edit saved beside the photo (PHOTO.facestudio.json) if there is one, "
                         "else save this edit there")
    rt.add_argument("--quality", type=_quality, default=95, metavar="Q", help="JPEG/WebP quality 1-100 (default 95)")
    rt.add_argument("--overwrite", action="store_true", help="allow replacing an existing file, even the input")
    _add_common(rt)

    ba = sub.add_parser("batch", help="retouch every photo of a folder",
                        description="Retouch every photo in INPUT_DIR into OUTPUT_DIR, faces detected "
                                    "per photo. A failed photo is reported and skipped; existing "
                                    "outputs are skipped, so a rerun finishes an interrupted batch.")
    ba.add_argument("input_dir", metavar="INPUT_DIR")
    ba.add_argument("-o", "--output", metavar="OUTPUT_DIR", required=True)
    _add_edit_flags(ba)
    ba.add_argument("--jobs", type=int, default=1, metavar="N", help="photos in flight at once (default 1)")
    ba.add_argument("--format", metavar="EXT", help="output format (default: each input's own)")
    ba.add_argument("--suffix", default="", metavar="TEXT", help="added to each output name, e.g. --suffix=-retouched")
    ba.add_argument("--recursive", action="store_true", help="include sub-folders (their structure is kept)")
    ba.add_argument("--sidecars", action="store_true",
                    help="a photo's own saved edit (PHOTO.facestudio.json) wins over these settings")
    ba.add_argument("--quality", type=_quality, default=95, metavar="Q", help="JPEG/WebP quality 1-100 (default 95)")
    ba.add_argument("--overwrite", action="store_true", help="redo photos whose output exists")
    _add_common(ba)

    pr = sub.add_parser("presets", help="list, show, save or delete named parameter sets",
                        description="Presets are named slider values; yours are kept in the config "
                                    "folder (FACESTUDIO_CONFIG_DIR to move it).")
    pr.add_argument("action", choices=("list", "show", "save", "delete"))
    pr.add_argument("name", nargs="?", metavar="NAME")
    _add_edit_flags(pr)
    pr.add_argument("--overwrite", action="store_true", help="replace an existing preset")

    fl = sub.add_parser("filters", help="list the 35 colour filters, or draw them on a photo",
                        description="List the 35 colour filters (ids and names as AILabTools "
                                    "face-beauty-pro numbers them); with --sheet, draw each on PHOTO.")
    fl.add_argument("--sheet", nargs=2, metavar=("PHOTO", "OUT.png"), help="write a contact sheet of all filters")
    fl.add_argument("--overwrite", action="store_true", help="replace an existing sheet")

    pa = sub.add_parser("parts", help="list the 22 reshape parts, or draw them on a photo",
                        description="List the 22 reshape parts (face-tidyup's shape_type order); with "
                                    "--sheet, draw each at -100 and +100 on the photo's first face.")
    pa.add_argument("--sheet", nargs=2, metavar=("PHOTO", "OUT.png"), help="write a contact sheet of all parts")
    pa.add_argument("--overwrite", action="store_true", help="replace an existing sheet")

    be = sub.add_parser("bench", help="time decode, landmarks, each operation and encode (2 MP and 24 MP)",
                        description="Benchmark the local engine on portraits composed from the "
                                    "shipped sample; figures are also given as ratios to floors "
                                    "measured in the same run.")
    be.add_argument("--repeat", type=int, default=3, metavar="N", help="runs per figure; the median is shown")
    be.add_argument("--photo", metavar="PHOTO", help="also time this photo end to end")
    return parser


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
        from facestudio import cli_commands as c

        handler = {"analyze": c.cmd_analyze, "retouch": c.cmd_retouch, "batch": c.cmd_batch,
                   "presets": c.cmd_presets, "filters": c.cmd_filters, "parts": c.cmd_parts,
                   "bench": c.cmd_bench}[args.command]
        return handler(args)
    except FaceStudioError as err:
        print(f"facestudio: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("facestudio: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
