"""PyYAML's (and libyaml's) English reader, scanner, parser and composer errors, said in Vietnamese and located.

libyaml and pure-Python PyYAML word the same error differently, so each known error is recognised by the
fragments either of them uses. An error that is not known here still gets a Vietnamese message, with the
character it stopped at, never PyYAML's English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

# What YAML refuses to read anywhere in a file (PyYAML's and libyaml's reader agree on this set).
_NOT_ALLOWED = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x0B: "VT", 0x0C: "FF", 0x1B: "ESC", 0x7F: "DEL"}


@dataclass(frozen=True)
class ReadProblem:
    """Why a file cannot be read as it stands, where (1-based), for a person."""

    line: int
    column: int
    message: str
    rule: str


def explain(exc: yaml.YAMLError, text: str) -> ReadProblem:
    """The located Vietnamese account of an error PyYAML raised while reading `text`."""
    if isinstance(exc, yaml.reader.ReaderError):
        found = control_character_problem(text)
        if found is not None:
            return found
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            reason = _reason(exc, _char_at(text, mark.index))
            return ReadProblem(mark.line + 1, mark.column + 1, f"lỗi cú pháp YAML: {reason}", "yaml-syntax")
    return ReadProblem(1, 1, "lỗi cú pháp YAML: tệp không đọc được như YAML", "yaml-syntax")


def control_character_problem(text: str) -> ReadProblem | None:
    """The first character YAML does not accept, at its real line and column, and how many others follow."""
    found = _NOT_ALLOWED.search(text)
    if found is None:
        return None
    index = found.start()
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    code = ord(found.group())
    name = f"U+{code:04X}" + (f" ({_CONTROL_NAMES[code]})" if code in _CONTROL_NAMES else "")
    others = len(_NOT_ALLOWED.findall(text)) - 1
    message = (
        f"có ký tự điều khiển (không in được) {name} ở đây; YAML không cho phép ký tự này "
        "(thường do sao chép từ Word, PDF hay trang web, hoặc tệp bị hỏng): hãy xóa nó"
    )
    if others:
        message += f"; còn {others} ký tự như vậy khác trong tệp"
    return ReadProblem(line, column, message, "control-character")


def _char_at(text: str, index: int) -> str:
    return text[index] if 0 <= index < len(text) else ""


# (fragments of PyYAML's or libyaml's wording, reason in Vietnamese); the first match wins.
_REASONS: list[tuple[tuple[str, ...], str]] = [
    (("found character '\\t'", "tab character"), "có ký tự Tab; YAML chỉ cho phép thụt lề bằng dấu cách"),
    (
        ("mapping values are not allowed",),
        "dấu ':' không đúng chỗ (thiếu dấu cách sau ':' hoặc cần đặt giá trị trong ngoặc kép)",
    ),
    (("could not find expected ':'",), "thiếu dấu ':' sau tên khóa"),
    (("found undefined alias",), "tham chiếu (*alias) chưa được định nghĩa"),
    (("found duplicate anchor",), "tên neo (&tên) bị đặt hai lần{context}; mỗi tên neo chỉ được đặt một lần"),
    (
        ("expected a single document", "found another document"),
        "tệp chỉ được có một tài liệu YAML; hãy xóa dòng '---' thứ hai và phần sau nó nếu thừa",
    ),
    (
        ("unknown escape character",),
        "ký tự thoát sau '\\' không hợp lệ trong ngoặc kép; viết '\\\\' cho dấu gạch ngược, hoặc dùng ngoặc đơn '...'",
    ),
    (
        ("hexdecimal number", "hexadecimal number", "Unicode character escape"),
        "sau \\x, \\u hay \\U trong ngoặc kép phải có đủ chữ số hệ 16 (ví dụ \\u00e2)",
    ),
    (("',' or ']'",), "danh sách mở bằng '['{context} chưa được đóng bằng ']' hoặc thiếu dấu ',' giữa các mục"),
    (
        ("',' or '}'",),
        "bảng mở bằng '{{'{context} chưa được đóng bằng '}}' hoặc thiếu dấu ',' giữa các cặp khóa: giá trị",
    ),
    (("scanning an anchor", "scanning an alias"), "ngay sau '&' hay '*' phải là tên gồm chữ cái hoặc chữ số"),
    (
        ("block scalar",),
        "sau '|' hay '>' chỉ được có '+', '-', một chữ số thụt lề hoặc chú thích '#'; nội dung bắt đầu từ dòng sau",
    ),
    (("document indicator", "document separator"), "chuỗi trong ngoặc chưa được đóng trước dòng '---' hoặc '...'"),
    (("unexpected end of stream", "found unexpected end"), "chuỗi trong ngoặc kép chưa được đóng"),
    (("incompatible YAML document",), "tệp khai báo phiên bản YAML không được hỗ trợ; hãy xóa dòng '%YAML' ở đầu tệp"),
    (("directive",), "chỉ thị bắt đầu bằng '%' không hợp lệ; hãy xóa dòng đó (hoặc đặt giá trị trong ngoặc kép)"),
    (
        ("tag",),
        "thẻ kiểu '!...' không hợp lệ; tệp này không cần thẻ kiểu: hãy xóa phần bắt đầu bằng '!' hoặc đặt giá trị trong ngoặc kép",
    ),
    (
        ("block sequence entries are not allowed",),
        "dấu '-' của mục danh sách không được đặt ở đây; hãy đặt danh sách ở các dòng riêng dưới tên khóa",
    ),
    (
        ("expected '-' indicator", "expected <block end>, but found '-'"),
        "thụt lề không thẳng hàng hoặc thiếu dấu '-' đầu mục danh sách",
    ),
    (("node content",), "thiếu giá trị ở đây (có dấu ',' thừa, hoặc ký tự đặc biệt cần đặt trong ngoặc kép)"),
    (("document start",), "có nội dung thừa ở đây sau khi tệp đã kết thúc (thường do thụt lề sai)"),
    (("comment or line break",), "có ký tự thừa ở đây; sau giá trị chỉ được xuống dòng hoặc viết chú thích '#'"),
    (("UTF-8", "utf-8"), "tệp không phải UTF-8 hợp lệ; hãy lưu lại tệp với bảng mã UTF-8"),
    (
        ("expected <block end>", "did not find expected key", "did not find expected"),
        "thụt lề không thẳng hàng hoặc thiếu dấu '-' đầu mục danh sách",
    ),
]


def _reason(exc: yaml.MarkedYAMLError, char: str) -> str:
    wording = f"{exc.context or ''} {exc.problem or ''}"
    if "cannot start any token" in wording:
        return _cannot_start(char)
    if "could not find expected ':'" in wording and _span(exc) > _SIMPLE_KEY_LIMIT:
        return (
            f"tên khóa dài quá {_SIMPLE_KEY_LIMIT:,} ký tự (giới hạn của YAML) hoặc thiếu dấu ':' sau tên khóa".replace(
                ",", "."
            )
        )
    context = ""
    if exc.context_mark is not None and exc.problem_mark is not None and exc.context_mark.line != exc.problem_mark.line:
        context = f" (ở dòng {exc.context_mark.line + 1})"  # where the list, mapping or first anchor began
    for fragments, reason in _REASONS:
        if any(fragment in wording for fragment in fragments):
            return reason.format(context=context)
    shown = f" tại ký tự '{char}'" if char.isprintable() and char.strip() else ""
    return f"cú pháp không hợp lệ{shown}; hãy kiểm tra thụt lề, dấu ':' và ngoặc kép ở dòng này"


_SIMPLE_KEY_LIMIT = 1024  # YAML looks for a key's ':' within this many characters


def _span(exc: yaml.MarkedYAMLError) -> int:
    """How far the error is from where its context began (0 when either is unknown)."""
    if exc.context_mark is None or exc.problem_mark is None:
        return 0
    return int(exc.problem_mark.index - exc.context_mark.index)


def _cannot_start(char: str) -> str:
    if char == "\t":
        return "có ký tự Tab; YAML chỉ cho phép thụt lề bằng dấu cách"
    if char in "@`":
        return (
            f"giá trị không được bắt đầu bằng '{char}' (YAML dành riêng ký tự này); hãy đặt cả giá trị trong ngoặc kép"
        )
    shown = f"'{char}'" if char.isprintable() and char.strip() else "này"
    return f"ký tự {shown} không được đứng ở đây; hãy đặt cả giá trị trong ngoặc kép"
