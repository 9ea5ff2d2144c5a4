"""The brand of a card: every value `card:` in the config can set, with the defaults from assets/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from scheduler.project.paths import DEFAULT_LOGO, DEFAULT_SLOGAN_FONT, DEFAULT_TEXT_FONT

CardFormat = Literal["jpeg", "png"]

# Approximations of the flag family's "đỏ tươi" and "vàng tươi" (no official hex values exist).
FLAG_RED = "#DA251D"
FLAG_YELLOW = "#FFFF00"
WHITE = "#FFFFFF"

# A card is mostly seen in a phone's feed, about this many CSS pixels wide...
PHONE_VIEW_WIDTH = 400
# ...where slogan letters smaller than this many CSS pixels stop being comfortable to read.
READABLE_ON_PHONE = 13.5


def readable_min_font_size(size: tuple[int, int]) -> int:
    """The smallest slogan font (card pixels) still readable when the card is shown PHONE_VIEW_WIDTH wide.

    An absolute minimum would be too strict for small cards (960x720) and too lax for large ones.
    """
    width, _ = size
    return max(8, round(width * READABLE_ON_PHONE / PHONE_VIEW_WIDTH))


@dataclass(frozen=True)
class CardStyle:
    size: tuple[int, int] = (1080, 1080)
    format: CardFormat = "jpeg"
    background: str = FLAG_RED
    slogan_color: str = FLAG_YELLOW
    text_color: str = WHITE
    header: str = "THÁNG DÂN VẬN NĂM 2021"
    footer: str = "Ban Dân vận Tỉnh ủy Bắc Giang"
    uppercase: bool = False
    slogan_font: Path = DEFAULT_SLOGAN_FONT
    text_font: Path = DEFAULT_TEXT_FONT
    logo: Path | None = DEFAULT_LOGO
    min_font_size: int | None = None  # None: readable_min_font_size(size)
    max_font_size: int = 100
    jpeg_quality: int = 90

    @property
    def smallest_font_size(self) -> int:
        """`min_font_size` when the config sets it, else what stays readable on a phone for this size."""
        return self.min_font_size if self.min_font_size is not None else readable_min_font_size(self.size)
