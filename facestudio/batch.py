"""Batch retouching of a folder: plan, run with bounded concurrency, report, skip what is done.

What belongs here: matching input photos to output paths (:func:`plan_batch`), running every
photo through one backend with at most ``jobs`` photos in flight (:func:`run_batch`: load,
detect faces afresh for each photo, retouch, export atomically with the photo's metadata), and
the bookkeeping a photographer needs from a long run: one photo's failure is recorded and the
rest go on; outputs that already exist are skipped, so a rerun after an interruption finishes
the job; a summary at the end. A photo's sidecar edit (``PHOTO.facestudio.json``) wins over the
batch parameters when ``use_sidecars`` is set, so per-photo corrections survive a batch export.

Everything here is asyncio over the :class:`facestudio.backends.Backend` interface; the CLI runs
it with ``asyncio.run``, the GUI's export queue on its qasync loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

from facestudio.core.errors import FaceStudioError, ParameterError
from facestudio.core.params import RetouchParams

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


@dataclass(frozen=True)
class BatchItem:
    source: Path
    target: Path


@dataclass
class BatchReport:
    done: list[BatchItem] = field(default_factory=list)
    skipped: list[BatchItem] = field(default_factory=list)
    failed: list[tuple[BatchItem, str]] = field(default_factory=list)
    no_face: list[BatchItem] = field(default_factory=list)

    def summary(self) -> str:
        total = len(self.done) + len(self.skipped) + len(self.failed)
        parts = [f"{len(self.done)} retouched"]
        if self.no_face:
            parts.append(f"{len(self.no_face)} of them without a face (exported unchanged)")
        parts.append(f"{len(self.skipped)} already done (skipped)")
        parts.append(f"{len(self.failed)} failed")
        return f"{total} photo(s): " + ", ".join(parts)


#: progress(index, total, item, status, message) with status "done", "skipped", "failed", "no-face"
Progress = Callable[[int, int, BatchItem, str, str], None]


def plan_batch(input_dir: str | Path, output_dir: str | Path, *, fmt: str | None = None,
               suffix: str = "", recursive: bool = False) -> list[BatchItem]:
    """The photos of ``input_dir`` and where each one's result goes.

    Output names keep the input's name (and folder structure when ``recursive``), with
    ``suffix`` added to the stem and the extension replaced by ``fmt`` when given. Refuses a
    plan that would write over its own inputs.
    """
    src_dir, out_dir = Path(input_dir), Path(output_dir)
    if not src_dir.is_dir():
        raise ParameterError(f"'{src_dir}' is not a folder; give the folder that holds the photos")
    ext = None
    if fmt:
        ext = "." + fmt.lower().lstrip(".")
        if ext not in IMAGE_SUFFIXES:
            raise ParameterError(f"--format {fmt}: use one of {', '.join(s.lstrip('.') for s in IMAGE_SUFFIXES)}")
    same = out_dir.resolve() == src_dir.resolve()
    if same and not suffix:
        raise ParameterError("the output folder is the input folder; choose another folder or pass --suffix")
    pattern = "**/*" if recursive else "*"
    items = []
    for path in sorted(src_dir.glob(pattern)):
        if not path.is_file() or path.suffix.lower() not in IMAGE_SUFFIXES or path.name.startswith("."):
            continue
        if recursive and out_dir.resolve() in path.resolve().parents:
            continue  # never take our own outputs as inputs
        rel = path.relative_to(src_dir)
        name = f"{path.stem}{suffix}{ext or path.suffix}"
        items.append(BatchItem(path, out_dir / rel.parent / name))
    return items


async def _one(item: BatchItem, backend, params: RetouchParams, *, quality: int, overwrite: bool,
               use_sidecars: bool, executor: Executor | None, max_pixels: int) -> str:
    """Retouch one photo; returns "done" or "no-face". Raises FaceStudioError on a user error."""
    from facestudio import sidecar
    from facestudio.core import imageio

    loop = asyncio.get_running_loop()
    photo = await loop.run_in_executor(executor, lambda: imageio.load_image(item.source, max_pixels=max_pixels))
    edit = sidecar.load_edit(item.source) if use_sidecars else None
    analysis = None
    if edit is not None:
        params, analysis = edit.params, edit.faces_for(item.source)
    if params.is_identity():
        pixels = photo.pixels
        status = "done"
    else:
        if analysis is None:
            analysis = await backend.analyze(photo)
        if not analysis.faces:
            params = params.only_filter()
            status = "no-face"
        else:
            status = "done"
            params.check_face_count(len(analysis.faces))
        pixels = await backend.retouch(photo, analysis, params)
    item.target.parent.mkdir(parents=True, exist_ok=True)
    await loop.run_in_executor(executor, lambda: imageio.save_image(
        item.target, pixels, metadata=photo.metadata, alpha=photo.alpha, quality=quality,
        overwrite=overwrite, protect=[item.source]))
    return status


async def run_batch(items: list[BatchItem], backend, params: RetouchParams, *, jobs: int = 1, quality: int = 95,
                    overwrite: bool = False, use_sidecars: bool = False, executor: Executor | None = None,
                    max_pixels: int = 200_000_000, progress: Progress | None = None) -> BatchReport:
    """Run the batch; never raises for one photo's failure (see the report)."""
    report = BatchReport()
    sem = asyncio.Semaphore(max(1, jobs))
    total = len(items)
    counter = 0

    def tell(item: BatchItem, status: str, message: str) -> None:
        nonlocal counter
        counter += 1
        if progress is not None:
            progress(counter, total, item, status, message)

    async def worker(item: BatchItem) -> None:
        if item.target.exists() and not overwrite:
            report.skipped.append(item)
            tell(item, "skipped", "output exists")
            return
        async with sem:
            t0 = time.perf_counter()
            try:
                status = await _one(item, backend, params, quality=quality, overwrite=overwrite,
                                    use_sidecars=use_sidecars, executor=executor, max_pixels=max_pixels)
            except FaceStudioError as err:
                report.failed.append((item, str(err)))
                tell(item, "failed", str(err))
                return
            except asyncio.CancelledError:
                raise
            except Exception as err:  # a bug must not stop the other photos; say what it was
                msg = f"internal error {type(err).__name__}: {err}"
                report.failed.append((item, msg))
                tell(item, "failed", msg)
                return
            report.done.append(item)
            if status == "no-face":
                report.no_face.append(item)
            tell(item, status, f"{time.perf_counter() - t0:.1f} s")

    await asyncio.gather(*(worker(i) for i in items))
    return report
