"""The written Vietnamese syllable: onset + rhyme + one tone mark, and where that mark may go.

Built from the research note shared/research/vietnamese-orthography.md (§1, §2): the 27 written onsets, the
156 written rhymes (the textbook list plus the rare rhymes attested in a public lexicon), the c/k/q, g/gh, ng/ngh,
gi and qu spelling rules, the stop-final tone rule and the tone-placement algorithm of QĐ 1989/QĐ-BGDĐT as
implemented by Unikey. No word list is bundled: a syllable is accepted when its *shape* is Vietnamese, so this
module catches impossible tokens ("tng", "hòan", "qúa"), not real-word typos.

Everything here works on NFC text; callers normalise first.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

ToneStyle = Literal["old", "new"]

# Combining tone marks, in the order ngang (none), sắc, huyền, hỏi, ngã, nặng.
SAC, HUYEN, HOI, NGA, NANG = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
TONE_MARKS = frozenset((SAC, HUYEN, HOI, NGA, NANG))
TONE_NAMES = {SAC: "sắc", HUYEN: "huyền", HOI: "hỏi", NGA: "ngã", NANG: "nặng"}

VOWELS = frozenset("aăâeêioôơuưy")
MARKED_VOWELS = frozenset("ăâêôơư")  # vowels that carry a letter diacritic (not a tone)
LETTERS = frozenset("aăâeêioôơuưybcdđghklmnpqrstvx")

ONSETS = (
    "ngh",
    "ch",
    "gh",
    "gi",
    "kh",
    "ng",
    "nh",
    "ph",
    "qu",
    "th",
    "tr",
    "b",
    "c",
    "d",
    "đ",
    "g",
    "h",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "x",
)

_RHYME_TABLE = """
a e ê i y o ô ơ u ư ia ua ưa oa oe uê uy uơ uya
ai ay ây oi ôi ơi ui ưi uôi ươi oai oay uây
ao au âu eo êu iu ưu iêu yêu ươu oao oeo uyu
am ăm âm em êm im om ôm ơm um iêm yêm uôm ươm oam oăm
an ăn ân en ên in on ôn ơn un iên yên uôn ươn oan oăn oen uân uyên
ang ăng âng eng ong ông ung ưng iêng yêng uông ương oang oăng oong uâng
anh ênh inh oanh uênh uynh
ap ăp âp ep êp ip op ôp ơp up iêp ươp oap
at ăt ât et êt it ot ôt ơt ut ưt iêt yêt uôt ươt oat oăt oet uât uyêt uyt
ac ăc âc ec oc ôc uc ưc iêc uôc ươc oac oăc ooc
ach êch ich oach uêch uych
"""
RHYMES = frozenset(_RHYME_TABLE.split())
assert len(RHYMES) == 156

# What may follow the onset "qu" (its u is the glide), as attested in the lexicon (§1.2), plus the older
# spelling "qui" and the odd "quoàng"/"quoắt".
_QU_RHYME_LIST = """
a ac ach ai an ang anh ao at au ay ăc ăm ăn ăng ăp ăt âc ân âng ât ây e en eo et ê êch ên ênh
êt êu it y ynh yt yên yêt ôc ơ ơn i oang oăt
"""
QU_RHYMES = frozenset(_QU_RHYME_LIST.split())

STOP_FINALS = ("ch", "p", "t", "c")
_FRONT = frozenset("ieêy")  # letters before which k, gh, ngh are written


@dataclass(frozen=True)
class Syllable:
    """The analysis of one token (lower-cased, NFC) as a Vietnamese syllable."""

    word: str  # lower-case, NFC, as written
    valid: bool
    reason: str = ""  # Vietnamese: why the token cannot be a syllable (empty when valid)
    onset: str = ""
    rhyme: str = ""  # without tone
    tone: str = ""  # combining tone mark, "" for ngang
    misplaced: bool = False  # a valid syllable whose tone mark sits where neither style puts it
    style: ToneStyle | None = None  # old (hòa) or new (hoà) placement, only for open oa/oe/uy with a tone
    corrections: tuple[str, ...] = ()  # lower-case spellings with the tone mark where it belongs
    no_vowel: bool = False


def _split_tone(word: str) -> tuple[str, str, int, int]:
    """(toneless NFC word, tone mark, index of the letter carrying it, number of tone marks)."""
    base: list[str] = []
    tone, where, count = "", -1, 0
    for ch in unicodedata.normalize("NFD", word):
        if ch in TONE_MARKS:
            tone, where, count = ch, len(base) - 1, count + 1
        elif unicodedata.combining(ch):
            if base:
                base[-1] = unicodedata.normalize("NFC", base[-1] + ch)
            else:
                base.append(ch)
        else:
            base.append(ch)
    return "".join(base), tone, where, count


def _with_tone(base: str, tone: str, index: int) -> str:
    if not tone:
        return base
    return unicodedata.normalize("NFC", base[: index + 1] + tone + base[index + 1 :])


def _split_onset(base: str) -> tuple[str, str, int] | str:
    """(onset, rhyme, offset of the rhyme in base), or a Vietnamese reason why no split works."""
    if base.startswith("gi"):
        rest = base[2:]
        if rest.startswith("ê"):  # giếng, giết: the i is shared, rhyme iê…
            return "gi", "i" + rest, 1
        if rest and rest[0] in VOWELS:  # gia, giữa, giúp
            return "gi", rest, 2
        return "gi", "i" + rest, 1  # gì, gìn
    if base.startswith("qu"):
        return "qu", base[2:], 2
    if base.startswith("q"):
        return "'q' phải viết thành 'qu'"
    for onset in ONSETS:
        if base.startswith(onset) and onset not in ("gi", "qu"):
            return onset, base[len(onset) :], len(onset)
    return "", base, 0


def _onset_rule(onset: str, rhyme: str) -> str:
    first = rhyme[:1]
    if onset == "k" and first not in _FRONT:
        return "'k' chỉ đứng trước i, y, e, ê; ở đây phải viết 'c'"
    if onset == "c" and first in _FRONT:
        return "'c' không đứng trước i, y, e, ê; ở đây phải viết 'k'"
    if onset == "gh" and first not in "ieê":
        return "'gh' chỉ đứng trước i, e, ê; ở đây phải viết 'g'"
    if onset == "g" and first in "eê":
        return "'g' không đứng trước e, ê; ở đây phải viết 'gh'"
    if onset == "ngh" and first not in "ieê":
        return "'ngh' chỉ đứng trước i, e, ê; ở đây phải viết 'ng'"
    if onset == "ng" and first in "ieê":
        return "'ng' không đứng trước i, e, ê; ở đây phải viết 'ngh'"
    if not onset and rhyme.startswith("iê"):
        return "vần 'iê' không có phụ âm đầu phải viết 'yê' (yên, yêu)"
    if onset and onset != "qu" and rhyme.startswith("yê"):
        return "sau phụ âm đầu phải viết 'iê', không viết 'yê'"
    return ""


def tone_positions(rhyme: str) -> tuple[tuple[int, ...], dict[int, ToneStyle]]:
    """Allowed indices (inside the rhyme) for the tone mark, and which style each index stands for.

    Unikey's getTonePosition (QĐ 1989 Điều 8): ươ → ơ; a letter with a diacritic; last vowel before a consonant
    final; middle of three vowels; open oa/oe/uy: first (old style) or second (new style); else the first vowel.
    """
    vowel_idx = [i for i, ch in enumerate(rhyme) if ch in VOWELS]
    cluster = "".join(rhyme[i] for i in vowel_idx)
    has_final = bool(vowel_idx) and vowel_idx[-1] < len(rhyme) - 1
    if len(vowel_idx) == 1:
        return (vowel_idx[0],), {}
    if "ươ" in cluster:
        return (vowel_idx[cluster.index("ươ") + 1],), {}
    marked = [i for i in vowel_idx if rhyme[i] in MARKED_VOWELS]
    if marked:
        return (marked[0],), {}
    if has_final:
        return (vowel_idx[-1],), {}
    if len(vowel_idx) == 3:
        return (vowel_idx[1],), {}
    if cluster in ("oa", "oe", "uy"):
        return (vowel_idx[0], vowel_idx[1]), {vowel_idx[0]: "old", vowel_idx[1]: "new"}
    return (vowel_idx[0],), {}


@lru_cache(maxsize=8192)
def parse(token: str) -> Syllable:
    """Analyse one token (any case, NFC) as a Vietnamese syllable."""
    word = unicodedata.normalize("NFC", token).lower()
    base, tone, where, marks = _split_tone(word)
    if marks > 1:
        return Syllable(word, False, "có hơn một dấu thanh trong một chữ")
    foreign = sorted({ch for ch in base if ch not in LETTERS})
    if foreign:
        shown = ", ".join(f"'{ch}'" for ch in foreign)
        return Syllable(word, False, f"có chữ cái không dùng trong tiếng Việt ({shown})")
    if not any(ch in VOWELS for ch in base):
        return Syllable(word, False, "không có nguyên âm", no_vowel=True)
    split = _split_onset(base)
    if isinstance(split, str):
        return Syllable(word, False, split)
    onset, rhyme, offset = split
    if onset == "qu":
        if rhyme not in QU_RHYMES:
            return Syllable(word, False, f"vần '{rhyme}' không đi sau 'qu'", onset, rhyme, tone)
    elif rhyme not in RHYMES:
        return Syllable(word, False, f"không có vần '{rhyme}' trong tiếng Việt", onset, rhyme, tone)
    rule = _onset_rule(onset, rhyme)
    if rule:
        return Syllable(word, False, rule, onset, rhyme, tone)
    if rhyme.endswith(STOP_FINALS) and tone not in (SAC, NANG):
        has = f"dấu {TONE_NAMES[tone]}" if tone else "thanh ngang (không dấu)"
        return Syllable(
            word,
            False,
            f"vần tận cùng bằng p, t, c, ch chỉ mang dấu sắc hoặc dấu nặng, không mang {has}",
            onset,
            rhyme,
            tone,
        )
    if not tone:
        return Syllable(word, True, "", onset, rhyme, tone)
    allowed, styles = tone_positions(rhyme)
    at = where - offset
    if at in allowed:
        return Syllable(word, True, "", onset, rhyme, tone, style=styles.get(at))
    corrections = tuple(_with_tone(base, tone, offset + i) for i in allowed)
    return Syllable(word, True, "", onset, rhyme, tone, misplaced=True, corrections=corrections)


def is_syllable(token: str) -> bool:
    """True when the token is a well-formed Vietnamese syllable with its tone mark in an accepted place."""
    parsed = parse(token)
    return parsed.valid and not parsed.misplaced


def restore_case(template: str, lower: str) -> str:
    """`lower` with the capitals of `template`: letter by letter when both have the same length, else all capitals or
    a capital first letter as `template` has ("Nộ" gives "Nội")."""
    if len(template) != len(lower):
        if len(template) > 1 and template.isupper():
            return lower.upper()
        return lower[:1].upper() + lower[1:] if template[:1].isupper() else lower
    return "".join(c.upper() if t.isupper() else c for t, c in zip(template, lower, strict=True))


def style_variants(word: str) -> frozenset[str]:
    """The word in both tone styles (hòa, hoà), keeping its capitals; just the word when styles agree."""
    parsed = parse(word)
    if not parsed.valid or parsed.style is None:
        return frozenset((word,))
    base, tone, _, _ = _split_tone(parsed.word)
    offset = len(base) - len(parsed.rhyme)
    allowed, _ = tone_positions(parsed.rhyme)
    return frozenset(restore_case(word, _with_tone(base, tone, offset + i)) for i in allowed)


def in_style(word: str, style: ToneStyle) -> str:
    """The word with its oa/oe/uy tone mark placed in the given style (unchanged when styles agree)."""
    parsed = parse(word)
    if not parsed.valid or parsed.style is None or parsed.style == style:
        return word
    base, tone, _, _ = _split_tone(parsed.word)
    offset = len(base) - len(parsed.rhyme)
    allowed, styles = tone_positions(parsed.rhyme)
    target = next(i for i in allowed if styles.get(i) == style)
    return restore_case(word, _with_tone(base, tone, offset + target))


def has_tone_or_letter_mark(text: str) -> bool:
    """True when the text has any Vietnamese diacritic (tone mark, â ă ê ô ơ ư or đ)."""
    return any(unicodedata.combining(ch) or ch in "đĐ" for ch in unicodedata.normalize("NFD", text))
