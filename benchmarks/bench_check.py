"""Proofreading on real text: false alarms of `danvan check` on correct Vietnamese sentences nobody on the project
wrote, the share of defective variants of them it catches, and its time on a 300-slogan file.

The clean corpus is benchmarks/data/clean-sentences.txt (laws, Party and government texts, press, encyclopaedia-like
pages; provenance in the file) plus the held-out lines of benchmarks/data/hien-phap-2013.txt; none of it builds the
bigram table of the real-word rule. Every sentence becomes one slogan of a slogans.yaml, which goes through
`lint_slogan_file`, the code `danvan check` runs on the slogan file. Defective variants are generated from the same
sentences (seeded, one defect each, of every kind issue 14 names); a variant is caught when it has a problem the
clean sentence does not have. The time is the whole `danvan check` (config, slogans, proofreading, card fit) on a
project of 300 of these sentences, in-process, median of 5 after one warm-up run.

    .venv/bin/python -m benchmarks.bench_check [--per-kind 24] [--seed 14] [--held-out | --corpus FILE] [--show] [--json out.json]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from benchmarks.build_bigrams import constitution_lines
from benchmarks.common import Result, machine
from scheduler.check import check_project
from scheduler.project.models import LintPolicy
from scheduler.proofread import lint_slogan_file
from scheduler.proofread.legacy_encodings import TCVN3, VNI_PAIRS, VNI_SINGLE
from scheduler.proofread.lookalikes import LOOKALIKES
from scheduler.proofread.repetition import INTENDED_REPETITIONS
from scheduler.proofread.syllables import TONE_MARKS, is_syllable, parse

DATA = Path(__file__).resolve().parent / "data"
TARGET_PER_1000 = 1.0
TARGET_SENTENCES_WITH_ERROR = 0.01
TARGET_CAUGHT = 0.95
TARGET_SECONDS = 1.0
_WORD = re.compile(r"(?<![\w\u0300-\u036f])[^\W\d_]+(?![\w\u0300-\u036f])")
_ANNIVERSARY = re.compile(r"(\d+) năm (.{0,120}?)\((\d{1,2})/(\d{1,2})/(\d{4}) *[-–] *(\d{1,2})/(\d{1,2})/(\d{4})\)")
_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")


def clean_corpus() -> list[tuple[str, str]]:
    """(kind, sentence) for every clean sentence: the gathered file, then the Constitution's held-out lines."""
    return sentences_file(DATA / "clean-sentences.txt") + [("law", s) for s in constitution_lines(held_out=True)]


def sentences_file(path: Path) -> list[tuple[str, str]]:
    """(kind, sentence) of a file in the clean corpus's format: "## kind | source" lines, one sentence a line."""
    out: list[tuple[str, str]] = []
    kind = "?"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            kind = line[3:].split("|")[0].strip()
        elif line and not line.startswith("#"):
            out.append((kind, line))
    return out


def held_out_legal(paths: list[Path]) -> list[tuple[str, str]]:
    """("held-out", sentence) for the sentences of legal files kept out of the table (benchmarks/data/held-out/):
    each line cut at sentence ends, list items and headings under 40 characters left out, and none over 600."""
    out = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line[:1] == "#":
                continue
            out += [("held-out", s) for s in _sentences(line.strip()) if 40 <= len(s) <= 600]
    return out


def _sentences(line: str) -> list[str]:
    """A paragraph cut after . ; : ! ? outside brackets and quotes, so no piece has half a pair of brackets."""
    pieces, start, depth = [], 0, 0
    for m in re.finditer(r"[(“]|[)”]|(?<=[.;:!?])\s+", line):
        if m.group() in "(“":
            depth += 1
        elif m.group() in ")”":
            depth = max(0, depth - 1)
        elif depth == 0:
            pieces.append(line[start : m.start()])
            start = m.end()
    return [*pieces, line[start:]]


def slogans_yaml(texts: list[str]) -> str:
    """A slogans.yaml whose n-th text is on line 3 + 2n, double-quoted (escapes for quotes and backslashes)."""
    lines = ["slogans:"]
    for n, text in enumerate(texts):
        quoted = text.replace("\\", "\\\\").replace('"', '\\"')
        lines += [f"  - id: s{n}", f'    text: "{quoted}"']
    return "\n".join(lines) + "\n"


