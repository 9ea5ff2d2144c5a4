"""Where each character of a YAML scalar's value was written in the file, read the way PyYAML's scanner reads it."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

_BREAK_CHARS = "\r\n\x85\u2028\u2029"
_ESCAPES = yaml.scanner.Scanner.ESCAPE_REPLACEMENTS
_ESCAPE_CODES = yaml.scanner.Scanner.ESCAPE_CODES

Break = tuple[str, int, int]  # the value a line break reads as, and where it was written


def break_len(text: str, i: int) -> int:
    """Length of the line break at text[i] (2 for CRLF), 0 when there is none."""
    if i >= len(text):
        return 0
    if text.startswith("\r\n", i):
        return 2
    return 1 if text[i] in _BREAK_CHARS else 0


def _break_at(text: str, i: int, n: int) -> Break:
    raw = text[i : i + n]
    return (raw if raw in ("\u2028", "\u2029") else "\n"), i, i + n


@dataclass
class SourceMap:
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

    def emit_break(self, found: Break) -> None:
        self.emit(found[0], found[1], found[2], True)


def source_map(text: str, node: yaml.ScalarNode, key_column: int) -> SourceMap | None:
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


# --- plain and quoted scalars, after PyYAML's scan_plain / scan_flow_scalar ---
def _map_flow(text: str, start: int, end: int, style: str | None) -> SourceMap | None:
    out = SourceMap()
    quote = style if style in ("'", '"') else ""
    i, stop = (start + 1, end - 1) if quote else (start, end)
    while i < stop:
        ch = text[i]
        if ch in " \t" if quote else ch == " ":
            i = _flow_spaces(text, i, stop, quote, out)
        elif break_len(text, i):
            i = _flow_line_break(text, i, stop, quote, out)
        elif quote == "'" and ch == "'":
            out.emit("'", i, i + 2)  # '' inside single quotes
            i += 2
        elif quote == '"' and ch == "\\":
            found = _flow_escape(text, i, out)
            if found is None:
                return None
            i = found
        else:
            out.emit(ch, i, i + 1)
            i += 1
    return out


def _flow_spaces(text: str, i: int, stop: int, quote: str, out: SourceMap) -> int:
    """A run of spaces: kept, unless a line break follows it."""
    j = i
    while j < stop and (text[j] in " \t" if quote else text[j] == " "):
        j += 1
    if not break_len(text, j):
        for k in range(i, j):
            out.emit(text[k], k, k + 1)
    return j


def _flow_line_break(text: str, i: int, stop: int, quote: str, out: SourceMap) -> int:
    """A line break inside the scalar: folded to a space, or kept as the blank lines after it."""
    first = _break_at(text, i, break_len(text, i))
    folded = SourceMap()
    i = _flow_breaks(text, first[2], folded) if quote else _plain_breaks(text, first[2], stop, folded)
    if first[0] != "\n":
        out.emit_break(first)
    elif not folded.chars:
        out.emit(" ", first[1], first[2], True)
    for k, c in enumerate(folded.chars):
        out.emit(c, folded.starts[k], folded.ends[k], True)
    return i


def _flow_breaks(text: str, i: int, out: SourceMap) -> int:
    """Blank lines after a folded line break (quoted scalars): each becomes a newline."""
    while True:
        while i < len(text) and text[i] in " \t":
            i += 1
        n = break_len(text, i)
        if not n:
            return i
        out.emit_break(_break_at(text, i, n))
        i += n


def _plain_breaks(text: str, i: int, stop: int, out: SourceMap) -> int:
    """Blank lines after a folded line break (plain scalars)."""
    while i < stop:
        if text[i] == " ":
            i += 1
            continue
        n = break_len(text, i)
        if not n:
            break
        out.emit_break(_break_at(text, i, n))
        i += n
    return i


def _flow_escape(text: str, i: int, out: SourceMap) -> int | None:
    """A backslash escape of a double-quoted scalar; None when PyYAML would not accept it."""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if nxt in _ESCAPES:
        out.emit(_ESCAPES[nxt], i, i + 2)
        return i + 2
    if nxt in _ESCAPE_CODES:
        length = _ESCAPE_CODES[nxt]
        digits = text[i + 2 : i + 2 + length]
        try:
            out.emit(chr(int(digits, 16)), i, i + 2 + length)
        except ValueError:
            return None
        return i + 2 + length
    if break_len(text, i + 1):
        return _flow_breaks(text, i + 1 + break_len(text, i + 1), out)  # escaped line break
    return None


# --- literal (|) and folded (>) scalars, after PyYAML's scan_block_scalar ---
@dataclass
class _Header:
    folding: bool
    chomping: bool | None  # True: keep (+), False: strip (-), None: clip
    increment: int | None
    end: int  # index of the first content line


def _block_header(text: str, start: int) -> _Header | None:
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
        while i < len(text) and not break_len(text, i):
            i += 1
    n = break_len(text, i)
    if not n and i < len(text):
        return None
    return _Header(text[start] == ">", chomping, increment, i + n)


def _block_breaks(text: str, i: int, col: int, indent: int) -> tuple[int, int, list[Break]]:
    """Indentation and blank lines up to the next content line (or a less indented line)."""
    found: list[Break] = []
    while col < indent and i < len(text) and text[i] == " ":
        i, col = i + 1, col + 1
    while m := break_len(text, i):
        found.append(_break_at(text, i, m))
        i, col = i + m, 0
        while col < indent and i < len(text) and text[i] == " ":
            i, col = i + 1, col + 1
    return i, col, found


def _auto_indent(text: str, i: int, min_indent: int) -> tuple[int, int, int, list[Break]]:
    """Without an indentation indicator: the indentation of the first content line, and the blank lines before it."""
    col = max_indent = 0
    breaks: list[Break] = []
    while i < len(text) and (text[i] == " " or break_len(text, i)):
        if text[i] == " ":
            i, col = i + 1, col + 1
            max_indent = max(max_indent, col)
        else:
            m = break_len(text, i)
            breaks.append(_break_at(text, i, m))
            i, col = i + m, 0
    return i, col, max(min_indent, max_indent), breaks


def _map_block(text: str, start: int, key_column: int) -> SourceMap | None:
    header = _block_header(text, start)
    if header is None:
        return None
    min_indent = max(key_column + 1, 1)
    if header.increment is None:
        i, col, indent, breaks = _auto_indent(text, header.end, min_indent)
    else:
        indent = min_indent + header.increment - 1
        i, col, breaks = _block_breaks(text, header.end, 0, indent)
    out = SourceMap()
    line_break: Break | None = None
    while col == indent and i < len(text):
        for b in breaks:
            out.emit_break(b)
        leading_non_space = text[i] not in " \t"
        while i < len(text) and not break_len(text, i):
            out.emit(text[i], i, i + 1)
            i, col = i + 1, col + 1
        m = break_len(text, i)
        line_break = _break_at(text, i, m) if m else None
        i, col, breaks = _block_breaks(text, i + m, 0, indent)
        if not (col == indent and i < len(text)):
            break
        _join_lines(text, i, header.folding and leading_non_space, line_break, breaks, out)
    _chomp(header.chomping, line_break, breaks, out)
    return out


def _join_lines(
    text: str, i: int, may_fold: bool, line_break: Break | None, breaks: list[Break], out: SourceMap
) -> None:
    """Between two content lines: a folded line break reads as a space (or nothing before blank lines)."""
    if may_fold and line_break is not None and line_break[0] == "\n" and text[i] not in " \t":
        if not breaks:
            out.emit(" ", line_break[1], line_break[2], True)
    elif line_break is not None:
        out.emit_break(line_break)


def _chomp(chomping: bool | None, line_break: Break | None, breaks: list[Break], out: SourceMap) -> None:
    """The final line break (kept unless stripped) and trailing blank lines (kept only with '+')."""
    if chomping is not False and line_break is not None:
        out.emit_break(line_break)
    if chomping is True:
        for b in breaks:
            out.emit_break(b)


class Lines:
    """Index -> (line, column), 1-based, counting line breaks and columns the way PyYAML does."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        i = 0
        while i < len(text):
            n = break_len(text, i)
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
