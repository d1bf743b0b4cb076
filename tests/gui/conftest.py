"""Fixtures for the GUI tests: an isolated config folder and real photos with metadata."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

EXIF_MAKE = "FaceStudioTest"
EXIF_ARTIST = "Jane Doe"


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch) -> Path:
    """Settings and window geometry go to a temporary folder, never the user's."""
    path = tmp_path / "config"
    monkeypatch.setenv("FACESTUDIO_CONFIG_DIR", str(path))
    return path


def icc_profile() -> bytes:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def write_photo(path: Path, rgb: np.ndarray, quality: int = 92) -> Path:
    """``rgb`` saved as a JPEG carrying EXIF (camera make, artist) and an sRGB ICC profile."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = EXIF_MAKE  # Make
    exif[0x013B] = EXIF_ARTIST  # Artist
    Image.fromarray(rgb).save(path, quality=quality, exif=exif.tobytes(), icc_profile=icc_profile())
    return path


@pytest.fixture
def astronaut_jpeg(tmp_path, astronaut_rgb) -> Path:
    return write_photo(tmp_path / "astronaut.jpg", np.ascontiguousarray(astronaut_rgb))
