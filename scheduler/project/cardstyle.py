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
    min_font_size: int = 40
    max_font_size: int = 100
    jpeg_quality: int = 90
