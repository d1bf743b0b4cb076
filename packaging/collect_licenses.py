"""Gather the licences of everything a FaceStudio bundle ships, for ``licenses/`` in the bundle.

What belongs here: walking FaceStudio's run-time requirements (recursively, as installed in the
build environment), copying each distribution's licence, copying and notice files into
``OUT/<distribution>/``, and writing ``OUT/THIRD_PARTY_NOTICES.md`` that lists name, version,
licence and where the texts are. A wheel that carries no licence text (PySide6's says only
"LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only" in its metadata) gets the full texts of the
licences it names from the system's common-licenses folder when there is one, and a line saying
where to find them when there is not. The model files' own licences travel inside
``facestudio/models`` and are listed too.

Usage: ``python collect_licenses.py OUT_DIR`` (run with the build environment's Python).
"""

from __future__ import annotations

import importlib.metadata as md
import re
import shutil
import sys
from pathlib import Path

LICENCE_FILE = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)
COMMON = Path("/usr/share/common-licenses")
#: SPDX fragments -> file names in Debian's common-licenses
COMMON_TEXTS = {"LGPL-3": "LGPL-3", "GPL-3": "GPL-3", "GPL-2": "GPL-2", "Apache-2": "Apache-2.0"}


def _name(requirement: str) -> str:
    return re.split(r"[\s;<>=!~\[(]", requirement.strip(), maxsplit=1)[0]


def runtime_distributions(root: str = "facestudio") -> list[md.Distribution]:
    """``root`` and everything it needs at run time (extras not followed), as installed."""
    seen: dict[str, md.Distribution] = {}
    todo = [root]
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue  # a requirement for another platform or Python
        seen[key] = dist
        for req in dist.requires or []:
            if "extra ==" in req.replace(" ", "").replace("extra==", "extra =="):
                continue
            todo.append(_name(req))
    return sorted(seen.values(), key=lambda d: d.metadata["Name"].lower())


def _licence_of(dist: md.Distribution) -> str:
    meta = dist.metadata
    expr = meta.get("License-Expression") or meta.get("License") or ""
    if not expr or len(expr) > 120:  # some projects paste the whole text into License
        classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
        expr = ", ".join(classifiers) or (expr[:60] + "..." if expr else "see the files")
    return expr


def collect(out: Path) -> list[tuple[str, str, str, list[str]]]:
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for dist in runtime_distributions():
        name, version = dist.metadata["Name"], dist.version
        folder = out / name
        copied = []
        for f in dist.files or []:
            if LICENCE_FILE.search(f.name) or "licenses/" in str(f).replace("\\", "/"):
                src = Path(dist.locate_file(f))
                if src.is_file() and src.suffix not in (".py", ".pyc"):
                    # keep the path inside the package: vendored libraries' texts share names
                    rel = Path(*[p for p in Path(str(f)).parts if p not in ("..", ".")])
                    (folder / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(src, folder / rel)
                    copied.append(rel.as_posix())
        licence = _licence_of(dist)
        if not copied:
            spdx = re.sub(r"[\s_]+", "-", licence)
            for fragment, text in COMMON_TEXTS.items():
                if fragment in spdx and (COMMON / text).is_file():
                    folder.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(COMMON / text, folder / text)
                    copied.append(text)
        rows.append((name, version, licence, copied))
    return rows


def write_notices(out: Path, rows: list[tuple[str, str, str, list[str]]]) -> Path:
    lines = ["# Third-party software in this FaceStudio bundle", "",
             "Each folder beside this file holds the licence texts a component ships (or, where its",
             "package carries none, the texts of the licences it names). The face models' licence",
             "(Apache-2.0, Google MediaPipe) and provenance are in `_internal/facestudio/models/`.",
             "Qt and its Python binding (LGPL-3.0) are shipped as separate shared libraries in",
             "`_internal/`, so they can be replaced by other builds of the same version.", "",
             "| component | version | licence | texts |", "|---|---|---|---|"]
    for name, version, licence, copied in rows:
        texts = ", ".join(f"`{name}/{c}`" for c in copied) or "none shipped: see the project's home page"
        lines.append(f"| {name} | {version} | {licence} | {texts} |")
    path = out / "THIRD_PARTY_NOTICES.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: collect_licenses.py OUT_DIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    rows = collect(out)
    path = write_notices(out, rows)
    missing = [r[0] for r in rows if not r[3]]
    print(f"{len(rows)} components, notices in {path}" + (f"; no licence text for: {', '.join(missing)}" if missing else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
