"""Fixtures for the GUI tests: an isolated config folder, real photos with metadata, an in-memory
keyring with no key in the environment, and the qasync loop for the cloud and export-all flows."""

from __future__ import annotations

from pathlib import Path

import keyring
import numpy as np
import pytest
from tests.memory_keyring import MemoryKeyring

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


# -- the cloud and the asyncio loop ----------------------------------------------------------
@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch):
    """No real keyring, no key in the environment, services pointed at a closed loopback port."""
    for var in ("FACESTUDIO_ACEDATA_TOKEN", "FACESTUDIO_ACEDATA_PLATFORM_TOKEN", "FACESTUDIO_AILAB_KEY"):
        monkeypatch.delenv(var, raising=False)
    for var in ("FACESTUDIO_ACEDATA_BASE_URL", "FACESTUDIO_ACEDATA_PLATFORM_URL", "FACESTUDIO_AILAB_BASE_URL"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    previous = keyring.get_keyring()
    mem = MemoryKeyring()
    keyring.set_keyring(mem)
    yield mem
    keyring.set_keyring(previous)


@pytest.fixture
def aloop(qapp):
    """The app's qasync loop, running on the Qt event loop that qtbot's waits spin."""
    import asyncio

    import qasync

    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    asyncio.events._set_running_loop(None)
    loop._QEventLoop__is_running = False  # qasync has no public way to leave an already-running loop
    loop.close()
    asyncio.set_event_loop(None)
