#!/usr/bin/env bash
# macOS: sign "HEA Studio.app" and pack it into a drag-to-Applications disk image.
#
#   bash packaging/build.sh            # PyInstaller builds packaging/dist/HEA Studio.app (BUNDLE in the spec)
#   bash packaging/macos/make_dmg.sh   # -> packaging/dist/HEA-Studio-<version>-macos-<arch>.dmg
#
# Signing: with MACOS_SIGN_IDENTITY set (a "Developer ID Application: ..." identity in the keychain) the app
# is signed with the hardened runtime and entitlements.plist (numba's JIT needs allow-jit); otherwise it is
# signed ad hoc, which Apple Silicon requires to run at all, and users must right-click > Open the first time.
# Notarization: with MACOS_NOTARY_PROFILE set (a profile stored by `xcrun notarytool store-credentials`)
# the dmg is submitted, waited for, and the ticket stapled, so it opens without warnings.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIST="${HEA_PACKAGE_DIST:-$ROOT/packaging/dist}"
APP="$DIST/HEA Studio.app"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
[ "$(uname -s)" = Darwin ] || { echo "make_dmg: run this on macOS (hdiutil, codesign)" >&2; exit 1; }
[ -d "$APP" ] || { echo "make_dmg: $APP missing; run packaging/build.sh first" >&2; exit 1; }

VERSION="$("$PYTHON" -c 'import hea_studio; print(hea_studio.__version__)')"
DMG="$DIST/HEA-Studio-$VERSION-macos-$(uname -m).dmg"
ENTITLEMENTS="$ROOT/packaging/macos/entitlements.plist"

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  echo "make_dmg: signing with $MACOS_SIGN_IDENTITY (hardened runtime)"
  codesign --force --deep --timestamp --options runtime --entitlements "$ENTITLEMENTS" \
    --sign "$MACOS_SIGN_IDENTITY" "$APP"
else
  echo "make_dmg: no MACOS_SIGN_IDENTITY: ad-hoc signature (not notarizable)"
  codesign --force --deep --sign - "$APP"
fi
codesign --verify --deep --strict "$APP"

# The app must start from the bundle before it is shipped (the same check the Linux test makes).
SELFTEST="$(mktemp -d)"
(cd "$SELFTEST" && "$APP/Contents/MacOS/hea-studio" --self-test "$SELFTEST/out")
test -s "$SELFTEST/out/window.png" && test -s "$SELFTEST/out/analysis.json"

STAGE="$(mktemp -d)"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
rm -f "$DMG"
hdiutil create -volname "HEA Studio $VERSION" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG"
rm -rf "$STAGE" "$SELFTEST"

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$DMG"
  if [ -n "${MACOS_NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$DMG" --keychain-profile "$MACOS_NOTARY_PROFILE" --wait
    xcrun stapler staple "$DMG"
  fi
fi
echo "make_dmg: $DMG ($(du -h "$DMG" | cut -f1))"
