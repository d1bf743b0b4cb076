"""Photographer workflow: presets, re-editable sidecars, batch runs (issue 6)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from facestudio import cli, presets, samples, sidecar
from facestudio.core.params import RetouchParams
from tests import faces


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch):
    d = tmp_path / "config"
    monkeypatch.setenv("FACESTUDIO_CONFIG_DIR", str(d))
    return d


def run(capsys, *args):
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def photo(tmp_path):
    p = tmp_path / "astronaut.jpg"
    p.write_bytes(open(samples.sample_path(), "rb").read())
    return p


def test_builtin_and_user_presets(capsys, config_dir):
    names = presets.list_presets()
    assert {"natural", "studio", "headshot", "soft-glow", "cloud-defaults"} <= set(names)
    assert presets.load_preset("headshot").face_lifting == 0
    mine = RetouchParams(smoothing=55, whitening=5).with_part("slim_face", 30).with_override(0, RetouchParams.zero())
    path = presets.save_preset("My Look", mine)
    assert path.parent == config_dir / "presets"
    loaded = presets.load_preset("my look")
    assert loaded.smoothing == 55 and loaded.part("slim_face") == 30 and loaded.overrides == ()
    with pytest.raises(presets.PresetError, match="built-in"):
        presets.save_preset("natural", mine)
    with pytest.raises(presets.PresetError, match="exists"):
        presets.save_preset("my look", mine)
    code, out, _ = run(capsys, "presets", "list")
    assert code == 0 and "my-look" in out and "natural  (built-in)" in out
    code, _, err = run(capsys, "presets", "save", "punchy", "--smoothing", "70", "--filter", "lomo")
    assert code == 0, err
    assert presets.load_preset("punchy").filter_id == 21
    code, _, err = run(capsys, "retouch", "x.jpg", "-o", "y.jpg", "--preset", "nope")
    assert code == 2 and "no preset named" in err
    presets.delete_preset("punchy")
    assert "punchy" not in presets.list_presets()


def test_preset_flag_and_explicit_flags_on_top(capsys, photo, tmp_path):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    assert run(capsys, "retouch", photo, "-o", a, "--preset", "headshot")[0] == 0
    assert run(capsys, "retouch", photo, "-o", b, "--preset", "headshot", "--eye-enlarging", "80")[0] == 0
    assert not np.array_equal(np.asarray(Image.open(a)), np.asarray(Image.open(b)))
    c = tmp_path / "c.png"
    assert run(capsys, "retouch", photo, "-o", c)[0] == 0  # defaults differ from the preset
    assert not np.array_equal(np.asarray(Image.open(a)), np.asarray(Image.open(c)))


def test_sidecar_restores_the_edit_and_exports_identically(capsys, photo, tmp_path):
    first, second = tmp_path / "first.jpg", tmp_path / "second.jpg"
    code, _, err = run(capsys, "retouch", photo, "-o", first, "--sidecar", "--smoothing", "60",
                       "--reshape", "slim_face=30", "--filter", "warm", "--filter-strength", "40")
    assert code == 0, err
    side = sidecar.sidecar_path(photo)
    assert side.name == "astronaut.jpg.facestudio.json"
    doc = json.loads(side.read_text())
    assert doc["params"]["smoothing"] == 60 and doc["params"]["reshape"] == {"slim_face": 30}
    assert doc["backend"] == "local" and doc["facestudio_version"] and doc["model_version"]
    assert len(doc["analysis"]["faces"]) == 1 and len(doc["analysis"]["faces"][0]["points"]) == 90
    assert "token" not in side.read_text().lower()
    # reopening: flags are ignored, the saved edit (and landmarks) are used; the export is identical
    code, _, err = run(capsys, "retouch", photo, "-o", second, "--sidecar")
    assert code == 0 and "using the edit" in err
    assert first.read_bytes() == second.read_bytes()
    # a landmark correction saved in the sidecar is honoured: deleting the face leaves only the filter
    edit = sidecar.load_edit(photo)
    sidecar.save_edit(photo, sidecar.Edit(params=edit.params, analysis=edit.analysis.without(0),
                                          photo_sha256=edit.photo_sha256))
    third = tmp_path / "third.jpg"
    assert run(capsys, "retouch", photo, "-o", third, "--sidecar")[0] == 0
    assert third.read_bytes() != first.read_bytes()


def test_damaged_sidecar_is_a_clear_error(capsys, photo, tmp_path):
    sidecar.sidecar_path(photo).write_text("{not json")
    code, _, err = run(capsys, "retouch", photo, "-o", tmp_path / "x.jpg", "--sidecar")
    assert code == 2 and "damaged" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.jpg").exists()


@pytest.fixture()
def shoot(tmp_path):
    d = tmp_path / "shoot"
    d.mkdir()
    (d / "a-astronaut.jpg").write_bytes(open(samples.sample_path(), "rb").read())
    Image.fromarray(faces.group_photo(3, 1200, 800).image).save(d / "b-group.png")
    Image.fromarray(faces.backdrop(200, 300)).save(d / "c-wall.png")
    (d / "d-broken.jpg").write_bytes(open(samples.sample_path(), "rb").read()[:5000])
    (d / "notes.txt").write_text("not a photo")
    return d


def test_batch_reports_failures_and_a_rerun_finishes_the_job(capsys, shoot, tmp_path):
    out = tmp_path / "out"
    code, _, err = run(capsys, "batch", shoot, "-o", out, "--preset", "natural", "--jobs", "2")
    assert code == 1, err  # one photo failed
    assert sorted(p.name for p in out.iterdir()) == ["a-astronaut.jpg", "b-group.png", "c-wall.png"]
    assert "d-broken.jpg" in err and "3 retouched" in err and "1 failed" in err and "without a face" in err
    assert Image.open(out / "b-group.png").size == (1200, 800)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    code, _, err = run(capsys, "batch", shoot, "-o", out, "--preset", "natural")
    assert "0 retouched" in err and "3 already done" in err and "1 failed" in err
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    # the no-face photo went through unchanged, the group photo had every face retouched
    assert np.array_equal(np.asarray(Image.open(out / "c-wall.png")), np.asarray(Image.open(shoot / "c-wall.png")))
    assert not np.array_equal(np.asarray(Image.open(out / "b-group.png")), np.asarray(Image.open(shoot / "b-group.png")))


def test_batch_refuses_to_write_into_its_input_folder(capsys, shoot):
    code, _, err = run(capsys, "batch", shoot, "-o", shoot)
    assert code == 2 and "--suffix" in err
    code, _, err = run(capsys, "batch", shoot, "-o", shoot, "--suffix=-r", "--format", "png")
    assert code == 1  # the broken one
    assert (shoot / "a-astronaut-r.png").exists()


def test_batch_uses_each_photos_sidecar(capsys, shoot, tmp_path):
    src = shoot / "a-astronaut.jpg"
    assert run(capsys, "retouch", src, "-o", tmp_path / "single.jpg", "--sidecar", "--smoothing", "70",
               "--filter", "1")[0] == 0
    out = tmp_path / "out"
    run(capsys, "batch", shoot, "-o", out, "--sidecars")
    assert (out / "a-astronaut.jpg").read_bytes() == (tmp_path / "single.jpg").read_bytes()
