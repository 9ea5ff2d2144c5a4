"""Render a slogan as a branded image card (JPEG or PNG bytes) with correct Vietnamese typography.

Layout, proportional to the card size: a darker header band holding the logo and `style.header`, a thin rule,
the slogan centred in its box at the largest size that fits, a thin rule, and a darker footer band holding
`style.footer`. The slogan is shaped with Raqm (HarfBuzz) after NFC normalisation, so decomposed (NFD) input
renders to the very same bytes, and every vertical measure comes from the ink of the real lines so stacked
marks (Ẫ, Ệ, Ố...) are never clipped and never touch the line above.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import itertools
import json
import re
import unicodedata
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

import PIL
from PIL import Image, ImageColor, ImageDraw, ImageFont, features

from scheduler.errors import CardError
from scheduler.project.cardstyle import CardStyle

__all__ = [
    "JPEG_MAX_BYTES",
    "RENDERER_VERSION",
    "SloganLayout",
    "card_filename",
    "card_hash",
    "fit_slogan",
    "render_card",
]

# Bump whenever a change here alters the pixels of any card: card_hash() includes it, so caches refresh.
RENDERER_VERSION = "1"
# Zalo rejects images over 1 MB.
JPEG_MAX_BYTES = 1_000_000
JPEG_QUALITY_STEP = 5
JPEG_MIN_QUALITY = 40

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

# A line may end inside a phrase, but ending after one of these reads better (see _balanced_breaks).
PHRASE_END = frozenset(",;:.!?…)") | DASHES
PHRASE_BREAK_SLACK = 0.2
COMPOUND_BREAK_SLACK = 0.35
# Frequent words of official slogans whose two syllables should share a line when balance allows.
_COMPOUNDS = (
    "anh hùng",
    "bầu cử",
    "chào mừng",
    "chiến đấu",
    "chính phủ",
    "chủ nghĩa",
    "chủ tịch",
    "công tác",
    "công việc",
    "cộng hòa",
    "cộng sản",
    "dân tộc",
    "dân vận",
    "di chúc",
    "đại biểu",
    "đại đoàn kết",
    "đạo đức",
    "đất nước",
    "đẩy mạnh",
    "đoàn kết",
    "đoàn thể",
    "đời sống",
    "giải phóng",
    "giám sát",
    "hội đồng",
    "học tập",
    "khai báo",
    "khẩu trang",
    "khoảng cách",
    "khử khuẩn",
    "kiểm tra",
    "kiệt xuất",
    "kỷ niệm",
    "lãnh đạo",
    "lãnh tụ",
    "lao động",
    "lĩnh vực",
    "lực lượng",
    "muôn năm",
    "nhân dân",
    "nhiệm kỳ",
    "nhiệt liệt",
    "non sông",
    "phát huy",
    "phong cách",
    "phong trào",
    "phụ trách",
    "quan trọng",
    "quang vinh",
    "quốc hội",
    "sự nghiệp",
    "thành công",
    "thi đua",
    "thiên tài",
    "thông điệp",
    "thống nhất",
    "thụ hưởng",
    "thực hành",
    "truyền thống",
    "tư tưởng",
    "tụ tập",
    "văn hóa",
    "vẻ vang",
    "vận động",
    "vĩ đại",
    "xã hội",
    "xây dựng",
    "y tế",
)
COMMON_COMPOUNDS = re.compile(
    r"(?<!\w)(?:" + "|".join(sorted(map(re.escape, _COMPOUNDS), key=len, reverse=True)) + r")(?!\w)", re.IGNORECASE
)

# Names that read badly, or disrespectfully, when split over two lines; short enough to always fit one.
KEEP_TOGETHER = re.compile(r"(?<!\w)(?:Hồ Chí Minh|Việt Nam|Bác Hồ)(?!\w)", re.IGNORECASE)

# Line pitch for ordinary text, in em; raised per slogan when stacked marks need more.
MIN_LEADING = 1.24
# Clear space between the lowest ink of a line and the highest ink of the next, in em.
MIN_INK_GAP = 0.08
# How much of the slogan colour (vs the background) the thin rules take: gold-ish, quieter than the slogan.
RULE_TINT = 0.75


class Break(IntEnum):
    """What may happen at the space between two tokens."""

    ALLOWED = 0
    FALLBACK = 1  # only when the unit around it is wider than the box
    NEVER = 2


Box = tuple[int, int, int, int]


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


# --------------------------------------------------------------------------------------------- public API


def fit_slogan(text: str, style: CardStyle) -> SloganLayout:
    """Lay the slogan out at the largest size in [min_font_size, max_font_size] that fits its box.

    Raises CardError (Vietnamese message) when it does not fit even at `style.min_font_size`.
    """
    return _fit_display_text(_display_text(text, style), style)


def render_card(text: str, style: CardStyle) -> bytes:
    """The encoded card: JPEG (at most JPEG_MAX_BYTES) or PNG, per `style.format`; same inputs, same bytes."""
    layout = fit_slogan(text, style)
    image = _draw_card(layout, style)
    return _encode(image, style)


def card_hash(text: str, style: CardStyle) -> str:
    """A sha256 hex digest of everything that determines the card's bytes, computed WITHOUT rendering.

    It covers the NFC text, every CardStyle field (file paths by the sha256 of their contents, so moving the
    assets does not change it but editing a font or the logo does), RENDERER_VERSION, and the Pillow,
    FreeType and Raqm versions. Equal hashes mean equal bytes, so callers can cache renders by it.
    """
    payload = {
        "renderer": RENDERER_VERSION,
        "engine": _engine_versions(),
        "text": _nfc(text),
        "style": {field.name: _style_value_key(getattr(style, field.name)) for field in dataclasses.fields(style)},
    }
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def card_filename(slogan_id: str, text: str, style: CardStyle) -> str:
    """`{slogan_id}-{first 12 hex of card_hash}.jpg|.png`: a new text or style gives a new file name."""
    _check_slogan_id(slogan_id)
    extension = "png" if style.format == "png" else "jpg"
    return f"{_nfc(slogan_id)}-{card_hash(text, style)[:12]}.{extension}"


# ------------------------------------------------------------------------------------------- text and fonts


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _display_text(text: str, style: CardStyle) -> str:
    # Upper-casing NFC text keeps every Vietnamese diacritic (ấ -> Ấ, đ -> Đ); the source text stays as written.
    display = _nfc(text).strip()
    return display.upper() if style.uppercase else display


@functools.lru_cache(maxsize=256)
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)
    except OSError as exc:
        raise CardError(f"không mở được phông chữ {path}: {exc}") from exc


@functools.lru_cache(maxsize=16384)
def _advance(path: Path, size: int, text: str) -> float:
    return _font(path, size).getlength(text)


@functools.lru_cache(maxsize=4096)
def _ink(path: Path, size: int, text: str) -> Box:
    """Ink box relative to the left end of the baseline: exactly what drawing with anchor "ls" covers."""
    left, top, right, bottom = _font(path, size).getbbox(text, anchor="ls")
    return int(left), int(top), int(right), int(bottom)


# -------------------------------------------------------------------------------------------- line breaking


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


def _unbreakable_pieces(text: str, font_path: Path, size: int, width: int, split_ranges: bool) -> list[str] | None:
    """Pieces between allowed breaks; with `split_ranges`, a unit wider than the box is split at its fallback
    breaks (after the dash of a number range)."""
    tokens, breaks = _tokenize(text)
    result: list[str] = []
    for unit in _pieces(tokens, breaks, allow_fallback=False):
        if _advance(font_path, size, unit) <= width:
            result.append(unit)
            continue
        if not split_ranges:
            return None
        unit_tokens, unit_breaks = _tokenize(unit)
        parts = _pieces(unit_tokens, unit_breaks, allow_fallback=True)
        if any(_advance(font_path, size, part) > width for part in parts):
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


def _break_penalties(pieces: list[str], width: int) -> list[float]:
    """The cost of ending a line after each piece, in squared px of slack (see _balanced_breaks).

    Ending after punctuation is free; inside a phrase it costs PHRASE_BREAK_SLACK; splitting one of the
    common two-syllable words (Vietnamese writes each syllable apart, so "vĩ / đại" looks like a normal
    break to a naive wrapper) costs COMPOUND_BREAK_SLACK.
    """
    inside_compound = set(_spaces_inside(tuple(pieces), COMMON_COMPOUNDS))
    penalties = []
    for index, piece in enumerate(pieces):
        if piece[-1] in PHRASE_END:
            slack = 0.0
        elif index in inside_compound:
            slack = COMPOUND_BREAK_SLACK
        else:
            slack = PHRASE_BREAK_SLACK
        penalties.append((slack * width) ** 2)
    return penalties


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


def _break_lines(text: str, font_path: Path, size: int, width: int, split_ranges: bool) -> tuple[str, ...] | None:
    pieces = _unbreakable_pieces(text, font_path, size, width, split_ranges)
    if pieces is None:
        return None
    widths = [_advance(font_path, size, piece) for piece in pieces]
    space = _advance(font_path, size, " ")
    penalties = _break_penalties(pieces, width)
    starts = _balanced_breaks(widths, penalties, space, width, _minimum_line_count(widths, space, width))
    if starts is None:
        return None
    ends = [*starts[1:], len(pieces)]
    return tuple(" ".join(pieces[begin:end]) for begin, end in zip(starts, ends, strict=True))


# --------------------------------------------------------------------------------------------- fitting


def _layout_at(text: str, style: CardStyle, size: int, box: Box, split_ranges: bool) -> SloganLayout | None:
    """The layout at exactly `size`, or None when the lines overflow the box in either direction."""
    left, top, right, bottom = box
    lines = _break_lines(text, style.slogan_font, size, right - left, split_ranges)
    if lines is None:
        return None
    inks = _line_inks(style.slogan_font, size, lines, right - left, bottom - top)
    if inks is None:
        return None
    pitch = _line_pitch(inks, size)
    block_height = (len(lines) - 1) * pitch + inks[-1][3] - inks[0][1]
    if block_height > bottom - top:
        return None
    first_baseline = top + (bottom - top - block_height) // 2 - inks[0][1]
    centre_x = (left + right) // 2
    origins, line_boxes = [], []
    for index, ink in enumerate(inks):
        baseline = first_baseline + index * pitch
        x = centre_x - (ink[0] + ink[2]) // 2
        origins.append((x, baseline))
        line_boxes.append((x + ink[0], baseline + ink[1], x + ink[2], baseline + ink[3]))
    return SloganLayout(size, lines, box, tuple(line_boxes), tuple(origins))


def _line_inks(path: Path, size: int, lines: tuple[str, ...], width: int, height: int) -> list[Box] | None:
    """The ink box of every line, or None when the lines are wider or taller than the box.

    An ink box costs over ten times a line break, so the height is ruled on first from the first and last
    lines alone: the pitch is never below MIN_LEADING, so the block is at least that many pitches plus the
    span from the top of the first line to the bottom of the last, whatever the lines in between hold.
    """
    first, last = _ink(path, size, lines[0]), _ink(path, size, lines[-1])
    if (len(lines) - 1) * round(MIN_LEADING * size) + last[3] - first[1] > height:
        return None
    inks = [first, *(_ink(path, size, line) for line in lines[1:-1]), last] if len(lines) > 1 else [first]
    if any(ink[2] - ink[0] > width for ink in inks):
        return None
    return inks


def _line_pitch(inks: list[Box], size: int) -> int:
    """One pitch for all lines, large enough that no mark of a line comes near the ink of the line above."""
    pitch = round(MIN_LEADING * size)
    gap = round(MIN_INK_GAP * size)
    for upper, lower in itertools.pairwise(inks):
        pitch = max(pitch, upper[3] - lower[1] + gap)
    return pitch


@functools.lru_cache(maxsize=2048)
def _fit_display_text(text: str, style: CardStyle) -> SloganLayout:
    _check_fit_inputs(text, style)
    box = _geometry(style.size, bool(style.header or style.logo), bool(style.footer)).slogan_box
    # A number range split over two lines reads badly, so a smaller size that keeps it whole wins; it
    # is split after its dash only when no size from the minimum up fits otherwise.
    for split_ranges in (False, True):
        layout = _largest_layout(text, style, box, split_ranges)
        if layout is not None:
            return layout
    width, height = style.size
    raise CardError(
        f"khẩu hiệu quá dài: không vừa thẻ {width}x{height} ở cỡ chữ tối thiểu {style.min_font_size} px; "
        "hãy rút gọn hoặc giảm card.min_font_size"
    )


def _check_fit_inputs(text: str, style: CardStyle) -> None:
    if not text:
        raise CardError("khẩu hiệu rỗng: không có chữ nào để đặt lên thẻ")
    if not 1 <= style.min_font_size <= style.max_font_size:
        raise CardError(
            f"cỡ chữ không hợp lệ: card.min_font_size ({style.min_font_size}) phải từ 1 đến "
            f"card.max_font_size ({style.max_font_size})"
        )


def _largest_layout(text: str, style: CardStyle, box: Box, split_ranges: bool) -> SloganLayout | None:
    best = _layout_at(text, style, style.min_font_size, box, split_ranges)
    if best is None:
        return None
    # Binary search: whether a size fits is (all but) monotonic, and ~7 probes beat ~80 for a linear scan.
    low, high = style.min_font_size + 1, style.max_font_size
    while low <= high:
        middle = (low + high) // 2
        candidate = _layout_at(text, style, middle, box, split_ranges)
        if candidate is None:
            high = middle - 1
        else:
            best, low = candidate, middle + 1
    return best


# --------------------------------------------------------------------------------------------- geometry


@functools.lru_cache(maxsize=64)
def _geometry(size: tuple[int, int], has_header: bool, has_footer: bool) -> CardGeometry:
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


# --------------------------------------------------------------------------------------------- drawing

RGB = tuple[int, int, int]


def _rgb(color: str, field: str) -> RGB:
    try:
        red, green, blue = ImageColor.getrgb(color)[:3]
    except ValueError as exc:
        raise CardError(f'màu không hợp lệ ở card.{field}: {color!r} (ví dụ hợp lệ: "#DA251D")') from exc
    return red, green, blue


def _mix(first: RGB, second: RGB, weight: float) -> RGB:
    red, green, blue = (round(a * weight + b * (1 - weight)) for a, b in zip(first, second, strict=True))
    return red, green, blue


def _draw_card(layout: SloganLayout, style: CardStyle) -> Image.Image:
    # The slogan is drawn last, over everything else: on a copy of the style's background the pixels are
    # exactly those of drawing the whole card afresh.
    image = _background(style, _file_version(style.text_font), _file_version(style.logo)).copy()
    slogan_font = _font(style.slogan_font, layout.font_size)
    slogan_color = _rgb(style.slogan_color, "slogan_color")
    for line, origin in zip(layout.lines, layout.origins, strict=True):
        _draw_line(image, origin, line, slogan_font, slogan_color)
    return image


def _draw_line(
    image: Image.Image, origin: tuple[int, int], text: str, font: ImageFont.FreeTypeFont, color: RGB
) -> None:
    """Draw one line from the left end of its baseline: the very pixels of `ImageDraw.Draw(image).text(origin,
    text, font=font, fill=color, anchor="ls")` on an RGB image, in half the blending time.

    That call renders the same glyph mask and blends the colour through it into the image (ImagingFill2);
    pasting a plain image of the colour through the mask does the same per-channel BLEND in a tighter loop.
    tests/test_cards.py checks the two give equal pixels.
    """
    mask, (offset_x, offset_y) = font.getmask2(text, "L", anchor="ls")
    width, height = mask.size
    left, top = origin[0] + offset_x, origin[1] + offset_y
    image.im.paste(Image.new("RGB", (width, height), color).im, (left, top, left + width, top + height), mask)


FileVersion = tuple[int, int]


def _file_version(path: Path | None) -> FileVersion | None:
    """Modification time and size: in the background's cache key, as the file's digest is in card_hash.

    None when there is no file or it cannot be read; drawing the background then reports it in its own words.
    """
    if path is None:
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=8)
def _background(style: CardStyle, text_font: FileVersion | None, logo: FileVersion | None) -> Image.Image:
    """Everything but the slogan: the field, the bands with their rules, the logo, header and footer.

    Drawn once per style and version of the text font and logo files (the arguments after `style` are only
    part of the cache key); callers must copy it, never draw on it.
    """
    geometry = _geometry(style.size, bool(style.header or style.logo), bool(style.footer))
    background = _rgb(style.background, "background")
    image = Image.new("RGB", style.size, background)
    draw = ImageDraw.Draw(image)
    # Bands a shade darker than the field and rules in a muted slogan colour: quiet structure, the slogan leads.
    band = _mix((0, 0, 0), background, 0.14)
    rule = _mix(_rgb(style.slogan_color, "slogan_color"), background, RULE_TINT)
    if geometry.header_band is not None:
        _draw_band(draw, geometry.header_band, band, rule, geometry.rule_width, rule_at_bottom=True)
        _draw_header(image, draw, geometry, style)
    if geometry.footer_band is not None:
        _draw_band(draw, geometry.footer_band, band, rule, geometry.rule_width, rule_at_bottom=False)
        _draw_footer(draw, geometry, style)
    return image


def _draw_band(
    draw: ImageDraw.ImageDraw, band: Box, fill: RGB, rule: RGB, thickness: int, rule_at_bottom: bool
) -> None:
    left, top, right, bottom = band
    draw.rectangle((left, top, right - 1, bottom - 1), fill=fill)
    y = bottom - thickness if rule_at_bottom else top
    draw.rectangle((left, y, right - 1, y + thickness - 1), fill=rule)


@dataclass(frozen=True)
class TextBlock:
    """Centred lines of header or footer text at one size, with their ink boxes relative to each baseline."""

    size: int
    lines: tuple[str, ...]
    inks: tuple[Box, ...]
    pitch: int

    @property
    def width(self) -> int:
        return max(ink[2] - ink[0] for ink in self.inks)

    @property
    def height(self) -> int:
        return (len(self.lines) - 1) * self.pitch + self.inks[-1][3] - self.inks[0][1]


def _band_text(text: str, path: Path, nominal: int, width: int, height: int, field: str) -> TextBlock | None:
    """The nominal size on one line if it fits, else smaller (down to half), on two lines once below 80 %."""
    if not text:
        return None
    floor = max(8, nominal // 2)
    for size in range(nominal, floor - 1, -1):
        lines = _break_lines(text, path, size, width, split_ranges=True)
        if lines is None or len(lines) > (2 if size <= 0.8 * nominal else 1):
            continue
        inks = tuple(_ink(path, size, line) for line in lines)
        block = TextBlock(size, lines, inks, _line_pitch(list(inks), size))
        if block.width <= width and block.height <= height:
            return block
    place = "đầu" if field == "header" else "chân"
    raise CardError(
        f"card.{field} quá dài: không vừa hai dòng ở {place} thẻ ở cỡ chữ tối thiểu {floor} px; hãy rút gọn"
    )


def _draw_block(draw: ImageDraw.ImageDraw, block: TextBlock, path: Path, at: tuple[int, int], fill: RGB) -> None:
    """Draw the block with the top-left of its ink at `at`, each line centred in the block's width."""
    font = _font(path, block.size)
    first_baseline = at[1] - block.inks[0][1]
    for index, (line, ink) in enumerate(zip(block.lines, block.inks, strict=True)):
        x = at[0] + (block.width - (ink[2] - ink[0])) // 2 - ink[0]
        draw.text((x, first_baseline + index * block.pitch), line, font=font, fill=fill, anchor="ls")


