"""Where a slogan's lines break: units a reader takes in at one glance stay on one line unless no break of
similar balance avoids them. Assertions are on the lines as drawn, never on pixels.

Slogans are copied from slogans.yaml and the research draft (slogans-draft.yaml) so the tests read nothing outside
the repo.
"""

from __future__ import annotations

import itertools

import pytest

from scheduler.cards import breakcost, fit_slogan, linebreak
from scheduler.cards import layout as card_layout
from scheduler.cards.breakcost import PHRASE, TABLE_PAIR, UNIT, break_costs
from scheduler.errors import CardError
from scheduler.project.cardstyle import CardStyle

DANG = "Đảng Cộng sản Việt Nam quang vinh muôn năm!"
PHU_TRACH = "Những người phụ trách dân vận cần phải óc nghĩ, mắt trông, tai nghe, chân đi, miệng nói, tay làm"
HOC_TAP = "Đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh!"
PHONG_TRAO = "Đẩy mạnh phong trào thi đua “Dân vận khéo” trên các lĩnh vực của đời sống xã hội!"
NAM_5K = "Thông điệp 5K: Khẩu trang – Khử khuẩn – Khoảng cách – Không tụ tập – Khai báo y tế"
GIAI_PHONG = "Nhiệt liệt chào mừng 44 năm ngày Giải phóng miền Nam, thống nhất đất nước (30/4/1975 - 30/4/2019)!"
SINH_129 = "Nhiệt liệt chào mừng 129 năm ngày sinh Chủ tịch Hồ Chí Minh vĩ đại (19/5/1890 - 19/5/2019)!"
ANH_HUNG = "Chủ tịch Hồ Chí Minh - Anh hùng giải phóng dân tộc, Nhà văn hóa kiệt xuất của Việt Nam!"
PHAT_HUY = "Phát huy truyền thống vẻ vang của công tác dân vận, xây dựng khối đại đoàn kết toàn dân tộc!"
DAN_BIET = "Dân biết, dân bàn, dân làm, dân kiểm tra, dân giám sát, dân thụ hưởng"
REAL_SLOGANS = [DANG, PHU_TRACH, HOC_TAP, PHONG_TRAO, NAM_5K, GIAI_PHONG, SINH_129, ANH_HUNG, PHAT_HUY, DAN_BIET]
SIZES = [(1080, 1080), (1200, 630), (1080, 1350)]


def split_pairs(lines: tuple[str, ...]) -> list[str]:
    """The two words around each break, lower-cased: "quang / vinh"."""
    return [f"{upper.split()[-1]} / {lower.split()[0]}".lower() for upper, lower in itertools.pairwise(lines)]


def test_the_party_slogan_keeps_quang_vinh_whole():
    layout = fit_slogan(DANG, CardStyle())
    assert layout.lines == ("Đảng Cộng sản", "Việt Nam", "quang vinh", "muôn năm!")
    assert layout.font_size == CardStyle().max_font_size, "the nicer breaks must not cost font size here"


def test_a_two_word_comma_clause_is_not_split():
    layout = fit_slogan(PHU_TRACH, CardStyle())
    assert not {"tai / nghe", "mắt / trông", "chân / đi", "miệng / nói", "tay / làm"} & set(split_pairs(layout.lines))
    assert any(line.endswith(",") for line in layout.lines[:-1])


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        (HOC_TAP, ["học tập", "đạo đức"]),
        (PHONG_TRAO, ["phong trào", "Dân vận"]),
        (NAM_5K, ["Khử khuẩn", "Khoảng cách", "Không tụ tập"]),
        (SINH_129, ["Chủ tịch"]),
        (ANH_HUNG, ["giải phóng"]),
        (PHAT_HUY, ["truyền thống"]),
        (GIAI_PHONG, ["44 năm"]),
    ],
)
def test_words_names_and_numbers_stay_whole_on_the_default_card(text, whole):
    lines = fit_slogan(text, CardStyle()).lines
    for unit in whole:
        assert any(unit in line for line in lines), (unit, lines)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("uppercase", [False, True])
def test_uppercase_cards_break_where_plain_ones_do(size, uppercase):
    # A name is read from the capitals the author wrote, not the display's.
    for text in (DANG, ANH_HUNG, GIAI_PHONG):
        plain = fit_slogan(text, CardStyle(size=size))
        shown = fit_slogan(text, CardStyle(size=size, uppercase=uppercase))
        if plain.font_size == shown.font_size:
            assert [len(line.split()) for line in shown.lines] == [len(line.split()) for line in plain.lines]


@pytest.mark.parametrize("size", SIZES)
def test_breaks_prefer_punctuation_and_rarely_cut_a_unit(size):
    layouts = [fit_slogan(text, CardStyle(size=size)) for text in REAL_SLOGANS]
    breaks = [pair for layout in layouts for pair in split_pairs(layout.lines)]
    cut = sum(linebreak.costly_breaks(text, layout.lines) for text, layout in zip(REAL_SLOGANS, layouts, strict=True))
    assert cut <= len(breaks) // 10, [layout.lines for layout in layouts]
    after_punctuation = [layout for layout in layouts if any(line[-1] in ",:–-" for line in layout.lines[:-1])]
    assert len(after_punctuation) >= 5


def test_each_kind_of_unit_costs_more_than_a_plain_break():
    def costs(text: str) -> dict[str, float]:
        words = tuple(text.split())
        return {
            f"{a} / {b.rstrip(',!')}": cost for a, b, cost in zip(words, words[1:], break_costs(words), strict=False)
        }

    assert costs(DANG)["quang / vinh"] == UNIT  # the compound list
    assert costs(DANG)["Nam / quang"] == PHRASE
    assert costs("Nhân dịp Ngày Giải phóng miền Nam")["Ngày / Giải"] == UNIT  # a run of capitals
    assert costs("trong 5 km quanh nơi ở")["5 / km"] == UNIT  # a number and its unit
    assert costs("Đại thắng mùa Xuân năm 1975")["năm / 1975"] == UNIT
    assert costs(PHU_TRACH)["tai / nghe"] == UNIT  # a short comma clause
    assert costs(PHU_TRACH)["nghĩ, / mắt"] == 0.0  # after punctuation
    assert costs("nâng cao chất lượng cuộc sống")["chất / lượng"] == TABLE_PAIR  # the proofreading pair table
    # Without punctuation inside, the whole text is no list of short clauses.
    assert costs("Chống dịch như chống giặc")["dịch / như"] == PHRASE


def test_an_all_capitals_text_has_no_names():
    words = tuple(DANG.upper().split())
    assert break_costs(words)[words.index("NAM")] == PHRASE


def test_a_nicer_break_never_makes_a_slogan_unfit():
    # The smallest size at which each slogan fits is decided by the fewest lines, as `danvan check` reports it.
    for text in REAL_SLOGANS:
        style = CardStyle(min_font_size=40, max_font_size=40, size=(1200, 630))
        try:
            layout = fit_slogan(text, style)
        except CardError:
            continue
        assert layout.font_size == 40


def test_line_breaking_is_deterministic():
    first = [fit_slogan(text, CardStyle()).lines for text in REAL_SLOGANS]
    card_layout._fit_text.cache_clear()
    breakcost.break_costs.cache_clear()
    breakcost.is_frequent_pair.cache_clear()
    assert [fit_slogan(text, CardStyle()).lines for text in REAL_SLOGANS] == first
