"""The command line: results, files written, and the user-error contract (one line, status 2)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from facestudio import cli, samples
from tests import faces


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_user_error(code: int, err: str, *words: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert "Traceback" not in err
    for w in words:
        assert w.lower() in err.lower(), f"{w!r} not in {err!r}"


@pytest.fixture()
def sample_jpg(tmp_path):
    dst = tmp_path / "astronaut.jpg"
    dst.write_bytes(open(samples.sample_path(), "rb").read())
    return dst


@pytest.fixture(scope="module")
def group_jpg(tmp_path_factory):
    path = tmp_path_factory.mktemp("group") / "group.jpg"
    Image.fromarray(faces.group_photo(7).image).save(path, quality=92)
    return path


def test_help_lists_every_command():
    res = subprocess.run([sys.executable, "-m", "facestudio", "--help"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0
    for word in ("analyze", "retouch", "bench"):
        assert word in res.stdout
    res = subprocess.run([sys.executable, "-m", "facestudio", "retouch", "--help"], capture_output=True, text=True,
                         timeout=60)
    for flag in ("--smoothing", "--whitening", "--face-lifting", "--eye-enlarging", "--face", "--quality",
                 "--overwrite"):
        assert flag in res.stdout


def test_analyze_prints_90_points_per_face(capsys, sample_jpg):
    code, out, err = run(capsys, "analyze", sample_jpg)
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["image_width"], doc["image_height"]) == (512, 512)
    assert len(doc["face_shape_set"]) == 1
    face = doc["face_shape_set"][0]
    assert sum(len(v) for k, v in face.items() if isinstance(v, list)) == 90
    assert face["face_profile"][10]["y"] > face["nose"][0]["y"] > face["left_eye"][0]["y"]


def test_analyze_finds_every_face_of_a_group_and_the_largest(capsys, group_jpg, tmp_path):
    code, out, err = run(capsys, "analyze", group_jpg, "-o", tmp_path / "g.json", "--overlay", tmp_path / "g.png")
    assert code == 0, err
    doc = json.loads((tmp_path / "g.json").read_text())
    assert len(doc["face_shape_set"]) == 7
    overlay = np.asarray(Image.open(tmp_path / "g.png").convert("RGB"))
    assert overlay.shape == (2000, 3000, 3)
    assert not np.array_equal(overlay, np.asarray(Image.open(group_jpg).convert("RGB")))
    code, out, err = run(capsys, "analyze", group_jpg, "--largest", "--integers")
    doc = json.loads(out)
    assert len(doc["face_shape_set"]) == 1
    assert isinstance(doc["face_shape_set"][0]["nose"][0]["x"], int)
    # the largest is the first (biggest) head of the composite, at the top left
    assert doc["face_shape_set"][0]["nose"][0]["x"] < 1000


def test_retouch_keeps_size_and_metadata(capsys, sample_jpg, tmp_path):
    out = tmp_path / "out.jpg"
    code, _, err = run(capsys, "retouch", sample_jpg, "-o", out, "--smoothing", "60")
    assert code == 0, err
    src, dst = Image.open(sample_jpg), Image.open(out)
    assert dst.size == src.size
    assert dst.info.get("icc_profile") == src.info.get("icc_profile")
    assert dst.getexif().get(0x013B) == src.getexif().get(0x013B)  # Artist
    assert b"Eileen Collins" in out.read_bytes()                      # the XMP title
    assert not np.array_equal(np.asarray(dst), np.asarray(src))


@pytest.mark.parametrize("fmt", ["png", "tif", "webp", "bmp"])
def test_retouch_writes_each_format(capsys, sample_jpg, tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    code, _, err = run(capsys, "retouch", sample_jpg, "-o", out)
    assert code == 0, err
    assert Image.open(out).size == (512, 512)


def test_existing_target_and_input_are_never_overwritten(capsys, sample_jpg, tmp_path):
    out = tmp_path / "taken.jpg"
    out.write_bytes(b"precious")
    code, _, err = run(capsys, "retouch", sample_jpg, "-o", out)
    assert_user_error(code, err, "exists", "--overwrite")
    assert out.read_bytes() == b"precious"
    before = sample_jpg.read_bytes()
    code, _, err = run(capsys, "retouch", sample_jpg, "-o", sample_jpg)
    assert_user_error(code, err, "input", "--overwrite")
    assert sample_jpg.read_bytes() == before
    code, _, err = run(capsys, "retouch", sample_jpg, "-o", out, "--overwrite")
    assert code == 0 and out.read_bytes() != b"precious"


@pytest.mark.parametrize("args, words", [
    (["retouch", "{missing}", "-o", "{out}"], ["missing.jpg"]),
    (["retouch", "{text}", "-o", "{out}"], ["notes.jpg"]),
    (["retouch", "{photo}", "-o", "{out}", "--smoothing", "150"], ["0 to 100"]),
    (["retouch", "{photo}", "-o", "{out}", "--whitening", "lots"], ["not a number"]),
    (["retouch", "{photo}", "-o", "{tmp}/x.xyz"], [".jpg"]),
    (["retouch", "{photo}", "-o", "{tmp}/no/such/dir/x.jpg"], ["does not exist"]),
    (["retouch", "{photo}", "-o", "{out}", "--face", "4"], ["1 face"]),
    (["retouch", "{photo}", "-o", "{out}", "--face", "0"], ["numbered 1, 2, 3"]),
    (["retouch", "{photo}"], ["-o"]),
    (["frobnicate"], ["neither a command"]),
    (["analyze", "{photo}", "--max-megapixels", "0.1"], ["--max-megapixels"]),
])
def test_user_errors_are_one_line_status_2_and_write_nothing(capsys, sample_jpg, tmp_path, args, words):
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo at all")
    subst = {"missing": tmp_path / "missing.jpg", "text": text, "photo": sample_jpg,
             "out": tmp_path / "out.jpg", "tmp": tmp_path}
    argv = [a.format(**subst) for a in args]
    before = sorted(p.name for p in tmp_path.iterdir())
    code, _, err = run(capsys, *argv)
    assert_user_error(code, err, *words)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_no_face_warns_and_still_exports(capsys, tmp_path):
    src = tmp_path / "wall.png"
    Image.fromarray(faces.backdrop(300, 400)).save(src)
    out = tmp_path / "wall-out.png"
    code, _, err = run(capsys, "retouch", src, "-o", out)
    assert code == 0
    assert "no face" in err
    assert np.array_equal(np.asarray(Image.open(out)), np.asarray(Image.open(src)))


def test_installed_command_runs_end_to_end(sample_jpg, tmp_path):
    out = tmp_path / "cmd.jpg"
    res = subprocess.run([sys.executable, "-m", "facestudio", "retouch", str(sample_jpg), "-o", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert Image.open(out).size == (512, 512)
    res = subprocess.run([sys.executable, "-m", "facestudio", "retouch", str(sample_jpg), "-o", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_pro_sliders_filter_reshape_and_overrides(capsys, sample_jpg, tmp_path):
    plain = tmp_path / "plain.png"
    assert run(capsys, "retouch", sample_jpg, "-o", plain, "--smoothing", "0", "--whitening", "0",
               "--face-lifting", "0", "--eye-enlarging", "0")[0] == 0
    base = np.asarray(Image.open(plain))
    variants = {
        "filter": ["--filter", "sunny day"],
        "filter_id": ["--filter", "3"],
        "reshape": ["--reshape", "slim_face=60", "--reshape", "lip_size=-40"],
        "pro": ["--shrink-face", "50", "--remove-eyebrow", "60", "--teeth-whitening", "80"],
        "override": ["--override", "1:smoothing=70,slim_jaw=50"],
        "smart": ["--smart-beauty", "0.8"],
    }
    outs = {}
    for name, extra in variants.items():
        out = tmp_path / f"{name}.png"
        code, _, err = run(capsys, "retouch", sample_jpg, "-o", out, "--smoothing", "0", "--whitening", "0",
                           "--face-lifting", "0", "--eye-enlarging", "0", *extra)
        assert code == 0, (name, err)
        outs[name] = np.asarray(Image.open(out))
        assert not np.array_equal(outs[name], base), f"{name} changed nothing"
    assert np.array_equal(outs["filter"], outs["filter_id"])  # name and id pick the same look


def test_filters_command_lists_35(capsys, sample_jpg, tmp_path):
    code, out, _ = run(capsys, "filters")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 35 and lines[0].split(None, 1) == ["1", "Black and White"]
    assert lines[-1].split(None, 1) == ["35", "Misty Rain"]
    code, _, err = run(capsys, "filters", "--sheet", sample_jpg, tmp_path / "sheet.png")
    assert code == 0, err
    assert Image.open(tmp_path / "sheet.png").size[0] > 512


@pytest.mark.parametrize("extra, words", [
    (["--filter", "bogus"], ["unknown filter"]),
    (["--reshape", "nose=3"], ["unknown reshape part"]),
    (["--reshape", "slim_face=300"], ["-100 to 100"]),
    (["--override", "7:smoothing=5"], ["face 7"]),
    (["--override", "1:sparkle=5"], ["unknown name"]),
    (["--override", "0:smoothing=5"], ["numbered 1, 2, 3"]),
    (["--smart-beauty", "2"], ["0 to 1"]),
])
def test_new_flags_user_errors(capsys, sample_jpg, tmp_path, extra, words):
    code, _, err = run(capsys, "retouch", sample_jpg, "-o", tmp_path / "x.jpg", *extra)
    assert_user_error(code, err, *words)
    assert not (tmp_path / "x.jpg").exists()


def test_parts_command_lists_22_and_draws_a_sheet(capsys, sample_jpg, tmp_path):
    code, out, _ = run(capsys, "parts")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 22 and lines[0].split()[:2] == ["0", "cheekbone"]
    assert lines[21].split()[:2] == ["21", "philtrum"]
    code, _, err = run(capsys, "parts", "--sheet", sample_jpg, tmp_path / "parts.png")
    assert code == 0, err
    sheet = np.asarray(Image.open(tmp_path / "parts.png"))
    assert sheet.shape[0] > 8 * 200  # 66 tiles in rows of six
