"""Slogans held back by an error in their own entry (see holdback.py): said once as an incident, in the log and
by e-mail, closed when a reload shows the slogan fixed; marked in `danvan plan`; refused by `danvan post`. Slogans waiting for an approval (posting/approvals.py)
are listed next to them.

A held-back slogan is not a channel's incident: it is opened on the pseudo-channel `*` with the kind
`slogan:<id>`, so each slogan is raised once and closed on its own.
"""

from __future__ import annotations

import datetime as dt
import logging

from scheduler.errors import DanvanError
from scheduler.ledger import Incident, Ledger
from scheduler.posting.alerts import SLOGAN_FILE, Alerter
from scheduler.posting.approvals import approve_command, awaiting_approval
from scheduler.project import Project
from scheduler.project.slogans import HeldBack, SloganFile

log = logging.getLogger("danvan.slogans")

KIND_PREFIX = "slogan:"


def held_back_text(held: HeldBack) -> str:
    return f"{held.id}: {held.reason} ({held.where})"


def plan_line(held: HeldBack) -> str:
    return f"Khẩu hiệu bị giữ lại (không đăng): {held_back_text(held)}"


def is_slogan_incident(incident: Incident) -> bool:
    return incident.channel == SLOGAN_FILE and incident.kind.startswith(KIND_PREFIX)


def report_held_back(ledger: Ledger, alerter: Alerter, slogans: SloganFile, now: dt.datetime) -> None:
    """Log each held-back slogan, open its incident unless already open, and close those of slogans fixed since."""
    wanted = {KIND_PREFIX + held.id: held for held in slogans.held_back}
    for kind, held in wanted.items():
        log.warning("khẩu hiệu bị giữ lại (không đăng): %s", held_back_text(held))
        message = f"khẩu hiệu bị giữ lại (không đăng), các khẩu hiệu khác vẫn đăng: {held_back_text(held)}"
        alerter.raise_incident(ledger, SLOGAN_FILE, kind, message, now)
    released = [i.kind for i in ledger.open_incidents() if is_slogan_incident(i) and i.kind not in wanted]
    if released:
        ledger.close_incidents(SLOGAN_FILE, now, tuple(released))
        for kind in released:
            log.info("khẩu hiệu %s đã được sửa: đăng lại bình thường", kind.removeprefix(KIND_PREFIX))


def refuse_held_back(slogans: SloganFile, slogan_id: str | None) -> None:
    """`danvan post --slogan ID` of a held-back slogan: refused, with the reason."""
    held = slogans.held(slogan_id) if slogan_id is not None else None
    if held is not None:
        raise DanvanError(
            f"khẩu hiệu '{held.id}' đang bị giữ lại (không đăng) vì có lỗi: {held.reason} ({held.where}); "
            "sửa lỗi rồi chạy 'danvan check'"
        )


def awaiting_lines(project: Project) -> list[str]:
    """`danvan plan` and `danvan status`: the slogans that wait for approval, each with the command that approves it."""
    if not project.config.posting.approval_required:
        return []
    if project.config.database.exists():  # a look must not create the database
        with Ledger.open(project.config.database) as ledger:
            waiting = awaiting_approval(project, ledger)
    else:
        waiting = awaiting_approval(project, None)
    return [
        f"Khẩu hiệu chờ duyệt (chưa đăng): {s.id}: {s.text} — duyệt: {approve_command(project.config, s.id)}"
        for s in waiting
    ]
