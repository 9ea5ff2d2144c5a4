"""`danvan check --fix`: the safe repairs patched into slogans.yaml in place, each checked by reading the file back."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.project.models import LintPolicy
from scheduler.proofread.finding import Edit
from scheduler.proofread.repairs import Repair, repair_value
from scheduler.proofread.slogan_texts import SloganText, slogan_texts, text_values
from scheduler.proofread.tokens import Allow
from scheduler.proofread.write_back import patched, requote, source_patches

Patches = dict[int, list[Edit]]  # slogan text number -> replacements in the file


@dataclass(frozen=True)
class Fix:
    """One change `danvan check --fix` made; line and column point into the file as it was before the fix."""

    line: int
    column: int
    before: str
    after: str
    rule: str
    message: str  # Vietnamese, for printing


def fix_slogan_file(text: str, policy: LintPolicy) -> tuple[str, list[Fix]]:
    """slogans.yaml with the safe repairs applied in place, and the list of repairs.

    Safe repairs: NFC normalisation, HTML entities, legacy-encoding decoding when the reading is confident, the eth
    homoglyph, and spacing (before !?,.;:, after ,;:, inside brackets, doubled, at the ends). Spelling, capitals and
    numbers are never changed. Only the characters of the affected values are rewritten; comments, key order,
    indentation and quoting stay as they are (a plain value that would need quotes after the repair becomes a
    double-quoted one). A value whose repair cannot be written back exactly is left unchanged.
    """
    scalars = slogan_texts(text)
    if scalars is None:
        return text, []
    allow = Allow(policy.allow)
    expected = [scalar.raw for scalar in scalars]
    patches: Patches = {}
    repairs: dict[int, list[Fix]] = {}
    for k, scalar in enumerate(scalars):
        done, doc = repair_value(scalar.raw, allow)
        if doc.text == scalar.raw or not done:
            continue
        found = source_patches(scalar, doc.original_edits(scalar.raw))
        if found is None:
            found = requote(scalar, doc.text)
        if found is None:
            continue
        patches[k] = found
        expected[k] = doc.text
        repairs[k] = [_fix(scalar, repair) for repair in done]
    return _verified(text, scalars, patches, expected, repairs)


def _fix(scalar: SloganText, repair: Repair) -> Fix:
    line, column = scalar.raw_position(repair.origin)
    return Fix(line, column, repair.before, repair.after, repair.rule, repair.message)


def _verified(
    text: str, scalars: list[SloganText], patches: Patches, expected: list[str], repairs: dict[int, list[Fix]]
) -> tuple[str, list[Fix]]:
    """The patched file once PyYAML reads every value as expected; a value it does not is requoted or dropped."""
    while patches:
        result = patched(text, patches)
        values = text_values(result)
        if len(values) != len(expected):
            bad = {_first_breaking(text, patches, expected)}  # the structure changed: find the culprit
        else:
            bad = {k for k in patches if values[k] != expected[k]}
        if not bad:
            return result, [f for k in sorted(patches) for f in repairs[k]]
        for k in bad:
            requoted = requote(scalars[k], expected[k])
            if requoted is not None and patches[k] != requoted:
                patches[k] = requoted  # a plain value that now needs quotes
            else:
                del patches[k]  # cannot be written back exactly: leave this value as it is
                expected[k] = scalars[k].raw
    return text, []


def _first_breaking(text: str, patches: Patches, expected: list[str]) -> int:
    for k in sorted(patches):
        values = text_values(patched(text, {k: patches[k]}))
        if len(values) != len(expected) or values[k] != expected[k]:
            return k
    return min(patches)
