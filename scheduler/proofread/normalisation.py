"""NFC cluster by cluster: what each composed character came from, and which clusters a repair would change."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from scheduler.proofread.finding import Edit


def nfc_pieces(raw: str) -> Iterator[Edit]:
    """(start, end, NFC form) of every cluster of raw: a base character and the combining marks after it."""
    start = 0
    for i in range(1, len(raw) + 1):
        if i == len(raw) or not unicodedata.combining(raw[i]):
            yield start, i, unicodedata.normalize("NFC", raw[start:i])
            start = i


def nfc_edits(raw: str) -> list[Edit]:
    """The clusters NFC changes, as edits of raw."""
    return [(start, end, normal) for start, end, normal in nfc_pieces(raw) if normal != raw[start:end]]


def nfc_map(raw: str) -> tuple[str, list[int]]:
    """NFC of raw, and for each NFC character the index in raw of the cluster it came from (plus len(raw))."""
    pieces: list[str] = []
    n2r: list[int] = []
    for start, _, piece in nfc_pieces(raw):
        pieces.append(piece)
        n2r.extend([start] * len(piece))
    nfc = "".join(pieces)
    whole = unicodedata.normalize("NFC", raw)
    if nfc != whole:
        return whole, [min(i, len(raw)) for i in range(len(whole) + 1)]
    n2r.append(len(raw))
    return nfc, n2r


def normalisation_rule(raw: str) -> str:
    """The rule a not-NFC text breaks: wholly decomposed (NFD) or partly."""
    return "encoding-nfd" if unicodedata.normalize("NFD", raw) == raw else "encoding-mixed-normalisation"


def raw_to_nfc(raw: str, index: int) -> int:
    return len(unicodedata.normalize("NFC", raw[:index]))
