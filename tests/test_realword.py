"""The real-word rule and its table: typos that are valid syllables are caught, and held-out legal text (not used
to build the table) stays nearly silent."""

from __future__ import annotations

import pytest

from benchmarks.build_bigrams import constitution_lines
from scheduler.project.models import LintPolicy
from scheduler.proofread import lint_text
from scheduler.proofread.word_runs import NUMBER, number_pairs, word_runs


@pytest.mark.parametrize(
    ("text", "likely"),
    [
        ("Dưới sự lãnh đọa của Đảng", "lãnh đạo"),
        ("Hội dồng nhân dân xã", "Hội đồng"),
        ("làm tốt công tá dân vận", "công tác"),
        ("thàn phố Bắc Giang", "thành phố"),
        ("Tổ trường tổ dân phố", "Tổ trưởng"),
    ],
)
def test_real_word_error_names_the_likely_word(text: str, likely: str) -> None:
    [f] = lint_text(text)
    assert (f.rule, f.severity) == ("real-word", "warning")
    assert f"'{likely}'" in f.message


def test_held_out_text_has_at_most_one_warning_per_1000_syllables() -> None:
    lines = constitution_lines(held_out=True)
    syllables = sum(len(line.split()) for line in lines)
    findings = [f for line in lines for f in lint_text(line)]
    assert syllables > 1000
    assert not [f for f in findings if f.severity == "error"]
    assert len(findings) * 1000 / syllables <= 1.0, findings


@pytest.mark.parametrize(
    ("text", "quoted", "likely"),
    [
        ("Trong 3 thán đầu năm, toàn tỉnh đã tổ chức nhiều hoạt động.", "3 thán", "3 tháng"),
        ("Cả 63 tĩnh, thành phố đều hưởng ứng.", "63 tĩnh", "63 tỉnh"),
        ("Kết quả quỷ IV năm 2021 rất khả quan.", "quỷ IV", "quý IV"),
        ("Tạo điều kiện đề người dân tham gia.", "kiện đề", "kiện để"),
    ],
)
def test_a_slip_beside_a_number_or_between_two_telling_neighbours_is_named(text: str, quoted: str, likely: str) -> None:
    [f] = lint_text(text)
    assert (f.rule, f.severity) == ("real-word", "warning")
    assert f"'{quoted}' có thể là lỗi chính tả của '{likely}'" in f.message


@pytest.mark.parametrize(
    "text",
    [
        "Năm 2012 toàn Đảng, toàn dân thi đua lập thành tích.",
        "Hội nghị thượng đỉnh lần thứ 3 giữa hai nước.",
        "Theo quy định tại điểm a khoản 1 Điều 5 của Luật.",
        "Mức tăng thấp nhất của quý III các năm trước.",
        "Có 3 tầng hầm và 2 lối ra.",
        "Đạt 95% kế hoạch năm 2021 và tăng 5% so với cùng kỳ.",
        "Trong 5 năm qua, 12 xã đã về đích nông thôn mới.",
    ],
)
def test_numbers_and_common_words_beside_them_raise_nothing(text: str) -> None:
    assert lint_text(text) == []


def test_word_runs_read_numbers_as_one_syllable_and_stop_at_punctuation() -> None:
    runs = word_runs("GDP (quý III/2020) tăng 2,62%, cao hơn 4 tỉnh: Hà Nội")
    assert [[w for _, _, w in run] for run in runs] == [
        ["quý", NUMBER],
        ["tăng", NUMBER],
        ["cao", "hơn", NUMBER, "tỉnh"],
        ["hà", "nội"],
    ]
    assert number_pairs("ngày 19/8/1945 và 2 tháng") == [
        ("ngày", NUMBER),
        (NUMBER, "và"),
        ("và", NUMBER),
        (NUMBER, "tháng"),
    ]


