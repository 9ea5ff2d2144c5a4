"""The real-word rules that read whole runs of words and numbers (word_runs.py), beside the pair rule of
realword.py: a word never seen beside a number, one edit from a word numbers take ("9 thán" for "9 tháng", "quỳ III"
for "quý III"), and a word both of whose neighbours contradict it while agreeing with a word one edit away
("khoản 5 Đều này" for "khoản 5 Điều này"). `real_word_slips` gives the family's warnings, one a word."""

from __future__ import annotations

from scheduler.proofread.finding import Finding
from scheduler.proofread.realword import (
    MIN_PAIR,
    Table,
    capital_inside,
    finding,
    known,
    likeliness,
    real_word_errors,
    seen_pair,
    slip_candidates,
    table,
)
from scheduler.proofread.syllables import is_syllable, restore_case
from scheduler.proofread.word_runs import NUMBER, Token, word_runs

# Seen this many times beside the two neighbours of a word never seen with either, a word one edit away is meant:
# fewer sightings are only the gaps of a table built from legal text ("tạo hình", "vị khách" are right).
BETWEEN_EVIDENCE = 10
# A word seen on one side only is taken for a slip when a word one edit away fits both neighbours this many times
# better: "và cá tổ chức" ("và cá" is seen, in "và cá nhân", never "cá tổ") for "và các tổ chức".
OUTWEIGHED = 1000
# The words a slip beside a number is taken for: time, the parts of a text, administrative units, people.
_NUMBER_WORDS = """
giây phút giờ ngày đêm tuần tháng năm quý tuổi khóa khoá kỳ lần người tỉnh huyện xã phường quận thôn tổ
điều khoản điểm chương mục phần
"""
NUMBER_WORDS = frozenset(_NUMBER_WORDS.split())
NUMBER_RARITY = 5  # numbers take an open class of nouns: only a far rarer word is a slip ("9 thán" for "9 tháng")


def real_word_slips(text: str) -> list[Finding]:
    """Every real-word warning of the text, one a word, in order."""
    found = real_word_errors(text)
    named = {f.start for f in found}
    t = table()
    for run in word_runs(text):
        for before, (start, end, word), after in zip([None, *run[:-1]], run, [*run[1:], None], strict=True):
            if start in named or word == NUMBER or not is_syllable(word):
                continue
            left, right = (before[2] if before else ""), (after[2] if after else "")
            slip = _beside_number(t, left, word, right)
            if slip is None and not capital_inside(text, start, text[start:end]):
                slip = _beside_words(t, left, word, right)
            if slip is not None:
                named.add(start)
                quoted = after if right == NUMBER else before  # the number, when it is the evidence: "quỷ IV"
                found.append(_slip_finding(text, (start, end, word), quoted, slip))
    return sorted(found, key=lambda f: f.start)


def _beside_words(t: Table, left: str, word: str, right: str) -> str | None:
    """The slip its word neighbours tell of. A number says which words may follow it, not which one: only
    _beside_number reads it."""
    left, right = ("" if left == NUMBER else left), ("" if right == NUMBER else right)
    return _between(t, left, word, right) or _outweighed(t, left, word, right) or _unseen(t, left, word, right)


def _beside_number(t: Table, left: str, word: str, right: str) -> str | None:
    """The word numbers take that `word` is likely a slip for, when a number stands before or after it, it was
    never seen on that side of a number, and its other neighbour does not claim it ("5 lần | lần lượt")."""
    if left == NUMBER and not seen_pair(t, NUMBER, word) and (word, right) not in t.pairs:
        return _number_partner(t, word, seen_first=False)
    if right == NUMBER and not seen_pair(t, word, NUMBER) and (left, word) not in t.pairs:
        return _number_partner(t, word, seen_first=True)
    return None


def _number_partner(t: Table, seen: str, seen_first: bool) -> str | None:
    """The commonest word seen beside a number, one edit from `seen` and NUMBER_RARITY times as common. A number
    makes no word with its neighbour, so the pair's bond says nothing: only the rarity of the word written does."""
    best, best_count = None, 0
    for cand in slip_candidates(seen):
        if cand not in NUMBER_WORDS:
            continue  # "50 ca" (cases) is no slip of "50 của": only the words that go with numbers are candidates
        count = t.pairs.get((cand, NUMBER) if seen_first else (NUMBER, cand), 0)
        if (
            count >= MIN_PAIR
            and likeliness(seen, cand, count) > best_count
            and NUMBER_RARITY * t.singles.get(seen, 0) <= t.singles.get(cand, 0)
        ):
            best, best_count = cand, likeliness(seen, cand, count)
    return best


