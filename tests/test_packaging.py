"""The packaging recipe and the desktop-integration files, checked without building anything.

What belongs here: running ``packaging/facestudio.spec`` against stand-ins for PyInstaller's
classes (so the lists it hands to PyInstaller are checked, not just its text), the checks that
stop a wrong build, ``packaging/build.sh``'s options and smoke steps, and the ``.desktop``,
AppStream and icon files of ``resources/``. Building the bundle is ``packaging/build.sh``'s job.
"""

from __future__ import annotations

import configparser
import fnmatch
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tomllib
import types
import xml.etree.ElementTree as ET
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "facestudio.spec"
BUILD_SH = PACKAGING / "build.sh"
RESOURCES = ROOT / "resources"
DESKTOP = RESOURCES / "facestudio.desktop"
APP_ID = "io.github.facestudio.FaceStudio"
METAINFO = RESOURCES / f"{APP_ID}.metainfo.xml"
ICON = RESOURCES / "icons" / "facestudio.svg"
SVG_NS = "{http://www.w3.org/2000/svg}"

#: the MIME type of each extension the program reads (imageio.SUPPORTED_EXTENSIONS)
MIME_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".tif": "image/tiff",
              ".tiff": "image/tiff", ".webp": "image/webp", ".bmp": "image/bmp"}


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _console_script() -> str:
    scripts = _pyproject()["project"]["scripts"]
    [(name, target)] = [(n, t) for n, t in scripts.items() if t == "facestudio.cli:main"]
    return name


def _package_files(package: str) -> list[Path]:
    """The data files of a package folder (what importlib.resources reads), relative to it."""
    folder = ROOT / package.replace(".", "/")
    return sorted(p.relative_to(folder) for p in folder.rglob("*")
                  if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts)


# -- running the spec against stand-ins -------------------------------------------------------
#: entries the stand-in Analysis "finds", besides the spec's own binaries: a second Qt, and the
#: GTK theme plug-in, which the spec must prune; PySide6's Qt, which it must keep
FOUND_BINARIES = [
    ("cv2/qt/plugins/platforms/libqxcb.so", "/site/cv2/qt/plugins/platforms/libqxcb.so", "BINARY"),
    ("opencv_python.libs/libQt5Core-e6f3f0f8.so.5.15.13", "/site/opencv_python.libs/x", "BINARY"),
    ("PyQt5/Qt5/lib/libQt5Widgets.so.5", "/site/PyQt5/Qt5/lib/libQt5Widgets.so.5", "BINARY"),
    ("PySide6/Qt/lib/libQt6Core.so.6", "/site/PySide6/Qt/lib/libQt6Core.so.6", "BINARY"),
    ("PySide6/Qt/plugins/platforms/libqoffscreen.so", "/site/PySide6/Qt/plugins/x.so", "BINARY"),
    ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "/site/PySide6/Qt/plugins/y.so", "BINARY"),
]
KEPT_FOUND = {"PySide6/Qt/lib/libQt6Core.so.6", "PySide6/Qt/plugins/platforms/libqoffscreen.so"}


