"""The doubled-word family: the same word twice in a row ("các các", "là là") is a warning, except the
reduplications Vietnamese makes on purpose ("ngày ngày", "từ từ", "người người", "nhà nhà"). A word repeated
after punctuation ("đoàn kết, đoàn kết") is a rhetorical repetition and never reported, nor is a syllable that
ends one word and begins the next ("hành vi vi phạm", "trường hợp hợp tác": each copy makes a tight pair of the
syllable table with its other neighbour)."""

from __future__ import annotations

import re

from scheduler.proofread.finding import Finding
from scheduler.proofread.realword import neighbours, table

# Full reduplications (láy toàn bộ) and distributive/intensive repetitions in standard use: time and place
# ("ngày ngày", "năm năm", "nơi nơi"), collectives ("người người", "nhà nhà", "lớp lớp"), manner adverbs
# ("từ từ", "dần dần", "mãi mãi", "đời đời"), sounds and colours ("ầm ầm", "xanh xanh").
_INTENDED = """
ngày đêm tháng năm đời kiếp mùa chiều sáng trưa tối giờ phút lúc thời
người nhà nơi chốn làng xóm bản lớp đoàn đợt hàng ai đâu gì nào sao ấy đấy
từ dần mãi luôn thường vội chầm khe lâu xa cao gần sâu nhiều ít riêng đều nhè thầm
ầm rầm ào rào ù vù đùng đoàng hu ha hì khư chằm đăm lăm hăm phăm bon bừng lù lừ sờ im
xanh đỏ vàng tím hồng trắng đen
"""
INTENDED_REPETITIONS = frozenset(_INTENDED.split())
_DIRECTIONS = frozenset(("đông", "tây", "nam", "bắc"))
_PAIR = re.compile(
    r"(?<![\w\u0300-\u036f])((?:[^\W\d_]|[\u0300-\u036f])+)([ \t\u00a0]+)\1(?![\w\u0300-\u036f])", re.IGNORECASE
)


def doubled_words(text: str, allowed_phrases: frozenset[str] = frozenset()) -> list[Finding]:
    """A warning at the second of two identical words separated only by spaces, unless intended or allowed."""
    found: list[Finding] = []
    for m in _PAIR.finditer(text):
        word = m.group(1)
        if (
            word.casefold() in INTENDED_REPETITIONS
            or f"{word} {word}".casefold() in allowed_phrases
            or m.group(1) != text[m.end(2) : m.end()]
        ):
            continue  # "Ngày ngày" passes as intended; "Hà Hà"-like case differences are names, not typos
        if _two_words(text, m.start(1), m.end()):
            continue
        second = m.end(2)
        message = f"từ '{word}' bị lặp hai lần liền nhau; hãy xoá một từ (nếu không cố ý lặp)"
        found.append(Finding(second, "warning", "repeated-word", message))
    return found


def _two_words(text: str, start: int, end: int) -> bool:
    """Whether the first copy closes a word begun before it and the second opens a word ended after it: both pairs
    listed words ("hành vi | vi phạm"). A frequent phrase is not enough: "diện theo" is frequent only inside "đại
    diện theo", "này áp" inside "Luật này áp dụng"."""
    word = text[start:end].split()[0].lower()
    left, right = neighbours(text, start, end)
    t = table()
    first, second = (left, word), (word, right)
    if word in _DIRECTIONS and right in _DIRECTIONS:
        return True  # "phía Đông Đông Bắc": a compass point between two others
    return first in t.words and second in t.words