def _between(t: Table, left: str, word: str, right: str) -> str | None:
    """The word one edit from `word` that both its neighbours were seen with, when neither was seen with `word`
    itself, BETWEEN_EVIDENCE times in all beside neighbours that are not free words, and is at least as common as
    `word`. A free word (và, là, của) fits so many places that no table has seen it beside every neighbour it
    takes: as the word written it is skipped, as a neighbour its sightings are no evidence ("của địch")."""
    if not left or not right or word in t.free or (left, word) in t.pairs or (word, right) in t.pairs:
        return None
    best, best_count = None, 0
    for cand in slip_candidates(word):
        with_left, with_right = t.pairs.get((left, cand), 0), t.pairs.get((cand, right), 0)
        telling = with_left * (left not in t.free) + with_right * (right not in t.free)
        if (
            with_left
            and with_right
            and telling >= BETWEEN_EVIDENCE
            and likeliness(word, cand, telling) > best_count
            and t.singles.get(word, 0) <= t.singles.get(cand, 0)
        ):
            best, best_count = cand, likeliness(word, cand, telling)
    return best


def _outweighed(t: Table, left: str, word: str, right: str) -> str | None:
    """The word one edit from `word` that both its neighbours were seen with, MIN_PAIR times or more each, when
    `word` was never seen on one side at least, and the candidate fits the pair of neighbours OUTWEIGHED times
    better than the word written ("và cá tổ chức" for "và các tổ chức": "và cá" is seen, in "và cá nhân", but
    never "cá tổ"). How well a word fits: how often it was seen with each neighbour, for how often it is seen. A free
    word is skipped, as by _between ("khe của", "phở và")."""
    if not left or not right or word in t.free:
        return None
    seen_left, seen_right = t.pairs.get((left, word), 0), t.pairs.get((word, right), 0)
    if seen_left and seen_right:
        return None
    written = _fit(seen_left, seen_right, t.singles.get(word, 0))
    best, best_fit = None, 0.0
    for cand in slip_candidates(word):
        with_left, with_right = t.pairs.get((left, cand), 0), t.pairs.get((cand, right), 0)
        if min(with_left, with_right) < MIN_PAIR:
            continue
        fit = likeliness(word, cand, 1) * _fit(with_left, with_right, t.singles.get(cand, 0))
        if fit >= OUTWEIGHED * written and fit > best_fit:
            best, best_fit = cand, fit
    return best


def _fit(with_left: int, with_right: int, alone: int) -> float:
    return (with_left + 0.5) * (with_right + 0.5) / (alone + 1)


def _unseen(t: Table, left: str, word: str, right: str) -> str | None:
    """The word one edit from a syllable no source has ever shown, that a neighbour was seen with: "nhà nước bẳng"
    for "nhà nước bằng". A real word the sources never show ("khống") is rare; a slip that
    makes one is not. A free word (đến, của, làm) pairs with so much that one sighting beside a neighbour is
    evidence enough ("nghệ nhân dến từ")."""
    if known(t, word):
        return None
    best, best_count = None, 0
    for cand in slip_candidates(word):
        count = max(t.pairs.get((left, cand), 0), t.pairs.get((cand, right), 0))
        if count >= (1 if cand in t.free else MIN_PAIR) and likeliness(word, cand, count) > best_count:
            best, best_count = cand, likeliness(word, cand, count)
    return best


def _slip_finding(text: str, token: Token, neighbour: Token | None, slip: str) -> Finding:
    """The warning, quoting the word and one neighbour as written: "'9 thán' ... '9 tháng'"."""
    start, end, _ = token
    written = text[start:end]
    fixed = restore_case(written, slip)
    if neighbour is None:
        return finding(start, written, "", fixed, "")
    other = text[neighbour[0] : neighbour[1]]
    if neighbour[0] < start:
        return finding(start, other, written, other, fixed)
    return finding(start, written, other, fixed, other)
