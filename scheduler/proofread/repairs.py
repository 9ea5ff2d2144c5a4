"""The safe repairs of one slogan value (NFC, HTML entities, confident legacy decoding, the eth look-alike,
spacing), each traced back to the characters of the value as it was written."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

from scheduler.proofread.encoding import entity_edits, homoglyph_edits, legacy
from scheduler.proofread.finding import Edit
from scheduler.proofread.legacy_encodings import ENCODING_NAMES, ENCODING_RULES, Decoding
from scheduler.proofread.lookalikes import twin
from scheduler.proofread.normalisation import nfc_edits, normalisation_rule
from scheduler.proofread.punctuation import SPACING_RULES, punctuation
from scheduler.proofread.tokens import Allow

_FIX_MESSAGES = {
    "punct-space-before": "xoá dấu cách thừa trước dấu câu",
    "punct-space-after": "thêm dấu cách sau dấu câu",
    "punct-space-inside-brackets": "xoá dấu cách thừa ngay trong dấu ngoặc",
    "punct-double-space": "gộp các dấu cách liền nhau thành một",
    "punct-space-edge": "xoá dấu cách thừa ở đầu hoặc cuối khẩu hiệu",
}


class Repair(NamedTuple):
    origin: int  # index in the original value
    before: str
    after: str
    rule: str
    message: str  # Vietnamese, for printing


@dataclass
class Rewrite:
    """A value being rewritten; src[i] is the index in the original value of a character copied unchanged."""

    text: str
    src: list[int | None]

    @classmethod
    def of(cls, original: str) -> Rewrite:
        return cls(original, list(range(len(original))))

    def apply(self, edits: list[Edit]) -> Rewrite:
        text: list[str] = []
        src: list[int | None] = []
        last = 0
        for start, end, new in sorted(edits):
            text.append(self.text[last:start])
            src.extend(self.src[last:start])
            text.append(new)
            src.extend([None] * len(new))
            last = end
        text.append(self.text[last:])
        src.extend(self.src[last:])
        return Rewrite("".join(text), src)

    def origin(self, index: int) -> int:
        """Index in the original value of the character now at `index` (or of the nearest copied one)."""
        for k in range(min(index, len(self.src) - 1), -1, -1):
            found = self.src[k]
            if found is not None:
                return found + (1 if k < index else 0)
        return 0

    def original_edits(self, original: str) -> list[Edit]:
        """The same change expressed as replacements of stretches of the original value."""
        edits: list[Edit] = []
        p = j = 0
        n = len(self.text)
        while j < n:
            s = self.src[j]
            if s is not None and s == p:
                p, j = p + 1, j + 1
                continue
            k = j
            while k < n and self.src[k] is None:
                k += 1
            q = self.src[k] if k < n else len(original)
            assert q is not None
            edits.append((p, q, self.text[j:k]))
            p, j = q, k
        if p < len(original):
            edits.append((p, len(original), ""))
        return [e for e in edits if original[e[0] : e[1]] != e[2]]


def repair_value(raw: str, allow: Allow) -> tuple[list[Repair], Rewrite]:
    """The repairs made to one value, in order, and the rewritten value."""
    done: list[Repair] = []
    doc = _normalise(raw, done)
    if unicodedata.normalize("NFC", doc.text) != doc.text:
        return [], Rewrite.of(raw)  # unusual text: leave it alone
    doc = _replace_entities(doc, done)
    decoding = legacy(doc.text, allow)
    if decoding is None:
        doc = _replace_homoglyphs(doc, done)
    elif decoding.confident and decoding.edits:
        doc = _decode(doc, decoding, done)
    else:
        return done, doc  # damaged text that cannot be decoded safely: no spacing repairs either
    if "\ufffd" in doc.text:
        return done, doc
    return done, _respace(doc, done)


def _normalise(raw: str, done: list[Repair]) -> Rewrite:
    doc = Rewrite.of(raw)
    edits = nfc_edits(raw)
    if not edits:
        return doc
    message = f"chuyển {len(edits)} chữ từ dạng Unicode tổ hợp sang dạng dựng sẵn (NFC)"
    done.append(Repair(edits[0][0], raw, unicodedata.normalize("NFC", raw), normalisation_rule(raw), message))
    return doc.apply(edits)


def _replace_entities(doc: Rewrite, done: list[Repair]) -> Rewrite:
    """HTML entities, until none is left ("&amp;agrave;")."""
    for _ in range(3):
        entities = entity_edits(doc.text)
        if not entities:
            break
        for s, e, value in entities:
            shown = doc.text[s:e]
            message = f"thay mã HTML '{shown}' bằng ký tự '{value}'"
            done.append(Repair(doc.origin(s), shown, value, "encoding-html-entity", message))
        doc = doc.apply(entities)
    return doc


def _decode(doc: Rewrite, decoding: Decoding, done: list[Repair]) -> Rewrite:
    message = f"chuyển sang Unicode dựng sẵn: {ENCODING_NAMES[decoding.encoding]}"
    rule = ENCODING_RULES[decoding.encoding]
    done.append(Repair(doc.origin(decoding.edits[0][0]), doc.text, decoding.text, rule, message))
    return doc.apply(list(decoding.edits))


def _replace_homoglyphs(doc: Rewrite, done: list[Repair]) -> Rewrite:
    edits = homoglyph_edits(doc.text)
    for s, _, value in edits:
        ch = doc.text[s]
        script = (twin(ch) or ("", "?"))[1]
        message = f"thay chữ '{ch}' {script} (U+{ord(ch):04X}) bằng chữ '{value}' Latinh"
        done.append(Repair(doc.origin(s), ch, value, "encoding-homoglyph", message))
    doc = doc.apply(edits)
    return doc.apply(nfc_edits(doc.text))  # a Latin 'o' takes the marks a Cyrillic 'о' carried: "cộng"


def _respace(doc: Rewrite, done: list[Repair]) -> Rewrite:
    """Spacing repairs, until nothing is left to do (one repair can reveal another)."""
    for _ in range(10):
        findings = [f for f in punctuation(doc.text) if f.rule in SPACING_RULES and f.edit is not None]
        edits = _non_overlapping([f.edit for f in findings if f.edit is not None])
        if not edits:
            break
        chosen = set(edits)
        for f in findings:
            if f.edit in chosen:
                chosen.discard(f.edit)
                s, e, new = f.edit
                before, after = _context(doc.text, s, e, new)
                done.append(Repair(doc.origin(s), before, after, f.rule, _FIX_MESSAGES[f.rule]))
        doc = doc.apply(edits)
    return doc


def _non_overlapping(edits: list[Edit]) -> list[Edit]:
    chosen: list[Edit] = []
    last_end = -1
    for start, end, new in sorted(edits):
        if start < last_end or (start == last_end and start == end and chosen and chosen[-1][0] == start):
            continue
        chosen.append((start, end, new))
        last_end = end
    return chosen


def _context(text: str, start: int, end: int, new: str) -> tuple[str, str]:
    """The words around a spacing repair, before and after it, for the printed change list."""
    left = start
    while left > 0 and start - left < 20 and not text[left - 1].isspace():
        left -= 1
    right = end
    while right < len(text) and right - end < 20 and not text[right].isspace():
        right += 1
    return text[left:right], text[left:start] + new + text[end:right]
