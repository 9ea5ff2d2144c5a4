"""The real-word family: a syllable pair never seen in the table, one edit away from a frequent pair ("lãnh đọa"
for "lãnh đạo", "Hội dồng" for "Hội đồng", "công tá" for "công tác"), is a warning naming the likely word.

The table (data/bigrams.tsv.gz, provenance in data/README.md) is read on first use only, so commands that do not
proofread never pay for it. Both syllables must be valid: an impossible one is the spelling rule's business."""

from __future__ import annotations

import gzip
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from scheduler.proofread.finding import Finding
from scheduler.proofread.known_words import DATA_DIR, name_syllables
from scheduler.proofread.syllables import is_syllable, parse, restore_case
from scheduler.proofread.word_runs import NUMBER, is_numeral
from scheduler.proofread.word_shapes import sentence_start

TABLE_PATH = DATA_DIR / "bigrams.tsv.gz"
_PAIR_ROW = re.compile(r"^(\S+) (\S+)\t(\d+)(?:\t(w))?$", re.MULTILINE)
_SINGLE_ROW = re.compile(
    r"^(\S+)\t(\d+)(?:\t(\w+))?$", re.MULTILINE
)  # also hashed into a card's identity (cards/breakcost.py)

MIN_PAIR = 3  # a candidate pair seen fewer times is no evidence
MIN_BOND = 0.1  # ... nor one whose words often stand apart: the pair must be a word ("lãnh đạo"), not a phrase
# Next to a free word (có, lại, cho), the syllable written must be at least this many times rarer than the one it
# would be a slip for: "dồng" (never seen) for "đồng"; not "mua" for "qua" in "mua lại", nor "một" for "mặt" in "có
# một". Many syllables are known only from the word lists, with the same count: that says they exist, not which is
# the commoner, so the sources must show the intended syllable clearly commoner.
RARITY = 2
# Next to a bound syllable (not a free word, and at least BOUND of its seen pairs on that side are listed words:
# tổ, lãnh, công), an unseen partner is itself unexpected, and the syllable written may even be the commoner, up
# to BOUND_RARITY times: "Tổ trường" for "Tổ trưởng".
BOUND = 0.8
BOUND_RARITY = 10
# A loose pair (a phrase such as "của chủ", not a compound) is evidence only against a syllable this many times
# rarer than the one it would be a slip for: "cũa" for "của", not "về" for "và" (both common); and only one that
# no source shows (seen at most UNFAMILIAR times), "cũa" for "của", not "loài" for "loại", which legal text
# seldom uses but press text does.
LOOSE_RARITY = 50
UNFAMILIAR = 0
_PAIR = re.compile(
    r"(?<![\w\u0300-\u036f])((?:[^\W\d_]|[\u0300-\u036f])+) (?=((?:[^\W\d_]|[\u0300-\u036f])+)(?![\w\u0300-\u036f]))"
)


_LEFT = re.compile(r"((?:[^\W\d_]|[\u0300-\u036f])+|[\dIVX][\w.,/%–-]*) $")
_RIGHT = re.compile(r" ((?:[^\W\d_]|[\u0300-\u036f])+(?![\w\u0300-\u036f])|[\dIVX][\w.,/%–-]*)")


@dataclass(frozen=True)
class Table:
    singles: dict[str, int]
    pairs: dict[tuple[str, str], int]
    words: frozenset[tuple[str, str]]  # the pairs that are two-syllable words of the word lists ("vi phạm")
    free: frozenset[str]  # the syllables of the free-word list, which stand alone in running text (có, lại, mua)
    bound_left: frozenset[str]  # syllables living inside listed words on that side (bound_syllables())
    bound_right: frozenset[str]
    common: frozenset[str]  # syllables common in general text (common-syllables.txt), however rare in legal text


def bound_syllables(pairs: dict[tuple[str, str], int], words: set[tuple[str, str]], free: set[str]) -> set[str]:
    """The syllables bound on their right: not free words, and at least BOUND of their seen pairs with the next
    syllable are listed words (tổ, lãnh, công). build_bigrams.py marks them, and the left-bound ones, in the table."""
    seen: dict[str, int] = {}
    in_words: dict[str, int] = {}
    for (a, b), count in pairs.items():
        seen[a] = seen.get(a, 0) + count
        if (a, b) in words:
            in_words[a] = in_words.get(a, 0) + count
    return {a for a, n in seen.items() if a not in free and n > 0 and in_words.get(a, 0) >= BOUND * n}


