"""The `channels:` list: each channel's name, type, schedule, card, caption and hashtags, and its settings."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, replace

import yaml

from scheduler.project.cardreader import read_card
from scheduler.project.cardstyle import CardStyle
from scheduler.project.models import (
    CHANNEL_TYPES,
    DEFAULT_CAPTION,
    DEFAULT_HASHTAGS,
    ChannelConfig,
    ChannelType,
)
from scheduler.project.platforms import SETTINGS_KEYS, read_settings
from scheduler.project.schedules import ScheduleReader
from scheduler.project.values import ValueReader
from scheduler.project.yamlmarks import STR_TAG, Fields, Report, describe, position, scalar_text

CHANNEL_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")  # always fullmatch: `$` lets a final \n through
CAPTION_FIELDS = ("text", "hashtags", "plan", "issued_by", "slogan_id")
_COMMON_CHANNEL_KEYS = ["name", "type", "enabled", "schedule", "card", "caption", "hashtags"]


def read_channels(
    values: ValueReader, node: yaml.SequenceNode | None, card: CardStyle | None
) -> tuple[ChannelConfig, ...]:
    """Every valid channel, each under a name no other channel has; the others are reported."""
    if node is None:
        return ()
    if not node.value:
        values.report.error(node, "chưa khai báo kênh nào trong 'channels'; xem config.example.yaml", "no-channels")
    channels: list[ChannelConfig] = []
    names: dict[str, int] = {}
    for index, item in enumerate(node.value):
        channel = _ChannelReader(values, index, card or CardStyle()).read(item)
        if channel is None:
            continue
        if channel.name in names:
            values.report.error(
                item,
                f"tên kênh '{channel.name}' bị trùng (đã dùng ở dòng {names[channel.name]})",
                "duplicate-channel",
            )
            continue
        names[channel.name] = item.start_mark.line + 1
        channels.append(channel)
    return tuple(channels)


@dataclass
class _ChannelReader:
    """One entry of `channels:`, the `index`-th, whose card refines the top-level `card`."""

    values: ValueReader
    index: int
    card: CardStyle

    @property
    def report(self) -> Report:
        return self.values.report

    def read(self, item: yaml.Node) -> ChannelConfig | None:
        kind = self._type(item)
        allowed = _COMMON_CHANNEL_KEYS + (
            SETTINGS_KEYS[kind] if kind else sorted({k for v in SETTINGS_KEYS.values() for k in v})
        )
        fields = Fields(item, self.report, f"channels[{self.index}]", allowed, required=("name", "type", "schedule"))
        if fields.node is None:
            return None
        name = self._name(fields)
        if name:
            fields.where = f"kênh '{name}'"
        enabled = fields.boolean("enabled", True)
        problems_before = len(self.report.problems)
        schedule = ScheduleReader(self.report, fields.where).read(fields.value_node("schedule"))
        card = read_card(self.values, fields.mapping("card"), self.card, f"{fields.where}: card")
        caption = self._caption(fields)
        hashtags = self._hashtags(fields)
        settings = read_settings(self.values, kind, fields) if kind else None
        if not enabled:
            self._soften_env_errors(problems_before)
        if name is None or kind is None or schedule is None or card is None or settings is None or caption is None:
            return None
        return ChannelConfig(
            name=name,
            type=kind,
            schedule=schedule,
            settings=settings,
            card=card,
            enabled=enabled,
            caption=caption,
            hashtags=hashtags,
            card_at=position(fields.key_node("card") or item),
            at=position(item),
        )

    def _soften_env_errors(self, since: int) -> None:
        """A disabled channel may keep ${NAME}s that are not set on this server: worth a warning, not an error."""
        problems = self.report.problems
        for i in range(since, len(problems)):
            if problems[i].rule == "env-unset":
                problems[i] = replace(problems[i], severity="warning", message=problems[i].message + " (kênh đang tắt)")

    def _type(self, item: yaml.Node) -> ChannelType | None:
        if not isinstance(item, yaml.MappingNode):
            return None
        for key_node, value_node in item.value:
            if getattr(key_node, "value", None) != "type":
                continue
            value = scalar_text(value_node) if isinstance(value_node, yaml.ScalarNode) else ""
            for kind in CHANNEL_TYPES:
                if value == kind:
                    return kind
            self.report.error(
                value_node,
                f"loại kênh '{value}' không được hỗ trợ; chọn một trong: outbox, facebook, zalo",
                "invalid-value",
            )
        return None

    def _name(self, fields: Fields) -> str | None:
        name = fields.string("name")
        node = fields.value_node("name")
        if name is not None and node is not None and not CHANNEL_NAME_RE.fullmatch(name):
            self.report.error(
                node, f"tên kênh '{name}' không hợp lệ: chỉ dùng chữ không dấu, số, '-', '_' hoặc '.'", "invalid-name"
            )
            return None
        return name

    def _caption(self, fields: Fields) -> str | None:
        template = self.values.text(fields, "caption", DEFAULT_CAPTION)
        node = fields.value_node("caption")
        if template is None or node is None:
            return template
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
        except ValueError:
            self.report.error(
                node,
                "mẫu chú thích (caption) có dấu '{' hoặc '}' lẻ; viết '{{' hoặc '}}' để in ra chính dấu đó",
                "invalid-caption",
            )
            return None
        unknown = sorted(names - set(CAPTION_FIELDS))
        if unknown:
            allowed = ", ".join("{" + f + "}" for f in CAPTION_FIELDS)
            self.report.error(
                node,
                f"mẫu chú thích dùng trường không có: {{{unknown[0]}}}; các trường dùng được: {allowed}",
                "invalid-caption",
            )
            return None
        return template

    def _hashtags(self, fields: Fields) -> tuple[str, ...]:
        node = fields.sequence("hashtags")
        if node is None:
            return DEFAULT_HASHTAGS if "hashtags" not in fields else ()
        tags: list[str] = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode) or item.tag != STR_TAG or not item.value.strip():
                self.report.error(
                    item,
                    f'mỗi hashtag phải là một chuỗi, ví dụ "#ThangDanVan", không phải {describe(item)}',
                    "wrong-type",
                )
                continue
            tag = item.value.strip()
            tags.append(tag if tag.startswith("#") else "#" + tag)
        return tuple(tags)
