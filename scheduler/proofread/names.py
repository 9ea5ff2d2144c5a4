"""The capitalisation family: fixed names (the Party, the State, organisations) written with the wrong capitals,
and 'nhân dân' meaning the People written in lower case."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from scheduler.proofread.finding import Finding, Span, overlaps
from scheduler.proofread.syllables import restore_case, style_variants

# Fixed names (§4.1). Each entry: the canonical form first, then other capitalisations official texts also use:
# the Constitution of 2013 and the laws write "Ủy ban thường vụ Quốc hội" (Điều 70-74; Luật Tổ chức Quốc hội 2014)
# and, in Điều 9, "Hội nông dân Việt Nam, Đoàn thanh niên cộng sản Hồ Chí Minh, Hội liên hiệp phụ nữ Việt Nam,
# Hội cựu chiến binh Việt Nam", where NĐ 30 and NĐ 78 write the capitals of the organisation rule.
FIXED_NAMES: tuple[tuple[str, ...], ...] = (
    ("Ban Chấp hành Trung ương Đảng",),
    ("Ban Chấp hành Trung ương",),
    ("Đoàn Thanh niên Cộng sản Hồ Chí Minh", "Đoàn thanh niên cộng sản Hồ Chí Minh"),
    ("Cộng hòa xã hội chủ nghĩa Việt Nam", "Cộng hòa Xã hội chủ nghĩa Việt Nam", "Cộng hòa Xã hội Chủ nghĩa Việt Nam"),
    ("Mặt trận Tổ quốc Việt Nam",),
    ("Hội Liên hiệp Phụ nữ Việt Nam", "Hội liên hiệp phụ nữ Việt Nam"),
    ("Hội Cựu chiến binh Việt Nam", "Hội cựu chiến binh Việt Nam"),
    ("Hội Nông dân Việt Nam", "Hội nông dân Việt Nam"),
    ("Đảng Cộng sản Việt Nam",),
    ("Ủy ban Thường vụ Quốc hội", "Ủy ban thường vụ Quốc hội"),
    ("Độc lập - Tự do - Hạnh phúc",),
    ("chủ nghĩa Mác - Lênin",),
    ("Chủ tịch Hồ Chí Minh",),
    ("Hội đồng nhân dân",),
    ("Ủy ban nhân dân",),
    ("Bộ Chính trị",),
    ("Ban Bí thư",),
    ("Hồ Chí Minh",),
    ("Bác Hồ",),
    ("Đảng ta",),
    ("Việt Nam",),
    ("Tổ quốc",),
    ("Quốc hội",),
)

_DASHES = ("-", "–", "—")
_WORD_EDGE_L = r"(?<![\w\u0300-\u036f])"
_WORD_EDGE_R = r"(?![\w\u0300-\u036f])"


@dataclass(frozen=True)
class Name:
    forms: tuple[str, ...]
    pattern: re.Pattern[str]
    words: tuple[tuple[str, ...], ...]  # each form split into words (separators left out)


def _name(forms: tuple[str, ...]) -> Name:
    """A fixed name and the pattern finding it in any capitals and either tone style."""
    parts: list[str] = []
    for word in forms[0].split():
        if word in _DASHES:
            parts.append(r"\s*[-–—]\s*")
            continue
        if parts and not parts[-1].endswith(r"\s*"):
            parts.append(r"\s+")
        variants = sorted(style_variants(word), key=len, reverse=True)
        parts.append("(" + "|".join(re.escape(v) for v in variants) + ")")
    pattern = re.compile(_WORD_EDGE_L + "".join(parts) + _WORD_EDGE_R, re.IGNORECASE)
    words = tuple(tuple(w for w in form.split() if w not in _DASHES) for form in forms)
    return Name(forms, pattern, words)


_BUILTIN_NAMES = tuple(_name(forms) for forms in FIXED_NAMES)
_PEOPLE = re.compile(
    _WORD_EDGE_L
    + r"(?:(?:Đảng|Nhà nước)(?:\s*,\s*Nhà nước)?\s+và\s+(nhân dân)|(nhân dân)(?=\s+ta"
    + _WORD_EDGE_R
    + "))"
)


def names(own: Iterable[str]) -> tuple[Name, ...]:
    """The built-in names and the agency's own (lint.names; they replace a built-in one of the same words), longest
    first."""
    extra = [_name((unicodedata.normalize("NFC", n).strip(),)) for n in own if n.strip()]
    keys = {n.forms[0].casefold() for n in extra}
    merged = [n for n in _BUILTIN_NAMES if n.forms[0].casefold() not in keys] + extra
    return tuple(sorted(merged, key=lambda n: len(n.forms[0]), reverse=True))


def capitalisation(text: str, known: tuple[Name, ...]) -> list[Finding]:
    """Fixed names with the wrong capitals (a longer name wins over the names inside it), then 'nhân dân'."""
    found: list[Finding] = []
    taken: list[Span] = []
    for name in known:
        for m in name.pattern.finditer(text):
            if overlaps(taken, *m.span()):
                continue
            taken.append(m.span())
            finding = _name_finding(name, m)
            if finding is not None:
                found.append(finding)
    for m in _PEOPLE.finditer(text):
        a, b = m.span(1 if m.group(1) else 2)
        if not overlaps(taken, a, b):
            message = "'nhân dân' chỉ Nhân dân (theo cách dùng của Đảng và Nhà nước) phải viết hoa: 'Nhân dân'"
            found.append(Finding(a, "warning", "capitalisation", message))
    return found


def _name_finding(name: Name, m: re.Match[str]) -> Finding | None:
    """The warning for one occurrence of a name, None when its capitals are one of the accepted forms."""
    if all(c.isupper() for c in m.group() if c.isalpha()):
        return None  # ALL-CAPS banner text
    words = list(m.groups())
    if any(_case_matches(words, form) for form in name.words):
        return None
    suggestion = _suggestion(name, m, words)
    first_diff = next((i for i, (x, y) in enumerate(zip(m.group(), suggestion, strict=True)) if x != y), 0)
    message = f"viết hoa chưa đúng: '{m.group()}' phải viết là '{suggestion}'"
    return Finding(m.start() + first_diff, "warning", "capitalisation", message)


def _suggestion(name: Name, m: re.Match[str], words: list[str]) -> str:
    """The occurrence rewritten with the canonical capitals (keeping a sentence's capital first letter)."""
    fixed = [restore_case(want, got.lower()) for got, want in zip(words, name.words[0], strict=True)]
    if words[0][:1].isupper():
        fixed[0] = fixed[0][:1].upper() + fixed[0][1:]
    suggestion = m.group()
    for k in range(len(words) - 1, -1, -1):
        s, e = m.span(k + 1)
        suggestion = suggestion[: s - m.start()] + fixed[k] + suggestion[e - m.start() :]
    return suggestion


def _case_matches(words: list[str], form: tuple[str, ...]) -> bool:
    for wi, (got, want) in enumerate(zip(words, form, strict=True)):
        for ci, (g, w) in enumerate(zip(got, want, strict=False)):
            if wi == 0 and ci == 0 and g.isupper():
                continue  # first letter of a sentence
            if g.isupper() != w.isupper():
                return False
    return True
