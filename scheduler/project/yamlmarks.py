"""YAML reading that keeps the line and column of every node, so each problem can point at its key or value.

PyYAML's composer gives us the node tree with marks; we validate that tree directly instead of the plain
Python objects `safe_load` would give, which have lost their positions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scheduler.errors import InputError, Problem, Severity, UnreadableFileError
from scheduler.project.limits import MAX_FILE_BYTES
from scheduler.project.yamlbounds import FAST_LOADER, limit_problem, too_large_problem
from scheduler.project.yamlsyntax import explain
from scheduler.textsafety import escape_controls

STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
FLOAT_TAG = "tag:yaml.org,2002:float"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"

_TYPE_NAMES = {
    STR_TAG: "chuỗi",
    INT_TAG: "số nguyên",
    BOOL_TAG: "true/false",
    NULL_TAG: "rỗng",
    FLOAT_TAG: "số thực",
    TIMESTAMP_TAG: "ngày",
}

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def describe(node: yaml.Node) -> str:
    """A Vietnamese name for what the officer actually wrote, for 'expected X, found Y' messages."""
    if isinstance(node, yaml.MappingNode):
        return "bảng khóa: giá trị"
    if isinstance(node, yaml.SequenceNode):
        return "danh sách"
    return _TYPE_NAMES.get(node.tag, "giá trị")


@dataclass
class Report:
    """Collects the problems found in one file; positions come from YAML marks (0-based) made 1-based."""

    path: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, node: yaml.Node | yaml.Mark, severity: Severity, message: str, rule: str) -> None:
        mark = node.start_mark if isinstance(node, yaml.Node) else node
        self.at(mark.line + 1, mark.column + 1, severity, message, rule)

    def error(self, node: yaml.Node | yaml.Mark, message: str, rule: str) -> None:
        self.add(node, "error", message, rule)

    def warning(self, node: yaml.Node | yaml.Mark, message: str, rule: str) -> None:
        self.add(node, "warning", message, rule)

    def at(self, line: int, column: int, severity: Severity, message: str, rule: str) -> None:
        # Messages quote what the file says ('dan-van-kheo\n'): shown escaped, each problem stays one line.
        self.problems.append(Problem(self.path, line, column, severity, escape_controls(message), rule))

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


def read_text_file(path: Path) -> str:
    """A YAML file's text (UTF-8, with or without a byte-order mark); an unreadable file says why in Vietnamese.

    At most MAX_FILE_BYTES are read, so a huge or endless file costs no more than that; a larger file raises
    InputError with a located problem. Line ends are made \\n, as text mode would.
    """
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError as exc:
        raise UnreadableFileError(f"{path}: không tìm thấy tệp") from exc
    except OSError as exc:
        raise UnreadableFileError(f"{path}: không đọc được tệp ({exc.strerror})") from exc
    if len(data) > MAX_FILE_BYTES:
        raise InputError([too_large_problem(str(path), data)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            f"{path}: tệp không phải UTF-8 (byte lỗi ở vị trí {exc.start}); hãy lưu lại tệp với bảng mã UTF-8"
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def compose(text: str, report: Report) -> yaml.Node | None:
    """Parse YAML into a node tree, within the limits; a syntax error or a limit becomes a located problem."""
    try:
        found = limit_problem(text)
        if found is None:
            return yaml.compose(text, Loader=FAST_LOADER)
    except yaml.YAMLError as exc:
        found = explain(exc, text)
    report.at(found.line, found.column, "error", found.message, found.rule)
    return None


def mapping_items(node: yaml.MappingNode, report: Report) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    """(key, key node, value node) for each entry; duplicate and non-text keys are reported, not yielded."""
    seen: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            report.error(key_node, "tên khóa phải là một chữ, không phải danh sách hay bảng", "wrong-type")
            continue
        key = str(key_node.value)
        if key in seen:
            first = seen[key].start_mark.line + 1
            report.error(key_node, f"khóa '{key}' bị lặp lại (đã có ở dòng {first})", "duplicate-key")
            continue
        seen[key] = key_node
        yield key, key_node, value_node


def construct(node: yaml.Node) -> Any:
    """The plain Python value of a node (int, bool, str, date, list, dict...)."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def nowhere() -> yaml.Mark:
    """The start of the file, for a problem whose node is missing."""
    return yaml.Mark("", 0, 0, 0, "", 0)


def position(node: yaml.Node) -> tuple[int, int]:
    """1-based line and column where a node starts."""
    return node.start_mark.line + 1, node.start_mark.column + 1


def is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG


def scalar_text(node: yaml.ScalarNode) -> str:
    """The text as written, which matters for values YAML 1.1 would otherwise turn into numbers (19:30)."""
    return str(node.value)


