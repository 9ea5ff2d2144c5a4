"""Where a slogan's lines break: unbreakable units (punctuation, number ranges, names), then the breaks that
make the lines most even for the fewest lines, each break weighed by what it cuts (see breakcost)."""

from __future__ import annotations

import functools
import itertools
import re
from enum import IntEnum
from pathlib import Path

from scheduler.cards.breakcost import PHRASE, UNIT, break_costs
from scheduler.cards.fonts import text_advance

DASHES = frozenset("-–—")
# Characters a line must never start with; a token starting with one stays on the previous line.
NO_LINE_START = frozenset("!?,.;:)]}»”’…%") | DASHES
# Tokens made only of these would be stranded at a line end, so they stay with the next token.
OPENERS = frozenset("([{«“‘")
# Breakable whitespace only: no-break spaces keep their neighbours together, as the author meant.
BREAKABLE_SPACE = re.compile(r"[^\S\u00a0\u2007\u202f]+")
_DATE = r"\d{1,4}(?:[/.]\d{1,2}){0,2}(?:[/.]\d{2,4})?"
# "(15/10/1930 - 15/10/2021)" and "2021 - 2026": kept on one line, broken after the dash only if wider than the box.
NUMBER_RANGE = re.compile(rf"(?<![\w/.])\(?{_DATE}\s*[-–—]\s*{_DATE}\)?")

# An extra line costs as much as a break inside a phrase, so a card never grows a line for evenness alone.
EXTRA_LINE = PHRASE

# Names that read badly, or disrespectfully, when split over two lines; short enough to always fit one.
KEEP_TOGETHER = re.compile(r"(?<!\w)(?:Hồ Chí Minh|Việt Nam|Bác Hồ)(?!\w)", re.IGNORECASE)


class Break(IntEnum):
    """What may happen at the space between two tokens."""

    ALLOWED = 0
    FALLBACK = 1  # only when the unit around it is wider than the box
    NEVER = 2


@functools.lru_cache(maxsize=1024)
def _tokenize(text: str) -> tuple[tuple[str, ...], tuple[Break, ...]]:
    """Split at breakable spaces and classify each space (breaks[i] sits between tokens i and i+1)."""
    tokens = tuple(token for token in BREAKABLE_SPACE.split(text) if token)
    breaks = [_break_between(left, right) for left, right in itertools.pairwise(tokens)]
    for index in _spaces_inside(tokens, NUMBER_RANGE):
        breaks[index] = max(breaks[index], Break.FALLBACK)
    for index in _spaces_inside(tokens, KEEP_TOGETHER):
        breaks[index] = Break.NEVER
    return tokens, tuple(breaks)


def _break_between(left: str, right: str) -> Break:
    if right[0] in NO_LINE_START or all(char in OPENERS for char in left):
        return Break.NEVER
    return Break.ALLOWED


def _spaces_inside(tokens: tuple[str, ...], pattern: re.Pattern[str]) -> list[int]:
    """Indexes of the spaces between tokens that fall inside a match of `pattern`."""
    space_positions, position = [], 0
    for token in tokens[:-1]:
        position += len(token)
        space_positions.append(position)
        position += 1
    joined = " ".join(tokens)
    return [
        index
        for match in pattern.finditer(joined)
        for index, space in enumerate(space_positions)
        if match.start() < space < match.end()
    ]


def _pieces(tokens: tuple[str, ...], breaks: tuple[Break, ...], allow_fallback: bool) -> list[str]:
    pieces, current = [], [tokens[0]]
    for token, kind in zip(tokens[1:], breaks, strict=True):
        if kind == Break.ALLOWED or (allow_fallback and kind == Break.FALLBACK):
            pieces.append(" ".join(current))
            current = []
        current.append(token)
    pieces.append(" ".join(current))
    return pieces


def _display(text: str, uppercase: bool) -> str:
    # Upper-casing NFC text keeps every Vietnamese diacritic (ấ -> Ấ, đ -> Đ) and never adds a space, so the
    # pieces of the text as written are the pieces of the text as drawn.
    return text.upper() if uppercase else text


def _unbreakable_pieces(
    text: str, font_path: Path, size: int, width: int, split_ranges: bool, uppercase: bool
) -> list[str] | None:
    """Pieces between allowed breaks, as written; with `split_ranges`, a unit wider than the box is split at its
    fallback breaks (after the dash of a number range)."""
    tokens, breaks = _tokenize(text)
    result: list[str] = []
    for unit in _pieces(tokens, breaks, allow_fallback=False):
        if text_advance(font_path, size, _display(unit, uppercase)) <= width:
            result.append(unit)
            continue
        if not split_ranges:
            return None
        unit_tokens, unit_breaks = _tokenize(unit)
        parts = _pieces(unit_tokens, unit_breaks, allow_fallback=True)
        if any(text_advance(font_path, size, _display(part, uppercase)) > width for part in parts):
            return None
        result.extend(parts)
    return result


def _minimum_line_count(widths: list[float], space: float, width: int) -> int:
    # Filling each line greedily gives the fewest lines; the balanced breaks below reuse that count.
    lines, current = 1, widths[0]
    for piece in widths[1:]:
        if current + space + piece <= width:
            current += space + piece
        else:
            lines, current = lines + 1, piece
    return lines


def _break_penalties(pieces: tuple[str, ...], width: int) -> list[float]:
    """The cost of ending a line after each piece (0 after the last), in squared px like the line slack."""
    words = tuple(word for piece in pieces for word in piece.split(" "))
    costs = break_costs(words)
    penalties, index = [], -1
    for piece in pieces[:-1]:
        index += piece.count(" ") + 1
        penalties.append(costs[index] * width**2)
    return [*penalties, 0.0]


