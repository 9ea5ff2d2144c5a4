"""`danvan check`: every problem of the config and slogan files in one run, each at its line and column."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scheduler.cards import fit_slogan
from scheduler.cardstyle import CardStyle
from scheduler.config import Config, declared_slogans_path, parse_config
from scheduler.errors import CardError, Problem, UnreadableFileError
from scheduler.slogans import SloganFile, parse_slogans, read_text_file
from scheduler.yamlmarks import Report


@dataclass
class CheckResult:
    problems: list[Problem] = field(default_factory=list)
    unreadable: bool = False

    @property
    def errors(self) -> int:
        return sum(p.is_error for p in self.problems)

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors

    @property
    def exit_code(self) -> int:
        if self.unreadable:
            return 2
        return 1 if self.errors else 0


def check_project(config_path: Path, env: Mapping[str, str] | None = None) -> CheckResult:
    result = CheckResult()
    config_text = _read(config_path, result)
    if config_text is None:
        return result
    config_report = Report(str(config_path))
    config = parse_config(config_text, config_path, config_report, os.environ if env is None else env)
    result.problems.extend(config_report.problems)
    slogans_path = config.slogans_path if config else declared_slogans_path(config_text, config_path)
    slogans = _check_slogans(slogans_path, result) if slogans_path else None
    if config is not None and slogans is not None:
        result.problems.extend(card_fit_problems(config, slogans))
    result.problems.sort(key=lambda p: (p.path != str(config_path), p.path, p.line, p.column))
    return result


def _read(path: Path, result: CheckResult) -> str | None:
    try:
        return read_text_file(path)
    except UnreadableFileError as exc:
        result.unreadable = True
        message = str(exc).removeprefix(f"{path}: ")
        result.problems.append(Problem(str(path), 1, 1, "error", message, "file-unreadable"))
        return None


def _check_slogans(path: Path, result: CheckResult) -> SloganFile | None:
    if not path.exists():
        result.unreadable = True  # the config already points at the missing file
        return None
    text = _read(path, result)
    if text is None:
        return None
    report = Report(str(path))
    slogans = parse_slogans(text, path, report)
    result.problems.extend(report.problems)
    return slogans


def card_styles(config: Config) -> list[tuple[str, CardStyle]]:
    """The distinct card designs that will be posted, each with the channels that use it."""
    by_style: dict[CardStyle, list[str]] = {}
    for channel in config.enabled_channels:
        by_style.setdefault(channel.card, []).append(channel.name)
    if not by_style:
        by_style[config.card] = ["card"]
    return [(", ".join(names), style) for style, names in by_style.items()]


def card_fit_problems(config: Config, slogans: SloganFile) -> list[Problem]:
    problems: list[Problem] = []
    for slogan in slogans.enabled:
        for channels, style in card_styles(config):
            try:
                fit_slogan(slogan.text, style)
            except CardError as exc:
                width, height = style.size
                problems.append(
                    Problem(
                        str(slogans.path),
                        slogan.text_at.line,
                        slogan.text_at.column,
                        "error",
                        f"{exc} (thẻ {width}x{height} của kênh {channels})",
                        "text-too-long",
                    )
                )
                break
    return problems
