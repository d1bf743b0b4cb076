"""What each ``facestudio`` command does, once :mod:`facestudio.cli` has parsed its arguments.

What belongs here: the bodies of ``analyze``, ``retouch``, ``batch``, ``presets``, ``filters``
and ``bench``; building :class:`RetouchParams` from flags, a preset, a sidecar or smart beauty;
checking outputs before any work; and driving a backend (the local engine, or a cloud service
the user named) with ``asyncio.run``. Messages for the user go to stderr; results to stdout.
Heavy modules are imported inside the commands.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from facestudio.core.errors import FaceStudioError, OutputExistsError
from facestudio.core.params import PARAMETERS, PRO_PARAMETERS, RESHAPE_PARTS, RetouchParams

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


class UsageError(FaceStudioError):
    """A command-line argument the user has to fix."""


def warn(message: str) -> None:
    print(f"facestudio: warning: {message}", file=sys.stderr)


def note(message: str) -> None:
    print(f"facestudio: {message}", file=sys.stderr)


def check_output(path: Path, *, inputs: Sequence[Path], overwrite: bool, extensions: Sequence[str]) -> None:
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


def write_text_atomic(path: Path, text: str) -> None:
    from facestudio.core.imageio import write_bytes_atomic

    write_bytes_atomic(path, text.encode("utf-8"), overwrite=True, kind="JSON")


# --- parameters ------------------------------------------------------------------------------

def params_from_args(args: argparse.Namespace) -> RetouchParams:
    """The preset (or the defaults), then every flag the user gave on top."""
    base = RetouchParams()
    if getattr(args, "preset", None):
        from facestudio.presets import load_preset

        base = load_preset(args.preset)
    changes: dict[str, Any] = {spec.name: getattr(args, spec.name) for spec in PARAMETERS + PRO_PARAMETERS
                               if getattr(args, spec.name, None) is not None}
    if getattr(args, "filter", None) is not None:
        from facestudio.core.filters import filter_by_id, filter_by_name

        text = args.filter.strip()
        changes["filter_id"] = filter_by_id(int(text)).id if text.isdigit() else filter_by_name(text).id
    if getattr(args, "filter_strength", None) is not None:
        changes["filter_strength"] = args.filter_strength
    params = base.replace(**changes, face=getattr(args, "face", None))
    for name, value in getattr(args, "reshape", []):
        params = params.with_part(name, value)
    for index, pairs in getattr(args, "override", []):
        params = params.with_override(index, apply_pairs(params, pairs))
    return params


def apply_pairs(base: RetouchParams, pairs: dict[str, str]) -> RetouchParams:
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


def smart_params(args: argparse.Namespace, pixels: Any, faces: tuple, params: RetouchParams) -> RetouchParams:
    """Replace the face sliders by the measured smart-beauty mix, keeping shape flags and filter."""
    from facestudio.core.smart import smart_beauty

    mix = smart_beauty(pixels, faces, args.smart_beauty, multi_face=not args.largest_only)
    keep = dict(reshape=params.reshape, shrink_face=params.shrink_face, remove_eyebrow=params.remove_eyebrow)
    out = params.replace(**{spec.name: 0 for spec in PARAMETERS + PRO_PARAMETERS},
                         reshape=(0,) * len(RESHAPE_PARTS), overrides=())
    for index, face_params in mix.overrides:
        out = out.with_override(index, face_params.replace(**keep))
    return out


# --- backends --------------------------------------------------------------------------------

def make_backend(args: argparse.Namespace):
    from facestudio.backends import make_backend as make

    config: dict[str, Any] = {}
    if getattr(args, "image_url", None):
        config["image_url"] = args.image_url
    if getattr(args, "timeout", None):
        config["timeout"] = args.timeout
    return make(args.backend, **config)


def progress_printer(label: str):
    """A progress callback that prints each new stage once (uploading, queued, ...)."""
    seen: list[str] = []

    def progress(stage: str, fraction: float | None = None) -> None:
        if not seen or seen[-1] != stage:
            seen.append(stage)
            note(f"{label}: {stage}...")

    return progress


def announce(backend: Any, photo: Path, loaded: Any = None, analysis: Any = None, params: Any = None) -> None:
    """Before anything leaves the machine: say who receives what, and what the service ignores."""
    destination = getattr(backend, "destination", None)
    if not destination:
        return
    if hasattr(backend, "require_credentials"):
        backend.require_credentials()
    if loaded is not None and params is not None and hasattr(backend, "plan_upload"):
        note(f"'{photo.name}': " + backend.describe_upload(backend.plan_upload(loaded, analysis, params)))
        ignored = backend.ignored_settings(params)
        if ignored:
            warn(f"{destination} cannot apply: {', '.join(ignored)} (the local engine can)")
    else:
        note(f"'{photo.name}' will be sent to {destination}, fitted to the service's limits")


# --- commands --------------------------------------------------------------------------------

def cmd_analyze(args: argparse.Namespace) -> int:
    from facestudio.core import imageio

    photo = Path(args.photo)
    if args.output:
        check_output(Path(args.output), inputs=[photo], overwrite=args.overwrite, extensions=(".json",))
    if args.overlay:
        check_output(Path(args.overlay), inputs=[photo], overwrite=args.overwrite,
                     extensions=(".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp"))
    loaded = imageio.load_image(photo, max_pixels=int(args.max_megapixels * 1_000_000))

    async def go():
        backend = make_backend(args)
        announce(backend, photo)
        try:
            return await backend.analyze(loaded, largest=args.largest, progress=progress_printer(photo.name)
                                         if args.backend != "local" else None)
        finally:
            await backend.aclose()

    analysis = asyncio.run(go())
    if not analysis.faces:
        warn(f"no face found in '{photo}'")
    text = json.dumps(analysis.to_json(integers=args.integers), indent=2)
    if args.output:
        write_text_atomic(Path(args.output), text + "\n")
    else:
        print(text)
    if args.overlay:
        from facestudio.core.overlay import draw_landmarks

        drawn = draw_landmarks(imageio.to_uint8(loaded.pixels), analysis)
        imageio.save_image(args.overlay, drawn, overwrite=args.overwrite, protect=[photo])
    return 0


def cmd_retouch(args: argparse.Namespace) -> int:
    from facestudio import sidecar
    from facestudio.core import imageio

    photo, out = Path(args.photo), Path(args.output)
    params = params_from_args(args)
    check_output(out, inputs=[photo], overwrite=args.overwrite, extensions=IMAGE_EXTENSIONS)
    loaded = imageio.load_image(photo, max_pixels=int(args.max_megapixels * 1_000_000))
    edit = sidecar.load_edit(photo) if args.sidecar else None
    analysis = None
    if edit is not None:
        params, analysis = edit.params, edit.faces_for(photo)
        if analysis is None and edit.analysis is not None:
            warn(f"'{photo.name}' changed since its edit was saved; faces are detected again")
        note(f"using the edit saved in {sidecar.sidecar_path(photo).name}")

    async def go():
        nonlocal analysis, params
        backend = make_backend(args)
        try:
            if analysis is None and (not params.is_identity() or args.smart_beauty is not None):
                analysis = await _local_analysis(loaded)
            faces = analysis.faces if analysis is not None else ()
            if analysis is not None and not faces:
                warn(f"no face found in '{photo}'; face operations skipped"
                     + ("" if params.filter_id else ", the photo is exported unchanged"))
                params = params.only_filter()
            elif faces:
                params.check_face_count(len(faces))
                if args.smart_beauty is not None and edit is None:
                    params = smart_params(args, loaded.pixels, faces, params)
            if params.is_identity():
                return loaded.pixels, faces
            announce(backend, photo, loaded, analysis, params)
            progress = progress_printer(photo.name) if args.backend != "local" else None
            return await backend.retouch(loaded, analysis, params, progress=progress), faces
        finally:
            await backend.aclose()

    result, faces = asyncio.run(go())
    imageio.save_image(out, result, metadata=loaded.metadata, alpha=loaded.alpha, quality=args.quality,
                       overwrite=args.overwrite, protect=[] if args.overwrite else [photo])
    if args.sidecar and edit is None:
        from facestudio.core.faceshape import FaceAnalysis

        h, w = loaded.pixels.shape[:2]
        saved = sidecar.save_edit(photo, sidecar.Edit(params=params, analysis=analysis or FaceAnalysis(w, h),
                                                      backend=args.backend, photo_sha256=sidecar.file_sha256(photo)))
        note(f"saved the edit in {saved.name}")
    note(f"wrote {out} ({result.shape[1]}x{result.shape[0]}, {len(faces)} face(s))")
    return 0


async def _local_analysis(loaded: Any):
    """Faces are always found by the local engine, whatever backend retouches: for a cloud
    retouch the crop that is sent depends on them."""
    from facestudio.backends import LocalBackend

    return await LocalBackend().analyze(loaded)


def cmd_batch(args: argparse.Namespace) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from facestudio.batch import plan_batch, run_batch

    params = params_from_args(args)
    items = plan_batch(args.input_dir, args.output, fmt=args.format, suffix=args.suffix, recursive=args.recursive)
    if not items:
        raise UsageError(f"no photos ({', '.join(IMAGE_EXTENSIONS)}) in '{args.input_dir}'")
    Path(args.output).mkdir(parents=True, exist_ok=True)
    if not os.access(args.output, os.W_OK):
        raise UsageError(f"cannot write to folder '{args.output}' (permission denied); choose another output")
    tty = sys.stderr.isatty()

    def progress(i: int, total: int, item: Any, status: str, message: str) -> None:
        bar = "#" * int(24 * i / total)
        line = f"[{bar:<24}] {i}/{total} {item.source.name}: {status}" + (f" ({message})" if message else "")
        print(("\r\x1b[K" if tty else "") + line, file=sys.stderr, end="" if tty and status != "failed" else "\n")

    async def go():
        backend = make_backend(args)
        if getattr(backend, "destination", None):
            note(f"{len(items)} photo(s) will be sent to {backend.destination}, one face region at a time")
        try:
            with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
                if hasattr(backend, "_executor") and backend._executor is None:
                    backend._executor = pool
                return await run_batch(items, backend, params, jobs=args.jobs, quality=args.quality,
                                       overwrite=args.overwrite, use_sidecars=args.sidecars, executor=pool,
                                       max_pixels=int(args.max_megapixels * 1_000_000), progress=progress)
        finally:
            await backend.aclose()

    report = asyncio.run(go())
    if tty:
        print(file=sys.stderr)
    for item, message in report.failed:
        print(f"facestudio: failed: {item.source}: {message}", file=sys.stderr)
    note(report.summary())
    return 1 if report.failed else 0


def cmd_presets(args: argparse.Namespace) -> int:
    from facestudio import presets

    if args.action == "list":
        builtin = set(presets.BUILTIN_PRESETS)
        for name in presets.list_presets():
            print(f"{name}{'  (built-in)' if name in builtin else ''}")
        return 0
    if not args.name:
        raise UsageError(f"'presets {args.action}' needs a preset NAME")
    if args.action == "show":
        print(json.dumps(presets.load_preset(args.name).to_dict(), indent=2))
    elif args.action == "save":
        path = presets.save_preset(args.name, params_from_args(args), overwrite=args.overwrite)
        note(f"saved preset '{args.name}' in {path}")
    elif args.action == "delete":
        presets.delete_preset(args.name)
        note(f"deleted preset '{args.name}'")
    return 0


def cmd_filters(args: argparse.Namespace) -> int:
    from facestudio.core.filters import FILTERS

    if not args.sheet:
        for spec in FILTERS:
            print(f"{spec.id:2d}  {spec.name}")
        return 0
    from facestudio.core import imageio
    from facestudio.core.filters import contact_sheet

    photo, out = Path(args.sheet[0]), Path(args.sheet[1])
    check_output(out, inputs=[photo], overwrite=args.overwrite, extensions=(".png", ".jpg", ".jpeg"))
    sheet = contact_sheet(imageio.to_uint8(imageio.load_image(photo).pixels))
    imageio.save_image(out, sheet, overwrite=args.overwrite, protect=[photo])
    note(f"wrote {out}")
    return 0


def cmd_parts(args: argparse.Namespace) -> int:
    if not args.sheet:
        for index, (name, label) in enumerate(RESHAPE_PARTS):
            print(f"{index:2d}  {name:<20} {label}")
        return 0
    from facestudio.core import imageio, landmarks
    from facestudio.core.sheet import parts_sheet

    photo, out = Path(args.sheet[0]), Path(args.sheet[1])
    check_output(out, inputs=[photo], overwrite=args.overwrite, extensions=(".png", ".jpg", ".jpeg"))
    loaded = imageio.load_image(photo)
    faces = landmarks.detect_faces(loaded.pixels).faces
    if not faces:
        raise UsageError(f"no face found in '{photo}'; choose a portrait for the parts sheet")
    imageio.save_image(out, parts_sheet(loaded.pixels, faces[0]), overwrite=args.overwrite, protect=[photo])
    note(f"wrote {out}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from facestudio import bench

    return bench.run(repeat=max(1, args.repeat), photo=args.photo)
