"""Draw the Meshwright app icon once and write every form the platforms want.

One geometry (a shaded, triangulated cube on a rounded tile) becomes the SVG (scalable source for Linux icon
themes), PNGs at the hicolor sizes, a Windows .ico and a macOS .icns. Pillow draws the bitmaps itself at 4x and
scales down, so no SVG renderer is needed. The outputs are checked in; run again after changing the drawing:

    .venv/bin/python packaging/make_icons.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

CANVAS = 1024
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
OUT = Path(__file__).resolve().parent.parent / "resources" / "icons"

TILE = (64, 64, 960, 960)
TILE_RADIUS = 200
TILE_COLOR = "#1d3557"
# Isometric cube corners on the 1024 canvas.
TOP, LEFT, MID, RIGHT = (512, 196), (244, 350), (512, 504), (780, 350)
LEFT_LOW, BOTTOM, RIGHT_LOW = (244, 660), (512, 814), (780, 660)
FACES = (
    ((TOP, RIGHT, MID, LEFT), "#ffc15e"),  # lit top
    ((LEFT, MID, BOTTOM, LEFT_LOW), "#f07f3c"),
    ((RIGHT, RIGHT_LOW, BOTTOM, MID), "#b8462a"),
)
# The triangulation that says "mesh": one diagonal per face, plus the silhouette edges in the same stroke.
EDGES = ((LEFT, RIGHT), (LEFT, BOTTOM), (MID, RIGHT_LOW),
         (TOP, RIGHT), (RIGHT, MID), (MID, LEFT), (LEFT, TOP), (MID, BOTTOM),
         (LEFT, LEFT_LOW), (LEFT_LOW, BOTTOM), (BOTTOM, RIGHT_LOW), (RIGHT_LOW, RIGHT))
EDGE_COLOR = "#fff4e0"
EDGE_WIDTH = 14


def svg_text() -> str:
    def points(pts: tuple) -> str:
        return " ".join(f"{x},{y}" for x, y in pts)

    x0, y0, x1, y1 = TILE
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CANVAS}" height="{CANVAS}" viewBox="0 0 {CANVAS} {CANVAS}">',
        "  <title>Meshwright</title>",
        f'  <rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" rx="{TILE_RADIUS}" fill="{TILE_COLOR}"/>',
    ]
    lines += [f'  <polygon points="{points(pts)}" fill="{color}"/>' for pts, color in FACES]
    lines.append(f'  <g stroke="{EDGE_COLOR}" stroke-width="{EDGE_WIDTH}" stroke-linecap="round" '
                 'stroke-opacity="0.85" fill="none">')
    lines += [f'    <line x1="{a[0]}" y1="{a[1]}" x2="{b[0]}" y2="{b[1]}"/>' for a, b in EDGES]
    lines += ["  </g>", "</svg>", ""]
    return "\n".join(lines)


def draw(size: int) -> Image.Image:
    """The icon at ``size`` pixels, drawn at 4x (at least the full canvas) and scaled down for smooth edges."""
    big = max(CANVAS, size * 4)
    k = big / CANVAS
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle([v * k for v in TILE], radius=TILE_RADIUS * k, fill=TILE_COLOR)
    for pts, color in FACES:
        pen.polygon([(x * k, y * k) for x, y in pts], fill=color)
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    lines = ImageDraw.Draw(overlay)
    r, g, b = (int(EDGE_COLOR[i:i + 2], 16) for i in (1, 3, 5))
    width = max(1, round(EDGE_WIDTH * k))
    for a, c in EDGES:
        lines.line([(a[0] * k, a[1] * k), (c[0] * k, c[1] * k)], fill=(r, g, b, 217), width=width)
        for x, y in (a, c):  # round caps, as in the SVG
            lines.ellipse([x * k - width / 2, y * k - width / 2, x * k + width / 2, y * k + width / 2],
                          fill=(r, g, b, 217))
    image = Image.alpha_composite(image, overlay)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main(out: Path = OUT) -> int:
    out.mkdir(parents=True, exist_ok=True)
    (out / "meshwright.svg").write_text(svg_text(), encoding="utf-8")
    for size in PNG_SIZES:
        draw(size).save(out / f"meshwright-{size}.png", optimize=True)
    # Each size drawn on its own: a 16 px frame scaled from 256 px loses its edges.
    ico = [draw(s) for s in ICO_SIZES]
    ico[-1].save(out / "meshwright.ico", sizes=[(s, s) for s in ICO_SIZES], append_images=ico[:-1])
    icns = [draw(s) for s in (32, 64, 128, 256, 512)]
    draw(1024).save(out / "meshwright.icns", append_images=icns)
    print(f"icons written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