def problems_by_slogan(texts: list[str]) -> list[list[tuple[str, str, str]]]:
    """(severity, rule, message) of each text's problems, from one run of the slogan-file check."""
    found: list[list[tuple[str, str, str]]] = [[] for _ in texts]
    for p in lint_slogan_file(slogans_yaml(texts), "slogans.yaml", LintPolicy()):
        found[(p.line - 3) // 2].append((p.severity, p.rule, p.message))
    return found


# --- defect generators: each returns the damaged sentence, or None when the sentence offers no place for it ----
Generator = Callable[[str, random.Random], str | None]


def _legacy(text: str, table: dict[str, bytes]) -> str:
    out = bytearray()
    for ch in text:
        out += table.get(ch) or table.get(ch.lower()) or ch.encode("cp1252", errors="replace")
    return "".join(bytes((b,)).decode("cp1252", errors="ignore") or chr(b) for b in out)


_TCVN3 = {v: bytes((k,)) for k, v in TCVN3.items()}
_VNI = {v: bytes(k) for k, v in VNI_PAIRS.items()} | {v: bytes((k,)) for k, v in VNI_SINGLE.items()}


def _marked_positions(text: str) -> list[int]:
    return [i for i, ch in enumerate(text) if ch.isalpha() and not ch.isascii()]


def replacement_char(text: str, rng: random.Random) -> str | None:
    spots = _marked_positions(text)
    if not spots:
        return None
    i = rng.choice(spots)
    return text[:i] + "\ufffd" + text[i + 1 :]


def anniversary(text: str, rng: random.Random) -> str | None:
    m = _ANNIVERSARY.search(text)
    if m is None:
        return None
    years = int(m.group(1)) + rng.choice((-1, 1))
    return text[: m.start(1)] + str(years) + text[m.end(1) :]


def impossible_date(text: str, rng: random.Random) -> str | None:
    dates = list(_DATE.finditer(text))
    if not dates:
        return None
    m = rng.choice(dates)
    day, month = rng.choice((("31", "02"), ("30", "2"), ("32", "10"), ("31", "4"), ("15", "13"), ("31", "06")))
    return text[: m.start()] + f"{day}/{month}/{m.group(3)}" + text[m.end() :]


def unbalanced(text: str, rng: random.Random) -> str | None:
    closers = [i for i, ch in enumerate(text) if ch in ")”"]
    if closers and rng.random() < 0.5:
        i = rng.choice(closers)
        return text[:i] + text[i + 1 :]
    words = list(_WORD.finditer(text))
    if len(words) < 4:
        return None
    m = rng.choice(words[1:-1])
    return text[: m.start()] + rng.choice("(“") + text[m.start() :]


def _words(text: str) -> list[re.Match[str]]:
    return list(_WORD.finditer(text))


def _replace_word(text: str, rng: random.Random, variants: Callable[[str], list[str]]) -> str | None:
    options = [(m, v) for m in _words(text) for v in variants(m.group())]
    if not options:
        return None
    m, v = rng.choice(options)
    return text[: m.start()] + v + text[m.end() :]


def _tone_moves(word: str) -> list[str]:
    """The word with its tone mark moved to another vowel, when that is wrong in both placement styles."""
    nfd = unicodedata.normalize("NFD", word)
    tones = [i for i, ch in enumerate(nfd) if ch in TONE_MARKS]
    if len(tones) != 1 or not is_syllable(word.lower()):
        return []
    bare = nfd[: tones[0]] + nfd[tones[0] + 1 :]
    out = []
    for k, ch in enumerate(bare):
        if ch.lower() in "aeiouy" and k + 1 != tones[0]:
            moved = unicodedata.normalize("NFC", bare[: k + 1] + nfd[tones[0]] + bare[k + 1 :])
            syl = parse(moved.lower())
            if moved != word and (not syl.valid or syl.misplaced):
                out.append(moved)
    return out


def tone_placement(text: str, rng: random.Random) -> str | None:
    return _replace_word(text, rng, _tone_moves)


def lookalike(text: str, rng: random.Random) -> str | None:
    """One Latin letter of a Vietnamese word swapped for its Cyrillic or Greek twin (an accented one decomposed)."""
    twins: dict[str, list[str]] = {}
    for fake, (latin, _) in LOOKALIKES.items():
        if fake not in "Ðð":
            twins.setdefault(latin, []).append(fake)

    def swaps(word: str) -> list[str]:
        nfd = unicodedata.normalize("NFD", word)
        return [
            unicodedata.normalize("NFC", nfd[:i] + fake + nfd[i + 1 :])
            for i, ch in enumerate(nfd)
            for fake in twins.get(ch, [])
        ]

    return _replace_word(text, rng, swaps)


def doubled_word(text: str, rng: random.Random) -> str | None:
    words = [m for m in _words(text) if m.group().lower() not in INTENDED_REPETITIONS]
    if not words:
        return None
    m = rng.choice(words)
    return text[: m.end()] + " " + m.group() + text[m.end() :]


def _dropped(word: str) -> list[str]:
    low = word.lower()
    if not is_syllable(low) or len(low) < 3:
        return []
    cut = {word[:i] + word[i + 1 :] for i in range(1, len(word))}
    return sorted(w for w in cut if w.lower() != low and is_syllable(w.lower()))


def dropped_letter(text: str, rng: random.Random) -> str | None:
    return _replace_word(text, rng, _dropped)


_SWAPS = (("đ", "d"), ("d", "đ"), ("tr", "ch"), ("ch", "tr"), ("s", "x"), ("x", "s"), ("ng", "n"), ("n", "ng"))
_TONES = tuple(TONE_MARKS)


def _real_words(word: str) -> list[str]:
    """Other valid syllables one typing slip away: a confusable onset or final, or another tone."""
    low = word.lower()
    if not is_syllable(low):
        return []
    out = set()
    for a, b in _SWAPS:
        if low.startswith(a):
            out.add(b + low[len(a) :])
        if low.endswith(a) and len(low) > len(a):
            out.add(low[: -len(a)] + b)
    nfd = unicodedata.normalize("NFD", low)
    for tone in _TONES:
        if tone in nfd:
            # take the old mark off, then put the new one after the vowel's own marks (breve, circumflex, horn):
            # a plain swap leaves them out of canonical order and makes strings no keyboard types ("hoá̆c")
            at = nfd.index(tone)
            bare = nfd[:at] + nfd[at + 1 :]
            while at < len(bare) and unicodedata.combining(bare[at]):
                at += 1
            out |= {unicodedata.normalize("NFC", bare[:at] + other + bare[at:]) for other in _TONES if other != tone}
    keep = [w for w in out if w != low and is_syllable(w)]
    return sorted(word[0] + w[1:] if word[0].isupper() and w[:1] == low[:1] else w for w in keep)


def real_word(text: str, rng: random.Random) -> str | None:
    return _replace_word(text, rng, _real_words)


DEFECTS: dict[str, Generator] = {
    "tcvn3": lambda t, _: _legacy(t, _TCVN3),
    "vni": lambda t, _: _legacy(t, _VNI),
    "replacement-char": replacement_char,
    "anniversary": anniversary,
    "impossible-date": impossible_date,
    "unbalanced": unbalanced,
    "tone-placement": tone_placement,
    "lookalike": lookalike,
    "doubled-word": doubled_word,
    "dropped-letter": dropped_letter,
    "real-word": real_word,
}


def variants(corpus: list[str], per_kind: int, seed: int = 14) -> list[tuple[str, int, str]]:
    """(defect kind, index of the clean sentence, damaged text), up to `per_kind` of each kind."""
    rng = random.Random(seed)
    out = []
    for kind, generate in DEFECTS.items():
        order = list(range(len(corpus)))
        rng.shuffle(order)
        made = 0
        for index in order:
            damaged = generate(corpus[index], rng)
            if damaged is not None and damaged != corpus[index]:
                out.append((kind, index, damaged))
                made += 1
                if made == per_kind:
                    break
    return out


def caught(clean: list[tuple[str, str, str]], damaged: list[tuple[str, str, str]]) -> bool:
    return bool(Counter(r for _, r, _ in damaged) - Counter(r for _, r, _ in clean)) or len(damaged) > len(clean)


def check_seconds(texts: list[str], runs: int = 5) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "slogans.yaml").write_text(slogans_yaml(texts), encoding="utf-8")
        config = root / "config.yaml"
        config.write_text("timezone: Asia/Ho_Chi_Minh\nslogans: slogans.yaml\ndatabase: danvan.db\nchannels: []\n")
        config.chmod(0o600)
        check_project(config)  # warm-up: imports, fonts, the bigram table
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            check_project(config)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> Result:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=24)
    parser.add_argument("--show", action="store_true", help="print every false alarm and every miss")
    parser.add_argument("--json")
    parser.add_argument("--seed", type=int, default=14, help="seed of the defective variants")
    parser.add_argument(
        "--held-out",
        action="store_true",
        help="measure on the held-out legal files of benchmarks/data/held-out/ instead of the clean corpus",
    )
    parser.add_argument(
        "--corpus", type=Path, help="measure on this file of clean sentences (the clean corpus's format)"
    )
    args = parser.parse_args(argv)
    result = Result("check")
    if args.corpus:
        corpus = sentences_file(args.corpus)
    else:
        corpus = held_out_legal(sorted((DATA / "held-out").glob("*.txt"))) if args.held_out else clean_corpus()
    texts = [t for _, t in corpus]
    syllables = sum(len(_words(t)) for t in texts)
    kinds = Counter(k for k, _ in corpus)
    result.metric("clean sentences", f"{len(texts)} ({', '.join(f'{k} {n}' for k, n in kinds.items())})")
    result.metric("clean syllables", syllables)
    clean = problems_by_slogan(texts)
    alarms = sum(len(found) for found in clean)
    with_error = sum(any(s == "error" for s, _, _ in found) for found in clean)
    per_1000 = alarms * 1000 / syllables
    result.metric("diagnostics per 1,000 syllables", f"{per_1000:.2f} ({alarms} in all)")
    result.metric("by rule", dict(Counter(r for found in clean for _, r, _ in found)))
    result.metric("sentences with an error", f"{with_error / len(texts):.1%} ({with_error})")
    result.check(f"at most {TARGET_PER_1000:g} diagnostic per 1,000 syllables", per_1000 <= TARGET_PER_1000)
    result.check(
        "at most 1 % of correct sentences with an error", with_error / len(texts) <= TARGET_SENTENCES_WITH_ERROR
    )
    damaged = variants(texts, args.per_kind, args.seed)
    found = problems_by_slogan([d for _, _, d in damaged])
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    misses = []
    for (kind, index, text), problems in zip(damaged, found, strict=True):
        totals[kind] += 1
        if caught(clean[index], problems):
            hits[kind] += 1
        else:
            misses.append((kind, texts[index], text))
    for kind in DEFECTS:
        result.metric(f"caught: {kind}", f"{hits[kind]}/{totals[kind]}")
    share = sum(hits.values()) / max(1, sum(totals.values()))
    result.metric("caught overall", f"{share:.1%} ({sum(hits.values())}/{sum(totals.values())})")
    result.check(f"at least {TARGET_CAUGHT:.0%} of defective variants caught", share >= TARGET_CAUGHT)
    seconds = check_seconds([texts[i % len(texts)] for i in range(300)])
    result.metric("danvan check, 300 slogans (median of 5)", f"{seconds:.3f} s")
    result.check("check on 300 slogans under 1 s", seconds < TARGET_SECONDS)
    result.metric("machine", f"{machine()['nproc']} x {machine()['cpu']}")
    if args.show:
        for text, problems in zip(texts, clean, strict=True):
            for severity, rule, message in problems:
                print(f"FALSE ALARM {severity} {rule}: {message}\n    in: {text}")
        for kind, original, text in misses:
            print(f"MISSED {kind}: {text}\n    clean: {original}")
    result.save(args.json)
    return result


if __name__ == "__main__":
    outcome = main(sys.argv[1:])
    sys.exit(0 if all(outcome.checks.values()) else 1)
