"""Build scheduler/proofread/data/bigrams.tsv.gz, the syllable-pair table of the real-word rule.

Sources (provenance and licences: scheduler/proofread/data/README.md): the seed plan of the project, the official
slogan lists in shared/research/slogans-draft.yaml, the training part of benchmarks/data/hien-phap-2013.txt (every
line whose number is not a multiple of 3: the others are held out to measure false alarms), and the compound list
benchmarks/data/compounds.txt, the general word list benchmarks/data/compounds-general.txt (one word a line, each
also counted in the other tone style: hòa/hoà), the frequent free words of benchmarks/data/free-words.txt (syllables
only: a word list has no frequencies, these stand for the commonest words of running text), and the legal documents of benchmarks/data/legal/ (one file each, a "#" header naming
the document and where it came from). Sentences of the legal files that are also in the clean corpus of
benchmarks/bench_check.py or in the held-out Constitution lines are dropped, so the held-out text stays unseen.
Run from the repository root:
python -m benchmarks.build_bigrams [SHARED_DIR]
"""

from __future__ import annotations

import gzip
import itertools
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

from scheduler.proofread.realword import bound_syllables
from scheduler.proofread.syllables import in_style
from scheduler.proofread.word_runs import NUMBER, number_pairs

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
OUT = ROOT / "scheduler" / "proofread" / "data" / "bigrams.tsv.gz"
NAMES = ROOT / "scheduler" / "proofread" / "data" / "names.txt"  # also read by names.py: a slip in a known name
_RUN = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+(?: (?:[^\W\d_]|[\u0300-\u036f])+)*")
LIST_WEIGHT = 10  # a listed word counts as if seen this many times (both lists: a word is a word)
FREE_WORD_WEIGHT = 100  # a listed free word counts as this frequent: well above any syllable known from a compound
COMMON_TIERS = 2  # of common-syllables.txt's three: the third made no difference to false alarms, only to catches
PHRASE_WEIGHT = 1  # a pair inside a longer entry: seen, but below the real-word rule's MIN_PAIR, so never a word
_SENTENCE_END = re.compile(r"(?<=[.;:!?])\s+")


def constitution_lines(held_out: bool) -> list[str]:
    lines = [ln for ln in (DATA / "hien-phap-2013.txt").read_text(encoding="utf-8").splitlines() if ln[:1] != "#"]
    return [ln for k, ln in enumerate(lines) if (k % 3 == 0) == held_out]


def _key(sentence: str) -> str:
    """A sentence reduced to its lower-cased words, to recognise it whatever its punctuation and spacing."""
    return " ".join(_RUN.findall(unicodedata.normalize("NFC", sentence).lower()))


def held_out_keys() -> set[str]:
    """The sentences that must never reach the table: the benchmark's clean corpus and the held-out Constitution."""
    lines = [ln for ln in (DATA / "clean-sentences.txt").read_text(encoding="utf-8").splitlines() if ln[:1] != "#"]
    lines += constitution_lines(held_out=True)
    return {_key(part) for line in lines for part in _SENTENCE_END.split(line) if _key(part)}