def _collect_dynamic_libs(package: str) -> list[tuple[str, str]]:
    """What PyInstaller's collect_dynamic_libs returns: (file, its folder in the bundle)."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations, f"{package} is not installed"
    found = []
    for location in spec.submodule_search_locations:
        base = Path(location).parent
        for pattern in ("*.dll", "*.dylib", "lib*.so", "lib*.so.*"):
            found += [(str(p), p.parent.relative_to(base).as_posix()) for p in Path(location).rglob(pattern)]
    return found


class _Recorder:
    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


class _Analysis(_Recorder):
    def __init__(self, scripts, **kwargs):
        super().__init__(scripts, **kwargs)
        self.scripts = list(scripts)
        self.pure = []
        self.binaries = [(f"{dest}/{Path(src).name}", src, "BINARY") for src, dest in kwargs["binaries"]]
        self.binaries += FOUND_BINARIES
        self.datas = [(f"{dest}/{Path(src).name}", src, "DATA") for src, dest in kwargs["datas"]]


def run_spec(monkeypatch, spec: Path = SPEC) -> dict:
    """Execute the spec as PyInstaller would, with recording stand-ins; its globals afterwards."""
    metadata_asked: list[str] = []
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_dynamic_libs = _collect_dynamic_libs
    hooks.copy_metadata = lambda dist: metadata_asked.append(dist) or []
    for name in ("PyInstaller", "PyInstaller.utils"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks", hooks)
    namespace = {"__file__": str(spec), "__name__": "__main__", "SPECPATH": str(spec.parent),
                 "Analysis": _Analysis, "PYZ": _Recorder, "EXE": _Recorder, "COLLECT": _Recorder}
    exec(compile(spec.read_text(encoding="utf-8"), str(spec), "exec"), namespace)
    namespace["metadata_asked"] = metadata_asked
    return namespace


@pytest.fixture
def spec_run(monkeypatch) -> dict:
    return run_spec(monkeypatch)


def test_spec_text_names_every_model_file_and_the_resources():
    text = SPEC.read_text(encoding="utf-8")
    model_files = _package_files("facestudio.models")
    assert {p.suffix for p in model_files} >= {".tflite", ".md", ".txt"}
    for rel in model_files:
        assert f'"{rel.name}"' in text, f"facestudio.spec does not name facestudio/models/{rel}"
    assert '"facestudio/resources"' in text
    assert "samples/astronaut.jpg" in text


def test_spec_bundles_each_model_and_resource_where_importlib_resources_finds_it(spec_run):
    datas = set(spec_run["a"].kwargs["datas"])
    for package in ("facestudio.models", "facestudio.resources"):
        folder = package.replace(".", "/")
        for rel in _package_files(package):
            src = ROOT / folder / rel
            dest = (Path(folder) / rel).parent.as_posix()
            assert (str(src), dest) in datas, f"{folder}/{rel} is not bundled"
    assert any(dest == "facestudio/resources/samples" and src.endswith("astronaut.jpg") for src, dest in datas)


def test_spec_builds_the_console_script_from_the_cli_entry_point(spec_run):
    analysis = spec_run["a"]
    [entry] = analysis.scripts
    assert Path(entry) == PACKAGING / "entry.py"
    source = Path(entry).read_text(encoding="utf-8")
    module, function = _pyproject()["project"]["scripts"][_console_script()].split(":")
    assert f"from {module} import {function}" in source and f"sys.exit({function}())" in source
    assert analysis.kwargs["pathex"] == [str(ROOT)]
    hidden = set(analysis.kwargs["hiddenimports"])
    assert {"facestudio.cli", "facestudio.cli_commands", "facestudio.gui.app", "facestudio.core.landmarks",
            "facestudio.cloud", "facestudio.models", "facestudio.resources"} <= hidden
    exe = spec_run["executables"][0]
    assert exe.kwargs["name"] == _console_script() and exe.kwargs["console"] is True
    assert exe.kwargs["exclude_binaries"] is True  # one folder, not one file
    assert spec_run["coll"].kwargs["name"] == _console_script()


def test_spec_collects_litert_runtime_but_not_its_gpu_and_npu_plugins(spec_run):
    binaries = spec_run["a"].kwargs["binaries"]
    names = {Path(src).name for src, _ in binaries}
    available = {Path(src).name for src, _ in _collect_dynamic_libs("ai_edge_litert")}
    # ai_edge_litert/__init__.py loads libLiteRt.so from its own folder with ctypes
    for lib in {"libLiteRt.so", "libpywrap_litert_common.so"} & available:
        assert lib in names
        assert (str(next(p for p, _ in binaries if Path(p).name == lib)), "ai_edge_litert") in binaries
    assert not [n for n in names if "WebGpu" in n]
    assert not [dest for _, dest in binaries if "/vendors" in f"/{dest}"]


def test_spec_prunes_a_second_qt_and_the_gtk_theme_and_keeps_pyside6(spec_run):
    kept = {entry[0] for entry in spec_run["a"].binaries}
    assert KEPT_FOUND <= kept
    pruned = {entry[0] for entry in FOUND_BINARIES} - KEPT_FOUND
    assert not pruned & kept


def test_spec_excludes_other_guis_and_test_tools(spec_run):
    excludes = set(spec_run["a"].kwargs["excludes"])
    assert {"tkinter", "PyQt5", "PyQt6", "matplotlib", "skimage", "pytest"} <= excludes
    assert not excludes & {"PySide6", "cv2", "numpy", "ai_edge_litert", "facestudio"}
    assert {"ai-edge-litert", "pillow", "qasync"} <= set(spec_run["metadata_asked"])


def test_dependencies_use_headless_opencv():
    deps = " ".join(_pyproject()["project"]["dependencies"])
    assert "opencv-python-headless" in deps
    assert not re.search(r"opencv-(contrib-)?python(?!-headless)\b", deps)


def test_spec_refuses_a_build_environment_with_non_headless_opencv(monkeypatch):
    real = metadata.distribution

    def distribution(name):
        if name == "opencv-python":
            return real("numpy")  # any installed distribution stands for it
        return real(name)

    monkeypatch.setattr(metadata, "distribution", distribution)
    with pytest.raises(SystemExit, match="opencv-python is installed"):
        run_spec(monkeypatch)


def _tree_copy(tmp_path: Path) -> Path:
    """The spec in a scratch tree with the same file names (empty files): returns its path."""
    for package in ("facestudio.models", "facestudio.resources"):
        for rel in _package_files(package):
            target = tmp_path / package.replace(".", "/") / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.touch()
    (tmp_path / "packaging").mkdir()
    shutil.copy(SPEC, tmp_path / "packaging" / SPEC.name)
    shutil.copy(PACKAGING / "entry.py", tmp_path / "packaging" / "entry.py")
    return tmp_path / "packaging" / SPEC.name


def test_spec_stops_on_a_model_it_does_not_name(monkeypatch, tmp_path):
    spec = _tree_copy(tmp_path)
    run_spec(monkeypatch, spec)  # the copy itself is complete
    (tmp_path / "facestudio" / "models" / "hair_segmenter.tflite").touch()
    with pytest.raises(SystemExit, match="hair_segmenter.tflite"):
        run_spec(monkeypatch, spec)


def test_spec_stops_without_the_sample_portrait(monkeypatch, tmp_path):
    spec = _tree_copy(tmp_path)
    (tmp_path / "facestudio" / "resources" / "samples" / "astronaut.jpg").unlink()
    with pytest.raises(SystemExit, match="astronaut.jpg"):
        run_spec(monkeypatch, spec)


def test_wheel_package_data_covers_the_same_files():
    package_data = _pyproject()["tool"]["setuptools"]["package-data"]
    for package in ("facestudio.models", "facestudio.resources"):
        for rel in _package_files(package):
            assert any(fnmatch.fnmatch(rel.as_posix(), pattern) for pattern in package_data[package]), \
                f"pyproject package-data of {package} misses {rel}"


# -- build.sh ----------------------------------------------------------------------------------
def test_build_script_is_executable_valid_bash_and_answers_help():
    assert os.access(BUILD_SH, os.X_OK), "chmod +x packaging/build.sh"
    subprocess.run(["bash", "-n", str(BUILD_SH)], check=True)
    shown = subprocess.run([str(BUILD_SH), "--help"], capture_output=True, text=True, timeout=30)
    assert shown.returncode == 0 and "--venv" in shown.stdout and "--no-install" in shown.stdout
    wrong = subprocess.run([str(BUILD_SH), "--bogus"], capture_output=True, text=True, timeout=30)
    assert wrong.returncode == 2 and "--bogus" in wrong.stderr


def test_build_script_builds_the_spec_and_smoke_runs_version_and_analyze():
    text = BUILD_SH.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in text
    assert "facestudio.spec" in text and "PyInstaller" in text
    # output under packaging/, which .gitignore's build/ and dist/ cover
    assert '--distpath "$DIST"' in text and 'DIST=$HERE/dist' in text and 'WORK=$HERE/build' in text
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert {"build/", "dist/"} <= set(ignored)
    app = f'APP=$APP_DIR/{_console_script()}'
    assert app in text
    assert re.search(r'"\$APP" --version', text) and re.search(r'"\$APP" analyze "\$SAMPLE"', text)
    assert "len(faces) == 1" in text and "points == 90" in text
    assert "cv2/qt" in text and "libQt5" in text
    for source in (DESKTOP, METAINFO, ICON):
        assert f"resources/{source.relative_to(RESOURCES).as_posix()}" in text


# -- desktop entry, AppStream metainfo, icon ---------------------------------------------------
def _desktop() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(DESKTOP.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def _list(value: str) -> list[str]:
    return [item for item in value.split(";") if item]


def test_desktop_entry_runs_the_console_script_on_image_files():
    entry = _desktop()
    assert entry["Type"] == "Application" and entry["Name"] == "FaceStudio"
    assert entry["Exec"].split() == [_console_script(), "%F"]
    assert entry.get("TryExec", _console_script()) == _console_script()
    assert entry["Terminal"] == "false"
    assert entry["Icon"] == APP_ID
    assert {"Graphics", "Photography"} <= set(_list(entry["Categories"]))
    assert entry["MimeType"].endswith(";") and entry["Categories"].endswith(";")


def test_desktop_entry_opens_every_supported_format():
    from facestudio.core.imageio import SUPPORTED_EXTENSIONS

    mime_types = set(_list(_desktop()["MimeType"]))
    for ext in SUPPORTED_EXTENSIONS:
        assert ext in MIME_TYPES, f"add {ext} to MIME_TYPES here and to the .desktop MimeType"
        assert MIME_TYPES[ext] in mime_types


def _metainfo() -> ET.Element:
    return ET.parse(METAINFO).getroot()


def test_metainfo_matches_the_desktop_entry_and_the_project():
    root, entry, project = _metainfo(), _desktop(), _pyproject()["project"]
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID == entry["Icon"]
    assert METAINFO.name == f"{APP_ID}.metainfo.xml"
    assert root.findtext("name") == entry["Name"]
    summary = root.findtext("summary")
    assert summary and len(summary) <= 80 and not summary.endswith(".")
    assert root.findtext("metadata_license") == "CC0-1.0"
    licence = project["license"]  # the SPDX string, or the older {text = ...} table
    assert root.findtext("project_license") == (licence if isinstance(licence, str) else licence["text"])
    assert root.findtext("project_license") == "Apache-2.0"
    launchable = root.find("launchable")
    assert launchable is not None and launchable.get("type") == "desktop-id"
    assert launchable.text == DESKTOP.name
    assert root.findtext("provides/binary") == _console_script()
    assert set(root.findall("content_rating")) and root.find("content_rating").get("type") == "oars-1.1"
    assert {m.text for m in root.findall("provides/mediatype")} == set(_list(entry["MimeType"]))


def test_metainfo_description_and_releases():
    root = _metainfo()
    text = " ".join(ET.tostring(root.find("description"), encoding="unicode", method="text").split())
    assert "offline" in text and "private" in text and "Metadata-safe export" in text
    releases = root.findall("releases/release")
    assert releases, "add a <release>"
    newest = releases[0]
    assert newest.get("version") == _pyproject()["project"]["version"], \
        "add a <release> for the version in pyproject.toml at the top of <releases>"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", newest.get("date", ""))
    first = [r for r in releases if r.get("version") == "0.1.0"]
    assert first and first[0].get("date") == "2026-11-24"


def test_icon_is_a_small_square_svg():
    assert ICON.stat().st_size < 8000
    root = ET.parse(ICON).getroot()
    assert root.tag == f"{SVG_NS}svg"
    x, y, w, h = (float(v) for v in root.get("viewBox").split())
    assert (x, y) == (0, 0) and w == h
    assert root.find(f"{SVG_NS}title") is not None
    assert not [e for e in root.iter() if e.tag in {f"{SVG_NS}image", f"{SVG_NS}script"}]


def test_icon_renders(qapp):
    QtSvg = pytest.importorskip("PySide6.QtSvg")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter

    renderer = QtSvg.QSvgRenderer(str(ICON))
    assert renderer.isValid()
    image = QImage(48, 48, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    assert image.pixelColor(0, 0).alpha() == 0  # rounded corner
    centre = image.pixelColor(24, 24)
    assert centre.alpha() == 255
    colours = {image.pixel(x, y) for x in range(0, 48, 3) for y in range(0, 48, 3)}
    assert len(colours) > 10  # a picture, not a flat square


def test_bundle_gets_every_runtime_licence(tmp_path):
    """build.sh collects the licence texts of everything bundled; check the collector itself."""
    assert "collect_licenses.py" in (ROOT / "packaging" / "build.sh").read_text()
    spec = importlib.util.spec_from_file_location("collect_licenses", ROOT / "packaging" / "collect_licenses.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    collected = mod.collect(tmp_path)
    rows = {name.lower().replace("_", "-"): (licence, texts) for name, _, licence, texts in collected}
    notices = mod.write_notices(tmp_path, collected).read_text()
    for dist in ("numpy", "opencv-python-headless", "pillow", "ai-edge-litert", "httpx", "qasync", "pyside6-essentials"):
        assert dist in rows, f"{dist} missing from the notices"
    for dist in ("numpy", "opencv-python-headless", "pillow", "ai-edge-litert"):
        assert rows[dist][1], f"no licence text collected for {dist}"
    assert "LGPL" in rows["pyside6-essentials"][0]
    if Path("/usr/share/common-licenses/LGPL-3").is_file():
        assert "LGPL-3" in rows["pyside6-essentials"][1]
    assert "| numpy |" in notices and "MediaPipe" in notices
    assert (ROOT / "LICENSE").read_text().lstrip().startswith("Apache License")
