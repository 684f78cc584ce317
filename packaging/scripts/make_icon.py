"""Draw the HEA Studio icon with Qt and write it as PNG, Windows .ico and macOS .icns.

The picture: a 4 x 4 patch of a random solid solution (four elements, one colour each) on a dark
rounded tile, with one 2 x 2 block outlined -- the "smallest unit of maximal entropy" the app finds.

Run from the repository root (output goes to resources/ unless --out is given):

    .venv/bin/python packaging/scripts/make_icon.py

The .ico and .icns containers are written here in plain Python (both formats may hold PNG images),
so no external tool is needed.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QGuiApplication,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
    QRadialGradient,
)

# Co, Cu, Fe, Ni: the four colours also used for the elements of the demo specimen.
PALETTE = ("#3d7fe0", "#e8903a", "#d9484a", "#3fb37f")
# A fixed arrangement with every element four times, so the tile reads as "mixed" at any size.
GRID = (
    (0, 2, 1, 3),
    (3, 1, 0, 2),
    (1, 0, 3, 2),
    (2, 3, 1, 0),
)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, by pixel size.
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09", 1024: b"ic10"}


def draw_icon(size: int) -> QImage:
    """Render the icon at ``size`` x ``size`` pixels (drawn as vectors, so every size is sharp)."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 256.0, size / 256.0)  # draw on a 256-unit canvas

    tile = QRectF(8, 8, 240, 240)
    background = QLinearGradient(QPointF(0, 8), QPointF(0, 248))
    background.setColorAt(0.0, QColor("#2a3140"))
    background.setColorAt(1.0, QColor("#161a22"))
    path = QPainterPath()
    path.addRoundedRect(tile, 52, 52)
    p.fillPath(path, QBrush(background))
    p.setPen(QPen(QColor(255, 255, 255, 40), 2))
    p.drawPath(path)

    pitch = 46.0
    origin = 128.0 - 1.5 * pitch
    radius = 18.5
    for row, line in enumerate(GRID):
        for col, element in enumerate(line):
            centre = QPointF(origin + col * pitch, origin + row * pitch)
            base = QColor(PALETTE[element])
            shade = QRadialGradient(centre + QPointF(-radius * 0.35, -radius * 0.4), radius * 1.25)
            shade.setColorAt(0.0, base.lighter(150))
            shade.setColorAt(0.55, base)
            shade.setColorAt(1.0, base.darker(150))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QBrush(shade))
            p.drawEllipse(centre, radius, radius)

    # The outlined 2 x 2 block (rows 1-2, columns 1-2).
    half = pitch / 2.0
    box = QRectF(origin + pitch - half + 2, origin + pitch - half + 2, 2 * pitch - 4, 2 * pitch - 4)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(QColor("#f4f6fa"), 5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.drawRoundedRect(box, 10, 10)
    p.end()
    return image


def png_bytes(image: QImage) -> bytes:
    """The image encoded as PNG."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("Qt could not encode a PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(images: dict[int, bytes]) -> bytes:
    """A Windows .ico holding one PNG per size (supported since Windows Vista)."""
    sizes = sorted(images)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries = b""
    blobs = b""
    for s in sizes:
        blob = images[s]
        dim = 0 if s >= 256 else s  # 0 means 256 in the directory entry
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
        blobs += blob
    return header + entries + blobs


def icns_bytes(images: dict[int, bytes]) -> bytes:
    """A macOS .icns holding PNG elements."""
    body = b""
    for s in sorted(images):
        kind = ICNS_TYPES[s]
        body += kind + struct.pack(">I", 8 + len(images[s])) + images[s]
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("resources"), help="output folder")
    args = parser.parse_args(argv)
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    args.out.mkdir(parents=True, exist_ok=True)

    pngs = {s: png_bytes(draw_icon(s)) for s in sorted(set(ICO_SIZES) | set(ICNS_TYPES))}
    (args.out / "hea-studio.png").write_bytes(pngs[256])
    (args.out / "hea-studio-512.png").write_bytes(pngs[512])
    (args.out / "hea-studio.ico").write_bytes(ico_bytes({s: pngs[s] for s in ICO_SIZES}))
    (args.out / "hea-studio.icns").write_bytes(icns_bytes({s: pngs[s] for s in ICNS_TYPES}))
    for name in ("hea-studio.png", "hea-studio-512.png", "hea-studio.ico", "hea-studio.icns"):
        print(f"wrote {args.out / name} ({(args.out / name).stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
