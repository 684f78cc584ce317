#!/usr/bin/env bash
# Build the one-folder HEA Studio application with PyInstaller and pack it for distribution.
#
#   bash packaging/build.sh            (or: make package)
#
# Output in packaging/dist/:
#   hea-studio/                                   the application folder (run hea-studio/hea-studio; on Linux
#                                                 hea-studio/install-desktop-entry.sh adds it to the app menu;
#                                                 LICENSE, THIRD-PARTY-NOTICES.txt and licenses/ at its top)
#   hea-studio-<version>-<os>-<arch>.tar.gz       Linux and macOS archive of that folder
#   hea-studio-<version>-<os>-<arch>.zip          Windows archive (the installer is built by windows/build-installer.ps1)
#   build-info.json                               version, commit, build time and sizes (read by the tests)
# The PyInstaller log goes to packaging/build/pyinstaller.log; the last lines are shown on failure.
#
# Environment: PYTHON (default .venv/bin/python, else python3) must have the package installed with the
# "package" extra (pip install -e ".[package]"). HEA_PACKAGE_NO_ARCHIVE=1 skips the archive;
# HEA_PACKAGE_DIST and HEA_PACKAGE_WORK move the output and PyInstaller's work folder (the tests use them).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python
  elif [ -x .venv/Scripts/python.exe ]; then PYTHON=.venv/Scripts/python.exe
  else PYTHON=python3; fi
fi
DIST="${HEA_PACKAGE_DIST:-$ROOT/packaging/dist}"
WORK="${HEA_PACKAGE_WORK:-$ROOT/packaging/build}"
LOG="$WORK/pyinstaller.log"
mkdir -p "$DIST" "$WORK"

VERSION="$("$PYTHON" -c 'import hea_studio; print(hea_studio.__version__)')"
case "$(uname -s)" in
  Linux*) OS=linux ;;
  Darwin*) OS=macos ;;
  MINGW*|MSYS*|CYGWIN*) OS=windows ;;
  *) OS="$(uname -s | tr '[:upper:]' '[:lower:]')" ;;
esac
ARCH="$(uname -m)"
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

echo "build: HEA Studio $VERSION ($COMMIT) for $OS-$ARCH with $("$PYTHON" -m PyInstaller --version 2>/dev/null || echo '?')"
start=$(date +%s)
rm -rf "$DIST/hea-studio" "$DIST/HEA Studio.app"
# No --clean: PyInstaller's work folder and caches make a rebuild after a small change much faster (the
# package tests build into a fresh work folder anyway). Delete packaging/build/ to force a full build.
if ! "$PYTHON" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "$DIST" --workpath "$WORK" packaging/hea_studio.spec >"$LOG" 2>&1; then
  echo "build: PyInstaller failed; last lines of $LOG:" >&2
  tail -n 40 "$LOG" >&2
  exit 1
fi
built=$(date +%s)

APP_DIR="$DIST/hea-studio"
EXE="$APP_DIR/hea-studio"
[ "$OS" = windows ] && EXE="$APP_DIR/hea-studio.exe"
[ -x "$EXE" ] || { echo "build: $EXE was not produced" >&2; exit 1; }

# HEA Studio's licence, the third-party notices and every bundled component's licence texts, at the top
# of the folder (and in the macOS app's resources), so the archive and the installers carry them.
"$PYTHON" packaging/notices.py "$APP_DIR"
if [ -d "$DIST/HEA Studio.app/Contents/Resources" ]; then
  "$PYTHON" packaging/notices.py "$DIST/HEA Studio.app/Contents/Resources"
fi

if [ "$OS" = linux ]; then
  # Lets a Linux user add the app to the desktop's menu (see README, "Installing without Python").
  install -m 755 packaging/linux/install-desktop-entry.sh "$APP_DIR/install-desktop-entry.sh"
fi

ARCHIVE=""
if [ "${HEA_PACKAGE_NO_ARCHIVE:-0}" != 1 ]; then
  BASE="hea-studio-$VERSION-$OS-$ARCH"
  if [ "$OS" = windows ]; then
    ARCHIVE="$DIST/$BASE.zip"
    rm -f "$ARCHIVE"
    (cd "$DIST" && "$PYTHON" -m zipfile -c "$BASE.zip" hea-studio)
  else
    ARCHIVE="$DIST/$BASE.tar.gz"
    rm -f "$ARCHIVE"
    # gzip -6: nearly the size of -9 at half the time; most of the bundle is already-compressed code.
    tar -C "$DIST" -cf - hea-studio | gzip -6 >"$ARCHIVE"
  fi
fi
end=$(date +%s)

# Sizes in bytes, the same way on Linux, macOS (BSD du has no -b) and Git Bash: files plus link entries.
dir_bytes=$("$PYTHON" -c 'import os, sys; print(sum(os.lstat(os.path.join(d, f)).st_size for d, _, fs in os.walk(sys.argv[1]) for f in fs))' "$APP_DIR")
arc_bytes=0
[ -n "$ARCHIVE" ] && arc_bytes=$(wc -c <"$ARCHIVE" | tr -d ' ')
"$PYTHON" - "$DIST/build-info.json" <<EOF
import json, sys
json.dump({
    "version": "$VERSION", "commit": "$COMMIT", "platform": "$OS-$ARCH",
    "app_dir": "$APP_DIR", "executable": "$EXE", "archive": "$ARCHIVE" or None,
    "pyinstaller_s": $((built - start)), "total_s": $((end - start)),
    "app_dir_bytes": $dir_bytes, "archive_bytes": $arc_bytes,
}, open(sys.argv[1], "w"), indent=2)
EOF

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "build: PyInstaller $((built - start)) s, total $((end - start)) s"
echo "build: folder  $APP_DIR  $(mib "$dir_bytes")"
[ -n "$ARCHIVE" ] && echo "build: archive $ARCHIVE  $(mib "$arc_bytes")"
echo "build: run it with: \"$EXE\""
