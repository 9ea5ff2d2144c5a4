"""Running every proofreading rule over one slogan text, or over every slogan text of a slogans.yaml."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from scheduler.errors import Problem
from scheduler.project.models import LintPolicy
from scheduler.proofread.dates import anniversaries, dates
from scheduler.proofread.encoding import encoding, without_homoglyphs
from scheduler.proofread.finding import Finding
from scheduler.proofread.name_slips import name_slips
from scheduler.proofread.names import Name, capitalisation, names
from scheduler.proofread.punctuation import punctuation
from scheduler.proofread.realword_runs import real_word_slips
from scheduler.proofread.repetition import doubled_words
from scheduler.proofread.slogan_texts import SloganText, slogan_texts
from scheduler.proofread.spelling import StyledWord, mixed_tone_styles, spelling
from scheduler.proofread.tokens import Allow


@dataclass(frozen=True)
class _Context:
    allow: Allow
    names: tuple[Name, ...]
    name_forms: tuple[str, ...]  # every accepted form of those names, for name_slips

    @classmethod
    def of(cls, policy: LintPolicy) -> _Context:
        known = names(policy.names)
        return cls(Allow(policy.allow), known, tuple(form for name in known for form in name.forms))


def _check(raw: str, nfc: str, ctx: _Context) -> tuple[list[Finding], list[StyledWord]]:
    """All findings for one text, plus its oa/oe/uy words for the file-wide tone-style check."""
    enc = encoding(raw, nfc, ctx.allow)
    if enc.blocking:
        return enc.findings, []
    text = without_homoglyphs(nfc)  # same length: offsets stay valid
    styles: list[StyledWord] = []
    found = list(enc.findings)
    found += spelling(text, ctx.allow, styles)
    found += punctuation(text)
    found += anniversaries(text)
    found += dates(text)
    found += capitalisation(text, ctx.names)
    found += doubled_words(text, ctx.allow.phrases)
    if not any(f.rule == "spelling-no-diacritics" for f in found):  # a text without marks has no words to compare
        slips = real_word_slips(text)
        named = {f.start for f in slips}
        found += slips + [f for f in name_slips(text, ctx.name_forms) if f.start not in named]
    return found, styles


def lint_text(text: str, policy: LintPolicy | None = None) -> list[Finding]:
    """Findings for one slogan text on its own (offsets in its NFC form); no file-wide tone-style check."""
    ctx = _Context.of(policy or LintPolicy())
    nfc = unicodedata.normalize("NFC", text)
    return sorted(_check(text, nfc, ctx)[0], key=lambda f: f.start)


def lint_slogan_file(text: str, path: str, policy: LintPolicy) -> list[Problem]:
    """Proofreading problems of every slogan text in a slogans.yaml; [] when the YAML itself does not parse."""
    scalars = slogan_texts(text)
    if scalars is None:
        return []
    ctx = _Context.of(policy)
    problems: list[Problem] = []
    styled: list[tuple[SloganText, StyledWord]] = []
    for scalar in scalars:
        findings, styles = _check(scalar.raw, scalar.nfc, ctx)
        styled.extend((scalar, w) for w in styles)
        problems.extend(_problem(path, scalar, f) for f in findings)
    mixed = mixed_tone_styles(styled)
    if mixed is not None:
        problems.append(_problem(path, *mixed))
    problems.sort(key=lambda p: (p.line, p.column, p.rule))
    return problems


def _problem(path: str, scalar: SloganText, finding: Finding) -> Problem:
    line, column = scalar.position(finding.start)
    return Problem(path, line, column, finding.severity, finding.message, finding.rule)
