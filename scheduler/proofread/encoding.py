"""The encoding family: legacy-font and wrong-code-page text, HTML entities, lost (U+FFFD) and invisible characters,
the eth look-alike for Đ, and decomposed Unicode. A text with a blocking encoding defect is checked no further."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from scheduler.proofread.finding import Edit, Finding
from scheduler.proofread.legacy_encodings import ENCODING_NAMES, ENCODING_RULES, Decoding, decode
from scheduler.proofread.lookalikes import (
    lookalike_edits,
    lookalike_message,
    marks_on_lookalikes_only,
    without_lookalikes,
)
from scheduler.proofread.normalisation import normalisation_rule, raw_to_nfc
from scheduler.proofread.tokens import Allow

_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_INVISIBLE_NAMES = {
    "\u00ad": "dấu gạch nối mềm",
    "\u200b": "dấu cách độ rộng 0",
    "\u200c": "ký tự ngăn nối",
    "\u200d": "ký tự nối",
    "\ufeff": "dấu BOM",
    "\t": "dấu Tab",
}


@dataclass
class EncodingCheck:
    findings: list[Finding]
    blocking: bool  # the text must be repaired before its words can be checked
    decoding: Decoding | None = None


def encoding(raw: str, nfc: str, allow: Allow) -> EncodingCheck:
    """The encoding findings of one text (raw: as written; nfc: its NFC form, where the offsets point)."""
    found: list[Finding] = []
    if nfc != raw and not marks_on_lookalikes_only(raw):
        found.append(_not_nfc(raw, nfc))
    decoding = legacy(nfc, allow)
    if decoding is not None:
        found.append(_legacy_finding(decoding))
    else:
        found += [_homoglyph_finding(nfc, edit) for edit in homoglyph_edits(nfc)]
    entities = entity_edits(nfc)
    found += [_entity_finding(nfc, edit) for edit in entities]
    bad = nfc.find("\ufffd")
    if bad >= 0:
        found.append(_replacement_char(bad))
    if decoding is None:
        found += _invisible_char(nfc)
    return EncodingCheck(found, decoding is not None or bool(entities) or bad >= 0, decoding)


def legacy(text: str, allow: Allow) -> Decoding | None:
    """The legacy-encoding reading of a damaged text; None when it is clean or its only defect is 'Ð' for 'Đ'.

    'Ð' is TCVN3's é and cp1258's Đ, and also a look-alike typed for Đ: when the text is clean once every 'Ð'
    is read as 'Đ', the look-alike is reported instead of an encoding.
    """
    clean = without_homoglyphs(text)
    if clean != text and decode(clean, allow.token) is None:
        return None
    return decode(text, allow.token)


def without_homoglyphs(text: str) -> str:
    """The text with every lookalike letter (eth, Cyrillic, Greek) read as its Latin letter (same length)."""
    return without_lookalikes(text)


def homoglyph_edits(text: str) -> list[Edit]:
    return lookalike_edits(text)


def entity_edits(text: str) -> list[Edit]:
    """HTML entities that stand for a character, with that character."""
    out: list[Edit] = []
    for m in _ENTITY.finditer(text):
        value = unicodedata.normalize("NFC", html.unescape(m.group()))
        if value != m.group():
            out.append((m.start(), m.end(), value))
    return out


def invisible(ch: str) -> bool:
    """A control or format character (a line break is not one)."""
    return ch not in "\n\u2028\u2029" and unicodedata.category(ch) in ("Cc", "Cf")


def _not_nfc(raw: str, nfc: str) -> Finding:
    first = next((i for i, (x, y) in enumerate(zip(raw, nfc, strict=False)) if x != y), 0)
    rule = normalisation_rule(raw)
    what = (
        "văn bản đang ở dạng Unicode tổ hợp (NFD)"
        if rule == "encoding-nfd"
        else "văn bản lẫn chữ Unicode dựng sẵn và chữ Unicode tổ hợp"
    )
    return Finding(
        raw_to_nfc(raw, first),
        "warning",
        rule,
        what + "; chương trình tự chuyển sang dạng dựng sẵn (NFC) khi đăng, nhưng hãy sửa tệp: chạy "
        "'danvan check --fix' hoặc gõ lại bằng bảng mã Unicode dựng sẵn",
    )


def _homoglyph_finding(text: str, edit: Edit) -> Finding:
    i = edit[0]
    return Finding(i, "error", "encoding-homoglyph", lookalike_message(text[i]), edit)


def _entity_finding(text: str, edit: Edit) -> Finding:
    start, end, value = edit
    message = f"mã HTML '{text[start:end]}' nằm trong văn bản; hãy thay bằng ký tự '{value}'"
    return Finding(start, "error", "encoding-html-entity", message, edit)


def _replacement_char(at: int) -> Finding:
    return Finding(
        at,
        "error",
        "encoding-replacement-char",
        "có ký tự '\ufffd' (U+FFFD): một chữ đã bị hỏng khi chuyển bảng mã và không khôi phục được; "
        "hãy chép lại khẩu hiệu từ văn bản gốc",
    )


def _invisible_char(text: str) -> list[Finding]:
    """The first invisible character only: one is enough to make the text be retyped."""
    for i, ch in enumerate(text):
        if invisible(ch):
            name = _INVISIBLE_NAMES.get(ch, "ký tự điều khiển")
            message = f"có {name} (U+{ord(ch):04X}) không nhìn thấy được trong văn bản; hãy xoá ký tự này"
            return [Finding(i, "error", "encoding-control-char", message)]
    return []


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
