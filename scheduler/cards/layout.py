"""Where everything sits on a card: the bands and slogan box for a card size, and the slogan at the largest
font size that fits its box, with a line pitch that keeps stacked marks (Ẫ, Ệ, Ố...) clear of the line above."""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

from scheduler.cards.fonts import Box, ink_box, nfc
from scheduler.cards.linebreak import break_lines, costly_breaks
from scheduler.errors import CardError
from scheduler.project.cardstyle import CardStyle

# Line pitch for ordinary text, in em; raised per slogan when stacked marks need more.
MIN_LEADING = 1.24
# Clear space between the lowest ink of a line and the highest ink of the next, in em.
MIN_INK_GAP = 0.08
# The slogan may be set this much smaller than the largest size that fits when that spares a break inside a
# word, a name or a number with its unit ("Đẩy mạnh học / tập" reads worse than a slightly smaller card).
SMALLEST_SHARE_FOR_BETTER_BREAKS = 0.85


@dataclass(frozen=True)
class SloganLayout:
    """The slogan as it will be drawn: size in px, display lines, and where everything sits on the card.

    `box` is the slogan's area (left, top, right, bottom; right/bottom exclusive); `line_boxes` are the ink
    boxes of the lines inside it and `origins` the left-baseline points the lines are drawn from.
    """

    font_size: int
    lines: tuple[str, ...]
    box: Box
    line_boxes: tuple[Box, ...]
    origins: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class CardGeometry:
    width: int
    height: int
    header_band: Box | None
    footer_band: Box | None
    slogan_box: Box
    margin: int
    rule_width: int
    stacked_header: bool
    header_text_size: int
    footer_text_size: int
    logo_height: int


def fit_slogan(text: str, style: CardStyle) -> SloganLayout:
    """Lay the slogan out at the largest size in [min_font_size, max_font_size] that fits its box.

    Raises CardError (Vietnamese message) when it does not fit even at `style.smallest_font_size`.
    """
    # Lines are broken on the text as written (a name is a run of capitals) and upper-cased as they are drawn.
    return _fit_text(nfc(text).strip(), style)


def _layout_at(text: str, style: CardStyle, size: int, box: Box, split_ranges: bool) -> SloganLayout | None:
    """The layout at exactly `size`, or None when the lines overflow the box in either direction.

    One line more than the fewest is used when it avoids a costly break and the box is tall enough; whether a
    size fits is still decided by the fewest lines, so the font size never shrinks for a nicer break.
    """
    left, top, right, bottom = box
    block = _fitting_block(text, style, size, (right - left, bottom - top), split_ranges)
    if block is None:
        return None
    lines, inks, pitch, block_height = block
    first_baseline = top + (bottom - top - block_height) // 2 - inks[0][1]
    centre_x = (left + right) // 2
    origins, line_boxes = [], []
    for index, ink in enumerate(inks):
        baseline = first_baseline + index * pitch
        x = centre_x - (ink[0] + ink[2]) // 2
        origins.append((x, baseline))
        line_boxes.append((x + ink[0], baseline + ink[1], x + ink[2], baseline + ink[3]))
    return SloganLayout(size, lines, box, tuple(line_boxes), tuple(origins))


# The lines, their ink boxes, the line pitch and the height of the block.
_Block = tuple[tuple[str, ...], list[Box], int, int]


def _fitting_block(text: str, style: CardStyle, size: int, room: tuple[int, int], split_ranges: bool) -> _Block | None:
    font, width = style.slogan_font, room[0]
    preferred = break_lines(text, font, size, width, split_ranges, style.uppercase, extra_lines=1)
    if preferred is None:
        return None
    block = _measured_block(font, size, preferred, room)
    if block is None and len(preferred) > 1:
        fewest = break_lines(text, font, size, width, split_ranges, style.uppercase)
        if fewest is not None and len(fewest) < len(preferred):
            return _measured_block(font, size, fewest, room)
    return block


def _measured_block(path: Path, size: int, lines: tuple[str, ...], room: tuple[int, int]) -> _Block | None:
    inks = _line_inks(path, size, lines, *room)
    if inks is None:
        return None
    pitch = line_pitch(inks, size)
    block_height = (len(lines) - 1) * pitch + inks[-1][3] - inks[0][1]
    return None if block_height > room[1] else (lines, inks, pitch, block_height)


def _line_inks(path: Path, size: int, lines: tuple[str, ...], width: int, height: int) -> list[Box] | None:
    """The ink box of every line, or None when the lines are wider or taller than the box.

    An ink box costs over ten times a line break, so the height is ruled on first from the first and last
    lines alone: the pitch is never below MIN_LEADING, so the block is at least that many pitches plus the
    span from the top of the first line to the bottom of the last, whatever the lines in between hold.
    """
    first, last = ink_box(path, size, lines[0]), ink_box(path, size, lines[-1])
    if (len(lines) - 1) * round(MIN_LEADING * size) + last[3] - first[1] > height:
        return None
    inks = [first, *(ink_box(path, size, line) for line in lines[1:-1]), last] if len(lines) > 1 else [first]
    if any(ink[2] - ink[0] > width for ink in inks):
        return None
    return inks