def legal_text(held: set[str]) -> str:
    """The sentences of every file in benchmarks/data/legal/, less any that is (or holds) a held-out sentence."""
    kept = []
    for path in sorted((DATA / "legal").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line[:1] == "#":
                continue
            for part in _SENTENCE_END.split(line):
                key = _key(part)
                if key and key not in held and not any(h in key for h in held if len(h) > 40):
                    kept.append(part)
    return "\n".join(kept)


def listed_words() -> list[str]:
    """The words of compounds.txt and the compounds-*.txt lists, each in both tone styles (a new-style hoà is as right as
    an old-style hòa), each once."""
    words = []
    for line in (DATA / "compounds.txt").read_text(encoding="utf-8").splitlines():
        if line and line[0] != "#":
            words += [w.strip() for w in line.split(",") if w.strip()]
    for path in [*sorted(DATA.glob("compounds-*.txt")), NAMES]:  # one word a line
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and line[0] != "#":
                words.append(line.strip())
    styled = []
    for word in words:
        lower = unicodedata.normalize("NFC", word).lower()
        styled += sorted({" ".join(in_style(s, style) for s in lower.split()) for style in ("old", "new")})
    return list(dict.fromkeys(styled))


def common_syllables(tiers: int) -> set[str]:
    """The syllables of the first `tiers` tiers of common-syllables.txt: common in general text, whatever the legal
    sources say."""
    found: set[str] = set()
    tier = 0
    for line in (DATA / "common-syllables.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("# --- tier"):
            tier += 1
        elif line[:1] != "#" and tier <= tiers:
            found |= set(unicodedata.normalize("NFC", line).lower().split())
    return found


def free_words() -> list[str]:
    """The frequent one-syllable words of free-words.txt, each once."""
    text = (DATA / "free-words.txt").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line[:1] != "#"]
    return list(dict.fromkeys(unicodedata.normalize("NFC", " ".join(lines)).lower().split()))


def _count_list(words: list[str], pairs: Counter[tuple[str, str]], singles: Counter[str]) -> None:
    """A word list says which pairs are words, not how often a syllable is used: each two-syllable word counts
    LIST_WEIGHT times, each listed syllable LIST_WEIGHT times once, however many words it is part of. Counting it
    once per word would make a syllable of many words (công, hợp, thể) look so frequent that its own listed words
    (công tác, hợp pháp, có thể) would read as loose phrases to the rule's bond test."""
    for syllable in dict.fromkeys(s for word in words for s in word.split()):
        singles[syllable] += LIST_WEIGHT
    for word in words:
        syllables = word.split()
        # a longer entry is a phrase of words ("ban đối ngoại", "thông tin và truyền thông"): its pairs are seen,
        # but one may be a word boundary ("ban đối", "tin và"), so none of them counts as a word
        weight = LIST_WEIGHT if len(syllables) == 2 else PHRASE_WEIGHT
        for a, b in itertools.pairwise(syllables):
            pairs[a, b] += weight


def _count(text: str, pairs: Counter[tuple[str, str]], singles: Counter[str], weight: int = 1) -> None:
    """Every word and every pair of neighbouring words; a number counts as the one syllable NUMBER, so the words
    numbers take are known ("9 tháng", "quý III")."""
    text = unicodedata.normalize("NFC", text)
    for run in _RUN.findall(text):
        words = run.lower().split()
        for w in words:
            singles[w] += weight
        for a, b in itertools.pairwise(words):
            pairs[a, b] += weight
    for line in text.splitlines():
        for pair in number_pairs(line):
            pairs[pair] += weight
        singles[NUMBER] += weight * len(re.findall(r"\d+", line))


def number_words() -> list[tuple[str, str]]:
    """The pairs of number-words.txt: each listed phrase's word next to N, with N as the table's number syllable."""
    found = []
    for line in (DATA / "number-words.txt").read_text(encoding="utf-8").splitlines():
        if line[:1] == "#":
            continue
        for phrase in line.split(","):
            words = unicodedata.normalize("NFC", phrase).split()
            if "N" not in words:
                continue
            at = words.index("N")
            if at > 0:
                found.append((words[at - 1].lower(), NUMBER))
            if at + 1 < len(words):
                found.append((NUMBER, words[at + 1].lower()))
    return list(dict.fromkeys(found))


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared")
    pairs: Counter[tuple[str, str]] = Counter()
    singles: Counter[str] = Counter()
    _count((shared / "seed" / "ke-hoach-thang-dan-van-2021.txt").read_text(encoding="utf-8"), pairs, singles)
    slogans = (shared / "research" / "slogans-draft.yaml").read_text(encoding="utf-8")
    _count("\n".join(re.findall(r"text:\s*(.+)", slogans)), pairs, singles)
    _count("\n".join(constitution_lines(held_out=False)), pairs, singles)
    _count(legal_text(held_out_keys()), pairs, singles)
    _count_list(listed_words(), pairs, singles)
    for pair in number_words():
        pairs[pair] += LIST_WEIGHT
    for syllable in {s for pair in number_words() for s in pair} - {NUMBER} - singles.keys():
        singles[syllable] += LIST_WEIGHT  # "mùng N": a listed syllable, known like any other
    for word in free_words():
        singles[word] += FREE_WORD_WEIGHT
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # a pair that is a listed two-syllable word is marked: the doubled-word rule asks whether "vi phạm" is a word,
    # not only whether it is frequent ("diện theo" is frequent, inside "đại diện theo", and no word)
    words = {(w.split()[0], w.split()[1]) for w in listed_words() if len(w.split()) == 2}
    free = set(free_words())
    right = bound_syllables(pairs, words, free)
    left = bound_syllables({(b, a): n for (a, b), n in pairs.items()}, {(b, a) for a, b in words}, free)
    common = common_syllables(COMMON_TIERS)
    flags = {w: "f" * (w in free) + "l" * (w in left) + "r" * (w in right) + "c" * (w in common) for w in singles}
    rows = [f"{w}\t{n}" + (f"\t{flags[w]}" if flags[w] else "") for w, n in sorted(singles.items())]
    rows += [f"{a} {b}\t{n}" + ("\tw" if (a, b) in words else "") for (a, b), n in sorted(pairs.items())]
    # mtime=0: the same sources give the same bytes, so the table's sha256 (part of a card's identity) is stable
    OUT.write_bytes(gzip.compress(("\n".join(rows) + "\n").encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{len(singles)} syllables, {len(pairs)} pairs -> {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
