"""The real-word rules that read whole runs of words and numbers (word_runs.py), beside the pair rule of
realword.py: a word never seen beside a number, one edit from a word numbers take ("9 thán" for "9 tháng", "quỳ III"
for "quý III"), and a word both of whose neighbours contradict it while agreeing with a word one edit away
("khoản 5 Đều này" for "khoản 5 Điều này"). `real_word_slips` gives the family's warnings, one a word."""

from __future__ import annotations

from scheduler.proofread.finding import Finding
from scheduler.proofread.realword import (
    BOUND_RARITY,
    MIN_PAIR,
    Table,
    finding,
    is_slip_for,
    name_word,
    real_word_errors,
    table,
)
from scheduler.proofread.syllables import is_syllable, restore_case
from scheduler.proofread.word_runs import NUMBER, Token, word_runs

# A common word (và, là, mà, về) fits so many places that a table of this size has not seen it beside every
# neighbour it takes: neither neighbour having been seen with it is no evidence of a slip.
COMMON = 100
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
            if slip is None and not name_word(text, start, text[start:end]):
                slip = _between(t, left, word, right)
            if slip is not None:
                named.add(start)
                quoted = after if right == NUMBER else before  # the number, when it is the evidence: "quỷ IV"
                found.append(_slip_finding(text, (start, end, word), quoted, slip))
    return sorted(found, key=lambda f: f.start)


def _beside_number(t: Table, left: str, word: str, right: str) -> str | None:
    """The word numbers take that `word` is likely a slip for, when a number stands before or after it, it was
    never seen on that side of a number, and its other neighbour does not claim it ("5 lần | lần lượt")."""
    if left == NUMBER and (NUMBER, word) not in t.pairs and (word, right) not in t.pairs:
        return _number_partner(t, word, seen_first=False)
    if right == NUMBER and (word, NUMBER) not in t.pairs and (left, word) not in t.pairs:
        return _number_partner(t, word, seen_first=True)
    return None


def _number_partner(t: Table, seen: str, seen_first: bool) -> str | None:
    """The commonest word seen beside a number, one edit from `seen` and NUMBER_RARITY times as common. A number
    makes no word with its neighbour, so the pair's bond says nothing: only the rarity of the word written does."""
    best, best_count = None, 0
    for cand in t.before.get(NUMBER, []) if seen_first else t.after.get(NUMBER, []):
        count = t.pairs[(cand, NUMBER) if seen_first else (NUMBER, cand)]
        if (
            count >= MIN_PAIR
            and count > best_count
            and NUMBER_RARITY * t.singles.get(seen, 0) <= t.singles.get(cand, 0)
            and is_slip_for(seen, cand)
        ):
            best, best_count = cand, count
    return best


def _between(t: Table, left: str, word: str, right: str) -> str | None:
    """The word one edit from `word` that both its neighbours were seen with, when neither was seen with `word`
    itself. Two-sided evidence is strong, so the word written need not be rarer, only not far commoner."""
    if not left or not right or t.singles.get(word, 0) >= COMMON or (left, word) in t.pairs or (word, right) in t.pairs:
        return None
    best, best_count = None, 0
    for cand in set(t.after.get(left, [])) & set(t.before.get(right, [])):
        count = t.pairs[left, cand] + t.pairs[cand, right]
        if (
            cand != NUMBER
            and count >= MIN_PAIR
            and count > best_count
            and t.singles.get(word, 0) <= BOUND_RARITY * t.singles.get(cand, 0)
            and is_slip_for(word, cand)
        ):
            best, best_count = cand, count
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