def _balanced_breaks(
    widths: list[float], penalties: list[float], space: float, width: int, line_count: int
) -> list[int] | None:
    """Start index of each line that minimises the sum of squared slack, for exactly `line_count` lines.

    Unlike greedy filling this never leaves one long line and a lone short word: with a fixed number of
    lines, minimising the squares evens the lines out. `penalties[i]` is added when a line ends after
    piece i, so lines end at commas and dashes, not inside words, when that keeps them nearly as even.
    """
    count = len(widths)
    prefix = [0.0]
    for piece in widths:
        prefix.append(prefix[-1] + piece)
    first_fit = _first_fitting_starts(prefix, widths, space, width)

    infinity = float("inf")
    # best[k][j]: cost of setting pieces[:j] on k lines; start[k][j]: where the k-th line begins.
    best = [[infinity] * (count + 1) for _ in range(line_count + 1)]
    start = [[0] * (count + 1) for _ in range(line_count + 1)]
    best[0][0] = 0.0
    for lines in range(1, line_count + 1):
        previous, current, starts_here = best[lines - 1], best[lines], start[lines]
        # Every later line needs a piece of its own, and the last line must end at the last piece.
        first_end = count if lines == line_count else lines
        for end in range(first_end, count - (line_count - lines) + 1):
            penalty = penalties[end - 1] if end < count else 0.0
            # Ascending, with a strict "<", so ties go to the earliest start, as they always have.
            for begin in range(max(lines - 1, first_fit[end]), end):
                length = prefix[end] - prefix[begin] + (end - begin - 1) * space
                if length > width or previous[begin] == infinity:
                    continue
                cost = previous[begin] + ((width - length) ** 2 + penalty)
                if cost < current[end]:
                    current[end], starts_here[end] = cost, begin
    if best[line_count][count] == infinity:
        return None
    starts, end = [], count
    for lines in range(line_count, 0, -1):
        end = start[lines][end]
        starts.append(end)
    return starts[::-1]


def _first_fitting_starts(prefix: list[float], widths: list[float], space: float, width: int) -> list[int]:
    """For each end j, the smallest i such that pieces[i:j] fit on one line (j itself when none does).

    With no negative widths a line only narrows as its start moves right and widens as its end does, so
    every start from first[j] up fits and first[j] never decreases: one pass finds them all, and the
    search above skips the starts before it, which cannot fit, instead of trying each. (Were a width
    negative, all starts are tried.)
    """
    count = len(widths)
    if space < 0 or any(piece < 0 for piece in widths):
        return [0] * (count + 1)
    first, begin = [0] * (count + 1), 0
    for end in range(1, count + 1):
        while begin < end and prefix[end] - prefix[begin] + (end - begin - 1) * space > width:
            begin += 1
        first[end] = begin
    return first


def break_lines(
    text: str,
    font_path: Path,
    size: int,
    width: int,
    split_ranges: bool,
    uppercase: bool = False,
    extra_lines: int = 0,
) -> tuple[str, ...] | None:
    """The lines of `text` (upper-cased when `uppercase`) in a box `width` px wide, or None when a piece that
    must not be broken is wider than the box.

    Up to `extra_lines` lines more than the fewest are used when that avoids a costly break: "Đảng Cộng sản /
    Việt Nam / quang vinh / muôn năm!" rather than "... / Việt Nam quang / vinh muôn năm!" at the same size.
    """
    pieces = _unbreakable_pieces(text, font_path, size, width, split_ranges, uppercase)
    if pieces is None:
        return None
    shown = [_display(piece, uppercase) for piece in pieces]
    widths = [text_advance(font_path, size, piece) for piece in shown]
    space = text_advance(font_path, size, " ")
    penalties = _break_penalties(tuple(pieces), width)
    fewest = _minimum_line_count(widths, space, width)
    best: tuple[float, list[int]] | None = None
    for line_count in range(fewest, min(fewest + extra_lines, len(pieces)) + 1):
        starts = _balanced_breaks(widths, penalties, space, width, line_count)
        if starts is None:
            continue
        cost = _layout_cost(widths, penalties, space, width, starts) + EXTRA_LINE * (line_count - fewest)
        if best is None or cost < best[0]:
            best = (cost, starts)
    if best is None:
        return None
    starts = best[1]
    ends = [*starts[1:], len(pieces)]
    return tuple(" ".join(shown[begin:end]) for begin, end in zip(starts, ends, strict=True))


def _layout_cost(widths: list[float], penalties: list[float], space: float, width: int, starts: list[int]) -> float:
    """How uneven the lines are (their variance) plus what their breaks cut, in box widths squared.

    Within one line count the search above minimises the squared slack, which is the same order as the
    variance (the lines' total is fixed); across line counts only the variance compares, since more lines
    always leave more slack.
    """
    ends = [*starts[1:], len(widths)]
    lengths = [sum(widths[begin:end]) + (end - begin - 1) * space for begin, end in zip(starts, ends, strict=True)]
    mean = sum(lengths) / len(lengths)
    unevenness = sum((length - mean) ** 2 for length in lengths)
    cut = sum(penalties[start - 1] for start in starts[1:])
    return (unevenness + cut) / width**2


def costly_breaks(text: str, lines: tuple[str, ...]) -> int:
    """How many breaks between `lines` (as break_lines gave them for `text`) cut a listed word, a name, a number
    and its unit or a short clause; a pair known from the proofreading table alone does not count."""
    words = _tokenize(text)[0]
    costs, index = break_costs(words), -1
    count = 0
    for line in lines[:-1]:
        index += line.count(" ") + 1
        count += costs[index] >= UNIT
    return count