@cache
def table() -> Table:
    """The table, read on first use: `syllable<TAB>count[<TAB>flags]` (f free, l/r bound on that side, c common)
    and `first second<TAB>count[<TAB>w]` (w: a listed word). Rows are split by regular expressions, not line by
    line in Python: `check` pays for this on every start."""
    text = gzip.decompress(TABLE_PATH.read_bytes()).decode("utf-8")
    pair_rows = _PAIR_ROW.findall(text)
    single_rows = _SINGLE_ROW.findall(text)

    def flagged(flag: str) -> frozenset[str]:
        return frozenset(w for w, _, flags in single_rows if flag in flags)

    return Table(
        singles={w: int(n) for w, n, _ in single_rows},
        pairs={(a, b): int(n) for a, b, n, _ in pair_rows},
        words=frozenset((a, b) for a, b, _, w in pair_rows if w),
        free=flagged("f"),
        bound_left=flagged("l"),
        bound_right=flagged("r"),
        common=flagged("c"),
    )


def _one_edit(seen: str, other: str) -> bool:
    """Whether two syllables differ by one keystroke-sized edit: the tone alone, or one letter (added, dropped,
    changed, or two neighbours swapped) with the same tone. đ/d, â/a and the like count as a changed letter."""
    a, b = parse(seen), parse(other)
    base_a, base_b = a.onset + a.rhyme, b.onset + b.rhyme
    if base_a == base_b:
        return a.tone != b.tone
    if {a.onset, b.onset} == {"tr", "ch"} and (a.rhyme, a.tone) == (b.rhyme, b.tone):
        return True  # the northern merger of tr and ch: "chách nhiệm" for "trách nhiệm"
    if a.tone != b.tone:
        # a letter carrying the tone mark dropped or added whole ("tưng" for "tướng", "điu" for "điều")
        return len(a.word) != len(b.word) and _distance_one(a.word, b.word)
    return _distance_one(base_a, base_b)


# Spellings in standard use beside each other (the first is the older, northern one): not slips of each other.
_VARIANTS = frozenset(
    frozenset(pair)
    for pair in [("mầu", "màu"), ("dầy", "dày"), ("giầy", "giày"), ("nhẩy", "nhảy"), ("xẩy", "xảy"), ("thủa", "thuở")]
)


_I_Y = dict(zip("iíìỉĩịyýỳỷỹỵ", "yýỳỷỹỵiíìỉĩị", strict=True))
_CONSONANTS = frozenset("bcdđghklmnpqrstvx")


def spellings(word: str) -> set[str]:
    """A syllable and its other accepted spellings: "tỉ" and "tỷ", "mầu" and "màu"."""
    found = {word}
    if len(word) > 1 and word[-1] in _I_Y and word[-2] in _CONSONANTS:
        found.add(word[:-1] + _I_Y[word[-1]])
    for pair in _VARIANTS:
        if word in pair:
            found |= pair
    return found


def known(t: Table, word: str) -> bool:
    """Whether a syllable is in the table, itself or in another accepted spelling ("mầu" as "màu")."""
    return any(w in t.singles for w in spellings(word))


def seen_pair(t: Table, a: str, b: str) -> bool:
    """Whether the table has the pair, in any accepted spelling of its syllables ("1 tỉ" as "1 tỷ")."""
    return any((x, y) in t.pairs for x in spellings(a) for y in spellings(b))


TONE_SLIP = 3  # a wrong tone is the commonest slip: "63 tĩnh" is "63 tỉnh" before it is "63 lĩnh"


def likeliness(seen: str, cand: str, count: int) -> int:
    """How strongly a candidate seen `count` times in the telling context is the word meant: a tone away counts
    TONE_SLIP times."""
    return count * (TONE_SLIP if tone_only(seen, cand) else 1)


def tone_only(a: str, b: str) -> bool:
    """Whether two syllables have the same letters, whatever their tones."""
    return _untoned(a)[0] == _untoned(b)[0]


def is_slip_for(seen: str, other: str) -> bool:
    """Whether a syllable written may be a slip for another: one edit away, and not merely another accepted
    spelling of it (sĩ/sỹ, mầu/màu). A single letter is a label ("điểm e"), not a word that lost letters."""
    return (
        len(seen) > 1
        and len(other) > 1
        and _one_edit(seen, other)
        and not _i_or_y(seen, other)
        and frozenset((seen, other)) not in _VARIANTS
    )


_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


@lru_cache(maxsize=65536)
def _untoned(syllable: str) -> tuple[str, str]:
    """The letters without the tone, and the tone mark ("" for none)."""
    marks = unicodedata.normalize("NFD", syllable)
    tone = "".join(c for c in marks if c in _TONE_MARKS)
    return unicodedata.normalize("NFC", "".join(c for c in marks if c not in _TONE_MARKS)), tone


def _slip_keys(syllable: str) -> set[str]:
    """Keys two syllables one edit apart always share: the letters without the tone, each of them with one letter
    left out, and the tr/ch twin ("trách", "chách")."""
    base = _untoned(syllable)[0]
    keys = {base} | {base[:i] + base[i + 1 :] for i in range(len(base))}
    if base.startswith(("tr", "ch")):
        keys.add("ch" + base[2:])
    return keys


