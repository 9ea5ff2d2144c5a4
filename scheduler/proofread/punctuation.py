"""The punctuation family: spaces around punctuation and inside brackets, doubled and edge spaces, unbalanced
brackets and quotes, straight and curly quotes mixed. Spacing findings carry the edit that repairs them."""

from __future__ import annotations

import re

from scheduler.proofread.finding import Finding, Span, inside, overlaps
from scheduler.proofread.tokens import LIST_MARK, url_spans

_WS = " \t\u00a0\u2000-\u200a\u202f\u3000"
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
_CLOSER_OF = {**_PAIRS, "“": "”", "«": "»", '"': '"'}

SPACING_RULES = frozenset(
    ("punct-space-before", "punct-space-after", "punct-space-inside-brackets", "punct-double-space", "punct-space-edge")
)


def punctuation(text: str) -> list[Finding]:
    """Every punctuation finding of one text."""
    urls = url_spans(text)
    handled: list[Span] = []  # whitespace runs already reported by a more specific rule
    found = _space_before(text, urls, handled)
    found += _space_after(text, urls)
    found += _space_inside_open(text, handled)
    found += _space_inside_close(text, handled)
    found += _double_space(text, handled)
    found += _edge_space(text)
    found += _balance(text)
    found += _mixed_quotes(text)
    return found


def _space_before(text: str, urls: list[Span], handled: list[Span]) -> list[Finding]:
    found: list[Finding] = []
    for m in _SPACE_BEFORE.finditer(text):
        ws_start, ws_end = m.span(1)
        mark = m.group(2)
        if (mark == "." and text.startswith("..", m.start(2))) or inside(urls, m.start(2)):
            continue
        if text[ws_start - 1] in _OPENERS:
            continue  # "( ." is reported as a space inside the bracket
        handled.append((ws_start, ws_end))
        message = f"thừa dấu cách trước dấu '{mark}'; hãy xoá dấu cách"
        found.append(Finding(ws_start, "warning", "punct-space-before", message, (ws_start, ws_end, "")))
    return found


def _space_after(text: str, urls: list[Span]) -> list[Finding]:
    found: list[Finding] = []
    for m in _SPACE_AFTER.finditer(text):
        i = m.start()
        nxt = text[i + 1]
        prev = text[i - 1] if i else ""
        if nxt in _AFTER_OK or inside(urls, i):
            continue
        if prev.isdigit() and nxt.isdigit():
            continue  # 1,5 and 19:30
        message = f"thiếu dấu cách sau dấu '{m.group(1)}'; hãy thêm một dấu cách"
        found.append(Finding(i, "warning", "punct-space-after", message, (i + 1, i + 1, " ")))
    return found


def _space_inside_open(text: str, handled: list[Span]) -> list[Finding]:
    found: list[Finding] = []
    for m in _INSIDE_OPEN.finditer(text):
        a, b = m.span(2)
        handled.append((a, b))
        message = f"thừa dấu cách ngay sau dấu '{m.group(1)}'; hãy xoá dấu cách"
        found.append(Finding(a, "warning", "punct-space-inside-brackets", message, (a, b, "")))
    return found


def _space_inside_close(text: str, handled: list[Span]) -> list[Finding]:
    found: list[Finding] = []
    for m in _INSIDE_CLOSE.finditer(text):
        a, b = m.span(1)
        if overlaps(handled, a, b):
            continue
        handled.append((a, b))
        message = f"thừa dấu cách ngay trước dấu '{m.group(2)}'; hãy xoá dấu cách"
        found.append(Finding(a, "warning", "punct-space-inside-brackets", message, (a, b, "")))
    return found


def _double_space(text: str, handled: list[Span]) -> list[Finding]:
    found: list[Finding] = []
    for m in _DOUBLE.finditer(text):
        a, b = m.span()
        if overlaps(handled, a, b):
            continue
        message = f"có {b - a} dấu cách liền nhau; chỉ để một dấu cách"
        found.append(Finding(a, "warning", "punct-double-space", message, (a, b, " ")))
    return found


def _edge_space(text: str) -> list[Finding]:
    found: list[Finding] = []
    for edge, where in ((_EDGE_START.search(text), "đầu"), (_EDGE_END.search(text), "cuối")):
        if edge and edge.group() and not (where == "cuối" and edge.start() == 0):
            message = f"thừa dấu cách ở {where} khẩu hiệu; hãy xoá dấu cách"
            found.append(Finding(edge.start(), "warning", "punct-space-edge", message, (edge.start(), edge.end(), "")))
    return found


def _balance(text: str) -> list[Finding]:
    """Brackets and quotes closed without being opened, then those opened and never closed."""
    found: list[Finding] = []
    brackets: list[tuple[str, int]] = []
    quotes: list[tuple[str, int]] = []
    markers = {m.end() - 1 for m in LIST_MARK.finditer(text)}
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
                    _unbalanced(i, f"dấu '{ch}' không có dấu mở tương ứng; hãy thêm dấu mở hoặc xoá dấu '{ch}'")
                )
        else:
            _quote(ch, i, quotes, found)
    for ch, i in brackets + quotes:
        closer = _CLOSER_OF[ch]
        message = f"dấu '{ch}' được mở nhưng không có dấu '{closer}' đóng; hãy thêm '{closer}' hoặc xoá '{ch}'"
        found.append(_unbalanced(i, message))
    return found


def _quote(ch: str, i: int, quotes: list[tuple[str, int]], found: list[Finding]) -> None:
    """One character of the quote balance: opens, closes or (for ") either."""
    if ch in "“«":
        quotes.append((ch, i))
    elif ch == "”":
        if quotes and quotes[-1][0] in '“"':
            quotes.pop()
        else:
            found.append(_unbalanced(i, "dấu ngoặc kép đóng '”' không có dấu mở '“' tương ứng"))
    elif ch == "»":
        if quotes and quotes[-1][0] == "«":
            quotes.pop()
        else:
            found.append(_unbalanced(i, "dấu '»' không có dấu mở '«' tương ứng"))
    elif ch == '"':
        if quotes and quotes[-1][0] in '"“':
            quotes.pop()
        else:
            quotes.append((ch, i))


def _unbalanced(at: int, message: str) -> Finding:
    return Finding(at, "error", "punct-unbalanced", message)


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
