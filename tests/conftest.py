from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest

from tests import faces


@pytest.fixture(scope="session")
def astronaut_rgb() -> np.ndarray:
    img = faces.astronaut()
    img.setflags(write=False)
    return img


@pytest.fixture(scope="session")
def group7() -> faces.GroupPhoto:
    return faces.group_photo(7)


@pytest.fixture(scope="session")
def astronaut_analysis(astronaut_rgb):
    from facestudio.core.landmarks import detect_faces

    return detect_faces(astronaut_rgb)


@pytest.fixture(scope="session")
def group7_analysis(group7):
    from facestudio.core.landmarks import detect_faces

    return detect_faces(group7.image)
