"""A known name one letter off: "tỉnh Bắc Gian" for "Bắc Giang", "Mặt trận Tổ quấc" for "Mặt trận Tổ quốc". The
names are the fixed names of names.py, the agency's own (lint.names) and the provinces, regions, places and leaders
of data/names.txt. A tone slip counts only when the syllable written is in no listed name: "xã Thanh Hòa" may be
another real name, "Hái Phòng" is not."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from scheduler.proofread.finding import Finding
from scheduler.proofread.known_words import listed_names, name_syllables
from scheduler.proofread.realword import is_slip_for, tone_only
from scheduler.proofread.syllables import restore_case
from scheduler.proofread.word_runs import NUMBER, Token, word_runs

Key = tuple[int, tuple[str, ...]]  # the position left out, the other words of the name


@dataclass(frozen=True)
class _Names:
    index: dict[Key, list[tuple[str, ...]]]  # each name under every way of leaving one of its words out
    vocabulary: frozenset[str]  # every word of every name, lower-cased
    longest: int  # words in the longest name


@cache
def _names(own: tuple[str, ...]) -> _Names:
    index: dict[Key, list[tuple[str, ...]]] = {}
    for name in dict.fromkeys([*listed_names(), *own]):
        words = tuple(w for w in name.split() if w not in ("-", "–", "—"))
        if len(words) < 2:
            continue
        lower = tuple(w.lower() for w in words)
        for p in range(len(words)):
            index.setdefault((p, lower[:p] + lower[p + 1 :]), []).append(words)
    vocabulary = frozenset(w for _, rest in index for w in rest)
    return _Names(index, vocabulary, max((len(k[1]) + 1 for k in index), default=0))


def name_slips(text: str, names: tuple[str, ...] = ()) -> list[Finding]:
    """A warning at a word that makes a run of the text one letter away from a known name (the listed ones and
    `names`)."""
    known = _names(names)
    found: list[Finding] = []
    for run in word_runs(text):
        start = 0
        while start < len(run):
            if not {w for _, _, w in run[start : start + 2]} & known.vocabulary:
                start += 1  # one of a name's first two words is right, so it is a word of some name
                continue
            hits = (
                _near(text, run[start : start + n], known.index)
                for n in range(min(known.longest, len(run) - start), 1, -1)
            )
            hit = next((h for h in hits if h is not None), None)
            if hit is not None:
                found.append(hit)
            start += 1 if hit is None else 2
    return found


def _near(text: str, window: tuple[Token, ...], index: dict[Key, list[tuple[str, ...]]]) -> Finding | None:
    words = tuple(w for _, _, w in window)
    if NUMBER in words:
        return None
    for p, (s, e, written) in enumerate(window):
        for name in index.get((p, words[:p] + words[p + 1 :]), []):
            meant = name[p]
            typed = text[s:e]
            if typed[:1].isupper() == meant[:1].isupper() and _syllable_slip(written, meant.lower()):
                shown = text[window[0][0] : window[-1][1]]
                fixed = shown[: s - window[0][0]] + restore_case(typed, meant.lower()) + shown[e - window[0][0] :]
                message = (
                    f"'{shown}' có thể là lỗi chính tả của tên '{fixed}'; hãy kiểm tra lại "
                    "(nếu đúng thì bỏ qua cảnh báo này)"
                )
                return Finding(s, "warning", "real-word", message)
    return None


def _syllable_slip(written: str, meant: str) -> bool:
    """A slip of a name's syllable: a letter, or a tone that makes no syllable of another listed name ("Hái Phòng"
    for "Hải Phòng"; but "Thanh Hòa" may be a commune, "hòa" being in Hòa Bình, Khánh Hòa)."""
    return is_slip_for(written, meant) and (not tone_only(written, meant) or written not in name_syllables())
