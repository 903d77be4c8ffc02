#!/usr/bin/env bash
# Wrap dist/Meshwright.app (built by PyInstaller from packaging/meshwright.spec) in a drag-to-Applications .dmg.
#   packaging/macos/make_dmg.sh 0.1.0        ->  dist/Meshwright-0.1.0-macos-<arch>.dmg
# Uses create-dmg when installed (brew install create-dmg: window layout, Applications link), else hdiutil alone.
#
# Signing (not done here; no certificate is faked): with a "Developer ID Application" identity in the keychain,
#   codesign --deep --force --options runtime --timestamp --entitlements packaging/macos/entitlements.plist \
#            --sign "Developer ID Application: NAME (TEAMID)" dist/Meshwright.app
# before this script, then after it:
#   xcrun notarytool submit dist/Meshwright-*.dmg --apple-id ... --team-id ... --password ... --wait
#   xcrun stapler staple dist/Meshwright-*.dmg
# Set MACOS_SIGN_IDENTITY to run the codesign step here. Unsigned builds open with right-click > Open (README),
# and keyring access may be refused (-25293) until the app is signed.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=${1:?usage: make_dmg.sh VERSION}
APP=dist/Meshwright.app
DMG="dist/Meshwright-${VERSION}-macos-$(uname -m).dmg"
[ -d "$APP" ] || { echo "error: $APP is missing: run pyinstaller packaging/meshwright.spec first" >&2; exit 2; }

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  codesign --deep --force --options runtime --timestamp \
    --entitlements packaging/macos/entitlements.plist --sign "$MACOS_SIGN_IDENTITY" "$APP"
  codesign --verify --strict --verbose=2 "$APP"
fi

rm -f "$DMG"
if command -v create-dmg >/dev/null; then
  create-dmg --volname "Meshwright $VERSION" --volicon resources/icons/meshwright.icns \
    --window-size 540 360 --icon-size 96 --icon "Meshwright.app" 140 170 \
    --app-drop-link 400 170 --hide-extension "Meshwright.app" "$DMG" "$APP"
else
  STAGE=$(mktemp -d)
  cp -R "$APP" "$STAGE/"
  ln -s /Applications "$STAGE/Applications"
  hdiutil create -volname "Meshwright $VERSION" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
  rm -rf "$STAGE"
fi
echo "built: $DMG ($(du -h "$DMG" | cut -f1))"