@cache
def _slip_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for syllable in sorted(table().singles):
        for key in _slip_keys(syllable):
            index.setdefault(key, []).append(syllable)
    return {key: tuple(found) for key, found in index.items()}


@lru_cache(maxsize=65536)
def slip_candidates(word: str) -> tuple[str, ...]:
    """The syllables of the table that `word` may be a slip for (is_slip_for), in a fixed order: found through
    shared keys instead of by trying every partner of a neighbour, which is what keeps `check` fast."""
    index = _slip_index()
    found = {c for key in _slip_keys(word) for c in index.get(key, ())}
    base, tone = _untoned(word)
    return tuple(sorted(c for c in found if c != NUMBER and _may_be_one_edit(base, tone, c) and is_slip_for(word, c)))


def _may_be_one_edit(base: str, tone: str, other: str) -> bool:
    """A cheap test is_slip_for's answer implies: a changed tone with changed letters is one edit only when a
    letter was dropped or added with it ("tưng" for "tướng")."""
    other_base, other_tone = _untoned(other)
    return tone == other_tone or base == other_base or len(base) != len(other_base)


def _i_or_y(x: str, y: str) -> bool:
    """sĩ/sỹ, lí/lý: both spellings are right."""
    a, b = parse(x), parse(y)
    return (a.onset, a.rhyme.replace("y", "i"), a.tone) == (b.onset, b.rhyme.replace("y", "i"), b.tone)


def _distance_one(x: str, y: str) -> bool:
    if abs(len(x) - len(y)) > 1:
        return False
    if len(x) == len(y):
        diff = [i for i, (p, q) in enumerate(zip(x, y, strict=True)) if p != q]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and x[diff[0]] == y[diff[1]] and x[diff[1]] == y[diff[0]]
        )
    short, long = (x, y) if len(x) < len(y) else (y, x)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _best(t: Table, seen: str, kept: str, seen_first: bool) -> str | None:
    """The syllable making the most frequent telling pair with the kept word, if one is one edit from `seen`: a
    tight pair (a word) when `seen` is rare enough beside it, any frequent pair when `seen` is very rare."""
    best, best_count = None, 0
    rarity = t.singles.get(seen, 0)
    for cand in slip_candidates(seen):
        pair = (cand, kept) if seen_first else (kept, cand)
        count = t.pairs.get(pair, 0)
        if not count:
            continue
        common = t.singles.get(cand, 0)
        if seen in t.free and pair not in t.words:
            continue  # a free word ("lại") is a slip only inside a word: "định lại" is not "định tại"
        if likeliness(seen, cand, count) > best_count and (
            ((tight(t, *pair) or _listed_for_rare(t, pair, seen)) and _rare_enough(t, seen, common, kept, seen_first))
            or (count >= MIN_PAIR and LOOSE_RARITY * max(1, rarity) <= common and rarity <= UNFAMILIAR)
        ):
            best, best_count = cand, likeliness(seen, cand, count)
    return best


def real_word_errors(text: str) -> list[Finding]:
    """Warnings for unseen syllable pairs one edit from a frequent pair."""
    t = table()
    found: list[Finding] = []
    for m in _PAIR.finditer(text):
        w1, w2 = m.group(1), m.group(2)
        end2 = m.end() + len(w2)
        a, b = w1.lower(), w2.lower()
        if seen_pair(t, a, b) or not (is_syllable(a) and is_syllable(b)) or is_numeral(w1) or is_numeral(w2):
            continue
        if w2[:1].isupper() or name_word(text, m.start(1), w1) or _known_name_piece(text, m.start(1), w1):
            continue  # names are an open class ("Trịnh Công Sơn", "huyện Kim Sơn"): a known one is name_slips.py's
        left, right = neighbours(text, m.start(1), end2)
        # a syllable already seen with its other neighbour is not a typo
        fix2 = None if (b, right) in t.pairs else _best(t, b, a, seen_first=False)
        if fix2 is not None and _taken(t, (left, a), (a, fix2), b):
            fix2 = None
        fix1 = None
        if fix2 is None and (left, a) not in t.pairs:
            fix1 = _best(t, a, b, seen_first=True)
            if fix1 is not None and _taken(t, (b, right), (fix1, b), a):
                fix1 = None
        if fix2 is not None:
            found.append(finding(m.start(2), w1, w2, w1, restore_case(w2, fix2)))
        elif fix1 is not None and not (found and found[-1].start == m.start(1)):
            # one warning a word: "Hội dồng nhân" names "dồng" once, not again as the first of "dồng nhân"
            found.append(finding(m.start(1), w1, w2, restore_case(w1, fix1), w2))
    return found


