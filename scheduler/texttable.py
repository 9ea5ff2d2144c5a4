"""Text for a terminal: left-aligned tables whose cells are data, and counts written the Vietnamese way."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from scheduler.textsafety import escape_controls


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns; the last column is free text and is not padded."""
    rows = [[escape_controls(cell) for cell in row] for row in rows]  # cells are data: never terminal controls
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row[:-1])]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


def _width(text: str) -> int:
    # Combining marks take no column; our texts are NFC, but be safe with anything pasted in.
    return sum(0 if unicodedata.combining(ch) else 1 for ch in text)


def count_text(value: int | None) -> str:
    return "" if value is None else f"{value:,}".replace(",", ".")
