"""Vietnamese proofreading of slogans.yaml for `danvan check` (and the safe repairs of `danvan check --fix`).

Every `text:` of every slogan (enabled or not) is checked, and each finding points at the exact line and column
of the offending character in the file. Rules and severities (ids are stable; messages are Vietnamese):

encoding (the text must be fixed before anything else is checked in it):
  encoding-tcvn3, encoding-vni, encoding-cp1258, encoding-utf8-mojibake   error  legacy-font or wrong-code-page text,
                                                                             with the decoded text proposed
  encoding-html-entity        error    "Ng&agrave;y": the character is proposed
  encoding-replacement-char   error    U+FFFD: a letter was lost for good
  encoding-control-char       error    invisible control/format characters (C0/C1 controls, soft hyphen, zero-width)
  encoding-homoglyph          error    'Ð' (U+00D0, Icelandic eth) or 'ð' used for 'Đ'/'đ'
  encoding-nfd                warning  decomposed Unicode (NFD); normalised for rendering, the file should be fixed
  encoding-mixed-normalisation warning partly decomposed Unicode (e.g. Unikey "Unicode tổ hợp")
spelling:
  spelling                    error    a token that cannot be a Vietnamese syllable and is not allow-listed
  spelling-no-diacritics      error    a whole text typed without Vietnamese diacritics
  tone-placement              error    a tone mark where neither style puts it (hòan, qúa, gìa)
  tone-style-mixed            warning  once per file: old (hòa) and new (hoà) placements mixed
punctuation (warnings, except unbalanced brackets/quotes: an error, since no correct text has them):
  punct-space-before, punct-space-after, punct-space-inside-brackets, punct-double-space, punct-space-edge,
  punct-mixed-quotes (warnings); punct-unbalanced (error)
numbers:
  anniversary-mismatch        error    "kỷ niệm 137 năm … (01/5/1886 - 01/5/2022)": 2022 - 1886 = 136
  date-invalid                error    31/02/2021
names:
  capitalisation              warning  fixed names with the wrong capitals ("Đảng cộng sản Việt Nam")

Decisions (research: shared/research/vietnamese-orthography.md §2-§4): en dashes in date ranges, a missing final
"!", a lower-case first letter (quotations), "Cộng hòa Xã hội chủ nghĩa" and d/m vs dd/mm dates are not reported:
they occur in correct official texts. Style-only deviations are warnings; what no correct text can contain is an
error.
"""

from __future__ import annotations

import calendar
import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import yaml

from scheduler.errors import Problem, Severity
from scheduler.project.models import LintPolicy
from scheduler.proofread.legacy_encodings import ENCODING_NAMES, ENCODING_RULES, Decoding, decode
from scheduler.proofread.syllables import (
    VOWELS,
    ToneStyle,
    has_tone_or_letter_mark,
    in_style,
    parse,
    restore_case,
    style_variants,
)

__all__ = ["FIXED_NAMES", "Finding", "Fix", "fix_slogan_file", "lint_slogan_file", "lint_text"]


@dataclass(frozen=True)
class Fix:
    """One change `danvan check --fix` made; line and column point into the file as it was before the fix."""

    line: int
    column: int
    before: str
    after: str
    rule: str
    message: str  # Vietnamese, for printing