def _draw_header(image: Image.Image, draw: ImageDraw.ImageDraw, geometry: CardGeometry, style: CardStyle) -> None:
    assert geometry.header_band is not None
    _, band_top, _, band_bottom = geometry.header_band
    band_height = band_bottom - band_top
    logo = _logo(style.logo, geometry.logo_height) if style.logo is not None else None
    logo_width, logo_height = logo.size if logo is not None else (0, 0)
    stacked = geometry.stacked_header
    gap = round((0.35 if stacked else 0.3) * geometry.header_text_size) if logo is not None and style.header else 0
    block = _band_text(
        _nfc(style.header),
        style.text_font,
        geometry.header_text_size,
        geometry.width - 2 * geometry.margin - (0 if stacked else logo_width + gap),
        round(0.85 * band_height) - (logo_height + gap if stacked else 0),
        "header",
    )
    text_width, text_height = (block.width, block.height) if block is not None else (0, 0)
    centre_x, centre_y = geometry.width // 2, (band_top + band_bottom) // 2
    if stacked:
        top = centre_y - (logo_height + gap + text_height) // 2
        logo_at = (centre_x - logo_width // 2, top)
        text_at = (centre_x - text_width // 2, top + logo_height + gap)
    else:
        left = centre_x - (logo_width + gap + text_width) // 2
        logo_at = (left, centre_y - logo_height // 2)
        text_at = (left + logo_width + gap, centre_y - text_height // 2)
    if logo is not None:
        image.paste(logo, logo_at, logo)
    if block is not None:
        _draw_block(draw, block, style.text_font, text_at, _rgb(style.text_color, "text_color"))


def _draw_footer(draw: ImageDraw.ImageDraw, geometry: CardGeometry, style: CardStyle) -> None:
    assert geometry.footer_band is not None
    _, band_top, _, band_bottom = geometry.footer_band
    width = geometry.width - 2 * geometry.margin
    height = round(0.85 * (band_bottom - band_top))
    block = _band_text(_nfc(style.footer), style.text_font, geometry.footer_text_size, width, height, "footer")
    if block is None:
        return
    text_at = (geometry.width // 2 - block.width // 2, (band_top + band_bottom) // 2 - block.height // 2)
    _draw_block(draw, block, style.text_font, text_at, _rgb(style.text_color, "text_color"))


@functools.lru_cache(maxsize=32)
def _logo(path: Path, height: int) -> Image.Image:
    try:
        with Image.open(path) as source:
            logo = source.convert("RGBA")
    except OSError as exc:
        raise CardError(f"không mở được logo {path}: {exc}") from exc
    width = max(1, round(logo.width * height / logo.height))
    return logo.resize((width, height), Image.Resampling.LANCZOS)


# --------------------------------------------------------------------------------------------- encoding


def _encode(image: Image.Image, style: CardStyle) -> bytes:
    if style.format == "png":
        return _save(image, "PNG", compress_level=6, optimize=False)
    if style.format != "jpeg":
        raise CardError(f'định dạng ảnh không hỗ trợ: card.format = {style.format!r}; chọn "jpeg" hoặc "png"')
    return _jpeg_under_limit(image, style.jpeg_quality)


def _jpeg_under_limit(image: Image.Image, quality: int) -> bytes:
    # 4:4:4 chroma keeps the yellow-on-red edges crisp; quality steps down only if the card would pass 1 MB.
    for attempt in range(quality, JPEG_MIN_QUALITY - 1, -JPEG_QUALITY_STEP):
        encoded = _save(image, "JPEG", quality=attempt, subsampling=0, optimize=False, progressive=False)
        if len(encoded) <= JPEG_MAX_BYTES:
            return encoded
    raise CardError(
        f"ảnh thẻ JPEG vượt quá {JPEG_MAX_BYTES} byte ngay cả ở chất lượng {JPEG_MIN_QUALITY}; "
        'hãy giảm card.size hoặc dùng card.format = "png"'
    )


def _save(image: Image.Image, image_format: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------- hashing


@functools.lru_cache(maxsize=1)
def _engine_versions() -> dict[str, str | None]:
    return {
        "pillow": PIL.__version__,
        "freetype": features.version("freetype2"),
        "raqm": features.version("raqm"),
        "harfbuzz": features.version_feature("harfbuzz") if features.check_feature("harfbuzz") else None,
    }


def _style_value_key(value: object) -> object:
    if isinstance(value, Path):
        return {"sha256": _file_digest(value)}
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, str):
        return _nfc(value)
    return value


def _file_digest(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError as exc:
        raise CardError(f"không đọc được tệp {path}: {exc}") from exc
    return _cached_file_digest(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _cached_file_digest(path: Path, mtime_ns: int, size: int) -> str:
    # mtime and size are part of the key so an edited font or logo is re-read.
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_slogan_id(slogan_id: str) -> None:
    if (
        not slogan_id
        or slogan_id.startswith(".")
        or any(char in "/\\" or char.isspace() or not char.isprintable() for char in slogan_id)
    ):
        raise CardError(
            f"mã khẩu hiệu không dùng được làm tên tệp: {slogan_id!r} (không được rỗng, chứa dấu cách, "
            "'/' hay '\\', hoặc bắt đầu bằng '.')"
        )
