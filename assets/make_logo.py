"""Draw the project's own badge logo and write it to assets/logo.png.

The badge is a yellow ring on a red disc holding three stylised people framed by two laurel branches:
"dân vận" is about working with people. It deliberately contains no state or Party symbol (no national
emblem, no hammer and sickle, no star), because drawing those freehand is neither allowed nor ours to brand.

Run: .venv/bin/python assets/make_logo.py
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

from scheduler.project.cardstyle import FLAG_RED, FLAG_YELLOW

OUTPUT = Path(__file__).resolve().parent / "logo.png"
SIZE = 512
# Drawing 4x larger and downscaling gives smooth edges that ImageDraw's aliased primitives lack.
SUPERSAMPLE = 4

Point = tuple[float, float]


class Canvas:
    """Draws in badge units: the origin is the badge centre, 1.0 is its radius, y grows downwards."""

    def __init__(self, pixels: int) -> None:
        self.image = Image.new("RGBA", (pixels, pixels), (0, 0, 0, 0))
        self.draw = ImageDraw.Draw(self.image)
        self.half = pixels / 2

    def px(self, point: Point) -> Point:
        return (self.half + point[0] * self.half, self.half + point[1] * self.half)

    def disc(self, centre: Point, radius: float, fill: str) -> None:
        x, y = centre
        self.ellipse((x - radius, y - radius, x + radius, y + radius), fill)

    def ellipse(self, box: tuple[float, float, float, float], fill: str) -> None:
        left, top = self.px((box[0], box[1]))
        right, bottom = self.px((box[2], box[3]))
        self.draw.ellipse((left, top, right, bottom), fill=fill)

    def polygon(self, points: list[Point], fill: str) -> None:
        self.draw.polygon([self.px(p) for p in points], fill=fill)

    def arc(self, radius: float, start_deg: float, end_deg: float, width: float, fill: str) -> None:
        left, top = self.px((-radius, -radius))
        right, bottom = self.px((radius, radius))
        self.draw.arc((left, top, right, bottom), start_deg, end_deg, fill=fill, width=round(width * self.half))


def draw_ring(canvas: Canvas) -> None:
    canvas.disc((0, 0), 0.98, FLAG_YELLOW)
    canvas.disc((0, 0), 0.90, FLAG_RED)
    canvas.disc((0, 0), 0.855, FLAG_YELLOW)
    canvas.disc((0, 0), 0.835, FLAG_RED)


GROUND = 0.34


def torso_outline(x: float, half_width: float, height: float) -> list[Point]:
    """The upper half of a superellipse: square-ish shoulders rather than an egg-shaped dome."""
    exponent = 2.6
    steps = 64
    outline: list[Point] = []
    for i in range(steps + 1):
        angle = math.pi * i / steps
        cos, sin = math.cos(angle), math.sin(angle)
        dx = math.copysign(abs(cos) ** (2 / exponent), cos) * half_width
        dy = abs(sin) ** (2 / exponent) * height
        outline.append((x + dx, GROUND - dy))
    return outline


def draw_person(canvas: Canvas, x: float, scale: float, fill: str, grow: float = 0.0) -> None:
    """A head above rounded shoulders standing on the shared ground line; `grow` widens it to cut a gap."""
    canvas.disc((x, GROUND - 0.50 * scale), 0.12 * scale + grow, fill)
    canvas.polygon(torso_outline(x, 0.25 * scale + grow, 0.32 * scale + grow), fill)


def draw_people(canvas: Canvas) -> None:
    gap = 0.03
    for side in (-1.0, 1.0):
        draw_person(canvas, side * 0.26, 0.72, FLAG_YELLOW)
    draw_person(canvas, 0.0, 0.9, FLAG_RED, grow=gap)
    draw_person(canvas, 0.0, 0.9, FLAG_YELLOW)


def leaf(canvas: Canvas, base: Point, angle: float, length: float, width: float) -> None:
    """A pointed leaf (two mirrored sine arcs) starting at `base` and pointing along `angle` (radians)."""
    steps = 24
    along = (math.cos(angle), math.sin(angle))
    across = (-along[1], along[0])
    outline: list[Point] = []
    for sign in (1.0, -1.0):
        indices = range(steps + 1) if sign > 0 else range(steps, -1, -1)
        for i in indices:
            t = i / steps
            u = t * length
            v = sign * width * math.sin(math.pi * t) ** 0.9
            outline.append((base[0] + along[0] * u + across[0] * v, base[1] + along[1] * u + across[1] * v))
    canvas.polygon(outline, FLAG_YELLOW)


def draw_laurel_branch(canvas: Canvas, mirror: float) -> None:
    """One branch rising from the bottom of the badge along an arc; `mirror` is -1 for left, 1 for right."""
    radius = 0.665
    start, end = 100.0, 212.0
    stem_width = 0.022
    if mirror < 0:
        canvas.arc(radius, start, end, stem_width, FLAG_YELLOW)
    else:
        canvas.arc(radius, 180.0 - end, 180.0 - start, stem_width, FLAG_YELLOW)
    pairs = 8
    for i in range(pairs):
        theta_deg = start + 12.0 + i * (end - start - 12.0) / (pairs - 0.5)
        theta = math.radians(theta_deg if mirror < 0 else 180.0 - theta_deg)
        base = (radius * math.cos(theta), radius * math.sin(theta))
        # The tangent pointing up the branch, towards the branch tip.
        tangent = theta + (math.pi / 2 if mirror < 0 else -math.pi / 2)
        size = 1.0 - 0.035 * i
        leaf(canvas, base, tangent - mirror * 0.55, 0.18 * size, 0.05 * size)
        leaf(canvas, base, tangent + mirror * 0.6, 0.15 * size, 0.042 * size)
    tip_theta = math.radians(end if mirror < 0 else 180.0 - end)
    tip = (radius * math.cos(tip_theta), radius * math.sin(tip_theta))
    leaf(canvas, tip, tip_theta + (math.pi / 2 if mirror < 0 else -math.pi / 2), 0.13, 0.03)


def draw_logo(size: int = SIZE) -> Image.Image:
    canvas = Canvas(size * SUPERSAMPLE)
    draw_ring(canvas)
    draw_people(canvas)
    draw_laurel_branch(canvas, -1.0)
    draw_laurel_branch(canvas, 1.0)
    # Resizing premultiplied alpha keeps the transparent corners from bleeding dark fringes into the edge.
    small = canvas.image.convert("RGBa").resize((size, size), Image.Resampling.LANCZOS)
    return small.convert("RGBA")


def main() -> None:
    draw_logo().save(OUTPUT, format="PNG", optimize=True)
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
