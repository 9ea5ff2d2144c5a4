"""CSV that Excel opens safely: a UTF-8 BOM for the accents, and no cell that Excel would run as a formula.

A slogan written as a bullet ("- Dân vận khéo ...") or a platform message starting with "=" or "@"
would be a formula in Excel (#NAME?, or worse, a call out). Such cells get a leading apostrophe,
which Excel shows as text and hides.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """The value as Excel should show it: None is empty, a formula-like text is quoted."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The whole file as text, BOM first; write it with encoding='utf-8' (the BOM is already in it)."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(title) for title in header])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue()
