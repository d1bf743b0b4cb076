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