def _known_name_piece(text: str, start: int, word: str) -> bool:
    """A capitalised word inside a sentence that belongs to a listed name ("miền Bắc chí Nam"): a name."""
    return capital_inside(text, start, word) and word.lower() in name_syllables()


def capital_inside(text: str, start: int, word: str) -> bool:
    """Whether a word is capitalised inside a sentence: a name, or a term of official style ("Điều", "Giám đốc")."""
    return word[:1].isupper() and not sentence_start(text, start)


def name_word(text: str, start: int, word: str) -> bool:
    """Whether a word is part of a name: capitalised inside a sentence next to another capitalised word ("Đông
    Bắc", "Trịnh Công Sơn"). A capital followed by small letters is a title or a term of official style ("Điều
    này", "Giám đốc", "Thành phố"), which a slip can hit like any other word."""
    if not capital_inside(text, start, word):
        return False
    before = _LEFT.search(text, 0, start)
    after = _RIGHT.match(text, start + len(word))
    return any(m is not None and m.group(1)[:1].isupper() for m in (before, after))


def _rare_enough(t: Table, seen: str, common: int, kept: str, seen_first: bool) -> bool:
    """Whether a syllable `seen` may be a slip for one seen `common` times next to `kept`."""
    rarity = t.singles.get(seen, 0)
    # beside a free word, "loài" (rare in laws, common in the press) is no slip of "loại" ("các loài")
    rarer = RARITY * rarity <= common and not (seen in t.common and kept in t.free)
    return rarer or (rarity < BOUND_RARITY * common and _bound(t, kept, seen_first))


def _bound(t: Table, kept: str, seen_first: bool) -> bool:
    """Whether the kept syllable lives inside words on the suspect's side (tổ, lãnh, công): its seen pairs there
    are listed words, so an unknown partner is unexpected. Next to a free word (có, lại, cho, người) an unseen
    partner is just the start of another phrase, and only a clearly rarer syllable is taken for a slip."""
    return kept in (t.bound_left if seen_first else t.bound_right)


def _taken(t: Table, other_tie: tuple[str, str], repaired: tuple[str, str], suspect: str) -> bool:
    """Whether the partner of a suspect syllable belongs to its other neighbour ("hành vi | vi phạm"), so that the
    unseen pair is only a word boundary: when that tie is a word at least as tight as the repaired pair would be.
    A syllable no source has ever shown is suspect whatever its partner's other ties."""
    if suspect not in t.singles or NUMBER in other_tie:
        return False  # a number makes no word with its neighbour: "khoản 5 | Điều nà"
    if other_tie in t.words and (repaired not in t.words or suspect in t.free):
        return True  # "phải | quan sát": the partner opens a listed word, next to a free word or no repair word
    return tight(t, *other_tie) and _bond(t, *other_tie) >= _bond(t, *repaired)


def _bond(t: Table, a: str, b: str) -> float:
    """How much of the rarer word's use this pair is: near 1 for a compound, small for a phrase."""
    return t.pairs.get((a, b), 0) / max(1, min(t.singles.get(a, 0), t.singles.get(b, 0)))


def _listed_for_rare(t: Table, pair: tuple[str, str], seen: str) -> bool:
    """A listed word that laws seldom use ("tổng thống" beside "hệ thống") is a word too, against a syllable that
    is neither free nor common in general text ("Tổng tống"); against a common one it is only another word
    ("hàng ngàn" is not "hàng ngày")."""
    return pair in t.words and t.pairs.get(pair, 0) >= MIN_PAIR and seen not in t.free and seen not in t.common


def tight(t: Table, a: str, b: str) -> bool:
    return t.pairs.get((a, b), 0) >= MIN_PAIR and _bond(t, a, b) >= MIN_BOND


def neighbours(text: str, start: int, end: int) -> tuple[str, str]:
    """The lower-cased words just before and after a pair (separated by one space), NUMBER for a number ("Bão số
    3"), "" when there is none."""
    before = _LEFT.search(text, 0, start)
    after = _RIGHT.match(text, end)
    return _neighbour(before.group(1) if before else ""), _neighbour(after.group(1) if after else "")


def _neighbour(token: str) -> str:
    if token[:1].isalpha() and not is_numeral(token.rstrip(".,;:!?)%")):
        return token.lower()
    return NUMBER if token and is_numeral(token.rstrip(".,;:!?)")) else ""


def finding(at: int, w1: str, w2: str, r1: str, r2: str) -> Finding:
    written, likely = f"{w1} {w2}".strip(), f"{r1} {r2}".strip()
    message = f"'{written}' có thể là lỗi chính tả của '{likely}'; hãy kiểm tra lại (nếu đúng thì bỏ qua cảnh báo này)"
    return Finding(at, "warning", "real-word", message)