@pytest.mark.parametrize(
    ("text", "likely"),
    [
        ("Thủ đô Hà Nộ là trung tâm chính trị - hành chính quốc gia.", "Hà Nội"),
        ("Lãnh đạo, chỉ đạo thực hiện tốt công tác dân vân.", "dân vận"),  # at the end of a sentence
        ("Bổ nhiệm chức danh Giảm đốc Sở Nội vụ.", "Giám đốc"),  # a capital of official style is no name
        ("Số liệu của Tổng cục Thồng kê cho thấy.", "Thống kê"),
    ],
)
def test_a_slip_with_one_telling_neighbour_is_named(text: str, likely: str) -> None:
    [f] = [f for f in lint_text(text) if f.rule == "real-word"]
    assert f"{likely}'" in f.message


@pytest.mark.parametrize(
    "text",
    [
        "Khi lùi xe, người điều khiển phải quan sát phía sau.",  # "phải | quan sát", not "hải quan"
        "Cơ quan có thẩm quyền xác định lại mức độ khuyết tật.",  # a free word: "định lại" is not "định tại"
        "Đồng bào Pác Bó và Cao Bằng đón Tết.",  # a name is never taken for a slip of a phrase ("và các")
        "Nhạc sĩ Trịnh Công Sơn và các loài chim.",  # names are an open class; "loài" beside a free word
        "Cờ mầu đỏ sao vàng; theo điểm e khoản 1 Điều 5.",  # a spelling variant; a letter label
    ],
)
def test_words_of_the_held_out_kind_raise_no_real_word_warning(text: str) -> None:
    assert [f for f in lint_text(text) if f.rule == "real-word"] == []


def test_the_doubled_word_rule_asks_whether_the_second_pair_is_a_word() -> None:
    # "đại diện | diện theo": "diện theo" is frequent, inside "đại diện theo", but no word
    assert [f.rule for f in lint_text("văn bản cử người đại diện diện theo ủy quyền")] == ["repeated-word"]
    assert lint_text("xử lý hành vi vi phạm pháp luật") == []


@pytest.mark.parametrize(
    ("text", "likely"),
    [
        ("Ủy ban nhân dân tỉnh Bắc Gian.", "Bắc Giang"),
        ("Học tập và làm theo tư tưởng Hồ Chí Mih.", "Hồ Chí Minh"),
        ("Đại tướng Võ Nguyên Giá.", "Võ Nguyên Giáp"),
        ("Quảng Ninh, Hái Phòng, Lạng Sơn.", "Hải Phòng"),  # a tone no listed name has
    ],
)
def test_a_known_name_one_letter_off_is_named(text: str, likely: str) -> None:
    [f] = lint_text(text)
    assert (f.rule, f.severity) == ("real-word", "warning")
    assert f"tên '{likely}'" in f.message


def test_a_name_a_tone_away_from_a_known_one_is_another_name() -> None:
    # "xã Thanh Hòa" is a commune, not a slip of the province "Thanh Hóa"; an agency's own name counts too
    assert lint_text("Tỉnh Bắc Giang, tỉnh Thanh Hóa và xã Thanh Hòa.") == []
    text = "Hội Nông dân xã Đồng Phú tổ chức hội nghị."
    assert lint_text(text) == []
    [f] = lint_text(text, LintPolicy(names=("Đồng Phúc",)))
    assert "tên 'Đồng Phúc'" in f.message


@pytest.mark.parametrize(
    ("text", "likely"),
    [
        ("Công ty chách nhiệm hữu hạn một thành viên.", "trách"),  # tr/ch, merged in northern speech
        ("Nhiều nghệ nhân dến từ các huyện miền núi.", "đến"),  # a syllable no source shows, next to a free word
    ],
)
def test_sound_alike_and_unseen_slips_are_named(text: str, likely: str) -> None:
    [f] = lint_text(text)
    assert (f.rule, f.severity) == ("real-word", "warning")
    assert likely in f.message.split("lỗi chính tả của")[1]
