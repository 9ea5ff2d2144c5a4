"""What a word that is not a Vietnamese syllable looks like: Latin letters only or Vietnamese marks, shaped like a
Vietnamese syllable typed wrong or like a word of another language, part of a name (a run of capitalised words)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from scheduler.proofread.syllables import ONSETS, QU_RHYMES, RHYMES

_PLAIN = str.maketrans("ăâêôơưđ", "aaeooud")
_PLAIN_RHYMES = frozenset(r.translate(_PLAIN) for r in RHYMES | {"u" + r for r in QU_RHYMES})
_PLAIN_ONSETS = tuple(sorted({o.translate(_PLAIN) for o in ONSETS}, key=len, reverse=True))
_ASCII_WORD = re.compile(r"[A-Za-z]+")
_NEXT_WORD = re.compile(r"[\s\-'’]{1,3}([^\W\d_])")
_PREV_WORD = re.compile(r"((?:[^\W\d_]|[\u0300-\u036f])+)[\s\-'’]{1,3}$")  # the whole word before
_SENTENCE_END = re.compile(r"(?:^|[.!?:;…\n]|[.!?:]\s*[\"“'‘«(])[\s\"“'‘«(]*$")


def latin_only(token: str) -> bool:
    """Plain ASCII letters: no Vietnamese letter (đ ă â ê ô ơ ư) and no tone mark."""
    return bool(_ASCII_WORD.fullmatch(token))


@lru_cache(maxsize=4096)
def vietnamese_shaped(token: str) -> bool:
    """Whether a Latin-only token splits into a Vietnamese onset and a rhyme with its marks taken off ("nguoi",
    "cem", "Vietj" no): such a word is a Vietnamese word typed wrong or without its marks, not a foreign one."""
    word = token.lower()
    return any(word.startswith(onset) and word[len(onset) :] in _PLAIN_RHYMES for onset in (*_PLAIN_ONSETS, ""))


# Words of the highland languages (Ê Đê, Ba Na, Gia Rai, M'nông, Xơ Đăng...) in names of people and places are
# written in Vietnamese letters with onsets and finals Vietnamese never has: "k" before a/o/u ("Kông Chro"), onset
# clusters ("Krông", "Kđăm", "Stơr", "Hlang"), a final k, h, r, l or s ("Đắk Lắk", "Chư Păh", "Pơl").
_HIGHLAND_ONSET = re.compile(r"k[aou]|[bdgkp][rl]|kd|k[nm]|h[lmnrdbwj]|s[rt]|tl|ml|mn|dl|dr")
_HIGHLAND_FINAL = re.compile(r".*[aeiouy][khrls]")
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def highland_shaped(token: str) -> bool:
    """Whether a marked word that is no Vietnamese syllable has a highland-language onset or final; inside a name
    it is a name of Tây Nguyên or the northern mountains ("Kông Chro", "Chư Păh"), not a slip."""
    marked = unicodedata.normalize("NFD", token.lower().replace("đ", "d"))
    plain = "".join(c for c in marked if not unicodedata.combining(c))
    if _HIGHLAND_ONSET.match(plain):
        return True
    final = _HIGHLAND_FINAL.fullmatch(plain)
    # a final h after a tone mark is a Vietnamese word that lost a letter ("Chíh" for "Chính"), not "Păh"
    return final is not None and not (plain.endswith("h") and any(c in _TONE_MARKS for c in marked))


def in_capitalised_run(text: str, start: int, length: int) -> bool:
    """Whether the word at text[start:start+length] has a capitalised word right before or after it (Shinzo Abe,
    Ksor Phước): then it is part of a name."""
    after = _NEXT_WORD.match(text, start + length)
    if after is not None and after.group(1).isupper():
        return True
    before = _PREV_WORD.search(text, 0, start)
    return before is not None and before.group(1)[:1].isupper() and not sentence_start(text, before.start())


def sentence_start(text: str, start: int) -> bool:
    """Whether the word at `start` begins the text or a sentence (after . ! ? : ; or a line break, quotes)."""
    return bool(_SENTENCE_END.search(text[max(0, start - 6) : start] if start > 6 else text[:start]))
