#!/bin/sh
# For the .tar.gz: add Meshwright to your applications menu and let it open .glb/.gltf files (no root needed).
# Run it from the unpacked folder; run it again after moving the folder. `--remove` undoes it.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
if [ "${1:-}" = "--remove" ]; then
  rm -f "$DATA/applications/meshwright.desktop" "$DATA/mime/packages/meshwright.xml"
  rm -f "$DATA"/icons/hicolor/*/apps/meshwright.png "$DATA/icons/hicolor/scalable/apps/meshwright.svg"
else
  mkdir -p "$DATA/applications" "$DATA/mime/packages"
  sed "s|^Exec=meshwright|Exec=\"$HERE/meshwright\"|" "$HERE/share/applications/meshwright.desktop" \
    > "$DATA/applications/meshwright.desktop"
  cp "$HERE/share/mime/packages/meshwright.xml" "$DATA/mime/packages/"
  cp -r "$HERE/share/icons" "$DATA/"
fi
command -v update-mime-database >/dev/null && update-mime-database "$DATA/mime" || true
command -v update-desktop-database >/dev/null && update-desktop-database "$DATA/applications" || true
echo "done"
