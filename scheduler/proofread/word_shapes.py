"""What a word that is not a Vietnamese syllable looks like: Latin letters only or Vietnamese marks, shaped like a
Vietnamese syllable typed wrong or like a word of another language, part of a name (a run of capitalised words)."""

from __future__ import annotations

import re
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
