#!/usr/bin/env bash
# Adds HEA Studio to the desktop's application menu for the current user (no root needed):
# writes ~/.local/share/applications/hea-studio.desktop and the icon, pointing at this folder.
# Run it again after moving the folder; `--remove` takes the entry away again.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
APPS="$DATA/applications"
ICONS="$DATA/icons/hicolor/256x256/apps"
ENTRY="$APPS/hea-studio.desktop"

if [ "${1:-}" = "--remove" ]; then
  rm -f "$ENTRY" "$ICONS/hea-studio.png"
  echo "removed $ENTRY"
  exit 0
fi

EXE="$HERE/hea-studio"
ICON_SRC="$HERE/_internal/resources/hea-studio.png"
[ -x "$EXE" ] || { echo "install-desktop-entry: $EXE not found; run this script from the HEA Studio folder" >&2; exit 1; }

mkdir -p "$APPS" "$ICONS"
cp "$ICON_SRC" "$ICONS/hea-studio.png"
# Desktop entry values: a path with spaces must be quoted in Exec, and %f passes a double-clicked file.
cat >"$ENTRY" <<DESKTOP
[Desktop Entry]
Type=Application
Name=HEA Studio
GenericName=Atom probe entropy analysis
Comment=Configurational entropy versus scale and SUME for atom probe data
Exec="$EXE" %f
Icon=$ICONS/hea-studio.png
Terminal=false
Categories=Science;Physics;Education;
Keywords=atom probe;APT;entropy;high-entropy alloy;SUME;
DESKTOP
chmod 644 "$ENTRY"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$APPS" >/dev/null 2>&1 || true
echo "installed $ENTRY (HEA Studio now appears in the application menu)"
