"""Writing a repaired value back into the YAML source: the replacements of the file's characters, escaped for the
scalar's quoting style, that make PyYAML read the new value."""

from __future__ import annotations

from scheduler.proofread.encoding import invisible
from scheduler.proofread.finding import Edit, splice
from scheduler.proofread.slogan_texts import SloganText


def source_patches(scalar: SloganText, edits: list[Edit]) -> list[Edit] | None:
    """Source replacements for value edits, or None when an edit touches YAML line folding."""
    smap = scalar.smap
    if smap is None:
        return None
    out: list[Edit] = []
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


def requote(scalar: SloganText, value: str) -> list[Edit] | None:
    """Rewrite a one-line plain scalar as a double-quoted one (when a repair made it need quotes)."""
    node = scalar.node
    if node.style is not None or node.start_mark.line != node.end_mark.line:
        return None
    return [(node.start_mark.index, node.end_mark.index, '"' + _escape_double(value) + '"')]


def patched(text: str, patches: dict[int, list[Edit]]) -> str:
    """The file with the patches of every value applied."""
    return splice(text, sorted((p for ps in patches.values() for p in ps), key=lambda p: (p[0], p[1])))


def _escape(text: str, style: str | None) -> str | None:
    """The replacement as it must be written inside a scalar of this style; None when it cannot be."""
    if style == '"':
        return _escape_double(text)
    if any(invisible(ch) or ch in "\n\u2028\u2029" for ch in text):
        return None
    if style == "'":
        return text.replace("'", "''")
    return text


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
