"""The layering rule: core and cloud never import Qt (nor asyncio, for core).

Checked two ways: statically, every import statement in those packages' sources; and
dynamically, importing every module of core and cloud in a fresh interpreter and looking at
sys.modules afterwards (which also catches an indirect import through a dependency).
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import facestudio

ROOT = Path(facestudio.__file__).parent
QT = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "qasync", "pytestqt")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_and_cloud_sources_do_not_import_qt():
    for package in ("core", "cloud"):
        for path in (ROOT / package).rglob("*.py"):
            bad = {n for n in _imports(path) if n.split(".")[0] in QT}
            assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
    for path in (ROOT / "core").rglob("*.py"):
        bad = {n for n in _imports(path) if n.split(".")[0] in ("asyncio", "httpx", "facestudio")
               and not n.startswith("facestudio.core")}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)} (core is synchronous and standalone)"


def test_importing_core_and_cloud_loads_no_qt():
    modules = [m.name for pkg in ("core", "cloud")
               for m in pkgutil.walk_packages([str(ROOT / pkg)], prefix=f"facestudio.{pkg}.")]
    assert "facestudio.core.pipeline" in modules
    code = ("import importlib, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            f"bad = [m for m in sys.modules if m.split('.')[0] in {QT!r}]\n"
            "print(','.join(bad))\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "", f"Qt loaded by core/cloud: {res.stdout.strip()}"


def test_every_module_says_what_belongs_in_it():
    for path in ROOT.rglob("*.py"):
        if path.name == "__init__.py" and not path.read_text(encoding="utf-8").strip():
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc and len(doc) > 30, f"{path.relative_to(ROOT)} has no module docstring"
