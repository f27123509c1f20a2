"""Draw the web app's icons (ui/static/ui/icons/): a white bridge arch over water on the UI's blue.

Run by hand when the design changes, `python manage.py make_icons`, and commit the PNGs. No font
is needed (a CJK font is not on every build machine).
"""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw

BLUE, WHITE, WATER = (10, 74, 156), (255, 255, 255), (120, 170, 230)
OUT = Path(__file__).resolve().parents[2] / "static" / "ui" / "icons"


def draw(size: int, *, maskable: bool) -> Image.Image:
    scale = 4  # drawn large, then shrunk: smooth edges
    s = size * scale
    image = Image.new("RGB", (s, s), BLUE)
    pen = ImageDraw.Draw(image)
    # A maskable icon keeps its drawing inside the central 80 % "safe zone".
    inset = s * (0.2 if maskable else 0.12)
    left, right, top, bottom = inset, s - inset, s * 0.3, s * 0.72
    width = s * 0.07
    pen.arc((left, top, right, top + 2 * (bottom - top)), 180, 360, fill=WHITE, width=int(width))  # the arch
    pen.rectangle((left - width, bottom - width / 2, right + width, bottom + width / 2), fill=WHITE)  # the deck
    for i in range(5):  # the railing's posts
        x = left + (right - left) * (i + 1) / 6
        pen.rectangle((x - width / 4, bottom - s * 0.12, x + width / 4, bottom), fill=WHITE)
    for row in range(2):  # water under the bridge
        y = bottom + s * (0.08 + 0.07 * row)
        pen.line((left + s * 0.05 * row, y, right - s * 0.05 * row, y), fill=WATER, width=int(width / 2))
    return image.resize((size, size), Image.LANCZOS)


class Command(BaseCommand):
    help = "Draw the web app's icons into ui/static/ui/icons/."

    def handle(self, *args, **options) -> None:
        OUT.mkdir(parents=True, exist_ok=True)
        for size in (192, 512):
            draw(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
        draw(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)
        draw(180, maskable=False).save(OUT / "apple-touch-icon.png", optimize=True)
        self.stdout.write(f"icons written to {OUT}")
