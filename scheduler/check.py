"""`danvan check`: every problem of the config and slogan files in one run, each at its line and column."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scheduler.cards import fit_slogan, render_card
from scheduler.channels import build_channels
from scheduler.errors import CardError, ChannelError, InputError, Problem, UnreadableFileError
from scheduler.files import write_atomically
from scheduler.project.cardstyle import CardStyle
from scheduler.project.config import declared_slogans_path, parse_config
from scheduler.project.models import Config, LintPolicy
from scheduler.project.slogans import SloganFile, parse_slogans_leniently
from scheduler.project.yamlbounds import LIMIT_RULES
from scheduler.project.yamlmarks import Report, compose, read_text_file
from scheduler.proofread import Fix, fix_slogan_file, lint_slogan_file

log = logging.getLogger("danvan.check")


@dataclass
class CheckResult:
    problems: list[Problem] = field(default_factory=list)
    unreadable: bool = False
    # What was read, for the daemon to run on (see holdback.py): the config when it has no error, and the
    # slogan file even when some slogan entries have errors (None when the file as a whole is broken).
    config: Config | None = None
    slogans: SloganFile | None = None

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


def check_project(
    config_path: Path, env: Mapping[str, str] | None = None, *, online_at: dt.datetime | None = None
) -> CheckResult:
    """Every problem of both files; with `online_at`, also each platform channel's credentials at that time."""
    result = CheckResult()
    config_text = _read(config_path, result)
    if config_text is None:
        return result
    config_report = Report(str(config_path))
    config = parse_config(config_text, config_path, config_report, os.environ if env is None else env)
    if config is not None and config.secrets():
        _check_permissions(config_path, config_report)
    result.problems.extend(config_report.problems)
    slogans_path = config.slogans_path if config else declared_slogans_path(config_text, config_path)
    lint = config.lint if config is not None else LintPolicy()
    slogans = _check_slogans(slogans_path, result, lint) if slogans_path else None
    if config is not None and slogans is not None:
        result.problems.extend(card_fit_problems(config, slogans))
        result.problems.extend(zalo_title_problems(config, slogans))
    if config is not None and online_at is not None:
        result.problems.extend(check_online(config, online_at))
    result.config, result.slogans = config, slogans
    result.problems.sort(key=lambda p: (p.path != str(config_path), p.path, p.line, p.column))
    return result


def _check_permissions(path: Path, report: Report) -> None:
    """A config with credentials that other users of the server can read: say so (only the service needs it)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & 0o004:
        report.at(
            1,
            1,
            "warning",
            f"tệp cấu hình đang cho mọi người dùng trên máy đọc được (quyền {mode & 0o777:o}); "
            f"hãy chạy: chmod 640 {path}",
            "config-permissions",
        )


def _read(path: Path, result: CheckResult) -> str | None:
    try:
        return read_text_file(path)
    except UnreadableFileError as exc:
        result.unreadable = True
        message = str(exc).removeprefix(f"{path}: ")
        result.problems.append(Problem(str(path), 1, 1, "error", message, "file-unreadable"))
        return None
    except InputError as exc:  # larger than any real file: said where the limit is passed, nothing more is read
        result.problems.extend(exc.problems)
        return None


def _check_slogans(path: Path, result: CheckResult, lint: LintPolicy) -> SloganFile | None:
    if not path.exists():
        result.unreadable = True  # the config already points at the missing file
        return None
    text = _read(path, result)
    if text is None:
        return None
    report = Report(str(path))
    slogans = parse_slogans_leniently(text, path, report)
    result.problems.extend(report.problems)
    if not _over_limits(report):
        result.problems.extend(lint_slogan_file(text, str(path), lint))
    return slogans


def _over_limits(report: Report) -> bool:
    """A file not read through for its size, a value's length or its aliases: proofreading must not read it either."""
    return any(p.rule in LIMIT_RULES for p in report.problems)


@dataclass(frozen=True)
class FixResult:
    path: Path
    fixes: list[Fix]