def value_column(node: yaml.ScalarNode) -> int:
    """1-based column of the first character of a scalar's text (after an opening quote)."""
    quoted = node.style in ("'", '"')
    return node.start_mark.column + 1 + (1 if quoted else 0)


def parse_date(node: yaml.Node) -> dt.date | None:
    """A date written as YYYY-MM-DD (quoted or not); None when it is not one or does not exist."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    text = scalar_text(node).strip()
    if not _DATE_RE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def closest(word: str, choices: list[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return found[0] if found else None


class Fields:
    """Typed, located access to one YAML mapping; every misuse becomes a problem in the report.

    Getters return None (or the default) after reporting, so validation goes on and all problems of a
    file are found in one run.
    """

    def __init__(
        self,
        node: yaml.Node | None,
        report: Report,
        where: str,
        allowed: list[str],
        required: tuple[str, ...] = (),
    ) -> None:
        self.report = report
        self.where = where
        self.entries: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        self.node = node
        if node is None:
            return
        if not isinstance(node, yaml.MappingNode):
            report.error(node, f"{where} phải là bảng khóa: giá trị, không phải {describe(node)}", "wrong-type")
            self.node = None
            return
        for key, key_node, value_node in mapping_items(node, report):
            if key not in allowed:
                self._unknown_key(key, key_node, allowed)
                continue
            self.entries[key] = (key_node, value_node)
        for key in required:
            if key not in self.entries:
                self.report_missing(key)

    def report_missing(self, key: str) -> None:
        """A required key is absent: said at the mapping (or at the file's start when there is none)."""
        self.report.error(self.node or nowhere(), f"{self.where} thiếu khóa bắt buộc '{key}'", "missing-key")

    def _unknown_key(self, key: str, key_node: yaml.Node, allowed: list[str]) -> None:
        hint = closest(key, allowed)
        suggestion = f"; có phải ý bạn là '{hint}'?" if hint else f"; các khóa hợp lệ: {', '.join(allowed)}"
        self.report.error(key_node, f"khóa '{key}' không được hỗ trợ trong {self.where}{suggestion}", "unknown-key")

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def value_node(self, key: str) -> yaml.Node | None:
        entry = self.entries.get(key)
        return entry[1] if entry else None

    def key_node(self, key: str) -> yaml.Node | None:
        entry = self.entries.get(key)
        return entry[0] if entry else None

    def _wrong_type(self, key: str, node: yaml.Node, expected: str) -> None:
        self.report.error(
            node, f"'{key}' trong {self.where} phải là {expected}, không phải {describe(node)}", "wrong-type"
        )

    def string(self, key: str, default: str | None = None, *, allow_number: bool = False) -> str | None:
        node = self.value_node(key)
        if node is None or is_null(node):
            return default
        accepted = {STR_TAG, INT_TAG} if allow_number else {STR_TAG}
        if not isinstance(node, yaml.ScalarNode) or node.tag not in accepted:
            self._wrong_type(key, node, "chuỗi (đặt trong ngoặc kép nếu cần)")
            return None
        return scalar_text(node)

    def boolean(self, key: str, default: bool) -> bool:
        node = self.value_node(key)
        if node is None:
            return default
        if not isinstance(node, yaml.ScalarNode) or node.tag != BOOL_TAG:
            self._wrong_type(key, node, "true hoặc false")
            return default
        return bool(construct(node))

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        node = self.value_node(key)
        if node is None:
            return default
        if not isinstance(node, yaml.ScalarNode) or node.tag != INT_TAG:
            self._wrong_type(key, node, "số nguyên")
            return default
        value = int(construct(node))
        if not low <= value <= high:
            self.report.error(
                node, f"'{key}' trong {self.where} phải từ {low} đến {high}, không phải {value}", "out-of-range"
            )
            return default
        return value

    def mapping(self, key: str) -> yaml.MappingNode | None:
        node = self.value_node(key)
        if node is None or is_null(node):
            return None
        if not isinstance(node, yaml.MappingNode):
            self._wrong_type(key, node, "bảng khóa: giá trị")
            return None
        return node

    def sequence(self, key: str) -> yaml.SequenceNode | None:
        node = self.value_node(key)
        if node is None or is_null(node):
            return None
        if not isinstance(node, yaml.SequenceNode):
            self._wrong_type(key, node, "danh sách")
            return None
        return node

    def date(self, key: str) -> dt.date | None:
        node = self.value_node(key)
        if node is None:
            return None
        value = parse_date(node)
        if value is None:
            self.report.error(
                node, f"'{key}' trong {self.where} phải là một ngày có thật dạng YYYY-MM-DD", "invalid-date"
            )
        return value