def line_pitch(inks: list[Box], size: int) -> int:
    """One pitch for all lines, large enough that no mark of a line comes near the ink of the line above."""
    pitch = round(MIN_LEADING * size)
    gap = round(MIN_INK_GAP * size)
    for upper, lower in itertools.pairwise(inks):
        pitch = max(pitch, upper[3] - lower[1] + gap)
    return pitch


@functools.lru_cache(maxsize=2048)
def _fit_text(text: str, style: CardStyle) -> SloganLayout:
    _check_fit_inputs(text, style)
    box = card_geometry(style.size, bool(style.header or style.logo), bool(style.footer)).slogan_box
    # A number range split over two lines reads badly, so a smaller size that keeps it whole wins; it
    # is split after its dash only when no size from the minimum up fits otherwise.
    for split_ranges in (False, True):
        layout = _largest_layout(text, style, box, split_ranges)
        if layout is not None:
            return layout
    width, height = style.size
    raise CardError(
        f"khẩu hiệu quá dài: không vừa thẻ {width}x{height} ở cỡ chữ tối thiểu {style.smallest_font_size} px; "
        "hãy rút gọn hoặc giảm card.min_font_size"
    )


def _check_fit_inputs(text: str, style: CardStyle) -> None:
    if not text:
        raise CardError("khẩu hiệu rỗng: không có chữ nào để đặt lên thẻ")
    if not 1 <= style.smallest_font_size <= style.max_font_size:
        raise CardError(
            f"cỡ chữ không hợp lệ: card.min_font_size ({style.smallest_font_size}) phải từ 1 đến "
            f"card.max_font_size ({style.max_font_size})"
        )


def _largest_layout(text: str, style: CardStyle, box: Box, split_ranges: bool) -> SloganLayout | None:
    best = _layout_at(text, style, style.smallest_font_size, box, split_ranges)
    if best is None:
        return None
    # Binary search: whether a size fits is (all but) monotonic, and ~7 probes beat ~80 for a linear scan.
    low, high = style.smallest_font_size + 1, style.max_font_size
    while low <= high:
        middle = (low + high) // 2
        candidate = _layout_at(text, style, middle, box, split_ranges)
        if candidate is None:
            high = middle - 1
        else:
            best, low = candidate, middle + 1
    return _with_better_breaks(text, style, box, split_ranges, best)


def _with_better_breaks(
    text: str, style: CardStyle, box: Box, split_ranges: bool, largest: SloganLayout
) -> SloganLayout:
    """The largest size, down to SMALLEST_SHARE_FOR_BETTER_BREAKS of it, whose lines cut the fewest units."""
    best, fewest = largest, costly_breaks(text, largest.lines)
    floor = max(style.smallest_font_size, math.ceil(SMALLEST_SHARE_FOR_BETTER_BREAKS * largest.font_size))
    for size in range(largest.font_size - 1, floor - 1, -1):
        if fewest == 0:
            break
        candidate = _layout_at(text, style, size, box, split_ranges)
        if candidate is not None and (cut := costly_breaks(text, candidate.lines)) < fewest:
            best, fewest = candidate, cut
    return best


@functools.lru_cache(maxsize=64)
def card_geometry(size: tuple[int, int], has_header: bool, has_footer: bool) -> CardGeometry:
    width, height = size
    if width < 200 or height < 200:
        raise CardError(f"kích thước thẻ quá nhỏ: {width}x{height}; cần tối thiểu 200x200 px")
    unit = min(width, height)
    # On a wide card the bands scale with more than the height, or their text shrinks to a caption.
    band_unit = max(unit, round(0.6 * width))
    # A tall card has height to spare: the logo moves above the header, larger, instead of leaving a void.
    stacked_header = height >= 1.15 * width
    header_height = round((0.27 if stacked_header else 0.15) * band_unit) if has_header else 0
    footer_height = round(0.11 * band_unit) if has_footer else 0
    margin = round(0.08 * width)
    padding = round(0.06 * unit)
    return CardGeometry(
        width=width,
        height=height,
        header_band=(0, 0, width, header_height) if has_header else None,
        footer_band=(0, height - footer_height, width, height) if has_footer else None,
        slogan_box=(margin, header_height + padding, width - margin, height - footer_height - padding),
        margin=margin,
        rule_width=max(1, round(0.004 * unit)),
        stacked_header=stacked_header,
        header_text_size=round(0.046 * band_unit),
        footer_text_size=round(0.034 * band_unit),
        logo_height=round((0.13 if stacked_header else 0.105) * band_unit),
    )