# ----------------------------------------------------------------------------------------------------------------
# Fixed names (§4.1). Each entry: the canonical form first, then other capitalisations official texts also use.
FIXED_NAMES: tuple[tuple[str, ...], ...] = (
    ("Ban Chấp hành Trung ương Đảng",),
    ("Ban Chấp hành Trung ương",),
    ("Đoàn Thanh niên Cộng sản Hồ Chí Minh",),
    ("Cộng hòa xã hội chủ nghĩa Việt Nam", "Cộng hòa Xã hội chủ nghĩa Việt Nam", "Cộng hòa Xã hội Chủ nghĩa Việt Nam"),
    ("Mặt trận Tổ quốc Việt Nam",),
    ("Hội Liên hiệp Phụ nữ Việt Nam",),
    ("Hội Cựu chiến binh Việt Nam",),
    ("Hội Nông dân Việt Nam",),
    ("Đảng Cộng sản Việt Nam",),
    ("Ủy ban Thường vụ Quốc hội",),
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

# Loanwords, units, platforms and names from the research allow-list (§2.2) that break the syllable rules.
_BUILTIN_ALLOW_LIST = """
covid internet email web website online gen ka karaoke tivi gram km kg kw kwh zalo facebook youtube tiktok
lênin ăngghen đắk đăk lắk kạn krông pleiku mnông kon plông ea kar ksor niê vêng chamaléa ôtô xcơ
"""
BUILTIN_ALLOW = frozenset(w.casefold() for w in _BUILTIN_ALLOW_LIST.split())

_WS = " \t\u00a0\u2000-\u200a\u202f\u3000"
_TONE_STYLE_NAMES: dict[ToneStyle, str] = {"old": "kiểu cũ (hòa, thủy, khỏe)", "new": "kiểu mới (hoà, thuỷ, khoẻ)"}


# ----------------------------------------------------------------------------------------------------------------
# Where each character of a scalar's value comes from in the file.
_BREAK_CHARS = "\r\n\x85\u2028\u2029"


def _break_len(text: str, i: int) -> int:
    if i >= len(text):
        return 0
    if text.startswith("\r\n", i):
        return 2
    return 1 if text[i] in _BREAK_CHARS else 0


def _break_value(raw: str) -> str:
    return raw if raw in ("\u2028", "\u2029") else "\n"


@dataclass
class _SourceMap:
    """Value character i was written at text[starts[i]:ends[i]]; fold[i]: produced by YAML line folding."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    fold: list[bool] = field(default_factory=list)
    chars: list[str] = field(default_factory=list)

    def emit(self, ch: str, start: int, end: int, fold: bool = False) -> None:
        self.chars.append(ch)
        self.starts.append(start)
        self.ends.append(end)
        self.fold.append(fold)


_ESCAPES = yaml.scanner.Scanner.ESCAPE_REPLACEMENTS
_ESCAPE_CODES = yaml.scanner.Scanner.ESCAPE_CODES


def _flow_breaks(text: str, i: int, out: _SourceMap) -> int:
    """Blank lines after a folded line break (quoted scalars): each becomes a newline."""
    while True:
        while i < len(text) and text[i] in " \t":
            i += 1
        n = _break_len(text, i)
        if not n:
            return i
        out.emit(_break_value(text[i : i + n]), i, i + n, True)
        i += n


def _map_flow(text: str, start: int, end: int, style: str | None) -> _SourceMap | None:
    """Plain and quoted scalars, after PyYAML's scan_plain / scan_flow_scalar."""
    out = _SourceMap()
    quote = style if style in ("'", '"') else ""
    i, stop = (start + 1, end - 1) if quote else (start, end)
    while i < stop:
        ch = text[i]
        if ch in " \t" if quote else ch == " ":
            j = i
            while j < stop and (text[j] in " \t" if quote else text[j] == " "):
                j += 1
            if not _break_len(text, j):
                for k in range(i, j):
                    out.emit(text[k], k, k + 1)
                i = j
                continue
            i = j  # spaces before a line break are dropped
            continue
        n = _break_len(text, i)
        if n:
            first = _break_value(text[i : i + n])
            at = i
            i += n
            folded = _SourceMap()
            if quote:
                i = _flow_breaks(text, i, folded)
            else:
                while i < stop:
                    if text[i] == " ":
                        i += 1
                        continue
                    m = _break_len(text, i)
                    if not m:
                        break
                    folded.emit(_break_value(text[i : i + m]), i, i + m, True)
                    i += m
            if first != "\n":
                out.emit(first, at, at + n, True)
            elif not folded.chars:
                out.emit(" ", at, at + n, True)
            for k, c in enumerate(folded.chars):
                out.emit(c, folded.starts[k], folded.ends[k], True)
            continue
        if quote == "'" and ch == "'":
            out.emit("'", i, i + 2)  # '' inside single quotes
            i += 2
            continue
        if quote == '"' and ch == "\\":
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if nxt in _ESCAPES:
                out.emit(_ESCAPES[nxt], i, i + 2)
                i += 2
            elif nxt in _ESCAPE_CODES:
                length = _ESCAPE_CODES[nxt]
                digits = text[i + 2 : i + 2 + length]
                try:
                    out.emit(chr(int(digits, 16)), i, i + 2 + length)
                except ValueError:
                    return None
                i += 2 + length
            elif _break_len(text, i + 1):
                i = _flow_breaks(text, i + 1 + _break_len(text, i + 1), out)  # escaped line break
            else:
                return None
            continue
        out.emit(ch, i, i + 1)
        i += 1
    return out


def _map_block(text: str, start: int, key_column: int) -> _SourceMap | None:
    """Literal (|) and folded (>) scalars, after PyYAML's scan_block_scalar."""
    out = _SourceMap()
    folding = text[start] == ">"
    i = start + 1
    chomping: bool | None = None
    increment: int | None = None
    for _ in range(2):
        c = text[i] if i < len(text) else ""
        if c in ("+", "-") and chomping is None:
            chomping = c == "+"
            i += 1
        elif c and c in "123456789" and increment is None:
            increment = int(c)
            i += 1
    while i < len(text) and text[i] == " ":
        i += 1
    if i < len(text) and text[i] == "#":
        while i < len(text) and not _break_len(text, i):
            i += 1
    n = _break_len(text, i)
    if not n and i < len(text):
        return None
    i += n
    col = 0
    min_indent = max(key_column + 1, 1)
    breaks: list[tuple[str, int, int]] = []

    def block_breaks(i: int, col: int, indent: int) -> tuple[int, int, list[tuple[str, int, int]]]:
        found: list[tuple[str, int, int]] = []
        while col < indent and i < len(text) and text[i] == " ":
            i, col = i + 1, col + 1
        while m := _break_len(text, i):
            found.append((_break_value(text[i : i + m]), i, i + m))
            i, col = i + m, 0
            while col < indent and i < len(text) and text[i] == " ":
                i, col = i + 1, col + 1
        return i, col, found

    if increment is None:
        max_indent = 0
        while i < len(text) and (text[i] == " " or _break_len(text, i)):
            if text[i] == " ":
                i, col = i + 1, col + 1
                max_indent = max(max_indent, col)
            else:
                m = _break_len(text, i)
                breaks.append((_break_value(text[i : i + m]), i, i + m))
                i, col = i + m, 0
        indent = max(min_indent, max_indent)
    else:
        indent = min_indent + increment - 1
        i, col, breaks = block_breaks(i, col, indent)
    line_break: tuple[str, int, int] | None = None
    while col == indent and i < len(text):
        for b in breaks:
            out.emit(b[0], b[1], b[2], True)
        leading_non_space = text[i] not in " \t"
        while i < len(text) and not _break_len(text, i):
            out.emit(text[i], i, i + 1)
            i, col = i + 1, col + 1
        m = _break_len(text, i)
        line_break = (_break_value(text[i : i + m]), i, i + m) if m else None
        i, col = i + m, 0
        i, col, breaks = block_breaks(i, col, indent)
        if col == indent and i < len(text):
            if (
                folding
                and line_break is not None
                and line_break[0] == "\n"
                and leading_non_space
                and text[i] not in " \t"
            ):
                if not breaks:
                    out.emit(" ", line_break[1], line_break[2], True)
            elif line_break is not None:
                out.emit(line_break[0], line_break[1], line_break[2], True)
        else:
            break
    if chomping is not False and line_break is not None:
        out.emit(line_break[0], line_break[1], line_break[2], True)
    if chomping is True:
        for b in breaks:
            out.emit(b[0], b[1], b[2], True)
    return out


def _source_map(text: str, node: yaml.ScalarNode, key_column: int) -> _SourceMap | None:
    """Where each value character sits in the file; None when our reading disagrees with PyYAML's."""
    try:
        if node.style in ("|", ">"):
            found = _map_block(text, node.start_mark.index, key_column)
        else:
            found = _map_flow(text, node.start_mark.index, node.end_mark.index, node.style)
    except IndexError:
        return None
    if found is None or "".join(found.chars) != node.value:
        return None
    return found


class _Lines:
    """Index -> (line, column), 1-based, counting line breaks and columns the way PyYAML does."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        i = 0
        while i < len(text):
            n = _break_len(text, i)
            if n:
                i += n
                self.starts.append(i)
            else:
                i += 1

    def position(self, index: int) -> tuple[int, int]:
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= index:
                lo = mid
            else:
                hi = mid - 1
        column = index - self.starts[lo]
        if lo == 0 and self.text.startswith("\ufeff") and index > 0:
            column -= 1  # PyYAML does not count a byte-order mark
        return lo + 1, column + 1


# ----------------------------------------------------------------------------------------------------------------
# Locating a slogan's text in the file.
@dataclass
class _Scalar:
    node: yaml.ScalarNode
    smap: _SourceMap | None
    raw: str  # the value as YAML reads it
    nfc: str
    n2r: list[int]  # NFC index -> raw index (len(nfc) + 1 entries)
    lines: _Lines

    def position(self, nfc_index: int) -> tuple[int, int]:
        raw_index = self.n2r[min(max(nfc_index, 0), len(self.n2r) - 1)]
        return self.raw_position(raw_index)

    def raw_position(self, raw_index: int) -> tuple[int, int]:
        smap = self.smap
        if smap is None or not smap.starts:
            return self._fallback()
        if raw_index >= len(smap.starts):
            return self.lines.position(smap.ends[-1])
        return self.lines.position(smap.starts[max(raw_index, 0)])

    def _fallback(self) -> tuple[int, int]:
        mark = self.node.start_mark
        if self.node.style in ("|", ">"):
            return self.lines.position(self.lines.starts[min(mark.line + 1, len(self.lines.starts) - 1)])
        return mark.line + 1, mark.column + 1 + (1 if self.node.style in ("'", '"') else 0)


def _nfc_map(raw: str) -> tuple[str, list[int]]:
    """NFC of raw, and for each NFC character the index in raw of the cluster it came from."""
    pieces: list[str] = []
    n2r: list[int] = []
    start = 0
    for i in range(1, len(raw) + 1):
        if i == len(raw) or not unicodedata.combining(raw[i]):
            piece = unicodedata.normalize("NFC", raw[start:i])
            pieces.append(piece)
            n2r.extend([start] * len(piece))
            start = i
    nfc = "".join(pieces)
    whole = unicodedata.normalize("NFC", raw)
    if nfc != whole:
        return whole, [min(i, len(raw)) for i in range(len(whole) + 1)]
    n2r.append(len(raw))
    return nfc, n2r


def _text_nodes(root: yaml.Node | None) -> list[tuple[yaml.ScalarNode, int]]:
    """Every slogan's `text` scalar (enabled or not) with the column of its key, in file order."""
    found: list[tuple[yaml.ScalarNode, int]] = []
    if not isinstance(root, yaml.MappingNode):
        return found
    for key, value in root.value:
        if not (isinstance(key, yaml.ScalarNode) and key.value == "slogans" and isinstance(value, yaml.SequenceNode)):
            continue
        for item in value.value:
            if not isinstance(item, yaml.MappingNode):
                continue
            for k, v in item.value:
                if (
                    isinstance(k, yaml.ScalarNode)
                    and k.value == "text"
                    and isinstance(v, yaml.ScalarNode)
                    and v.tag == "tag:yaml.org,2002:str"
                ):
                    found.append((v, k.start_mark.column))
                    break
    return found


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None


def _scalars(text: str) -> list[_Scalar] | None:
    root = _compose(text)
    if root is None:
        return None
    lines = _Lines(text)
    out: list[_Scalar] = []
    for node, key_column in _text_nodes(root):
        raw = str(node.value)
        nfc, n2r = _nfc_map(raw)
        out.append(_Scalar(node, _source_map(text, node, key_column), raw, nfc, n2r, lines))
    return out


# ----------------------------------------------------------------------------------------------------------------
# Findings inside one text (offsets in its NFC form).
@dataclass(frozen=True)
class Finding:
    start: int
    severity: Severity
    rule: str
    message: str
    edit: tuple[int, int, str] | None = None  # a safe repair: replace text[start:end] with the string


_ROMAN = re.compile(r"(?=[MDCLXVI])M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
_URL = re.compile(
    r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<![\w@])[\w-]+(?:\.[\w-]+)*\.(?:vn|com|org|net|gov|edu|info|io)\b\S*"
    r"|(?<!\w)[#@][^\W_][\w]*"
)
_CHUNK = re.compile(r"\S+")
_TOKEN = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")
_OPEN_STRIP = "([{\"“‘'«"
_CLOSE_STRIP = ".,;:!?)]}\"”’'»…"
_CAPITALS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZĐĂÂÊÔƠƯ")
_CODE_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZĐabcdefghijklmnopqrstuvwxyzđ")
_LIST_MARK = re.compile(r"(?:^|(?<=[\s;:.]))(?:[a-zđ]|\d{1,2})\)(?=\s)")  # "a) …; b) …"
_CODE = re.compile(r"(?=.*\d)(?=.*[A-ZĐ])[\dA-Za-zĐđ/.\-]+")  # 31-KH/BDVTU, 30/2020/NĐ-CP, COVID-19


class _Allow:
    """Tokens that are not syllables but are fine: numbers, codes, Roman numerals, acronyms, allow-listed words."""

    def __init__(self, policy: LintPolicy) -> None:
        words: set[str] = set(BUILTIN_ALLOW)
        phrases: set[str] = set()
        for entry in policy.allow:
            item = unicodedata.normalize("NFC", entry).strip().casefold()
            phrases.add(item)
            words.update(t for t in _TOKEN.findall(item))
        self.words = frozenset(words)
        self.phrases = frozenset(phrases)

    def token(self, token: str) -> bool:
        if any(ch.isdigit() for ch in token):
            return True
        if _ROMAN.fullmatch(token):
            return True
        if all(ch in _CAPITALS for ch in token):
            return True  # acronym (UBND, HĐND, TƯ) or an initial (X.Y.Z); toned capitals (ĐẢNG) are words
        if sum(ch.isupper() for ch in token) >= 2 and all(ch in _CODE_LETTERS for ch in token):
            return True  # mixed-case document codes of NĐ 30: TTg, QyĐ, CTr, TrS
        return token.casefold() in self.words

    def chunk(self, chunk: str) -> bool:
        return bool(_CODE.fullmatch(chunk)) or chunk.casefold() in self.phrases or bool(_URL.fullmatch(chunk))


def _strip_chunk(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _OPEN_STRIP:
        start += 1
    while end > start and text[end - 1] in _CLOSE_STRIP:
        end -= 1
    return start, end


def _url_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _URL.finditer(text)]


def _inside(spans: list[tuple[int, int]], index: int) -> bool:
    return any(a <= index < b for a, b in spans)


@dataclass(frozen=True)
class _Word:
    start: int
    token: str
    style: ToneStyle | None


def _words(text: str, allow: _Allow) -> Iterable[tuple[int, str]]:
    """(offset, token) for every token that must be a Vietnamese syllable."""
    urls = _url_spans(text)
    for chunk in _CHUNK.finditer(text):
        a, b = _strip_chunk(text, *chunk.span())
        if a >= b or _inside(urls, a) or allow.chunk(text[a:b]):
            continue
        for tok in _TOKEN.finditer(text, a, b):
            if allow.token(tok.group()) or _LIST_MARK.match(text, tok.start()):
                continue
            if text.startswith(".", tok.end()) and not any(ch in VOWELS for ch in tok.group().lower()):
                continue  # abbreviation: t.6, tr.232, Ph.Ăngghen
            yield tok.start(), tok.group()


def _spelling(text: str, allow: _Allow, styles: list[_Word]) -> list[Finding]:
    found: list[Finding] = []
    words = list(_words(text, allow))
    if len(words) >= 3 and not has_tone_or_letter_mark(text):
        return [
            Finding(
                0,
                "error",
                "spelling-no-diacritics",
                "khẩu hiệu được viết không dấu; hãy gõ lại bằng tiếng Việt có dấu (bảng mã Unicode dựng sẵn) "
                "hoặc chép lại từ văn bản gốc",
            )
        ]
    for start, token in words:
        syl = parse(token)
        if not syl.valid:
            found.append(Finding(start, "error", "spelling", _spelling_message(token, syl.reason, syl.no_vowel)))
        elif syl.misplaced:
            fixes = [restore_case(token, c) for c in syl.corrections]
            shown = " hoặc ".join(f"'{c}'" for c in fixes)
            found.append(
                Finding(start, "error", "tone-placement", f"dấu thanh đặt sai chỗ trong '{token}'; hãy viết {shown}")
            )
        elif syl.style is not None:
            styles.append(_Word(start, token, syl.style))
    return found


def _spelling_message(token: str, reason: str, no_vowel: bool) -> str:
    if no_vowel:
        return (
            f"'{token}' không phải là chữ tiếng Việt (không có nguyên âm): có thể là chữ bị mất khi chuyển phông "
            "cũ (ví dụ 'tng' thay cho 'tổng', 'Đng' thay cho 'Đảng'); hãy đối chiếu văn bản gốc và gõ lại chữ này"
        )
    return (
        f"'{token}' không phải là một âm tiết tiếng Việt ({reason}); hãy sửa lỗi chính tả, hoặc nếu đây là tên riêng, "
        f"từ nước ngoài hay chữ viết tắt đúng thì thêm '{token}' vào mục lint.allow trong tệp cấu hình"
    )


# --- punctuation ---
_SPACE_BEFORE = re.compile(f"(?<=\\S)([{_WS}]+)([!?,.;:])")
_SPACE_AFTER = re.compile(r"([,;:])(?=\S)")
_AFTER_OK = set(")]}\"”’'»…,.;:!?-–—/")
_OPENERS = "([{“«"
_CLOSERS = ")]}”»"
_INSIDE_OPEN = re.compile(f"([{re.escape(_OPENERS)}])([{_WS}]+)(?=\\S)")
_INSIDE_CLOSE = re.compile(f"(?<=\\S)([{_WS}]+)([{re.escape(_CLOSERS)}])")
_DOUBLE = re.compile(f"(?<=\\S)[{_WS}]{{2,}}(?=\\S)")
_EDGE_START = re.compile(f"^[{_WS}]+")
_EDGE_END = re.compile(f"[{_WS}]+(?=[\\n\u2028\u2029]*$)")
_PAIRS = {"(": ")", "[": "]", "{": "}"}


def _punctuation(text: str) -> list[Finding]:
    found: list[Finding] = []
    urls = _url_spans(text)
    handled: list[tuple[int, int]] = []  # whitespace runs already reported by a more specific rule
    for m in _SPACE_BEFORE.finditer(text):
        ws_start, ws_end = m.span(1)
        mark = m.group(2)
        if (mark == "." and text.startswith("..", m.start(2))) or _inside(urls, m.start(2)):
            continue
        if text[ws_start - 1] in _OPENERS:
            continue  # "( ." is reported as a space inside the bracket
        handled.append((ws_start, ws_end))
        found.append(
            Finding(
                ws_start,
                "warning",
                "punct-space-before",
                f"thừa dấu cách trước dấu '{mark}'; hãy xoá dấu cách",
                (ws_start, ws_end, ""),
            )
        )
    for m in _SPACE_AFTER.finditer(text):
        i = m.start()
        nxt = text[i + 1]
        prev = text[i - 1] if i else ""
        if nxt in _AFTER_OK or _inside(urls, i):
            continue
        if prev.isdigit() and nxt.isdigit():
            continue  # 1,5 and 19:30
        found.append(
            Finding(
                i,
                "warning",
                "punct-space-after",
                f"thiếu dấu cách sau dấu '{m.group(1)}'; hãy thêm một dấu cách",
                (i + 1, i + 1, " "),
            )
        )
    for m in _INSIDE_OPEN.finditer(text):
        a, b = m.span(2)
        handled.append((a, b))
        found.append(
            Finding(
                a,
                "warning",
                "punct-space-inside-brackets",
                f"thừa dấu cách ngay sau dấu '{m.group(1)}'; hãy xoá dấu cách",
                (a, b, ""),
            )
        )
    for m in _INSIDE_CLOSE.finditer(text):
        a, b = m.span(1)
        if any(a < hb and ha < b for ha, hb in handled):
            continue
        handled.append((a, b))
        found.append(
            Finding(
                a,
                "warning",
                "punct-space-inside-brackets",
                f"thừa dấu cách ngay trước dấu '{m.group(2)}'; hãy xoá dấu cách",
                (a, b, ""),
            )
        )
    for m in _DOUBLE.finditer(text):
        a, b = m.span()
        if any(a < hb and ha < b for ha, hb in handled):
            continue
        found.append(
            Finding(
                a, "warning", "punct-double-space", f"có {b - a} dấu cách liền nhau; chỉ để một dấu cách", (a, b, " ")
            )
        )
    for edge, where in ((_EDGE_START.search(text), "đầu"), (_EDGE_END.search(text), "cuối")):
        if edge and edge.group() and not (where == "cuối" and edge.start() == 0):
            found.append(
                Finding(
                    edge.start(),
                    "warning",
                    "punct-space-edge",
                    f"thừa dấu cách ở {where} khẩu hiệu; hãy xoá dấu cách",
                    (edge.start(), edge.end(), ""),
                )
            )
    found.extend(_balance(text))
    found.extend(_mixed_quotes(text))
    return found


def _balance(text: str) -> list[Finding]:
    found: list[Finding] = []
    brackets: list[tuple[str, int]] = []
    quotes: list[tuple[str, int]] = []
    markers = {m.end() - 1 for m in _LIST_MARK.finditer(text)}
    for i, ch in enumerate(text):
        if i in markers:
            continue
        if ch in _PAIRS:
            brackets.append((ch, i))
        elif ch in ")]}":
            if brackets and _PAIRS[brackets[-1][0]] == ch:
                brackets.pop()
            else:
                found.append(
                    Finding(
                        i,
                        "error",
                        "punct-unbalanced",
                        f"dấu '{ch}' không có dấu mở tương ứng; hãy thêm dấu mở hoặc xoá dấu '{ch}'",
                    )
                )
        elif ch in "“«":
            quotes.append((ch, i))
        elif ch == "”":
            if quotes and quotes[-1][0] in '“"':
                quotes.pop()
            else:
                found.append(
                    Finding(i, "error", "punct-unbalanced", "dấu ngoặc kép đóng '”' không có dấu mở '“' tương ứng")
                )
        elif ch == "»":
            if quotes and quotes[-1][0] == "«":
                quotes.pop()
            else:
                found.append(Finding(i, "error", "punct-unbalanced", "dấu '»' không có dấu mở '«' tương ứng"))
        elif ch == '"':
            if quotes and quotes[-1][0] in '"“':
                quotes.pop()
            else:
                quotes.append((ch, i))
    for ch, i in brackets + quotes:
        closer = {"(": ")", "[": "]", "{": "}", "“": "”", "«": "»", '"': '"'}[ch]
        found.append(
            Finding(
                i,
                "error",
                "punct-unbalanced",
                f"dấu '{ch}' được mở nhưng không có dấu '{closer}' đóng; hãy thêm '{closer}' hoặc xoá '{ch}'",
            )
        )
    return found


def _mixed_quotes(text: str) -> list[Finding]:
    straight = text.find('"')
    curly = min((i for i in (text.find("“"), text.find("”")) if i >= 0), default=-1)
    if straight < 0 or curly < 0:
        return []
    at = max(straight, curly)  # the first quote of the kind that appears second
    return [
        Finding(
            at,
            "warning",
            "punct-mixed-quotes",
            'dùng lẫn ngoặc kép thẳng (") và ngoặc kép cong (“ ”) trong cùng một khẩu hiệu; hãy dùng thống nhất '
            "một kiểu (văn bản chính thức thường dùng “ ”)",
        )
    ]


# --- anniversaries and dates ---
_N_YEARS = re.compile(r"(?<![\w/.,])(\d{1,4})\s+năm(?!\w)(?!\s+\d)", re.IGNORECASE)
_ANNIVERSARY_WORD = re.compile(r"(?:kỷ|kỉ)\s+niệm\s+$|mừng\s+$", re.IGNORECASE)
_MONTH_BEFORE = re.compile(r"tháng\s+$", re.IGNORECASE)
_DATE_RANGE = re.compile(r"(?<![\d/.])\d{1,2}([/.])\d{1,2}\1(\d{4})\s*[-–—]\s*\d{1,2}([/.])\d{1,2}\3(\d{4})(?!\d)")
_YEAR_RANGE = re.compile(r"(?<![\d/.])(\d{4})\s*[-–—]\s*(\d{4})(?![\d/.])")
_SENTENCE_END = re.compile(r"[!?]|\.(?=\s|$)")
_DATE = re.compile(r"(?<![\d/.])(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})(?!\d)(?![/.]\d)")
_DAY_MONTH = re.compile(r"(?<!\w)ngày\s+(\d{1,2})([/.\-])(\d{1,2})(?![/.\-]?\d)", re.IGNORECASE)
_DATE_WORDS = re.compile(r"(?<!\w)ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s+năm\s+(\d{4}))?(?!\d)", re.IGNORECASE)


def _anniversaries(text: str) -> list[Finding]:
    found: list[Finding] = []
    counts = [m for m in _N_YEARS.finditer(text) if not _MONTH_BEFORE.search(text[max(0, m.start() - 12) : m.start()])]
    for k, m in enumerate(counts):
        stop = counts[k + 1].start() if k + 1 < len(counts) else len(text)
        end = _SENTENCE_END.search(text, m.end(), stop)
        region_end = end.start() if end else stop
        years: tuple[int, int] | None = None
        dated = _DATE_RANGE.search(text, m.end(), region_end)
        if dated:
            years = (int(dated.group(2)), int(dated.group(4)))
        elif _ANNIVERSARY_WORD.search(text[max(0, m.start() - 12) : m.start()]):
            plain = _YEAR_RANGE.search(text, m.end(), region_end)
            if plain:
                years = (int(plain.group(1)), int(plain.group(2)))
        if years is None:
            continue
        n, (first, last) = int(m.group(1)), years
        if last - first != n:
            found.append(
                Finding(
                    m.start(1),
                    "error",
                    "anniversary-mismatch",
                    f"số năm kỷ niệm không khớp với mốc thời gian: từ năm {first} đến năm {last} là {last - first} năm, "
                    f"không phải {n} năm; nếu mốc thời gian đúng hãy sửa thành '{last - first} năm', "
                    f"nếu số năm đúng thì năm kết thúc phải là {first + n}",
                )
            )
    return found


def _check_date(text: str, start: int, shown: str, day: int, month: int, year: int | None) -> Finding | None:
    if not 1 <= month <= 12:
        return Finding(
            start, "error", "date-invalid", f"ngày '{shown}' không có thật: không có tháng {month}; hãy kiểm tra lại"
        )
    last = calendar.monthrange(year if year is not None else 2000, month)[1]
    if not 1 <= day <= last:
        during = f"tháng {month} năm {year}" if year is not None else f"tháng {month}"
        return Finding(
            start,
            "error",
            "date-invalid",
            f"ngày '{shown}' không có thật: {during} chỉ có {last} ngày; hãy kiểm tra lại ngày tháng",
        )
    return None


def _dates(text: str) -> list[Finding]:
    found: list[Finding | None] = []
    for m in _DATE.finditer(text):
        found.append(_check_date(text, m.start(), m.group(), int(m.group(1)), int(m.group(3)), int(m.group(4))))
    for m in _DAY_MONTH.finditer(text):
        shown = text[m.start(1) : m.end(3)]
        found.append(_check_date(text, m.start(1), shown, int(m.group(1)), int(m.group(3)), None))
    for m in _DATE_WORDS.finditer(text):
        year = int(m.group(3)) if m.group(3) else None
        found.append(_check_date(text, m.start(1), m.group(), int(m.group(1)), int(m.group(2)), year))
    return [f for f in found if f is not None]


# --- capitalisation ---
_WORD_EDGE_L = r"(?<![\w\u0300-\u036f])"
_WORD_EDGE_R = r"(?![\w\u0300-\u036f])"


@dataclass(frozen=True)
class _Name:
    forms: tuple[str, ...]
    pattern: re.Pattern[str]
    words: tuple[tuple[str, ...], ...]  # each form split into words (separators left out)


def _name(forms: tuple[str, ...]) -> _Name:
    canonical = forms[0]
    parts: list[str] = []
    for word in canonical.split():
        if word in ("-", "–", "—"):
            parts.append(r"\s*[-–—]\s*")
            continue
        if parts and not parts[-1].endswith(r"\s*"):
            parts.append(r"\s+")
        variants = sorted(style_variants(word), key=len, reverse=True)
        parts.append("(" + "|".join(re.escape(v) for v in variants) + ")")
    pattern = re.compile(_WORD_EDGE_L + "".join(parts) + _WORD_EDGE_R, re.IGNORECASE)
    words = tuple(tuple(w for w in form.split() if w not in ("-", "–", "—")) for form in forms)
    return _Name(forms, pattern, words)


_BUILTIN_NAMES = tuple(_name(forms) for forms in FIXED_NAMES)
_PEOPLE = re.compile(
    _WORD_EDGE_L
    + r"(?:(?:Đảng|Nhà nước)(?:\s*,\s*Nhà nước)?\s+và\s+(nhân dân)|(nhân dân)(?=\s+ta"
    + _WORD_EDGE_R
    + "))"
)


def _names(policy: LintPolicy) -> tuple[_Name, ...]:
    extra = [_name((unicodedata.normalize("NFC", n).strip(),)) for n in policy.names if n.strip()]
    keys = {n.forms[0].casefold() for n in extra}
    merged = [n for n in _BUILTIN_NAMES if n.forms[0].casefold() not in keys] + extra
    return tuple(sorted(merged, key=lambda n: len(n.forms[0]), reverse=True))


def _case_matches(words: list[str], form: tuple[str, ...]) -> bool:
    for wi, (got, want) in enumerate(zip(words, form, strict=True)):
        for ci, (g, w) in enumerate(zip(got, want, strict=False)):
            if wi == 0 and ci == 0 and g.isupper():
                continue  # first letter of a sentence
            if g.isupper() != w.isupper():
                return False
    return True


def _capitalisation(text: str, names: tuple[_Name, ...]) -> list[Finding]:
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for name in names:
        for m in name.pattern.finditer(text):
            a, b = m.span()
            if any(a < tb and ta < b for ta, tb in taken):
                continue
            taken.append((a, b))
            letters = [c for c in m.group() if c.isalpha()]
            if all(c.isupper() for c in letters):
                continue  # ALL-CAPS banner text
            words = list(m.groups())
            if any(_case_matches(words, form) for form in name.words):
                continue
            canonical = name.words[0]
            fixed = [restore_case(want, got.lower()) for got, want in zip(words, canonical, strict=True)]
            if words[0][:1].isupper():
                fixed[0] = fixed[0][:1].upper() + fixed[0][1:]
            suggestion = m.group()
            for k in range(len(words) - 1, -1, -1):
                s, e = m.span(k + 1)
                suggestion = suggestion[: s - a] + fixed[k] + suggestion[e - a :]
            first_diff = next((i for i, (x, y) in enumerate(zip(m.group(), suggestion, strict=True)) if x != y), 0)
            found.append(
                Finding(
                    a + first_diff,
                    "warning",
                    "capitalisation",
                    f"viết hoa chưa đúng: '{m.group()}' phải viết là '{suggestion}'",
                )
            )
    for m in _PEOPLE.finditer(text):
        group = 1 if m.group(1) else 2
        a, b = m.span(group)
        if any(a < tb and ta < b for ta, tb in taken):
            continue
        found.append(
            Finding(
                a,
                "warning",
                "capitalisation",
                "'nhân dân' chỉ Nhân dân (theo cách dùng của Đảng và Nhà nước) phải viết hoa: 'Nhân dân'",
            )
        )
    return found


# --- encoding ---
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_HOMOGLYPHS = {"Ð": "Đ", "ð": "đ"}


def _entities(text: str) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for m in _ENTITY.finditer(text):
        value = unicodedata.normalize("NFC", html.unescape(m.group()))
        if value != m.group():
            out.append((m.start(), m.end(), value))
    return out


def _invisible(ch: str) -> bool:
    return ch not in "\n\u2028\u2029" and unicodedata.category(ch) in ("Cc", "Cf")


def _char_name(ch: str) -> str:
    names = {
        "\u00ad": "dấu gạch nối mềm",
        "\u200b": "dấu cách độ rộng 0",
        "\u200c": "ký tự ngăn nối",
        "\u200d": "ký tự nối",
        "\ufeff": "dấu BOM",
        "\t": "dấu Tab",
    }
    return names.get(ch, "ký tự điều khiển")


def _legacy(text: str, allow: _Allow) -> Decoding | None:
    """The legacy-encoding reading of a damaged text; None when it is clean or its only defect is 'Ð' for 'Đ'.

    'Ð' is TCVN3's é and cp1258's Đ, and also a look-alike typed for Đ: when the text is clean once every 'Ð'
    is read as 'Đ', the look-alike is reported instead of an encoding.
    """
    clean = _without_homoglyphs(text)
    if clean != text and decode(clean, allow.token) is None:
        return None
    return decode(text, allow.token)


def _without_homoglyphs(text: str) -> str:
    return "".join(_HOMOGLYPHS.get(ch, ch) for ch in text)


@dataclass
class _Encoding:
    findings: list[Finding]
    blocking: bool  # the text must be repaired before its words can be checked
    decoding: Decoding | None = None


def _encoding(raw: str, nfc: str, allow: _Allow) -> _Encoding:
    found: list[Finding] = []
    if nfc != raw:
        first = next((i for i, (x, y) in enumerate(zip(raw, nfc, strict=False)) if x != y), 0)
        nfd = unicodedata.normalize("NFD", raw) == raw
        found.append(
            Finding(
                _raw_to_nfc(raw, first),
                "warning",
                "encoding-nfd" if nfd else "encoding-mixed-normalisation",
                (
                    "văn bản đang ở dạng Unicode tổ hợp (NFD)"
                    if nfd
                    else "văn bản lẫn chữ Unicode dựng sẵn và chữ Unicode tổ hợp"
                )
                + "; chương trình tự chuyển sang dạng dựng sẵn (NFC) khi đăng, nhưng hãy sửa tệp: chạy "
                "'danvan check --fix' hoặc gõ lại bằng bảng mã Unicode dựng sẵn",
            )
        )
    blocking = False
    decoding = _legacy(nfc, allow)
    if decoding is not None:
        blocking = True
        found.append(_legacy_finding(decoding))
    else:
        for i, ch in enumerate(nfc):
            if ch in _HOMOGLYPHS:
                found.append(
                    Finding(
                        i,
                        "error",
                        "encoding-homoglyph",
                        f"chữ '{ch}' (U+{ord(ch):04X}, chữ eth) bị dùng thay cho chữ '{_HOMOGLYPHS[ch]}' "
                        f"(U+{ord(_HOMOGLYPHS[ch]):04X}); hãy gõ lại chữ '{_HOMOGLYPHS[ch]}'",
                        (i, i + 1, _HOMOGLYPHS[ch]),
                    )
                )
    for start, end, value in _entities(nfc):
        blocking = True
        found.append(
            Finding(
                start,
                "error",
                "encoding-html-entity",
                f"mã HTML '{nfc[start:end]}' nằm trong văn bản; hãy thay bằng ký tự '{value}'",
                (start, end, value),
            )
        )
    bad = nfc.find("\ufffd")
    if bad >= 0:
        blocking = True
        found.append(
            Finding(
                bad,
                "error",
                "encoding-replacement-char",
                "có ký tự '\ufffd' (U+FFFD): một chữ đã bị hỏng khi chuyển bảng mã và không khôi phục được; "
                "hãy chép lại khẩu hiệu từ văn bản gốc",
            )
        )
    if decoding is None:
        for i, ch in enumerate(nfc):
            if _invisible(ch):
                found.append(
                    Finding(
                        i,
                        "error",
                        "encoding-control-char",
                        f"có {_char_name(ch)} (U+{ord(ch):04X}) không nhìn thấy được trong văn bản; hãy xoá ký tự này",
                    )
                )
                break
    return _Encoding(found, blocking, decoding)


def _raw_to_nfc(raw: str, index: int) -> int:
    return len(unicodedata.normalize("NFC", raw[:index]))


def _legacy_finding(decoding: Decoding) -> Finding:
    rule = ENCODING_RULES[decoding.encoding]
    what = ENCODING_NAMES[decoding.encoding]
    first = decoding.edits[0][0] if decoding.edits else 0
    if decoding.confident:
        message = (
            f"lỗi bảng mã: {what}; văn bản đúng có thể là: “{decoding.text}”; chạy 'danvan check --fix' để tự "
            "chuyển, hoặc chép lại từ văn bản gốc (Unicode)"
        )
    elif decoding.edits:
        message = (
            f"có vẻ là lỗi bảng mã: {what}; đọc thử được: “{decoding.text}”, nhưng không chắc chắn; hãy chép lại "
            "khẩu hiệu từ văn bản gốc bằng bảng mã Unicode dựng sẵn"
        )
    else:
        message = (
            f"có ký tự lạ của lỗi bảng mã ({what}); hãy chép lại khẩu hiệu từ văn bản gốc bằng bảng mã Unicode dựng sẵn"
        )
    return Finding(first, "error", rule, message)


# ----------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Context:
    allow: _Allow
    names: tuple[_Name, ...]


def _check(raw: str, nfc: str, ctx: _Context) -> tuple[list[Finding], list[_Word]]:
    """All findings for one text, plus its oa/oe/uy words for the file-wide tone-style check."""
    enc = _encoding(raw, nfc, ctx.allow)
    if enc.blocking:
        return enc.findings, []
    text = _without_homoglyphs(nfc)  # same length: offsets stay valid
    styles: list[_Word] = []
    found = list(enc.findings)
    found += _spelling(text, ctx.allow, styles)
    found += _punctuation(text)
    found += _anniversaries(text)
    found += _dates(text)
    found += _capitalisation(text, ctx.names)
    return found, styles


def lint_text(text: str, policy: LintPolicy | None = None) -> list[Finding]:
    """Findings for one slogan text on its own (offsets in its NFC form); no file-wide tone-style check."""
    policy = policy or LintPolicy()
    ctx = _Context(_Allow(policy), _names(policy))
    nfc = unicodedata.normalize("NFC", text)
    return sorted(_check(text, nfc, ctx)[0], key=lambda f: f.start)


def _style_finding(words: list[tuple[_Scalar, _Word]]) -> tuple[_Scalar, Finding] | None:
    """One warning per file when both tone styles occur, at the first word of the less used style."""
    old = [w for w in words if w[1].style == "old"]
    new = [w for w in words if w[1].style == "new"]
    if not old or not new:
        return None
    first_old = next(i for i, w in enumerate(words) if w[1].style == "old")
    first_new = next(i for i, w in enumerate(words) if w[1].style == "new")
    if len(old) > len(new) or (len(old) == len(new) and first_old < first_new):
        major, minority = old, new
        major_style: ToneStyle = "old"
        minor_style: ToneStyle = "new"
    else:
        major, minority = new, old
        major_style, minor_style = "new", "old"
    scalar, word = minority[0]
    message = (
        f"cách đặt dấu thanh không thống nhất trong tệp: {len(major)} chữ theo {_TONE_STYLE_NAMES[major_style]}, "
        f"{len(minority)} chữ theo {_TONE_STYLE_NAMES[minor_style]}, bắt đầu từ '{word.token}' ở đây; cả hai kiểu "
        f"đều đúng nhưng nên dùng một kiểu, ví dụ viết '{in_style(word.token, major_style)}'"
    )
    return scalar, Finding(word.start, "warning", "tone-style-mixed", message)


def lint_slogan_file(text: str, path: str, policy: LintPolicy) -> list[Problem]:
    """Proofreading problems of every slogan text in a slogans.yaml; [] when the YAML itself does not parse."""
    scalars = _scalars(text)
    if scalars is None:
        return []
    ctx = _Context(_Allow(policy), _names(policy))
    problems: list[Problem] = []
    styled: list[tuple[_Scalar, _Word]] = []
    for scalar in scalars:
        findings, styles = _check(scalar.raw, scalar.nfc, ctx)
        styled.extend((scalar, w) for w in styles)
        for f in findings:
            line, column = scalar.position(f.start)
            problems.append(Problem(path, line, column, f.severity, f.message, f.rule))
    mixed = _style_finding(styled)
    if mixed is not None:
        scalar, f = mixed
        line, column = scalar.position(f.start)
        problems.append(Problem(path, line, column, f.severity, f.message, f.rule))
    problems.sort(key=lambda p: (p.line, p.column, p.rule))
    return problems


# ----------------------------------------------------------------------------------------------------------------
# --fix: the safe repairs, patched into the file in place.
@dataclass
class _Doc:
    """A value being rewritten; src[i] is the index in the original value of a character copied unchanged."""

    text: str
    src: list[int | None]

    def apply(self, edits: list[tuple[int, int, str]]) -> _Doc:
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
        return _Doc("".join(text), src)

    def origin(self, index: int) -> int:
        """Index in the original value of the character now at `index` (or of the nearest copied one)."""
        for k in range(min(index, len(self.src) - 1), -1, -1):
            found = self.src[k]
            if found is not None:
                return found + (1 if k < index else 0)
        return 0

    def original_edits(self, original: str) -> list[tuple[int, int, str]]:
        """The same change expressed as replacements of stretches of the original value."""
        edits: list[tuple[int, int, str]] = []
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


def _non_overlapping(edits: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    chosen: list[tuple[int, int, str]] = []
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


_SPACING_RULES = frozenset(
    ("punct-space-before", "punct-space-after", "punct-space-inside-brackets", "punct-double-space", "punct-space-edge")
)
_FIX_MESSAGES = {
    "punct-space-before": "xoá dấu cách thừa trước dấu câu",
    "punct-space-after": "thêm dấu cách sau dấu câu",
    "punct-space-inside-brackets": "xoá dấu cách thừa ngay trong dấu ngoặc",
    "punct-double-space": "gộp các dấu cách liền nhau thành một",
    "punct-space-edge": "xoá dấu cách thừa ở đầu hoặc cuối khẩu hiệu",
}


def _fix_value(scalar: _Scalar, allow: _Allow) -> tuple[str, list[tuple[int, str, str, str, str]], _Doc]:
    """The repaired value, the repairs made (original index, before, after, rule, message) and the final _Doc."""
    raw = scalar.raw
    doc = _Doc(raw, list(range(len(raw))))
    done: list[tuple[int, str, str, str, str]] = []
    # 1. NFC
    nfc_edits: list[tuple[int, int, str]] = []
    start = 0
    for i in range(1, len(raw) + 1):
        if i == len(raw) or not unicodedata.combining(raw[i]):
            piece = raw[start:i]
            normal = unicodedata.normalize("NFC", piece)
            if normal != piece:
                nfc_edits.append((start, i, normal))
            start = i
    if nfc_edits:
        nfd = unicodedata.normalize("NFD", raw) == raw
        done.append(
            (
                nfc_edits[0][0],
                raw,
                unicodedata.normalize("NFC", raw),
                "encoding-nfd" if nfd else "encoding-mixed-normalisation",
                f"chuyển {len(nfc_edits)} chữ từ dạng Unicode tổ hợp sang dạng dựng sẵn (NFC)",
            )
        )
        doc = doc.apply(nfc_edits)
    if unicodedata.normalize("NFC", doc.text) != doc.text:
        return raw, [], _Doc(raw, list(range(len(raw))))  # unusual text: leave it alone
    # 2. HTML entities (until none is left: "&amp;agrave;")
    for _ in range(3):
        entities = _entities(doc.text)
        if not entities:
            break
        for s, e, value in entities:
            done.append(
                (
                    doc.origin(s),
                    doc.text[s:e],
                    value,
                    "encoding-html-entity",
                    f"thay mã HTML '{doc.text[s:e]}' bằng ký tự '{value}'",
                )
            )
        doc = doc.apply(entities)
    # 3. legacy encodings (only when the decoding is confident), or the eth homoglyph
    decoding = _legacy(doc.text, allow)
    if decoding is not None:
        if decoding.confident and decoding.edits:
            done.append(
                (
                    doc.origin(decoding.edits[0][0]),
                    doc.text,
                    decoding.text,
                    ENCODING_RULES[decoding.encoding],
                    f"chuyển sang Unicode dựng sẵn: {ENCODING_NAMES[decoding.encoding]}",
                )
            )
            doc = doc.apply(list(decoding.edits))
        else:
            return doc.text, done, doc  # damaged text that cannot be decoded safely: no spacing repairs either
    else:
        homoglyphs = [(i, i + 1, _HOMOGLYPHS[c]) for i, c in enumerate(doc.text) if c in _HOMOGLYPHS]
        for s, _, value in homoglyphs:
            done.append(
                (
                    doc.origin(s),
                    doc.text[s],
                    value,
                    "encoding-homoglyph",
                    f"thay chữ '{doc.text[s]}' (chữ eth U+{ord(doc.text[s]):04X}) bằng chữ '{value}'",
                )
            )
        doc = doc.apply(homoglyphs)
    if "\ufffd" in doc.text:
        return doc.text, done, doc
    # 4. spacing, until nothing is left to do
    for _ in range(10):
        findings = [f for f in _punctuation(doc.text) if f.rule in _SPACING_RULES and f.edit is not None]
        edits = _non_overlapping([f.edit for f in findings if f.edit is not None])
        if not edits:
            break
        chosen = set(edits)
        for f in findings:
            if f.edit in chosen:
                chosen.discard(f.edit)
                s, e, new = f.edit
                before, after = _context(doc.text, s, e, new)
                done.append((doc.origin(s), before, after, f.rule, _FIX_MESSAGES[f.rule]))
        doc = doc.apply(edits)
    return doc.text, done, doc


def _escape_double(text: str) -> str:
    out: list[str] = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or ch in "\u2028\u2029\ufeff":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) <= 0xFF else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def _escape(text: str, style: str | None) -> str | None:
    """The replacement as it must be written inside a scalar of this style; None when it cannot be."""
    if style == '"':
        return _escape_double(text)
    if any(_invisible(ch) or ch in "\n\u2028\u2029" for ch in text):
        return None
    if style == "'":
        return text.replace("'", "''")
    return text


def _patches(scalar: _Scalar, edits: list[tuple[int, int, str]]) -> list[tuple[int, int, str]] | None:
    """Source replacements for value edits, or None when an edit touches YAML line folding."""
    smap = scalar.smap
    if smap is None:
        return None
    out: list[tuple[int, int, str]] = []
    n = len(smap.chars)
    for a, b, new in edits:
        written = _escape(new, scalar.node.style)
        if written is None:
            return None
        if a < b:
            if any(smap.fold[a:b]):
                return None
            out.append((smap.starts[a], smap.ends[b - 1], written))
        elif a > 0 and not smap.fold[a - 1]:
            out.append((smap.ends[a - 1], smap.ends[a - 1], written))
        elif a < n and not smap.fold[a]:
            out.append((smap.starts[a], smap.starts[a], written))
        else:
            return None
    return out


def _requote(scalar: _Scalar, value: str) -> list[tuple[int, int, str]] | None:
    """Rewrite a one-line plain scalar as a double-quoted one (when a repair made it need quotes)."""
    node = scalar.node
    if node.style is not None or node.start_mark.line != node.end_mark.line:
        return None
    return [(node.start_mark.index, node.end_mark.index, '"' + _escape_double(value) + '"')]


def _patched(text: str, patches: dict[int, list[tuple[int, int, str]]]) -> str:
    flat = sorted((p for ps in patches.values() for p in ps), key=lambda p: (p[0], p[1]))
    out: list[str] = []
    last = 0
    for start, end, new in flat:
        out.append(text[last:start])
        out.append(new)
        last = end
    out.append(text[last:])
    return "".join(out)


def fix_slogan_file(text: str, policy: LintPolicy) -> tuple[str, list[Fix]]:
    """slogans.yaml with the safe repairs applied in place, and the list of repairs.

    Safe repairs: NFC normalisation, HTML entities, legacy-encoding decoding when the reading is confident, the eth
    homoglyph, and spacing (before !?,.;:, after ,;:, inside brackets, doubled, at the ends). Spelling, capitals and
    numbers are never changed. Only the characters of the affected values are rewritten; comments, key order,
    indentation and quoting stay as they are (a plain value that would need quotes after the repair becomes a
    double-quoted one). A value whose repair cannot be written back exactly is left unchanged.
    """
    scalars = _scalars(text)
    if scalars is None:
        return text, []
    allow = _Allow(policy)
    expected: list[str] = []
    patches: dict[int, list[tuple[int, int, str]]] = {}
    repairs: dict[int, list[Fix]] = {}
    for k, scalar in enumerate(scalars):
        value, done, doc = _fix_value(scalar, allow)
        expected.append(scalar.raw)
        if value == scalar.raw or not done:
            continue
        found = _patches(scalar, doc.original_edits(scalar.raw))
        if found is None:
            found = _requote(scalar, value)
        if found is None:
            continue
        patches[k] = found
        expected[k] = value
        fixes: list[Fix] = []
        for origin, before, after, rule, message in done:
            line, column = scalar.raw_position(origin)
            fixes.append(Fix(line, column, before, after, rule, message))
        repairs[k] = fixes
    while patches:
        result = _patched(text, patches)
        root = _compose(result)
        values = [str(node.value) for node, _ in _text_nodes(root)] if root is not None else []
        if len(values) != len(expected):
            bad = {_first_breaking(text, patches, expected)}  # the structure changed: find the culprit
        else:
            bad = {k for k in patches if values[k] != expected[k]}
        if not bad:
            return result, [f for k in sorted(patches) for f in repairs[k]]
        for k in bad:
            requoted = _requote(scalars[k], expected[k])
            if requoted is not None and patches[k] != requoted:
                patches[k] = requoted  # a plain value that now needs quotes
            else:
                del patches[k]  # cannot be written back exactly: leave this value as it is
                expected[k] = scalars[k].raw
    return text, []


def _first_breaking(text: str, patches: dict[int, list[tuple[int, int, str]]], expected: list[str]) -> int:
    for k in sorted(patches):
        root = _compose(_patched(text, {k: patches[k]}))
        values = [str(node.value) for node, _ in _text_nodes(root)] if root is not None else []
        if len(values) != len(expected) or values[k] != expected[k]:
            return k
    return min(patches)
