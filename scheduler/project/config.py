"""Loading the configuration file: its sections read in order and put together, validated strictly.

Every value keeps the position it came from so that `danvan check` can point at it. Paths are relative to
the config file's folder; `${NAME}` is read from the environment and never stored elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import yaml

from scheduler.errors import InputError
from scheduler.project.cardreader import read_card
from scheduler.project.cardstyle import CardStyle
from scheduler.project.channels import read_channels
from scheduler.project.models import Config
from scheduler.project.sections import read_alerts, read_lint, read_posting, read_reach, read_timezone, read_web
from scheduler.project.values import ValueReader
from scheduler.project.yamlmarks import Fields, Report, compose, position, read_text_file, scalar_text


def load_config(path: Path, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate a config file; raise InputError with every problem when it has errors."""
    report = Report(str(path))
    config = parse_config(read_text_file(path), path, report, os.environ if env is None else env)
    if config is None or report.has_errors:
        raise InputError(report.problems)
    return config


def declared_slogans_path(text: str, path: Path) -> Path | None:
    """Where a config file says its slogan file is, even when the rest of the config has errors."""
    root = compose(text, Report(str(path)))
    if not isinstance(root, yaml.MappingNode):
        return None
    for key_node, value_node in root.value:
        if getattr(key_node, "value", None) == "slogans" and isinstance(value_node, yaml.ScalarNode):
            return (path.parent / scalar_text(value_node)).resolve()
    return (path.parent / "slogans.yaml").resolve()


_TOP_KEYS = ["timezone", "slogans", "database", "card", "posting", "reach", "lint", "alerts", "web", "channels"]


def parse_config(text: str, path: Path, report: Report, env: Mapping[str, str]) -> Config | None:
    """The config in `text` (from the file at `path`), or None when it has errors; every problem goes to `report`."""
    root = compose(text, report)
    if root is None:
        if not report.has_errors:
            report.at(
                1, 1, "error", "tệp cấu hình trống; xem config.example.yaml để biết các khóa cần có", "missing-key"
            )
        return None
    values = ValueReader(report, path.parent, env)
    top = Fields(root, report, "tệp cấu hình", _TOP_KEYS, required=("channels",))
    timezone = read_timezone(values, top)
    slogans_path = values.path(top, "slogans", Path("slogans.yaml"), must_exist=True)
    database = values.path(top, "database", Path("data/danvan.db"), must_exist=False)
    card = read_card(values, top.mapping("card"), CardStyle(), "card")
    posting = read_posting(values, top.mapping("posting"))
    reach = read_reach(values, top.mapping("reach"))
    lint = read_lint(values, top.mapping("lint"))
    email = read_alerts(values, top.mapping("alerts"))
    web = read_web(values, top.mapping("web"))
    channels = read_channels(values, top.sequence("channels"), card)
    if report.has_errors or timezone is None or slogans_path is None or database is None or card is None:
        return None
    return Config(
        path=path,
        timezone=timezone,
        slogans_path=slogans_path,
        database=database,
        card=card,
        channels=channels,
        posting=posting,
        reach=reach,
        lint=lint,
        email=email,
        web=web,
        card_at=position(top.key_node("card") or root),
    )
