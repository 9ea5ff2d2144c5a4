"""Making untrusted text safe to print or log: control characters are shown, never obeyed.

A platform's error message or a slogan may carry a newline followed by `<0>` (a forged EMERG line in
journald), an ESC sequence that repaints the terminal, or a bidi override that reverses what follows.
"""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_controls(text: str) -> str:
    """Replace every control or direction-changing character with a visible escape (\\n, \\x1b, \\u202e)."""
    return _UNSAFE.sub(_escape, text)


def escape_controls_keep_lines(text: str) -> str:
    """The same, but newlines stay: for our own multi-line output whose lines are each escaped."""
    return "\n".join(escape_controls(line) for line in text.split("\n"))


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def is_printable_name(text: str) -> bool:
    """No control or format characters at all (for names and ids that reach logs and file names)."""
    return not any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in text)
