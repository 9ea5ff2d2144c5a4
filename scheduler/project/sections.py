"""The config's top-level sections besides cards and channels: time zone, posting, reach, lint, alerts and web."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from scheduler.project.models import (
    APPROVAL_MODES,
    CHANNEL_TYPES,
    DEFAULT_READINGS,
    EmailAlerts,
    LintPolicy,
    PostingPolicy,
    ReachPolicy,
    WebConsole,
)
from scheduler.project.schedules import parse_duration
from scheduler.project.slogans import normalize_text
from scheduler.project.values import ValueReader
from scheduler.project.yamlmarks import Fields, Report, describe, nowhere, scalar_text


def read_timezone(values: ValueReader, top: Fields) -> ZoneInfo | None:
    name = values.text(top, "timezone", "Asia/Ho_Chi_Minh")
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        node = top.value_node("timezone") or nowhere()
        hint = "Asia/Ho_Chi_Minh" if "saigon" in name.lower() or "hanoi" in name.lower() else None
        suggestion = f"; có phải ý bạn là '{hint}'?" if hint else "; ví dụ: Asia/Ho_Chi_Minh"
        values.report.error(
            node, f"múi giờ '{name}' không có trong cơ sở dữ liệu múi giờ IANA{suggestion}", "unknown-timezone"
        )
        return None


def read_posting(values: ValueReader, node: yaml.MappingNode | None) -> PostingPolicy:
    report = values.report
    fields = Fields(node, report, "posting", ["plan_period_only", "catch_up", "concurrency", "per_page", "approval"])
    limits = Fields(fields.mapping("concurrency"), report, "posting.concurrency", list(CHANNEL_TYPES))
    defaults = dict(PostingPolicy.concurrency)
    concurrency = tuple((kind, limits.integer(kind, defaults[kind], 1, 512)) for kind in CHANNEL_TYPES)
    return PostingPolicy(
        plan_period_only=fields.boolean("plan_period_only", True),
        catch_up=values.duration(fields, "catch_up", PostingPolicy.catch_up),
        concurrency=concurrency,
        per_page=fields.integer("per_page", PostingPolicy.per_page, 1, 64),
        approval=_approval_mode(fields, report),
    )


def _approval_mode(fields: Fields, report: Report) -> str:
    node = fields.value_node("approval")
    if node is None:
        return PostingPolicy.approval
    # Read as written: YAML 1.1 would turn a bare `off` into false, and `off` is what the officer means.
    value = scalar_text(node).strip().lower() if isinstance(node, yaml.ScalarNode) else ""
    if value not in APPROVAL_MODES:
        shown = scalar_text(node) if isinstance(node, yaml.ScalarNode) else describe(node)
        report.error(node, f"posting.approval phải là off hoặc required, không phải '{shown}'", "invalid-value")
        return PostingPolicy.approval
    return value


def read_reach(values: ValueReader, node: yaml.MappingNode | None) -> ReachPolicy:
    fields = Fields(node, values.report, "reach", ["readings", "check_every"])
    readings: list[dt.timedelta] = []
    sequence = fields.sequence("readings")
    for item in sequence.value if sequence is not None else []:
        parsed = parse_duration(scalar_text(item)) if isinstance(item, yaml.ScalarNode) else None
        if parsed is None:
            values.report.error(
                item, "mỗi mốc đọc lượt tiếp cận phải là khoảng thời gian như 1h, 24h, 72h, 7d", "invalid-duration"
            )
            continue
        readings.append(parsed)
    return ReachPolicy(
        readings=tuple(sorted(set(readings))) if sequence is not None else DEFAULT_READINGS,
        check_every=values.duration(fields, "check_every", ReachPolicy.check_every),
    )


def read_alerts(values: ValueReader, node: yaml.MappingNode | None) -> EmailAlerts | None:
    report = values.report
    alerts = Fields(node, report, "alerts", ["email"])
    email_node = alerts.mapping("email")
    if email_node is None:
        return None
    keys = ["smtp_host", "smtp_port", "starttls", "username", "password", "from", "to"]
    fields = Fields(email_node, report, "alerts.email", keys, required=("smtp_host", "from", "to"))
    host, sender = values.text(fields, "smtp_host"), values.text(fields, "from")
    recipients = _words(values, fields, "to")
    if "to" in fields and not recipients:
        report.error(
            fields.value_node("to") or email_node, "alerts.email.to cần ít nhất một địa chỉ e-mail", "missing-key"
        )
    for address, where in ((sender, "from"), *((r, "to") for r in recipients)):
        if address and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
            report.error(
                fields.value_node(where) or email_node,
                f"'{address}' không phải địa chỉ e-mail hợp lệ",
                "invalid-value",
            )
    password = values.secret(fields, "password", required=False)
    if host is None or sender is None or not recipients:
        return None
    return EmailAlerts(
        smtp_host=host,
        sender=sender,
        recipients=recipients,
        smtp_port=fields.integer("smtp_port", 587, 1, 65535),
        starttls=fields.boolean("starttls", True),
        username=values.text(fields, "username"),
        password=password,
    )


def read_lint(values: ValueReader, node: yaml.MappingNode | None) -> LintPolicy:
    fields = Fields(node, values.report, "lint", ["allow", "names"])
    return LintPolicy(allow=_words(values, fields, "allow"), names=_words(values, fields, "names"))


def _words(values: ValueReader, fields: Fields, key: str) -> tuple[str, ...]:
    sequence = fields.sequence(key)
    words: list[str] = []
    for item in sequence.value if sequence is not None else []:
        if not isinstance(item, yaml.ScalarNode) or not scalar_text(item).strip():
            values.report.error(
                item, f"mỗi mục trong lint.{key} phải là một chuỗi, không phải {describe(item)}", "wrong-type"
            )
            continue
        # NFC and trimmed like slogan texts, so that lint words match the texts they are checked against.
        words.append(normalize_text(scalar_text(item)))
    return tuple(words)


_LISTEN = re.compile(r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(?P<port>[0-9]{1,5})")


def read_web(values: ValueReader, node: yaml.MappingNode | None) -> WebConsole | None:
    """`web: {listen: "127.0.0.1:8080", behind_proxy: false}`; None when the section is absent."""
    if node is None:
        return None
    fields = Fields(node, values.report, "web", ["listen", "behind_proxy"])
    behind_proxy = fields.boolean("behind_proxy", False)
    listen = values.text(fields, "listen")
    if listen is None:
        return WebConsole(behind_proxy=behind_proxy)
    parsed = parse_listen(listen)
    if parsed is None:
        values.report.error(
            fields.value_node("listen") or node,
            f"web.listen '{listen}' phải có dạng ĐỊA-CHỈ:CỔNG, ví dụ 127.0.0.1:8080 (cổng 1-65535)",
            "invalid-value",
        )
        return None
    return WebConsole(parsed[0], parsed[1], behind_proxy)


def parse_listen(text: str) -> tuple[str, int] | None:
    """'127.0.0.1:8080' -> ('127.0.0.1', 8080); '[::1]:8080' -> ('::1', 8080); None when it is not that."""
    match = _LISTEN.fullmatch(text.strip())
    if match is None or not 1 <= int(match["port"]) <= 65535:
        return None
    return match["host"].strip("[]"), int(match["port"])
