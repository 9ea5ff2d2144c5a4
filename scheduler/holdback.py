"""Which `danvan check` errors stop the service and which only hold back one slogan: the rule, in one place.

An error in the config, or one that breaks the slogan file as a whole (YAML syntax, `plan:`, the `slogans:`
list itself, duplicate ids, a file that cannot be read), stops everything: the daemon refuses to start and
a reload is rejected. An error located inside one slogan's entry (its text, its dates, a key of its own)
holds back that slogan only: it is disabled, with its reason, and the other slogans go on.

Under `posting.approval: required`, posting/approvals.py `postable` narrows this file further, at each slot,
to the approved slogans: together the one answer to "which slogans may be posted now".
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from scheduler.check import CheckResult, check_project
from scheduler.errors import InputError, Problem
from scheduler.project import Project
from scheduler.project.slogans import HeldBack, SloganEntry, SloganFile

# Located inside one entry, yet about the file as a whole: which of two slogans with one id is meant?
FILE_WIDE_RULES = frozenset({"duplicate-id"})


@dataclass(frozen=True)
class Triage:
    blocking: list[Problem]
    held_back: list[HeldBack]


def triage(result: CheckResult) -> Triage:
    """Sort the errors of a check: those that stop everything, and per slogan those that hold back only it."""
    blocking: list[Problem] = []
    held: dict[str, list[Problem]] = {}
    for problem in result.problems:
        if not problem.is_error:
            continue
        entry = _entry_of(problem, result.slogans)
        if entry is None:
            blocking.append(problem)
        else:
            held.setdefault(entry.label, []).append(problem)
    return Triage(blocking, [HeldBack(label, tuple(problems)) for label, problems in held.items()])


def _entry_of(problem: Problem, slogans: SloganFile | None) -> SloganEntry | None:
    if slogans is None or problem.path != str(slogans.path) or problem.rule in FILE_WIDE_RULES:
        return None
    inside = [entry for entry in slogans.entries if entry.contains(problem.line, problem.column)]
    return inside[-1] if inside else None


def load_checked_project(
    config_path: Path, env: Mapping[str, str] | None = None, *, tell: Callable[[Problem], None] = lambda _: None
) -> Project:
    """The project to run on, its held-back slogans disabled (see SloganFile.held_back); InputError with
    `danvan check`'s messages when it cannot run at all. `tell` hears every error and warning found."""
    result = check_project(config_path, os.environ if env is None else env)
    for problem in result.problems:
        tell(problem)
    triaged = triage(result)
    if triaged.blocking or result.unreadable or result.config is None or result.slogans is None:
        raise InputError(triaged.blocking or [p for p in result.problems if p.is_error])
    slogans = result.slogans.holding_back(triaged.held_back)
    if not slogans.enabled:
        raise InputError([*(p for p in result.problems if p.is_error), _nothing_left(slogans)])
    return Project(result.config, slogans)


def _nothing_left(slogans: SloganFile) -> Problem:
    message = "không còn khẩu hiệu nào để đăng: mọi khẩu hiệu đang bật đều có lỗi; sửa ít nhất một khẩu hiệu"
    return Problem(str(slogans.path), 1, 1, "error", message, "no-slogans")
