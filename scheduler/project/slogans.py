"""The slogan file: the campaign plan's metadata and its official slogans, as typed, located values."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from scheduler.errors import InputError, Problem
from scheduler.project.limits import MAX_SLOGAN_CHARS
from scheduler.project.yamlmarks import (
    Fields,
    Report,
    compose,
    describe,
    is_null,
    parse_date,
    read_text_file,
    value_column,
)
from scheduler.timefmt import day_text

SLOGAN_ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # always fullmatch: `$` lets a final \n through
_SPACES_RE = re.compile(r"\s+")
_END_OF_LINE = 1_000_000_000  # a column past any real one


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True)
class Plan:
    id: str
    title: str
    issued_by: str
    issued_on: dt.date | None
    start: dt.date
    end: dt.date

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Slogan:
    id: str
    text: str  # always NFC
    source: str | None = None
    dates: tuple[dt.date, ...] = ()
    enabled: bool = True
    text_at: Position = Position(1, 1)


@dataclass(frozen=True)
class SloganEntry:
    """One item of `slogans:` as written: its id (or `slogans[N]` when it has none) and where it starts and ends."""

    label: str
    start: Position
    end: Position

    def contains(self, line: int, column: int) -> bool:
        return (self.start.line, self.start.column) <= (line, column) <= (self.end.line, self.end.column)


@dataclass(frozen=True)
class HeldBack:
    """A slogan kept from posting because its own entry has errors; the others go on."""

    id: str
    problems: tuple[Problem, ...]

    @property
    def reason(self) -> str:
        first, others = self.problems[0].message, len(self.problems) - 1
        return f"{first} (và {others} lỗi khác)" if others else first

    @property
    def where(self) -> str:
        first = self.problems[0]
        return f"{first.path}:{first.line}:{first.column}"


@dataclass(frozen=True)
class SloganFile:
    path: Path
    plan: Plan
    slogans: tuple[Slogan, ...]
    entries: tuple[SloganEntry, ...] = field(default=(), compare=False)
    held_back: tuple[HeldBack, ...] = ()

    @property
    def enabled(self) -> tuple[Slogan, ...]:
        return tuple(s for s in self.slogans if s.enabled)

    def get(self, slogan_id: str) -> Slogan | None:
        return next((s for s in self.slogans if s.id == slogan_id), None)

    def held(self, slogan_id: str) -> HeldBack | None:
        return next((h for h in self.held_back if h.id == slogan_id), None)

    def holding_back(self, held: Iterable[HeldBack]) -> SloganFile:
        """A copy in which the `held` slogans are disabled (never planned nor posted), each with its reason."""
        held = tuple(held)
        ids = {h.id for h in held}
        slogans = tuple(replace(s, enabled=False) if s.id in ids else s for s in self.slogans)
        return replace(self, slogans=slogans, held_back=held)


def normalize_text(text: str) -> str:
    """NFC, with surrounding whitespace removed: how every slogan text is compared, hashed and drawn."""
    return unicodedata.normalize("NFC", text).strip()


def comparable(text: str) -> str:
    """The form under which two texts count as the same slogan (case, spacing and Unicode form ignored)."""
    return _SPACES_RE.sub(" ", normalize_text(text)).casefold()


def load_slogans(path: Path, *, lenient: bool = False) -> SloganFile:
    """Read and validate a slogan file; raise InputError with every problem when it has errors.

    `lenient`: only errors that break the file as a whole raise (for the commands that read what happened:
    one defective slogan must not stop `danvan log` or a backup)."""
    report = Report(str(path))
    text = read_text_file(path)
    result = parse_slogans_leniently(text, path, report) if lenient else parse_slogans(text, path, report)
    if result is None or (report.has_errors and not lenient):
        raise InputError(report.problems)
    return result


def parse_slogans(text: str, path: Path, report: Report) -> SloganFile | None:
    """The slogan file, or None when it has any error."""
    parsed = parse_slogans_leniently(text, path, report)
    return None if parsed is None or report.has_errors else parsed


def parse_slogans_leniently(text: str, path: Path, report: Report) -> SloganFile | None:
    """The slogan file even when some slogan entries have errors (those without an id or text are left out);
    None only when the file as a whole is broken (YAML syntax, `plan:`). Every error is in `report`."""
    root = compose(text, report)
    if root is None:
        if not report.has_errors:
            report.at(1, 1, "error", "tệp khẩu hiệu trống; cần có 'plan:' và 'slogans:'", "missing-key")
        return None
    top = Fields(root, report, "tệp khẩu hiệu", ["plan", "slogans"], required=("plan", "slogans"))
    plan = _parse_plan(top.mapping("plan"), report)
    items = top.sequence("slogans")
    slogans = _parse_slogan_list(items, report)
    if plan is None:
        return None
    _check_dates_in_period(slogans, plan, report)
    entries = _entries(items) if items is not None else ()
    return SloganFile(path=path, plan=plan, slogans=tuple(s for s, _ in slogans), entries=entries)


def _parse_plan(node: yaml.MappingNode | None, report: Report) -> Plan | None:
    if node is None:
        return None
    fields = Fields(
        node,
        report,
        "plan",
        ["id", "title", "issued_by", "issued_on", "period"],
        required=("id", "issued_by", "period"),
    )
    period = Fields(fields.mapping("period"), report, "plan.period", ["start", "end"], required=("start", "end"))
    start, end = period.date("start"), period.date("end")
    if start and end and end < start:
        report.error(
            period.value_node("end") or node, "plan.period: ngày kết thúc trước ngày bắt đầu", "invalid-period"
        )
        return None
    issued_on = fields.date("issued_on") if "issued_on" in fields else None
    plan_id, issued_by = fields.string("id"), fields.string("issued_by")
    if plan_id is None or issued_by is None or start is None or end is None:
        return None
    return Plan(
        id=plan_id,
        title=normalize_text(fields.string("title") or ""),
        issued_by=normalize_text(issued_by),
        issued_on=issued_on,
        start=start,
        end=end,
    )


def _parse_slogan_list(node: yaml.SequenceNode | None, report: Report) -> list[tuple[Slogan, yaml.Node]]:
    if node is None:
        return []
    parsed: list[tuple[Slogan, yaml.Node]] = []
    for index, item in enumerate(node.value):
        slogan = _parse_slogan(item, index, report)
        if slogan is not None:
            parsed.append((slogan, item))
    _check_unique_ids(parsed, report)
    _check_duplicate_texts(parsed, report)
    if not any(s.enabled for s, _ in parsed) and not report.has_errors:
        report.error(node, "không có khẩu hiệu nào đang bật (enabled); cần ít nhất một khẩu hiệu để đăng", "no-slogans")
    return parsed


_SLOGAN_KEYS = ["id", "text", "source", "dates", "enabled", "note"]


def _parse_slogan(item: yaml.Node, index: int, report: Report) -> Slogan | None:
    where = f"slogans[{index}]"
    fields = Fields(item, report, where, _SLOGAN_KEYS, required=("id", "text"))
    if fields.node is None:
        return None
    slogan_id = _slogan_id(fields, report)
    text = _slogan_text(fields, report)
    dates = _slogan_dates(fields, report)
    enabled = fields.boolean("enabled", True)
    source = fields.string("source")
    fields.string("note")
    if slogan_id is None or text is None or dates is None:
        return None
    text_node = fields.value_node("text")
    assert isinstance(text_node, yaml.ScalarNode)  # _slogan_text returned a value, so it is a scalar
    at = Position(text_node.start_mark.line + 1, value_column(text_node))
    return Slogan(id=slogan_id, text=text, source=source, dates=dates, enabled=enabled, text_at=at)


def _slogan_id(fields: Fields, report: Report) -> str | None:
    slogan_id = fields.string("id", allow_number=True)
    node = fields.value_node("id")
    if slogan_id is not None and node is not None and not SLOGAN_ID_RE.fullmatch(slogan_id):
        report.error(
            node,
            f"mã khẩu hiệu '{slogan_id}' không hợp lệ: chỉ dùng chữ thường không dấu a-z, số 0-9 và dấu '-' "
            "(ví dụ: ky-niem-91-nam)",
            "slogan-id",
        )
        return None
    return slogan_id


def _slogan_text(fields: Fields, report: Report) -> str | None:
    raw = fields.string("text")
    node = fields.value_node("text")
    if node is not None and is_null(node):
        report.error(node, "nội dung khẩu hiệu (text) đang để trống", "empty-text")
        return None
    if raw is None or node is None:
        return None
    text = normalize_text(raw)
    if not text:
        report.error(node, "nội dung khẩu hiệu (text) đang để trống", "empty-text")
        return None
    if len(text) > MAX_SLOGAN_CHARS:
        _too_long(text, node, report)
        return None
    # NFD or mixed forms are normalised here silently; `danvan check` reports them (lint.py, encoding-nfd).
    return text


def _too_long(text: str, node: yaml.Node, report: Report) -> None:
    """Said before proofreading and card fitting see the text: no card shows that much, and both cost per character."""
    assert isinstance(node, yaml.ScalarNode)  # fields.string returned its text
    report.at(
        node.start_mark.line + 1,
        value_column(node),
        "error",
        f"khẩu hiệu dài {len(text)} ký tự, quá giới hạn {MAX_SLOGAN_CHARS} ký tự (một thẻ ảnh không hiện được nhiều hơn); "
        "hãy rút gọn hoặc tách thành nhiều khẩu hiệu",
        "slogan-too-long",
    )


def _slogan_dates(fields: Fields, report: Report) -> tuple[dt.date, ...] | None:
    node = fields.value_node("dates")
    if node is None:
        return ()
    if not isinstance(node, yaml.SequenceNode):
        report.error(
            node, f"'dates' phải là danh sách ngày, ví dụ [2021-10-15], không phải {describe(node)}", "wrong-type"
        )
        return None
    dates: list[dt.date] = []
    for item in node.value:
        day = parse_date(item)
        if day is None:
            report.error(
                item, "ngày không hợp lệ: cần một ngày có thật dạng YYYY-MM-DD, ví dụ 2021-10-15", "invalid-date"
            )
            return None
        dates.append(day)
    return tuple(dates)


def _check_unique_ids(parsed: list[tuple[Slogan, yaml.Node]], report: Report) -> None:
    first_line: dict[str, int] = {}
    for slogan, item in parsed:
        line = item.start_mark.line + 1
        if slogan.id in first_line:
            id_node = _child(item, "id") or item
            report.error(
                id_node, f"mã khẩu hiệu '{slogan.id}' bị trùng (đã dùng ở dòng {first_line[slogan.id]})", "duplicate-id"
            )
        else:
            first_line[slogan.id] = line


def _check_duplicate_texts(parsed: list[tuple[Slogan, yaml.Node]], report: Report) -> None:
    seen: dict[str, Slogan] = {}
    for slogan, _ in parsed:
        key = comparable(slogan.text)
        if key in seen and seen[key].id != slogan.id:
            report.at(
                slogan.text_at.line,
                slogan.text_at.column,
                "warning",
                f"nội dung trùng với khẩu hiệu '{seen[key].id}' (dòng {seen[key].text_at.line})",
                "duplicate-text",
            )
        else:
            seen.setdefault(key, slogan)


def _check_dates_in_period(parsed: list[tuple[Slogan, yaml.Node]], plan: Plan, report: Report) -> None:
    for slogan, item in parsed:
        dates_node = _child(item, "dates")
        day_nodes = dates_node.value if isinstance(dates_node, yaml.SequenceNode) else []
        for day, day_node in zip(slogan.dates, day_nodes, strict=False):
            if not plan.contains(day):
                report.warning(
                    day_node,
                    f"khẩu hiệu '{slogan.id}' ghim ngày {day_text(day)}, nằm ngoài thời gian kế hoạch "
                    f"({day_text(plan.start)} - {day_text(plan.end)})",
                    "date-outside-period",
                )


def _entries(items: yaml.SequenceNode) -> tuple[SloganEntry, ...]:
    """Where each item of `slogans:` lies, so a problem found there can be pinned on that slogan.

    An item that starts its line owns the whole line (its `- `, an indentation problem at column 1); items
    of a flow list `[{...}, {...}]` share lines and keep exact columns.
    """
    entries: list[SloganEntry] = []
    for index, item in enumerate(items.value):
        line, column = item.start_mark.line + 1, item.start_mark.column + 1
        if not entries or entries[-1].end.line < line:
            column = 1
        id_node = _child(item, "id")
        label = id_node.value if isinstance(id_node, yaml.ScalarNode) and id_node.value else f"slogans[{index}]"
        entries.append(SloganEntry(str(label), Position(line, column), _content_end(item)))
    return tuple(entries)


def _content_end(item: yaml.Node) -> Position:
    """The last position inside an item: its last value's end, not the next token where the item's own mark ends."""
    last = item.value[-1][1] if isinstance(item, yaml.MappingNode) and item.value else item
    line, column = last.end_mark.line + 1, last.end_mark.column + 1
    if column == 1:  # a block scalar ends at the start of the next line: the item ended with the line before
        return Position(line - 1, _END_OF_LINE)
    return Position(line, column)


def _child(node: yaml.Node, key: str) -> yaml.Node | None:
    """The value node under `key` of an already validated mapping node."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                found: yaml.Node = value_node
                return found
    return None
