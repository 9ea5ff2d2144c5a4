"""Runs of words and numbers, the units the syllable-pair table counts and the real-word rules read: "quý III tăng
2,62%" is one run of four, with each number standing as the one syllable NUMBER, so that the words numbers take
("9 tháng", "4 tỉnh", "quý III", "Điều 5") are known and a slip beside one is seen ("9 thán", "quỳ III")."""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

NUMBER = "0"
Token = tuple[int, int, str]  # start, end, lower-cased word or NUMBER
_TOKEN = re.compile(r"\S+")
_WORD = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")
# digits with their separators (a date, a decimal, a percentage, a range), or an upper-case Roman numeral
_NUMERAL = re.compile(r"(?:\d+|(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3}))(?:[.,/–-]\d+)*%?")
_OPENING = "([\"“‘'"
_CLOSING = ")]\"”’',.;:!?…"


@lru_cache(maxsize=64)
def word_runs(text: str) -> tuple[tuple[Token, ...], ...]:
    """The runs of two or more words and numbers one space apart. Punctuation and other spacing end a run; opening
    and closing marks at a run's ends are left out ("(quý III)", "4 tỉnh:"). Cached: the real-word rules and the
    known-name check read the same text's runs."""
    runs: list[list[Token]] = []
    run: list[Token] = []
    last_end = None
    for m in _TOKEN.finditer(text):
        core = m.group().lstrip(_OPENING)
        word = core.rstrip(_CLOSING)
        part = _part(word)
        if part is None or core != m.group() or last_end is None or m.start() != last_end + 1:
            runs.append(run)
            run = []
        if part is None:
            last_end = None
            continue
        start = m.end() - len(core)
        run.append((start, start + len(word), part))
        last_end = m.end() if word == core else None
    runs.append(run)
    return tuple(tuple(r) for r in runs if len(r) > 1)


def number_pairs(text: str) -> list[tuple[str, str]]:
    """Each word written just before or after a number, lower-cased, the number as NUMBER: ("0", "tháng")."""
    return [
        (a, b)
        for run in word_runs(text)
        for (_, _, a), (_, _, b) in itertools.pairwise(run)
        if (a == NUMBER) != (b == NUMBER)
    ]


def is_numeral(word: str) -> bool:
    """Whether a word is written as a number; "III" in "quý III" is a number, not a syllable."""
    return _NUMERAL.fullmatch(word) is not None


def _part(word: str) -> str | None:
    if is_numeral(word):
        return NUMBER
    return word.lower() if _WORD.fullmatch(word) else None
