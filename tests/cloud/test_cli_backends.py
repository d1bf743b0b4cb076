"""The command line's --backend, end to end against the loopback stand-in of the providers."""

from __future__ import annotations

import pytest
from PIL import Image

from facestudio import cli, samples
from tests.cloud.standin import AILAB_KEY


@pytest.fixture()
def photo(tmp_path):
    p = tmp_path / "astronaut.jpg"
    p.write_bytes(open(samples.sample_path(), "rb").read())
    return p


@pytest.fixture()
def ailab(server, monkeypatch):
    monkeypatch.setenv("FACESTUDIO_AILAB_BASE_URL", server.base_url)
    server.task_schedule = [2]  # done at the first poll
    return server


def run(capsys, *args):
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_retouch_through_ailab_pro_keeps_the_full_resolution_original(capsys, ailab, photo, tmp_path, monkeypatch):
    monkeypatch.setenv("FACESTUDIO_AILAB_KEY", AILAB_KEY)
    out = tmp_path / "cloud.jpg"
    code, _, err = run(capsys, "retouch", photo, "-o", out, "--backend", "ailab-pro", "--smoothing", "60")
    assert code == 0, err
    assert "will receive" in err and "AILabTools" in err   # told what goes where, before sending
    assert AILAB_KEY not in err
    submits = ailab.requests_to("/api/portrait/effects/face-beauty-pro")
    assert len(submits) == 1 and submits[0].headers.get("ailabapi-api-key") == AILAB_KEY
    src, dst = Image.open(photo), Image.open(out)
    assert dst.size == src.size
    assert dst.info.get("icc_profile") == src.info.get("icc_profile")
    assert b"Eileen Collins" in out.read_bytes()


def test_missing_key_says_where_to_set_it_and_sends_nothing(capsys, ailab, photo, tmp_path):
    out = tmp_path / "x.jpg"
    code, _, err = run(capsys, "retouch", photo, "-o", out, "--backend", "ailab-pro")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "FACESTUDIO_AILAB_KEY" in err and "keyring" in err
    assert not out.exists()
    assert ailab.requests_to("/api/portrait/effects/face-beauty-pro") == []


def test_retired_tidyup_points_to_the_local_engine(capsys, ailab, photo, tmp_path, monkeypatch):
    monkeypatch.setenv("FACESTUDIO_AILAB_KEY", AILAB_KEY)
    code, _, err = run(capsys, "retouch", photo, "-o", tmp_path / "t.jpg", "--backend", "ailab-tidyup",
                       "--reshape", "slim_face=40")
    assert code == 2
    assert "retired" in err and "--backend local" in err
    assert not (tmp_path / "t.jpg").exists()
