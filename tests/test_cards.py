"""Card rendering: fitting, Vietnamese typography, line breaking and encoding.

Slogans are copied from the research draft (slogans-draft.yaml) so the tests never read outside the repo.
Pixel checks render PNG (no JPEG noise) with a slogan colour no other card element uses.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import random
import re
import unicodedata

import pytest
from PIL import Image, ImageChops, ImageDraw

from scheduler.cards import (
    SloganLayout,
    card_filename,
    card_hash,
    draw,
    fit_slogan,
    fonts,
    identity,
    linebreak,
    render_card,
)
from scheduler.cards import layout as card_layout
from scheduler.errors import CardError
from scheduler.project.cardstyle import CardStyle

TYP_2021_01 = (
    "Nhiệt liệt chào mừng kỷ niệm 91 năm Ngày truyền thống công tác Dân vận của Đảng (15/10/1930 - 15/10/2021)!"
)
DN_2023_01 = "Nhiệt liệt chào mừng 48 năm Ngày Giải phóng miền Nam thống nhất đất nước (30/4/1975 – 30/4/2023)!"
HCM_06 = (
    "dân vận là vận động tất cả lực lượng của mỗi người dân, không để sót một người nào, góp thành lực lượng "
    "toàn dân để thực hành những công việc nên làm, những công việc mà đoàn thể và Chính phủ đã giao cho"
)
COVID_02 = "Không để ai bị bỏ lại phía sau"
COVID_04 = "Thông điệp 5K: Khẩu trang – Khử khuẩn – Khoảng cách – Không tụ tập – Khai báo y tế"
LD_2020_02 = "Chủ tịch Hồ Chí Minh - Lãnh tụ thiên tài của Đảng và Nhân dân ta!"
BC_2021_01 = (
    "Nhiệt liệt chào mừng Ngày bầu cử đại biểu Quốc hội khóa XV và đại biểu Hội đồng nhân dân các cấp "
    "nhiệm kỳ 2021 - 2026!"
)
# Every capital with a stacked mark above plus dot-below ones: the worst case for vertical room.
STACKED_CAPS = "ẪỄỖẴ ẤẾỐẮ ẦỀỒẰ ẨỂỔẲ ẬỆỘẶ ỰỊỴ"
# Built so that naive wrapping would start lines with each forbidden character.
PUNCTUATION_HEAVY = (
    "Dân vận khéo ! Việc gì cũng thành công , nhân dân tin tưởng ; Đảng lãnh đạo : "
    "Nhà nước quản lý - Nhân dân làm chủ – đoàn kết — thắng lợi … (xây dựng) » “Dân vận khéo” ?"
)
NO_LINE_START = set("!?,.;:)»”…-–—")

GREEN = (0, 255, 0)
SIZES = [(1080, 1080), (1200, 630), (1080, 1350)]


def pixel_style(**changes: object) -> CardStyle:
    return dataclasses.replace(CardStyle(format="png", slogan_color="#00FF00"), **changes)  # type: ignore[arg-type]


def forced_size(font_size: int, **changes: object) -> CardStyle:
    return dataclasses.replace(CardStyle(min_font_size=font_size, max_font_size=font_size), **changes)  # type: ignore[arg-type]


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def slogan_ink_mask(image: Image.Image, color: tuple[int, int, int], tolerance: int = 16) -> Image.Image:
    """255 where a pixel is (nearly) the slogan colour: the full-coverage ink of the slogan."""
    difference = ImageChops.difference(image.convert("RGB"), Image.new("RGB", image.size, color))
    red, green, blue = difference.split()
    largest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    return largest.point(lambda value: 255 if value <= tolerance else 0)


def blank(mask: Image.Image, boxes: list[tuple[int, int, int, int]]) -> Image.Image:
    cleared = mask.copy()
    for box in boxes:
        cleared.paste(0, box)
    return cleared


def clear_render_caches() -> None:
    for module in (fonts, linebreak, card_layout, draw, identity):
        for value in vars(module).values():
            if hasattr(value, "cache_clear"):
                value.cache_clear()


# --------------------------------------------------------------------------------------------- fitting


@pytest.mark.parametrize(
    ("text", "size", "uppercase"),
    [
        (TYP_2021_01, (1080, 1080), False),
        (TYP_2021_01, (1080, 1080), True),
        (HCM_06, (1080, 1080), False),
        (STACKED_CAPS, (1200, 630), False),
        (COVID_04, (1080, 1350), True),
    ],
)
def test_slogan_ink_never_leaves_its_box(text, size, uppercase):
    style = pixel_style(size=size, uppercase=uppercase)
    layout = fit_slogan(text, style)
    mask = slogan_ink_mask(decode(render_card(text, style)), GREEN)

    assert mask.getbbox() is not None, "the slogan must actually be drawn"
    assert blank(mask, [layout.box]).getbbox() is None, "slogan ink outside the slogan box"
    assert blank(mask, list(layout.line_boxes)).getbbox() is None, "ink outside the measured line boxes"
    left, top, right, bottom = layout.box
    for line_left, line_top, line_right, line_bottom in layout.line_boxes:
        assert left <= line_left and line_right <= right and top <= line_top and line_bottom <= bottom


def test_stacked_marks_are_drawn_in_full_above_the_capitals():
    style = pixel_style(min_font_size=100, max_font_size=100, size=(1200, 630))
    plain_top = slogan_ink_mask(decode(render_card("AEO AEO", style)), GREEN).getbbox()
    stacked_top = slogan_ink_mask(decode(render_card("ẪỄỖ ẪỄỖ", style)), GREEN).getbbox()
    assert plain_top is not None and stacked_top is not None
    plain_height = plain_top[3] - plain_top[1]
    stacked_height = stacked_top[3] - stacked_top[1]
    # A stacked circumflex + tilde adds well over a third of the cap height; clipping would lose it.
    assert stacked_height - plain_height > 0.3 * plain_height


@pytest.mark.parametrize("text", [TYP_2021_01.upper(), STACKED_CAPS, HCM_06])
def test_stacked_marks_never_touch_the_line_above(text):
    layout = fit_slogan(text, CardStyle(size=(1080, 1350)))
    assert len(layout.lines) > 1
    for upper, lower in itertools.pairwise(layout.line_boxes):
        assert upper[3] < lower[1], layout.lines


def test_longest_draft_slogan_fits_a_square_card():
    layout = fit_slogan(HCM_06, CardStyle())
    assert CardStyle().smallest_font_size <= layout.font_size <= CardStyle().max_font_size
    assert " ".join(layout.lines) == HCM_06


def test_chosen_size_is_the_largest_that_fits():
    style = CardStyle()
    layout = fit_slogan(HCM_06, style)
    assert layout.font_size < style.max_font_size
    with pytest.raises(CardError):
        fit_slogan(HCM_06, forced_size(layout.font_size + 1))


def test_text_too_long_for_minimum_size_raises_vietnamese_error():
    with pytest.raises(CardError) as raised:
        fit_slogan(HCM_06 * 4, CardStyle())
    message = str(raised.value)
    assert "khẩu hiệu quá dài" in message
    assert "1080x1080" in message and "36 px" in message and "card.min_font_size" in message
    with pytest.raises(CardError, match="khẩu hiệu quá dài"):
        render_card(HCM_06 * 4, CardStyle())


def test_larger_box_never_gives_a_smaller_font():
    sizes = [(800, 800), (1080, 1080), (1080, 1350), (1600, 1600)]
    font_sizes = [fit_slogan(HCM_06, CardStyle(size=size, max_font_size=300)).font_size for size in sizes]
    assert font_sizes == sorted(font_sizes)
    assert font_sizes[-1] > font_sizes[0]


# --------------------------------------------------------------------------------------------- line breaking


def test_no_line_starts_with_punctuation_or_a_dash():
    layouts = [
        layout
        for text in (PUNCTUATION_HEAVY, COVID_04, LD_2020_02, TYP_2021_01, BC_2021_01)
        for layout in multi_line_layouts(text)
    ]
    assert len(layouts) >= 20, "too few multi-line layouts were exercised"
    for layout in layouts:
        for line in layout.lines:
            assert line[0] not in NO_LINE_START, (layout.font_size, layout.lines)


def multi_line_layouts(text: str) -> list[SloganLayout]:
    layouts = []
    for font_size in range(40, 121, 8):
        try:
            layout = fit_slogan(text, forced_size(font_size))
        except CardError:
            continue
        if len(layout.lines) > 1:
            layouts.append(layout)
    return layouts


def test_a_dash_stays_at_the_end_of_the_previous_line():
    lines_ending_with_dash = [
        line
        for text in (COVID_04, LD_2020_02)
        for layout in multi_line_layouts(text)
        for line in layout.lines[:-1]
        if line[-1] in "-–—"
    ]
    assert len(lines_ending_with_dash) >= 3


def test_the_name_of_president_ho_chi_minh_is_never_split():
    layouts = multi_line_layouts(LD_2020_02) + multi_line_layouts(
        "Chủ tịch Hồ Chí Minh vĩ đại sống mãi trong sự nghiệp"
    )
    assert len(layouts) >= 8
    for layout in layouts:
        assert any("Hồ Chí Minh" in line for line in layout.lines), layout.lines


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    ("text", "date_range"),
    [
        (TYP_2021_01, "(15/10/1930 - 15/10/2021)!"),
        (DN_2023_01, "(30/4/1975 – 30/4/2023)!"),
    ],
)
def test_date_range_stays_on_one_line(text, date_range, size):
    layout = fit_slogan(text, CardStyle(size=size))
    assert any(date_range in line for line in layout.lines), layout.lines


def test_date_range_wider_than_the_box_breaks_after_its_dash():
    layout = fit_slogan("Kỷ niệm 91 năm (15/10/1930 - 15/10/2021)!", forced_size(100))
    ends_with_dash = [index for index, line in enumerate(layout.lines) if line.endswith("(15/10/1930 -")]
    assert ends_with_dash, layout.lines
    assert layout.lines[ends_with_dash[0] + 1].startswith("15/10/2021)!")


@pytest.mark.parametrize(("text", "font_size"), [(COVID_02, 70), ("Đại thắng mùa Xuân năm 1975", 60)])
def test_two_line_slogans_are_balanced(text, font_size):
    # At these sizes greedy filling leaves one long line and one or two short words (width ratio < 0.2).
    layout = fit_slogan(text, forced_size(font_size))
    assert len(layout.lines) == 2
    widths = [right - left for left, _, right, _ in layout.line_boxes]
    assert min(widths) / max(widths) >= 0.8, layout.lines


def test_common_two_syllable_words_stay_together_when_balance_allows():
    layout = fit_slogan(TYP_2021_01, CardStyle())
    assert any("công tác" in line for line in layout.lines), layout.lines
    layout = fit_slogan("Chủ tịch Hồ Chí Minh vĩ đại sống mãi trong sự nghiệp của chúng ta!", CardStyle())
    assert any("vĩ đại" in line for line in layout.lines), layout.lines


def test_lines_are_centred():
    layout = fit_slogan(TYP_2021_01, CardStyle())
    box_centre = (layout.box[0] + layout.box[2]) / 2
    for left, _, right, _ in layout.line_boxes:
        assert abs((left + right) / 2 - box_centre) <= 1


def test_no_break_space_keeps_its_neighbours_together():
    layout = fit_slogan("Chủ tịch Hồ\u00a0Chí\u00a0Minh vĩ đại sống mãi trong sự nghiệp của chúng ta!", forced_size(90))
    assert any("Hồ\u00a0Chí\u00a0Minh" in line for line in layout.lines), layout.lines


# --------------------------------------------------------------------------------------------- text handling


def test_nfc_and_nfd_inputs_give_identical_bytes():
    nfd = unicodedata.normalize("NFD", TYP_2021_01)
    assert nfd != TYP_2021_01
    for style in (CardStyle(), CardStyle(format="png", uppercase=True)):
        assert render_card(nfd, style) == render_card(TYP_2021_01, style)
        assert card_hash(nfd, style) == card_hash(TYP_2021_01, style)


def test_layout_lines_are_nfc_whatever_the_input_form():
    nfd = unicodedata.normalize("NFD", HCM_06)
    layout = fit_slogan(nfd, CardStyle())
    assert layout == fit_slogan(HCM_06, CardStyle())
    assert all(unicodedata.is_normalized("NFC", line) for line in layout.lines)


def test_uppercase_keeps_every_diacritic():
    layout = fit_slogan(TYP_2021_01, CardStyle(uppercase=True))
    joined = " ".join(layout.lines)
    assert joined == TYP_2021_01.upper()
    assert "NHIỆT LIỆT CHÀO MỪNG" in joined and "ĐẢNG" in joined and "KỶ NIỆM" in joined


def test_uppercase_is_a_display_transform_only():
    plain, upper = CardStyle(format="png"), CardStyle(format="png", uppercase=True)
    assert render_card(TYP_2021_01, plain) != render_card(TYP_2021_01, upper)
    assert card_hash(TYP_2021_01, plain) != card_hash(TYP_2021_01, upper)


# --------------------------------------------------------------------------------------------- encoding


def test_render_is_deterministic_across_fresh_caches():
    first = render_card(TYP_2021_01, CardStyle())
    clear_render_caches()
    assert render_card(TYP_2021_01, CardStyle()) == first


def test_jpeg_is_valid_and_under_one_megabyte():
    data = render_card(TYP_2021_01, CardStyle())
    assert len(data) < 1_000_000
    image = decode(data)
    assert image.format == "JPEG" and image.size == (1080, 1080)


def test_jpeg_quality_steps_down_to_stay_under_the_limit(monkeypatch):
    full_quality = render_card(HCM_06, CardStyle())
    monkeypatch.setattr(draw, "JPEG_MAX_BYTES", len(full_quality) - 1)
    reduced = render_card(HCM_06, CardStyle())
    assert len(reduced) < len(full_quality)
    assert decode(reduced).format == "JPEG"


def test_png_format_renders_a_png():
    data = render_card(TYP_2021_01, CardStyle(format="png"))
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = decode(data)
    assert image.format == "PNG" and image.mode == "RGB" and image.size == (1080, 1080)


@pytest.mark.parametrize("size", SIZES)
def test_every_standard_size_renders(size):
    image = decode(render_card(TYP_2021_01, CardStyle(size=size)))
    assert image.size == size


def test_long_header_wraps_and_an_endless_one_is_reported_in_vietnamese():
    long_header = "KỶ NIỆM 91 NĂM NGÀY TRUYỀN THỐNG CÔNG TÁC DÂN VẬN CỦA ĐẢNG (15/10/1930 - 15/10/2021)"
    assert decode(render_card(COVID_02, CardStyle(header=long_header))).size == (1080, 1080)
    with pytest.raises(CardError, match=re.escape("card.header quá dài")):
        render_card(COVID_02, CardStyle(header=long_header * 3))


def test_bad_colour_is_reported_in_vietnamese():
    with pytest.raises(CardError, match=re.escape("màu không hợp lệ ở card.background")):
        render_card(COVID_02, CardStyle(background="đỏ"))


# --------------------------------------------------------------------------------------------- hashing and names


def test_card_hash_follows_every_input():
    base = card_hash(COVID_02, CardStyle())
    assert re.fullmatch(r"[0-9a-f]{64}", base)
    assert card_hash(COVID_02, CardStyle()) == base
    assert card_hash(COVID_02 + "!", CardStyle()) != base
    for change in ({"footer": "Ban Dân vận"}, {"jpeg_quality": 80}, {"logo": None}, {"size": (1200, 630)}):
        assert card_hash(COVID_02, dataclasses.replace(CardStyle(), **change)) != base


def test_card_hash_reads_file_contents_not_paths(tmp_path):
    copy = tmp_path / "logo.png"
    original = CardStyle().logo
    assert original is not None
    copy.write_bytes(original.read_bytes())
    assert card_hash(COVID_02, CardStyle(logo=copy)) == card_hash(COVID_02, CardStyle())
    copy.write_bytes(original.read_bytes() + b"\0")
    assert card_hash(COVID_02, CardStyle(logo=copy)) != card_hash(COVID_02, CardStyle())


def test_card_filename_names_the_slogan_and_the_hash():
    name = card_filename("typ-2021-01", TYP_2021_01, CardStyle())
    assert name == f"typ-2021-01-{card_hash(TYP_2021_01, CardStyle())[:12]}.jpg"
    assert card_filename("typ-2021-01", TYP_2021_01, CardStyle(format="png")).endswith(".png")


@pytest.mark.parametrize("slogan_id", ["", "../etc", "a/b", ".hidden", "a b"])
def test_card_filename_rejects_ids_unsafe_as_file_names(slogan_id):
    with pytest.raises(CardError, match="mã khẩu hiệu"):
        card_filename(slogan_id, COVID_02, CardStyle())


def test_layout_is_a_value():
    layout = fit_slogan(COVID_02, CardStyle())
    assert isinstance(layout, SloganLayout)
    with pytest.raises(dataclasses.FrozenInstanceError):
        layout.font_size = 1  # type: ignore[misc]


# --------------------------------------------------------------------------------------------- shortcuts
# The renderer takes shortcuts for speed; each must give exactly what the plain way gives, or cached cards
# (keyed by card_hash, which does not see the shortcuts) would change.


def reference_balanced_breaks(
    widths: list[float], penalties: list[float], space: float, width: int, line_count: int
) -> list[int] | None:
    """The plain search: every start of every line tried, in order, keeping the first best."""
    count = len(widths)
    prefix = [0.0]
    for piece in widths:
        prefix.append(prefix[-1] + piece)

    def slack_cost(start: int, end: int) -> float:
        length = prefix[end] - prefix[start] + (end - start - 1) * space
        if length > width:
            return float("inf")
        return (width - length) ** 2 + (penalties[end - 1] if end < count else 0.0)

    best = [[float("inf")] * (count + 1) for _ in range(line_count + 1)]
    start = [[0] * (count + 1) for _ in range(line_count + 1)]
    best[0][0] = 0.0
    for lines in range(1, line_count + 1):
        for end in range(lines, count + 1):
            for begin in range(lines - 1, end):
                cost = best[lines - 1][begin] + slack_cost(begin, end)
                if cost < best[lines][end]:
                    best[lines][end], start[lines][end] = cost, begin
    if best[line_count][count] == float("inf"):
        return None
    starts, end = [], count
    for lines in range(line_count, 0, -1):
        end = start[lines][end]
        starts.append(end)
    return starts[::-1]


def test_balanced_breaks_equal_the_plain_search():
    rng = random.Random(2021)
    for _ in range(3000):
        count = rng.randint(1, 14)
        # Whole-pixel widths and penalties make equal costs, so the tie-breaking is checked too.
        widths = [float(rng.choice([rng.randint(20, 300), 100])) for _ in range(count)]
        if rng.random() < 0.05:  # not met in practice, but still the same answer
            widths[rng.randrange(count)] = -50.0
        penalties = [float(rng.choice([0, 400, 900])) for _ in range(count)]
        space, width = float(rng.choice([0, 12, 25])), rng.randint(150, 900)
        line_count = rng.randint(1, count)
        expected = reference_balanced_breaks(widths, penalties, space, width, line_count)
        assert linebreak._balanced_breaks(widths, penalties, space, width, line_count) == expected


def reference_block_height(text: str, style: CardStyle, size: int, width: int) -> int | None:
    """The slogan's height with every line's ink measured; None when it cannot be set in `width`."""
    lines = linebreak.break_lines(text, style.slogan_font, size, width, split_ranges=False)
    if lines is None:
        return None
    inks = [fonts.ink_box(style.slogan_font, size, line) for line in lines]
    if any(ink[2] - ink[0] > width for ink in inks):
        return None
    return (len(lines) - 1) * card_layout.line_pitch(inks, size) + inks[-1][3] - inks[0][1]


@pytest.mark.parametrize("text", [TYP_2021_01, HCM_06, STACKED_CAPS, PUNCTUATION_HEAVY, COVID_02, "vui " * 40])
def test_a_size_is_rejected_early_only_when_it_does_not_fit(text):
    style = CardStyle()
    left, top, right, bottom = card_layout.card_geometry(style.size, True, True).slogan_box
    for size in range(20, 400, 7):
        block = reference_block_height(text, style, size, right - left)
        # Boxes just too short, just tall enough, and as on the card.
        heights = [bottom - top] if block is None else [block - 1, block, bottom - top]
        for height in heights:
            layout = card_layout._layout_at(text, style, size, (left, top, right, top + height), split_ranges=False)
            assert (layout is not None) == (block is not None and block <= height), (size, height)


@pytest.mark.parametrize(
    ("text", "font_size", "origin"),
    [
        (TYP_2021_01, 90, (40, 500)),
        (STACKED_CAPS, 64, (100, 200)),
        ("Dân vận khéo", 100, (-120, 60)),  # clipped on the left and at the top
        ("thì việc gì cũng thành công", 80, (700, 1100)),  # clipped on the right and at the bottom
        ("“…”", 40, (0, 0)),
    ],
)
def test_a_slogan_line_is_drawn_with_the_pixels_of_imagedraw_text(text, font_size, origin):
    style = CardStyle()
    font = fonts.open_font(style.slogan_font, font_size)
    background = Image.new("RGB", (1080, 1080), (218, 37, 29))
    ImageDraw.Draw(background).rectangle((0, 0, 1079, 160), fill=(187, 32, 25))
    for color in [(255, 255, 0), (0, 0, 0), (17, 200, 99)]:
        expected, drawn = background.copy(), background.copy()
        ImageDraw.Draw(expected).text(origin, text, font=font, fill=color, anchor="ls")
        draw._draw_line(drawn, origin, text, font, color)
        assert drawn.tobytes() == expected.tobytes()


def test_the_shared_background_is_never_drawn_on():
    style = CardStyle(format="png")
    first = render_card(COVID_02, style)
    background = draw._background(style, draw._file_version(style.text_font), draw._file_version(style.logo))
    pixels = background.tobytes()
    render_card(TYP_2021_01, style)
    assert background.tobytes() == pixels
    card_layout._fit_text.cache_clear()
    assert render_card(COVID_02, style) == first


OFFICIAL_300 = (
    "Thực hiện tốt phương châm “Dân biết, dân bàn, dân làm, dân kiểm tra, dân giám sát, dân thụ hưởng”; "
    "phát huy vai trò của Mặt trận Tổ quốc Việt Nam và các tổ chức chính trị - xã hội trong công tác dân vận; "
    "xây dựng khối đại đoàn kết toàn dân tộc vững mạnh, thực hiện thắng lợi Nghị quyết Đại hội XIII của Đảng!"
)


@pytest.mark.parametrize("size", [(1080, 1080), (1200, 630), (960, 720), (1080, 1350)])
def test_a_300_character_official_text_fits_every_usual_card_size_by_default(size: tuple[int, int]) -> None:
    from scheduler.cards import fit_slogan

    assert len(OFFICIAL_300) >= 300
    style = CardStyle(size=size)
    layout = fit_slogan(OFFICIAL_300, style)
    # ...and at a size that stays readable on a phone showing the card 400 px wide
    assert layout.font_size * 400 / size[0] >= 13


def test_the_default_minimum_follows_the_card_and_min_font_size_still_overrides_it() -> None:
    from scheduler.cards import fit_slogan
    from scheduler.errors import CardError
    from scheduler.project.cardstyle import readable_min_font_size

    assert (
        readable_min_font_size((960, 720)) < readable_min_font_size((1080, 1080)) < readable_min_font_size((1200, 630))
    )
    with pytest.raises(CardError, match="40 px"):
        fit_slogan(OFFICIAL_300, CardStyle(size=(960, 720), min_font_size=40))
