"""What ending a line costs at each space of a slogan: nothing after punctuation, a little inside a phrase, much
inside a unit a reader takes in at one glance (a frequent syllable pair, a proper name, a number and its unit, a
short comma clause), so such a break is taken only when every break that avoids it leaves the lines far less even.

Costs are fractions of the box width squared, the unit of the line balance they are weighed against (see
linebreak._balanced_breaks): a cost of 0.25 equals one line left half empty. The knowledge is read from the case
the author wrote (a name is a run of capitalised words), so an upper-cased card breaks where the plain one does.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re

from scheduler.proofread.known_words import UNITS
from scheduler.proofread.realword import TABLE_PATH, table

FREE = 0.0
# Inside a phrase: as much as one line left 20 % short, so a line ends at a comma or dash when that keeps the
# lines nearly as even.
PHRASE = 0.2**2
# Inside a unit: as much as one line left 60 % short. Two lines of 70 % and 80 % of the width cost less than
# "Việt Nam quang / vinh", yet a lone word on a line ("Nam quang vinh / ta!") costs more.
UNIT = 0.6**2
# Inside a pair the proofreading table finds frequent: it is built from a few texts, so some of its pairs are
# phrases of those texts ("tịch Hồ" of "Chủ tịch Hồ Chí Minh"); less than a listed word or a name.
TABLE_PAIR = 0.4**2

PHRASE_END = frozenset(",;:.!?…)»”’") | frozenset("-–—")
# Around a word: quotes and brackets are not part of it when looking it up.
_EDGES = "“”‘’\"'«»()[]{}.,;:!?…"
_NUMBER = re.compile(r"\d[\d.,/]*")
# Words whose number follows them ("năm 1975", "ngày 15/10", "khóa XV" is a name by its capitals).
_COUNTED_AFTER = frozenset({"ngày", "tháng", "năm", "khóa", "khoá", "số", "lần"})
SHORT_CLAUSE = 3  # words: "tai nghe", "dân kiểm tra" read as one item of a list
# A syllable pair is a word, not a phrase, when seen this often and making this much of its rarer syllable's use.
MIN_PAIR_COUNT = 3
MIN_PAIR_BOND = 0.5

# Frequent words of official slogans whose syllables should share a line; the pair table adds the rest.
_COMPOUNDS = """
anh hùng | bầu cử | chào mừng | chiến đấu | chính phủ | chủ nghĩa | chủ tịch | công tác | công việc | cộng hòa |
cộng sản | dân tộc | dân vận | di chúc | đại biểu | đại đoàn kết | đạo đức | đất nước | đẩy mạnh | đoàn kết |
đoàn thể | đời sống | giải phóng | giám sát | hội đồng | học tập | khai báo | khẩu trang | khoảng cách |
khử khuẩn | kiểm tra | kiệt xuất | kỷ niệm | lãnh đạo | lãnh tụ | lao động | lĩnh vực | lực lượng | muôn năm |
nhân dân | nhiệm kỳ | nhiệt liệt | non sông | phát huy | phong cách | phong trào | phụ trách | quan trọng |
quang vinh | quốc hội | sự nghiệp | thành công | thi đua | thiên tài | thông điệp | thống nhất | thụ hưởng |
thực hành | truyền thống | tư tưởng | tụ tập | văn hóa | vẻ vang | vận động | vĩ đại | xã hội | xây dựng | y tế
"""
COMPOUND_PAIRS = frozenset(pair for word in _COMPOUNDS.split("|") for pair in itertools.pairwise(word.split()))


@functools.lru_cache(maxsize=1024)
def break_costs(words: tuple[str, ...]) -> tuple[float, ...]:
    """The cost of ending a line after each word but the last (words as written, split at spaces)."""
    clause_sizes = _clause_sizes(words)
    return tuple(_cost(words[index], words[index + 1], clause_sizes[index]) for index in range(len(words) - 1))


def _cost(left: str, right: str, clause_size: int) -> float:
    if left[-1] in PHRASE_END:
        return FREE
    first, second = _bare(left), _bare(right)
    if (
        (first, second) in COMPOUND_PAIRS
        or _is_name_inside(left, right)
        or _is_number_and_unit(first, second)
        or clause_size <= SHORT_CLAUSE
    ):
        return UNIT
    return TABLE_PAIR if is_frequent_pair(first, second) else PHRASE


def _clause_sizes(words: tuple[str, ...]) -> list[int]:
    """For each space, the number of words of the comma clause around it; a text without punctuation inside is
    one long clause (its own words are no list to keep apart)."""
    ends = [index for index, word in enumerate(words[:-1]) if word[-1] in PHRASE_END]
    if not ends:
        return [len(words) + SHORT_CLAUSE] * len(words)
    sizes, start = [], 0
    for end in [*ends, len(words) - 1]:
        size = sum(1 for word in words[start : end + 1] if any(char.isalnum() for char in word))
        sizes.extend([size] * (end + 1 - start))
        start = end + 1
    return sizes


def _bare(word: str) -> str:
    return word.strip(_EDGES).lower()


@functools.lru_cache(maxsize=4096)
def is_frequent_pair(first: str, second: str) -> bool:
    """Whether the proofreading table saw the pair often, making most of its rarer syllable's use."""
    pairs = table()
    count = pairs.pairs.get((first, second), 0)
    rarer = min(pairs.singles.get(first, 0), pairs.singles.get(second, 0))
    return count >= MIN_PAIR_COUNT and count >= MIN_PAIR_BOND * rarer


def _is_name_inside(left: str, right: str) -> bool:
    # A run of capitalised words ("Ngày Giải phóng", "Ban Dân vận"); all-capital words are acronyms or an
    # upper-case text, where capitals tell nothing.
    return _capitalised(left.lstrip(_EDGES)) and _capitalised(right.strip(_EDGES))


def _capitalised(word: str) -> bool:
    letters = [char for char in word if char.isalpha()]
    return len(letters) > 1 and letters[0].isupper() and all(char.islower() for char in letters[1:])


def _is_number_and_unit(left: str, right: str) -> bool:
    if _NUMBER.fullmatch(left):
        return right in UNITS
    return left in _COUNTED_AFTER and bool(_NUMBER.match(right))


@functools.cache
def knowledge_digest() -> str:
    """The sha256 of the pair table: a rebuilt table may move line breaks, so the card hash covers it."""
    data = TABLE_PATH.read_bytes()
    return hashlib.sha256(data).hexdigest()
