"""``facestudio bench``: what each stage of the local engine costs, as times and as ratios.

What belongs here: composing benchmark photos from the shipped sample (a 2 MP and a 24 MP
portrait, a 7-face 24 MP group photo), timing decode, landmarks, each operation, the four
operations together on a preview, encode and a whole retouch, and printing them beside floors
measured in the same run (a plain copy of the pixels; decode + encode of the same file), because
absolute times on shared machines drift by 2x from run to run while ratios hold.

Medians over ``repeat`` runs after one warm-up. Nothing here is asserted: targets are printed
next to the figures for a person to read.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from facestudio import samples
from facestudio.core import imageio, landmarks, pipeline
from facestudio.core.params import PARAMETERS, RetouchParams


def _median_time(fn: Callable[[], Any], repeat: int, *, warmup: bool = True) -> float:
    if warmup:
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f} ms"


def _row(label: str, seconds: float, floor: float | None = None, note: str = "") -> None:
    ratio = f"{seconds / floor:8.1f}x" if floor else " " * 9
    print(f"  {label:<40} {_ms(seconds)} {ratio}  {note}")


def _copy_floor(image: np.ndarray, repeat: int) -> float:
    dst = np.empty_like(image)
    return _median_time(lambda: np.copyto(dst, image), max(repeat, 5))


def bench_photo(path: Path, repeat: int, *, label: str) -> None:
    """Time every stage on one photo file."""
    loaded = imageio.load_image(path)
    h, w = loaded.pixels.shape[:2]
    print(f"\n{label}: {path.name}, {w}x{h} ({w * h / 1e6:.1f} MP)")
    floor = _copy_floor(loaded.pixels, repeat)
    _row("floor: np.copyto of the pixels", floor, floor)
    decode = _median_time(lambda: imageio.load_image(path), repeat)
    _row("decode (load_image)", decode, floor)
    analysis = landmarks.detect_faces(loaded.pixels)
    detect = _median_time(lambda: landmarks.detect_faces(loaded.pixels), repeat, warmup=False)
    _row(f"landmarks ({len(analysis.faces)} face(s))", detect, floor)
    faces = analysis.faces
    zero = RetouchParams.zero()
    defaults = RetouchParams()
    for spec in PARAMETERS:
        one = zero.replace(**{spec.name: getattr(defaults, spec.name)})
        t = _median_time(lambda one=one: pipeline.render(loaded.pixels, faces, one), repeat)
        _row(f"{spec.name} at {getattr(defaults, spec.name)} (fresh masks)", t, floor)
    prepared = pipeline.PreparedPhoto(loaded.pixels, faces)
    four = _median_time(lambda: prepared.render(defaults), repeat)
    _row("four operations, masks cached", four, floor)
    result = prepared.render(defaults)
    out_dir = Path(tempfile.mkdtemp(prefix="facestudio-bench-"))
    target = out_dir / f"out{path.suffix}"
    encode = _median_time(lambda: imageio.save_image(target, result, metadata=loaded.metadata,
                                                     overwrite=True), repeat)
    _row("encode (save_image, q95)", encode, floor)

    def whole() -> None:
        photo = imageio.load_image(path)
        found = landmarks.detect_faces(photo.pixels)
        out = pipeline.render(photo.pixels, found.faces, defaults)
        imageio.save_image(target, out, metadata=photo.metadata, overwrite=True)

    total = _median_time(whole, repeat)
    io_floor = decode + encode
    _row("full retouch end to end", total, floor,
         f"= {total / io_floor:.2f}x (decode + encode); target <= 3x")
    target.unlink(missing_ok=True)
    out_dir.rmdir()


def bench_preview(repeat: int) -> None:
    """The four operations on a 2 MP preview with landmarks known (the slider path)."""
    src = samples.shipped_astronaut()
    frame = samples.large_portrait(src, 1632, 1224)
    analysis = landmarks.detect_faces(frame)
    prepared = pipeline.PreparedPhoto(frame, analysis.faces)
    floor = _copy_floor(frame, repeat)
    print(f"\nPreview, 1632x1224 (2.0 MP), {len(analysis.faces)} face(s), landmarks known")
    _row("floor: np.copyto", floor, floor)
    t = _median_time(lambda: prepared.render(RetouchParams()), max(repeat, 5))
    _row("four operations (defaults)", t, floor, "target <= 30 ms")
    strong = RetouchParams(smoothing=80, whitening=80, face_lifting=100, eye_enlarging=100)
    t = _median_time(lambda: prepared.render(strong), max(repeat, 5))
    _row("four operations (strong)", t, floor)


def bench_group(repeat: int) -> None:
    src = samples.shipped_astronaut()
    group = samples.group_photo(src, 7, 6000, 4000)
    floor = _copy_floor(group.image, repeat)
    found = landmarks.detect_faces(group.image)
    t = _median_time(lambda: landmarks.detect_faces(group.image), repeat, warmup=False)
    print(f"\nGroup photo, 6000x4000, 7 faces placed, {len(found.faces)} found")
    _row("floor: np.copyto", floor, floor)
    _row("landmarks, all faces", t, floor, "target <= 0.7 s")


def _fine_energy(img: np.ndarray, where: np.ndarray) -> float:
    import cv2

    y = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(np.mean((y - cv2.GaussianBlur(y, (0, 0), 0.8))[where] ** 2))


def quality_figures() -> None:
    """Texture kept inside the skin and effect leaked outside it, per face (issue 5's figures).

    texture = fine-band (pores) energy inside the skin after / before, at default smoothing and
    at smoothing 60; leak = pixels changed where the skin mask is 0, over all pixels there.
    """
    from facestudio.core.masks import face_roi, skin_mask

    src = samples.shipped_astronaut()
    group = samples.group_photo(src, 7, 3000, 2000).image
    print("\nQuality: texture kept in skin (>= 70 % wanted) and leak off the skin (0 wanted)")
    for label, image in (("astronaut", src), ("7-face group", group)):
        faces = landmarks.detect_faces(image).faces
        for smoothing in (RetouchParams().smoothing, 60):
            params = RetouchParams.zero().replace(smoothing=smoothing, whitening=RetouchParams().whitening)
            out = pipeline.render(image, faces, params)
            kept, leaked, outside = [], 0, 0
            for f in faces:
                roi = face_roi(f, image.shape)
                m = skin_mask(image, f, roi)
                a, b = image[roi.slices], out[roi.slices]
                kept.append(_fine_energy(b, m > 0.95) / max(_fine_energy(a, m > 0.95), 1e-9))
                off = m == 0
                leaked += int(np.any(a[off] != b[off], axis=-1).sum())
                outside += int(off.sum())
            print(f"  {label:<14} smoothing {smoothing:>3}: texture kept {100 * min(kept):5.1f} % (worst face of "
                  f"{len(faces)}), {100 * np.mean(kept):5.1f} % mean; leak {leaked} of {outside} px")


def run(*, repeat: int = 3, photo: str | None = None) -> int:
    src = samples.shipped_astronaut()
    meta = imageio.load_image(samples.sample_path()).metadata
    work = Path(tempfile.mkdtemp(prefix="facestudio-bench-src-"))
    try:
        print(f"facestudio bench: medians of {repeat} run(s); ratios are to the copy floor of the "
              "same pixels measured in this run")
        bench_preview(repeat)
        for label, (w, h) in (("2 MP portrait", (1224, 1632)), ("24 MP portrait", (6000, 4000))):
            path = work / f"portrait-{w}x{h}.jpg"
            imageio.save_image(path, samples.large_portrait(src, w, h) if w > h else
                               _portrait(src, w, h), metadata=meta, quality=95)
            bench_photo(path, repeat, label=label)
        bench_group(repeat)
        quality_figures()
        if photo:
            bench_photo(Path(photo), repeat, label="Your photo")
    finally:
        for p in work.iterdir():
            p.unlink()
        work.rmdir()
    return 0


def _portrait(src: np.ndarray, w: int, h: int) -> np.ndarray:
    """A portrait-orientation frame: the sample scaled to the width, on a backdrop."""
    import cv2

    canvas = samples.backdrop(h, w)
    big = cv2.resize(src, (w, w), interpolation=cv2.INTER_CUBIC)
    y = (h - w) // 2
    canvas[y:y + w] = big
    return canvas
