"""What a YAML file may cost to read: its size, the length of each value, and how far its aliases expand.

Checked on libyaml's event stream, before any node tree is built or any text is proofread: an alias is
an event there, so the alias that breaks the budget is named at its own line and column, which the
composed tree (where an alias is just the anchored node again) could no longer tell.
"""

from __future__ import annotations

import yaml

from scheduler.errors import Problem
from scheduler.project.limits import MAX_EXPANDED_SIZE, MAX_FILE_BYTES, MAX_SCALAR_CHARS
from scheduler.project.yamlsyntax import ReadProblem

# libyaml gives the same events and marks ten times faster (a 300-channel config: 18 ms instead of 190 ms).
FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The rules under which the file was not read through; nothing downstream (proofreading, --fix) may read it.
LIMIT_RULES = frozenset({"file-too-large", "value-too-long", "alias-expansion"})


def number(value: int) -> str:
    """1.000.000: thousands as Vietnamese officers write them."""
    return f"{value:,}".replace(",", ".")


def too_large_problem(path: str, data: bytes) -> Problem:
    """The file holds more than MAX_FILE_BYTES (`data` is its first MAX_FILE_BYTES + 1 bytes): said where it passes."""
    head = data[:MAX_FILE_BYTES]
    line_start = head.rfind(b"\n") + 1
    line = head.count(b"\n") + 1
    column = len(head[line_start:].decode("utf-8", errors="ignore")) + 1
    megabytes = MAX_FILE_BYTES // (1024 * 1024)
    message = (
        f"tệp quá lớn: vượt quá {megabytes} MB tại đây, nên không được đọc tiếp (tệp cấu hình hay tệp khẩu hiệu "
        "thật chỉ vài chục KB); hãy kiểm tra xem có dán nhầm nội dung vào tệp không"
    )
    return Problem(path, line, column, "error", message, "file-too-large")


def limit_problem(text: str) -> ReadProblem | None:
    """The first value that is too long or alias that expands the file too far; None when the file is within limits.

    A YAML syntax error is raised as PyYAML raises it (the caller explains it), since the walk stops there.
    """
    sizes: dict[str, int] = {}  # anchor -> its size once complete: one per node plus one per character
    frames: list[tuple[str | None, list[int]]] = []  # each open collection: its anchor and its size so far
    repeated = 0  # what aliases have added to the file so far
    for event in yaml.parse(text, Loader=FAST_LOADER):
        size = 0
        if isinstance(event, yaml.ScalarEvent):
            if len(event.value) > MAX_SCALAR_CHARS:
                return _too_long(event)
            size = 1 + len(event.value)
            if event.anchor:
                sizes[event.anchor] = size
        elif isinstance(event, yaml.CollectionStartEvent):
            frames.append((event.anchor, [1]))
            continue
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, (size,) = frames.pop()
            if anchor:
                sizes[anchor] = size
        elif isinstance(event, yaml.AliasEvent):
            if any(anchor == event.anchor for anchor, _ in frames):
                return _loop(event)
            size = sizes.get(event.anchor or "", 0)  # an undefined alias is reported when the tree is composed
            repeated += size
            if repeated > MAX_EXPANDED_SIZE:
                return _expansion(event, repeated)
        if frames:
            frames[-1][1][0] += size
    return None


def _located(event: yaml.Event, message: str, rule: str) -> ReadProblem:
    mark = event.start_mark
    assert mark is not None  # the parser marks every event it yields
    return ReadProblem(mark.line + 1, mark.column + 1, message, rule)


def _too_long(event: yaml.ScalarEvent) -> ReadProblem:
    message = (
        f"giá trị dài {number(len(event.value))} ký tự, quá dài (tối đa {number(MAX_SCALAR_CHARS)} ký tự một giá trị); "
        "tệp không được đọc tiếp: hãy rút gọn hoặc kiểm tra xem có dán nhầm nội dung không"
    )
    return _located(event, message, "value-too-long")


def _loop(event: yaml.AliasEvent) -> ReadProblem:
    message = (
        f"tham chiếu '*{event.anchor}' nằm bên trong chính giá trị mang neo '&{event.anchor}', "
        "nên giá trị đó chứa chính nó mãi mãi; hãy bỏ tham chiếu này"
    )
    return _located(event, message, "alias-expansion")


def _expansion(event: yaml.AliasEvent, repeated: int) -> ReadProblem:
    message = (
        f"tham chiếu đến neo '{event.anchor}' làm tệp phình quá lớn: tính đến đây các tham chiếu (*tên) đã lặp lại "
        f"{number(repeated)} ký tự và mục (tối đa {number(MAX_EXPANDED_SIZE)}); tệp không được đọc tiếp: "
        "hãy viết thẳng nội dung thay vì lặp tham chiếu nhiều lần"
    )
    return _located(event, message, "alias-expansion")
