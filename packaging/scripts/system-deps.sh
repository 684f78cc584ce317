#!/usr/bin/env bash
# Installs the Debian/Ubuntu system packages Qt, OpenGL and numba need; with --test also the virtual
# display used by the GUI tests. Without root or sudo it prints the exact command instead.
set -euo pipefail

RUNTIME="libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libglib2.0-0 libxkbcommon0 libxkbcommon-x11-0
libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-shape0 libxcb-xkb1
libxcb-randr0 libxcb-xfixes0 libxcb-sync1 libxcb-shm0 libxcb-xinerama0 libgomp1"
TEST="xvfb xauth chromium poppler-utils"  # chromium renders the HTML report in the tests; poppler-utils checks its PDF
PACKAGE="binutils"

want="$RUNTIME"
for arg in "$@"; do
  case "$arg" in
    --test) want="$want $TEST" ;;
    --package) want="$want $PACKAGE" ;;
  esac
done
want=$(echo $want)

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: not a Debian-like system; install the equivalents of: $want" >&2
  exit 0
fi

missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
missing=$(echo $missing)
[ -z "$missing" ] && { echo "system-deps: all present"; exit 0; }

if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
  echo "system-deps: these system packages are missing and I cannot install them (no root, no sudo):" >&2
  echo "  sudo apt-get install -y $missing" >&2
  echo "Run that command, then try again." >&2
  exit 1
fi
echo "system-deps: installing $missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
echo "system-deps: done"
