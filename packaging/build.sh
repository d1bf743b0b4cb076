#!/usr/bin/env bash
# Build FaceStudio as a one-folder app with PyInstaller, then smoke-run the bundle.
#
#   packaging/build.sh [--venv DIR] [--no-install] [--no-gui-smoke]
#
# --venv DIR      the virtual environment to build in (default packaging/.venv, or
#                 $FACESTUDIO_BUILD_VENV); created with python3 if it does not exist
# --no-install    use the venv as it is (PyInstaller and FaceStudio's dependencies already there)
# --no-gui-smoke  skip starting the desktop app offscreen
#
# The bundle lands in packaging/dist/facestudio/ (work files in packaging/build/; both are
# git-ignored). Exits non-zero if the build or any smoke check fails.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
VENV=${FACESTUDIO_BUILD_VENV:-$HERE/.venv}
INSTALL=1
GUI_SMOKE=1

usage() { sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

while [[ $# -gt 0 ]]; do
    case $1 in
        --venv) VENV=${2:?--venv needs a folder}; shift 2 ;;
        --no-install) INSTALL=0; shift ;;
        --no-gui-smoke) GUI_SMOKE=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

DIST=$HERE/dist
WORK=$HERE/build
APP_DIR=$DIST/facestudio
APP=$APP_DIR/facestudio
step() { printf '\n== %s\n' "$*"; }
fail() { echo "build.sh: FAILED: $*" >&2; exit 1; }

# -- the build environment ---------------------------------------------------------------------
if [[ ! -x $VENV/bin/python ]]; then
    step "creating the build venv $VENV"
    python3 -m venv "$VENV"
fi
PY=$VENV/bin/python
if (( INSTALL )); then
    step "installing PyInstaller and FaceStudio (with its dependencies) into $VENV"
    "$PY" -m pip install --quiet --upgrade pip
    "$PY" -m pip install --quiet --upgrade "pyinstaller>=6.10,<7" "$ROOT"
fi
VERSION=$("$PY" -c "import tomllib; print(tomllib.load(open('$ROOT/pyproject.toml', 'rb'))['project']['version'])")

# -- the build ---------------------------------------------------------------------------------
step "building facestudio $VERSION with $("$PY" -m PyInstaller --version 2>/dev/null || echo '?') (PyInstaller)"
started=$(date +%s)
# Run from packaging/ so the metadata copied is the installed package's, not a stray
# facestudio.egg-info of the source tree.
(cd "$HERE" && "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$DIST" --workpath "$WORK" "$HERE/facestudio.spec")
build_seconds=$(( $(date +%s) - started ))
[[ -x $APP ]] || fail "no executable at $APP"

# Desktop integration files beside the executable, laid out like /usr/share, to copy or link
# into ~/.local/share (see packaging/README.md).
APP_ID=io.github.facestudio.FaceStudio
install -Dm644 "$ROOT/resources/facestudio.desktop" "$APP_DIR/share/applications/facestudio.desktop"
install -Dm644 "$ROOT/resources/io.github.facestudio.FaceStudio.metainfo.xml" "$APP_DIR/share/metainfo/$APP_ID.metainfo.xml"
install -Dm644 "$ROOT/resources/icons/facestudio.svg" "$APP_DIR/share/icons/hicolor/scalable/apps/$APP_ID.svg"

# Licences of everything bundled (Qt/PySide6 LGPL, OpenCV and its FFmpeg, numpy ...), with an index.
step "collecting third-party licences"
"$PY" "$HERE/collect_licenses.py" "$APP_DIR/licenses" || fail "could not collect the licences"

# -- smoke runs (own config/cache folders: nothing of the builder's is read or written) ---------
SMOKE=$(mktemp -d)
trap 'rm -rf "$SMOKE"' EXIT
export XDG_CONFIG_HOME=$SMOKE/config XDG_CACHE_HOME=$SMOKE/cache XDG_DATA_HOME=$SMOKE/data
export FACESTUDIO_CONFIG_DIR=$SMOKE/config/facestudio

step "smoke: facestudio --version"
got=$("$APP" --version) || fail "--version exited with status $?"
echo "$got"
[[ $got == "facestudio $VERSION" ]] || fail "--version printed '$got', expected 'facestudio $VERSION'"

step "smoke: facestudio analyze (the sample portrait inside the bundle)"
SAMPLE=$(find "$APP_DIR" -path '*/facestudio/resources/samples/astronaut.jpg' -print -quit)
[[ -n $SAMPLE ]] || fail "the sample portrait is not in the bundle"
MODELS=$(dirname "$(find "$APP_DIR" -path '*/facestudio/models/face_landmark.tflite' -print -quit)")
[[ $MODELS != . ]] || fail "the face models are not in the bundle"
(cd "$SMOKE" && "$APP" analyze "$SAMPLE" -o "$SMOKE/analysis.json") || fail "analyze exited with status $?"
"$PY" - "$SMOKE/analysis.json" <<'EOF' || fail "analyze did not find exactly one face with 90 points"
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
faces = doc.get("face_shape_set", [])
points = sum(len(v) for v in faces[0].values() if isinstance(v, list)) if faces else 0
print(f"analyze: {doc.get('image_width')}x{doc.get('image_height')}, {len(faces)} face(s), "
      f"{points} points, model {doc.get('face_model_version')}")
sys.exit(0 if len(faces) == 1 and points == 90 else 1)
EOF

step "smoke: no second Qt in the bundle"
second_qt=$(find "$APP_DIR" \( -path '*/cv2/qt*' -o -name 'libQt5*' -o -name 'PyQt5' -o -name 'PyQt6' \) -print)
[[ -z $second_qt ]] || fail "a second Qt is in the bundle: $second_qt"
find "$APP_DIR" -name 'libQt6Core*' -print -quit | grep -q . || fail "PySide6's Qt is not in the bundle"
echo "only PySide6's Qt 6"

if (( GUI_SMOKE )); then
    step "smoke: the desktop app starts offscreen with the sample open and stays up for 12 s"
    status=0
    QT_QPA_PLATFORM=offscreen timeout 12 "$APP" "$SAMPLE" >"$SMOKE/gui.out" 2>"$SMOKE/gui.err" || status=$?
    if [[ $status != 124 ]] || grep -q -E 'Traceback|Could not (load|find) the Qt platform' "$SMOKE/gui.err"; then
        cat "$SMOKE/gui.out" "$SMOKE/gui.err" >&2
        fail "the desktop app ended with status $status (124 = still running after 12 s, as wanted)"
    fi
    echo "still running after 12 s, no traceback"
fi

step "done"
echo "bundle:     $APP_DIR ($(du -sh "$APP_DIR" | cut -f1))"
echo "build time: ${build_seconds} s"
