"""Drawing a card with Pillow (Raqm shaping) and encoding it to JPEG or PNG bytes.

Layout, proportional to the card size: a darker header band holding the logo and `style.header`, a thin rule,
the slogan centred in its box at the largest size that fits, a thin rule, and a darker footer band holding
`style.footer`. The slogan is shaped with Raqm (HarfBuzz) after NFC normalisation, so decomposed (NFD) input
renders to the very same bytes, and every vertical measure comes from the ink of the real lines so stacked
marks (Ẫ, Ệ, Ố...) are never clipped and never touch the line above.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageColor, ImageDraw, ImageFont

from scheduler.cards.fonts import Box, ink_box, nfc, open_font
from scheduler.cards.layout import CardGeometry, SloganLayout, card_geometry, fit_slogan, line_pitch
from scheduler.cards.linebreak import break_lines
from scheduler.errors import CardError
from scheduler.project.cardstyle import CardStyle

# Zalo rejects images over 1 MB.
JPEG_MAX_BYTES = 1_000_000
JPEG_QUALITY_STEP = 5
JPEG_MIN_QUALITY = 40
# How much of the slogan colour (vs the background) the thin rules take: gold-ish, quieter than the slogan.
RULE_TINT = 0.75


def render_card(text: str, style: CardStyle) -> bytes:
    """The encoded card: JPEG (at most JPEG_MAX_BYTES) or PNG, per `style.format`; same inputs, same bytes."""
    layout = fit_slogan(text, style)
    image = _draw_card(layout, style)
    return _encode(image, style)


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
    slogan_font = open_font(style.slogan_font, layout.font_size)
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
    geometry = card_geometry(style.size, bool(style.header or style.logo), bool(style.footer))
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
        lines = break_lines(text, path, size, width, split_ranges=True)
        if lines is None or len(lines) > (2 if size <= 0.8 * nominal else 1):
            continue
        inks = tuple(ink_box(path, size, line) for line in lines)
        block = TextBlock(size, lines, inks, line_pitch(list(inks), size))
        if block.width <= width and block.height <= height:
            return block
    place = "đầu" if field == "header" else "chân"
    raise CardError(
        f"card.{field} quá dài: không vừa hai dòng ở {place} thẻ ở cỡ chữ tối thiểu {floor} px; hãy rút gọn"
    )


def _draw_block(draw: ImageDraw.ImageDraw, block: TextBlock, path: Path, at: tuple[int, int], fill: RGB) -> None:
    """Draw the block with the top-left of its ink at `at`, each line centred in the block's width."""
    font = open_font(path, block.size)
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
        nfc(style.header),
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
    block = _band_text(nfc(style.footer), style.text_font, geometry.footer_text_size, width, height, "footer")
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
