"""Text as Raqm shapes it: NFC normalisation, fonts opened once, and a line's advance and ink box."""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from PIL import ImageFont

from scheduler.errors import CardError

# left, top, right, bottom in px; right and bottom exclusive.
Box = tuple[int, int, int, int]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@functools.lru_cache(maxsize=256)
def open_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)
    except OSError as exc:
        raise CardError(f"không mở được phông chữ {path}: {exc}") from exc


@functools.lru_cache(maxsize=16384)
def text_advance(path: Path, size: int, text: str) -> float:
    return open_font(path, size).getlength(text)


@functools.lru_cache(maxsize=4096)
def ink_box(path: Path, size: int, text: str) -> Box:
    """Ink box relative to the left end of the baseline: exactly what drawing with anchor "ls" covers."""
    left, top, right, bottom = open_font(path, size).getbbox(text, anchor="ls")
    return int(left), int(top), int(right), int(bottom)
