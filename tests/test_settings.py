"""The Qt-free settings model: defaults, round trip, damaged files, no secrets."""

from __future__ import annotations

import json

import pytest

from facestudio.core.params import RetouchParams
from facestudio.settings import MAX_RECENT, SCHEMA_VERSION, Settings, load_settings, save_settings, settings_path


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FACESTUDIO_CONFIG_DIR", str(tmp_path / "cfg"))
    return tmp_path / "cfg"


def test_missing_file_gives_defaults(config_dir):
    s = load_settings()
    assert s == Settings()
    assert s.last_params == RetouchParams()
    assert settings_path() == config_dir / "settings.json"


def test_round_trip(tmp_path):
    s = Settings()
    s.add_recent(tmp_path / "a.jpg")
    s.add_recent(tmp_path / "b.jpg")
    s.last_params = RetouchParams(smoothing=60, whitening=5, face=2)
    s.backend = "acedata"
    s.show_landmarks = False
    s.hidden_groups = ["mouth"]
    s.last_export_folder = str(tmp_path)
    s.export_quality = 88
    path = save_settings(s)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["schema_version"] == SCHEMA_VERSION
    back = load_settings()
    assert back.recent_files == [str((tmp_path / "b.jpg").resolve()), str((tmp_path / "a.jpg").resolve())]
    assert back.last_folder == str(tmp_path.resolve())
    # the face index belongs to one photo: it is not carried to the next session
    assert back.last_params == RetouchParams(smoothing=60, whitening=5)
    assert (back.backend, back.show_landmarks, back.hidden_groups) == ("acedata", False, ["mouth"])
    assert (back.last_export_folder, back.export_quality) == (str(tmp_path), 88)


def test_recent_files_are_unique_and_bounded(tmp_path):
    s = Settings()
    for i in range(MAX_RECENT + 5):
        s.add_recent(tmp_path / f"{i}.jpg")
    s.add_recent(tmp_path / "3.jpg")
    assert len(s.recent_files) == MAX_RECENT
    assert s.recent_files[0].endswith("3.jpg")
    assert len(set(s.recent_files)) == MAX_RECENT


@pytest.mark.parametrize("content", [
    b"{not json",
    b"\xff\xfe\x00garbage",
    b"[1, 2, 3]",
    json.dumps({"schema_version": 1, "last_params": {"smoothing": 400}}).encode(),
    json.dumps({"schema_version": 1, "recent_files": "nope"}).encode(),
    json.dumps({"schema_version": 99}).encode(),
])
def test_damaged_file_falls_back_to_defaults_and_is_kept(config_dir, content):
    config_dir.mkdir(parents=True)
    (config_dir / "settings.json").write_bytes(content)
    assert load_settings() == Settings()
    assert (config_dir / "settings.json.bak").read_bytes() == content
    save_settings(Settings())  # the next save writes a good file again
    assert load_settings() == Settings()


def test_secrets_and_unknown_keys_are_not_kept(config_dir):
    config_dir.mkdir(parents=True)
    (config_dir / "settings.json").write_text(json.dumps(
        {"schema_version": 1, "api_key": "sk-secret", "token": "t", "backend": "local"}))
    s = load_settings()
    save_settings(s)
    text = (config_dir / "settings.json").read_text()
    assert "sk-secret" not in text and "token" not in text
    assert not any("key" in f or "token" in f or "secret" in f for f in Settings.__dataclass_fields__)


def test_unknown_backend_falls_back_to_local(config_dir):
    config_dir.mkdir(parents=True)
    (config_dir / "settings.json").write_text(json.dumps({"schema_version": 1, "backend": "evil"}))
    assert load_settings().backend == "local"


def test_base_urls_round_trip_and_feed_the_backends(config_dir):
    s = Settings(ailab_base_url="http://127.0.0.1:8080", acedata_platform_url="https://proxy.example/ace")
    s.export_sidecar = False
    save_settings(s)
    back = load_settings()
    assert back.ailab_base_url == "http://127.0.0.1:8080" and back.acedata_base_url is None
    assert back.export_sidecar is False
    assert back.backend_config("ailab-smart") == {"base_url": "http://127.0.0.1:8080"}
    assert back.backend_config("acedata") == {"platform_url": "https://proxy.example/ace"}
    assert back.backend_config("local") == {}


@pytest.mark.parametrize("url", ["ftp://x.example", "not a url", "https://user:pw@proxy.example", 42])
def test_a_bad_base_url_is_refused_and_ignored_on_load(config_dir, url):
    from facestudio.settings import SettingsError, check_url

    with pytest.raises(SettingsError):
        check_url(url)
    config_dir.mkdir(parents=True)
    (config_dir / "settings.json").write_text(json.dumps({"schema_version": 1, "ailab_base_url": url,
                                                          "export_quality": 80}))
    s = load_settings()
    assert s.ailab_base_url is None and s.export_quality == 80  # the rest of the file is kept
    assert "pw@" not in json.dumps(s.to_dict())
