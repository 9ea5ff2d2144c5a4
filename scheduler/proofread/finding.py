"""What a proofreading rule reports inside one text: a Finding at an offset of the text's NFC form."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.errors import Severity

Edit = tuple[int, int, str]  # replace text[start:end] with the string
Span = tuple[int, int]


@dataclass(frozen=True)
class Finding:
    start: int
    severity: Severity
    rule: str
    message: str
    edit: Edit | None = None  # a safe repair


def splice(text: str, edits: list[Edit]) -> str:
    """The text with non-overlapping edits, given in order of position, applied."""
    out: list[str] = []
    last = 0
    for start, end, new in edits:
        out.append(text[last:start])
        out.append(new)
        last = end
    out.append(text[last:])
    return "".join(out)


def overlaps(spans: list[Span], start: int, end: int) -> bool:
    """Whether [start, end) shares a character with one of the spans."""
    return any(start < span_end and span_start < end for span_start, span_end in spans)


def inside(spans: list[Span], index: int) -> bool:
    return any(a <= index < b for a, b in spans)