def fix_slogans(config_path: Path, env: Mapping[str, str] | None = None) -> FixResult:
    """`danvan check --fix`: apply the safe fixes to the slogan file in place, keeping comments and layout."""
    text = read_text_file(config_path)
    config = parse_config(text, config_path, Report(str(config_path)), os.environ if env is None else env)
    path = config.slogans_path if config else declared_slogans_path(text, config_path)
    if path is None:
        raise UnreadableFileError(f"{config_path}: không xác định được tệp khẩu hiệu")
    original = read_text_file(path)
    limits = Report(str(path))
    compose(original, limits)
    if _over_limits(limits):
        raise InputError(limits.problems)
    fixed, fixes = fix_slogan_file(original, config.lint if config else LintPolicy())
    if fixes:
        mode = path.stat().st_mode & 0o777
        write_atomically(path, fixed.encode("utf-8"))
        path.chmod(mode)
    return FixResult(path, fixes)


STYLE_SAMPLE = "Dân vận khéo thì việc gì cũng thành công!"


def card_styles(config: Config) -> list[tuple[str, CardStyle, tuple[int, int]]]:
    """The distinct card designs that will be posted: (channels using it, design, where it is configured)."""
    by_style: dict[CardStyle, tuple[list[str], tuple[int, int]]] = {}
    for channel in config.enabled_channels:
        names, _ = by_style.setdefault(
            channel.card, ([], channel.card_at if channel.card != config.card else config.card_at)
        )
        names.append(channel.name)
    if not by_style:
        by_style[config.card] = (["card"], config.card_at)
    return [(", ".join(names), style, at) for style, (names, at) in by_style.items()]


def card_fit_problems(config: Config, slogans: SloganFile) -> list[Problem]:
    problems = card_design_problems(config)
    if problems:
        return problems  # a design that cannot be drawn would make every slogan look too long
    for slogan in slogans.enabled:
        for channels, style, _ in card_styles(config):
            try:
                fit_slogan(slogan.text, style)
            except CardError as exc:
                width, height = style.size
                message = f"{exc} (thẻ {width}x{height} của kênh {channels})"
                problems.append(
                    Problem(
                        str(slogans.path), slogan.text_at.line, slogan.text_at.column, "error", message, "text-too-long"
                    )
                )
                break
    return problems


ZALO_TITLE_LIMIT = 150


def zalo_title_problems(config: Config, slogans: SloganFile) -> list[Problem]:
    """A Zalo article title holds 150 characters: a longer slogan is cut there, which an officer should see."""
    if not any(c.type == "zalo" for c in config.enabled_channels):
        return []
    problems = []
    for slogan in slogans.enabled:
        if len(slogan.text) > ZALO_TITLE_LIMIT:
            message = (
                f"khẩu hiệu dài {len(slogan.text)} ký tự, quá {ZALO_TITLE_LIMIT} ký tự của tiêu đề bài viết Zalo; "
                "tiêu đề sẽ bị cắt và thêm '…' (nội dung bài viết vẫn đủ)"
            )
            problems.append(
                Problem(
                    str(slogans.path),
                    slogan.text_at.line,
                    slogan.text_at.column,
                    "warning",
                    message,
                    "zalo-title-length",
                )
            )
    return problems


def card_design_problems(config: Config) -> list[Problem]:
    """Draw one sample card per design, so a header, footer, font or logo that cannot be drawn shows now."""
    problems: list[Problem] = []
    for channels, style, (line, column) in card_styles(config):
        try:
            render_card(STYLE_SAMPLE, style)
        except CardError as exc:
            message = f"mẫu thẻ của kênh {channels} không vẽ được: {exc}"
            problems.append(Problem(str(config.path), line, column, "error", message, "card-design"))
    return problems


def check_online(config: Config, now: dt.datetime) -> list[Problem]:
    """`danvan check --online`: ask each platform channel whether its credentials work, and for how long."""
    from scheduler.ledger import ZaloLedgerStore  # only --online opens the database: plain `check` starts faster

    problems: list[Problem] = []
    channels = build_channels(config.enabled_channels, ZaloLedgerStore(config.database))
    for channel_config in config.enabled_channels:
        channel = channels[channel_config.name]
        verify = getattr(channel, "verify", None)
        if verify is None:
            continue
        line, column = channel_config.at
        try:
            findings = verify(now)
        except ChannelError as exc:
            problems.append(
                Problem(str(config.path), line, column, "error", f"kênh '{channel_config.name}': {exc}", "online")
            )
            continue
        for finding in findings:
            if finding.severity in ("error", "warning"):
                message = f"kênh '{channel_config.name}': {finding.message}"
                problems.append(Problem(str(config.path), line, column, finding.severity, message, "online"))
            else:
                log.info("kênh %s: %s", channel_config.name, finding.message)
    return problems
