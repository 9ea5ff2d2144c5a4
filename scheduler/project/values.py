"""Located scalar values of the config: `${NAME}` from the environment, secrets, paths and durations."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from scheduler.project.models import Secret
from scheduler.project.schedules import parse_duration
from scheduler.project.yamlmarks import Fields, Report, is_null, nowhere, scalar_text, value_column

ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class ValueReader:
    """Reads the scalars of one config file, reporting each problem where it is.

    Paths are taken from `base` (the config file's folder) and `${NAME}` from `env`.
    """

    report: Report
    base: Path
    env: Mapping[str, str]

    def text(self, fields: Fields, key: str, default: str | None = None, *, allow_number: bool = False) -> str | None:
        """A string value with `${NAME}` taken from the environment."""
        raw = fields.string(key, default, allow_number=allow_number)
        node = fields.value_node(key)
        if raw is None or node is None or not isinstance(node, yaml.ScalarNode):
            return raw
        return self._expand(raw, node)

    def _expand(self, raw: str, node: yaml.ScalarNode) -> str | None:
        missing = False
        for match in ENV_RE.finditer(raw):
            if match.group(1) not in self.env:
                missing = True
                line = node.start_mark.line + 1
                column = value_column(node) + match.start()
                self.report.at(
                    line,
                    column,
                    "error",
                    f"biến môi trường {match.group(1)} chưa được đặt; hãy khai báo nó trong tệp môi trường của dịch vụ "
                    f"(EnvironmentFile) hoặc chạy 'export {match.group(1)}=...' trước khi chạy",
                    "env-unset",
                )
        if missing:
            return None
        return ENV_RE.sub(lambda m: self.env[m.group(1)], raw)

    def secret(self, fields: Fields, key: str, *, required: bool) -> Secret | None:
        node = fields.value_node(key)
        if node is None or is_null(node):
            if required:
                fields.report_missing(key)
            return None
        raw = fields.string(key)
        if raw is not None and not ENV_RE.fullmatch(raw.strip()):
            self.report.warning(
                node,
                f"'{key}' đang ghi thẳng trong tệp cấu hình; hãy dùng biến môi trường, ví dụ {key}: ${{TEN_BIEN}}, "
                "để bí mật không nằm trong tệp",
                "secret-in-file",
            )
        value = self.text(fields, key)
        if value is None:
            return None
        match = ENV_RE.fullmatch((raw or "").strip())
        return Secret(value, match.group(1) if match else None)

    def path(self, fields: Fields, key: str, default: Path, *, must_exist: bool) -> Path | None:
        raw = self.text(fields, key)
        if raw is None and key in fields:
            return None
        resolved = (self.base / (Path(raw).expanduser() if raw else default)).resolve()
        node = fields.value_node(key)
        if must_exist and not resolved.exists():
            where = node if node is not None else (fields.node or nowhere())
            self.report.error(
                where, f"không tìm thấy tệp '{resolved}' ('{key}' tính từ thư mục của tệp cấu hình)", "file-missing"
            )
            return None
        return resolved

    def duration(self, fields: Fields, key: str, default: dt.timedelta) -> dt.timedelta:
        node = fields.value_node(key)
        if node is None:
            return default
        parsed = parse_duration(scalar_text(node)) if isinstance(node, yaml.ScalarNode) else None
        if parsed is None:
            self.report.error(
                node,
                f"'{key}' phải là một khoảng thời gian như 90m, 2h, 1d hoặc 1h30m (đơn vị s, m, h, d)",
                "invalid-duration",
            )
            return default
        return parsed
