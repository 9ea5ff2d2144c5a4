"""A `card:` section of the config (top-level or a channel's), read over the style it refines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from scheduler.project.cardstyle import CardFormat, CardStyle
from scheduler.project.values import ValueReader
from scheduler.project.yamlmarks import INT_TAG, Fields, is_null, nowhere

COLOR_RE = re.compile(r"#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})")


def read_card(values: ValueReader, node: yaml.MappingNode | None, base: CardStyle, where: str) -> CardStyle | None:
    """The style `node` describes over `base`; None when it has errors (each reported)."""
    return _CardReader(values, base, where).read(node)


_CARD_KEYS = [
    "size",
    "format",
    "background",
    "slogan_color",
    "text_color",
    "header",
    "footer",
    "uppercase",
    "fonts",
    "logo",
    "min_font_size",
    "max_font_size",
    "jpeg_quality",
]


@dataclass
class _CardReader:
    """One `card:` section over the style it refines (the defaults, or the top-level card for a channel)."""

    values: ValueReader
    base: CardStyle
    where: str

    def read(self, node: yaml.MappingNode | None) -> CardStyle | None:
        if node is None:
            return self.base
        fields = Fields(node, self.values.report, self.where, _CARD_KEYS)
        errors_before = len([p for p in self.values.report.problems if p.is_error])
        fonts = Fields(fields.mapping("fonts"), self.values.report, f"{self.where}.fonts", ["slogan", "text"])
        # Unset, it stays None (also through a channel's card): derived from each card's own size.
        min_size = fields.integer("min_font_size", 0, 8, 400) if "min_font_size" in fields else self.base.min_font_size
        max_size = fields.integer("max_font_size", self.base.max_font_size, 8, 600)
        if min_size is not None and min_size > max_size:
            self.values.report.error(
                fields.value_node("min_font_size") or node,
                f"{self.where}.min_font_size ({min_size}) lớn hơn max_font_size ({max_size})",
                "out-of-range",
            )
        style = CardStyle(
            size=self._size(fields),
            format=self._format(fields),
            background=self._color(fields, "background", self.base.background),
            slogan_color=self._color(fields, "slogan_color", self.base.slogan_color),
            text_color=self._color(fields, "text_color", self.base.text_color),
            header=self.values.text(fields, "header", self.base.header) or "",
            footer=self.values.text(fields, "footer", self.base.footer) or "",
            uppercase=fields.boolean("uppercase", self.base.uppercase),
            slogan_font=self._file(fonts, "slogan", self.base.slogan_font),
            text_font=self._file(fonts, "text", self.base.text_font),
            logo=self._logo(fields),
            min_font_size=min_size,
            max_font_size=max_size,
            jpeg_quality=fields.integer("jpeg_quality", self.base.jpeg_quality, 30, 95),
        )
        errors_after = len([p for p in self.values.report.problems if p.is_error])
        return style if errors_after == errors_before else None

    def _size(self, fields: Fields) -> tuple[int, int]:
        node = fields.value_node("size")
        if node is None:
            return self.base.size
        values = node.value if isinstance(node, yaml.SequenceNode) else []
        ok = len(values) == 2 and all(isinstance(v, yaml.ScalarNode) and v.tag == INT_TAG for v in values)
        width, height = (int(v.value) for v in values) if ok else (0, 0)
        if not ok or not (200 <= width <= 4096 and 200 <= height <= 4096):
            self.values.report.error(
                node,
                f"{self.where}.size phải là [rộng, cao] tính bằng điểm ảnh, mỗi số từ 200 đến 4096, ví dụ [1080, 1080]",
                "invalid-size",
            )
            return self.base.size
        return (width, height)

    def _format(self, fields: Fields) -> CardFormat:
        value = fields.string("format")
        if value is None:
            return self.base.format
        normalized = value.strip().lower()
        if normalized in ("jpeg", "jpg"):
            return "jpeg"
        if normalized == "png":
            return "png"
        self.values.report.error(
            fields.value_node("format") or nowhere(),
            f"{self.where}.format phải là jpeg hoặc png, không phải '{value}'",
            "invalid-value",
        )
        return self.base.format

    def _color(self, fields: Fields, key: str, default: str) -> str:
        value = fields.string(key)
        if value is None:
            return default
        if not COLOR_RE.fullmatch(value.strip()):
            self.values.report.error(
                fields.value_node(key) or nowhere(),
                f'{self.where}.{key} phải là mã màu dạng #RRGGBB (đặt trong ngoặc kép), ví dụ "#DA251D"',
                "invalid-color",
            )
            return default
        return value.strip().upper()

    def _file(self, fields: Fields, key: str, default: Path) -> Path:
        if key not in fields:
            return default
        return self.values.path(fields, key, default, must_exist=True) or default

    def _logo(self, fields: Fields) -> Path | None:
        node = fields.value_node("logo")
        if node is None:
            return self.base.logo
        if is_null(node) or (isinstance(node, yaml.ScalarNode) and node.value in ("false", "none", "")):
            return None
        return self._file(fields, "logo", self.base.logo or Path())
