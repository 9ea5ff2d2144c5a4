"""Approvals (duyệt): nothing goes out under `posting.approval: required` that a named person has not approved.

An approval covers a slogan's exact text (NFC) and the caption each enabled channel builds from it (the
caption template, hashtags, plan id and issuing body are part of what the public reads). It is computed,
not stored as a flag: a slogan is approved while its newest row in the ledger is an `approve` whose text
hash matches the current text and whose captions match every enabled channel's current caption. So any
edit of the text (hot reload included) revokes it at once, the old row stays in the history, and the card
design, which is not part of either, can change freely.

`postable` is the one answer to "which slogans may be posted now": the slogan file as loaded (held-back
slogans already disabled, see holdback.py) narrowed to the approved ones. The daemon asks at every slot,
so an approval given by `danvan approve` in another process counts from the next slot on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from scheduler.errors import DanvanError
from scheduler.ledger import ApprovalAction, ApprovalRecord, Ledger
from scheduler.posting.alerts import Alerter
from scheduler.posting.captions import make_caption
from scheduler.posting.planner import Slot, plan
from scheduler.project import Project
from scheduler.project.models import Config
from scheduler.project.slogans import Slogan, SloganFile, normalize_text

log = logging.getLogger("danvan.approvals")

MAX_NAME = 120  # characters of an approver's name
MAX_NOTE = 1000
INCIDENT_KIND = "approval"
ONE_SECOND = dt.timedelta(seconds=1)


@dataclass(frozen=True)
class HistoryEntry:
    action: ApprovalAction
    by: str
    at: dt.datetime
    note: str | None
    text: str


@dataclass(frozen=True)
class ApprovalState:
    """Where one slogan of the file stands: approved or not, by whom, and every approval ever given."""

    slogan_id: str
    text: str
    approved: bool
    approved_by: str | None
    approved_at: dt.datetime | None
    text_changed: bool  # an earlier approval no longer matches the text (or a channel's caption)
    note: str | None
    history: list[HistoryEntry]

    @property
    def changed_at(self) -> dt.datetime | None:
        return self.history[0].at if self.history else None


# --- what an approval covers ---------------------------------------------------------------------


def text_sha256(text: str) -> str:
    return hashlib.sha256(normalize_text(text).encode()).hexdigest()


def captions_of(config: Config, slogans: SloganFile, slogan: Slogan) -> dict[str, str]:
    """The caption each enabled channel would post with this slogan."""
    return {c.name: make_caption(c, slogan, slogans.plan) for c in config.enabled_channels}


def captions_sha256(captions: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(captions, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _covers(record: ApprovalRecord, slogan: Slogan, captions: dict[str, str]) -> bool:
    """Whether `record` approves the slogan as it reads now; a channel disabled since does not matter."""
    if record.action != "approve" or record.text_sha256 != text_sha256(slogan.text):
        return False
    return all(record.captions.get(name) == caption for name, caption in captions.items())


def approved_ids(ledger: Ledger, slogans: SloganFile, config: Config) -> frozenset[str]:
    """The slogans of the file whose current text and captions are approved (one cheap query)."""
    latest = ledger.latest_approvals()
    return frozenset(
        s.id for s in slogans.slogans if s.id in latest and _covers(latest[s.id], s, captions_of(config, slogans, s))
    )


def is_approved(ledger: Ledger, slogans: SloganFile, config: Config, slogan_id: str) -> bool:
    return slogan_id in approved_ids(ledger, slogans, config)


def postable(project: Project, ledger: Ledger | None) -> Project:
    """The project with only the slogans that may be posted now enabled (all of them when approval is off).

    `ledger` None: no database yet, so nothing has been approved.
    """
    if not project.config.posting.approval_required:
        return project
    slogans = project.slogans
    approved = approved_ids(ledger, slogans, project.config) if ledger is not None else frozenset()
    narrowed = tuple(s if s.id in approved else replace(s, enabled=False) for s in slogans.slogans)
    return Project(project.config, replace(slogans, slogans=narrowed))


def awaiting_approval(project: Project, ledger: Ledger | None) -> list[Slogan]:
    """Enabled slogans (held-back ones are not) that wait for an approval before they can be posted."""
    if not project.config.posting.approval_required:
        return []
    approved = {s.id for s in postable(project, ledger).slogans.enabled}
    return [s for s in project.slogans.enabled if s.id not in approved]


def approve_command(config: Config, slogan_id: str) -> str:
    """The exact command an officer runs to approve the slogan."""
    import shlex

    return f'danvan -c {shlex.quote(str(config.path))} approve {slogan_id} --by "Họ và tên"'


def refuse_unapproved(project: Project, ledger: Ledger, slogan_id: str) -> None:
    """`danvan post --slogan ID` under `approval: required`: an unapproved slogan is refused."""
    if project.config.posting.approval_required and not is_approved(ledger, project.slogans, project.config, slogan_id):
        raise DanvanError(
            f"khẩu hiệu '{slogan_id}' chưa được duyệt (posting.approval: required) nên không đăng; "
            f"người có thẩm quyền duyệt bằng lệnh: {approve_command(project.config, slogan_id)}"
        )


# --- approving and withdrawing -------------------------------------------------------------------


def checked_name(by: str) -> str:
    """The approver's name as recorded: non-empty, printable, bounded."""
    name = normalize_text(by)
    if not name:
        raise DanvanError('cần ghi họ tên người duyệt: --by "Họ và tên"')
    if len(name) > MAX_NAME or not name.isprintable():
        raise DanvanError(f"họ tên người duyệt phải là chữ in được, tối đa {MAX_NAME} ký tự")
    return name


def _checked_note(note: str | None) -> str | None:
    if note is None or not normalize_text(note):
        return None
    note = normalize_text(note)
    if len(note) > MAX_NOTE or not note.replace("\n", " ").isprintable():
        raise DanvanError(f"ghi chú phải là chữ in được, tối đa {MAX_NOTE} ký tự")
    return note


def _slogans_named(slogans: SloganFile, ids: Sequence[str] | None) -> list[Slogan]:
    if ids is None:
        return list(slogans.enabled)
    unknown = [i for i in dict.fromkeys(ids) if slogans.get(i) is None]
    if unknown:
        raise DanvanError(f"không có khẩu hiệu mã {', '.join(repr(i) for i in unknown)} trong {slogans.path}")
    return [s for i in dict.fromkeys(ids) if (s := slogans.get(i)) is not None]


def approve(
    ledger: Ledger,
    slogans: SloganFile,
    config: Config,
    ids: Sequence[str] | None,
    by: str,
    note: str | None,
    now: dt.datetime,
) -> list[ApprovalRecord]:
    """Approve the current text and captions of each slogan (`ids` None: every enabled one).

    Returns the rows added; a slogan whose current text is already approved gets no second row.
    """
    name, note = checked_name(by), _checked_note(note)
    latest = ledger.latest_approvals()
    records: list[ApprovalRecord] = []
    for slogan in _slogans_named(slogans, ids):
        captions = captions_of(config, slogans, slogan)
        if slogan.id in latest and _covers(latest[slogan.id], slogan, captions):
            continue
        records.append(_record(slogan.id, "approve", slogan.text, captions, name, note, now))
    return ledger.add_approvals(records)


def revoke(
    ledger: Ledger, slogans: SloganFile, slogan_id: str, by: str, now: dt.datetime, note: str | None = None
) -> ApprovalRecord:
    """Withdraw the approval of one slogan (kept in the history, like every row)."""
    name, note = checked_name(by), _checked_note(note)
    latest = ledger.latest_approvals().get(slogan_id)
    if latest is None or latest.action == "revoke":
        raise DanvanError(f"khẩu hiệu '{slogan_id}' chưa được duyệt nên không có gì để thu hồi")
    slogan = slogans.get(slogan_id)
    text = slogan.text if slogan is not None else latest.text
    return ledger.add_approvals([_record(slogan_id, "revoke", text, dict(latest.captions), name, note, now)])[0]


def _record(
    slogan_id: str,
    action: ApprovalAction,
    text: str,
    captions: dict[str, str],
    by: str,
    note: str | None,
    now: dt.datetime,
) -> ApprovalRecord:
    text = normalize_text(text)
    return ApprovalRecord(
        0, slogan_id, action, text, text_sha256(text), captions, captions_sha256(captions), by, now, note
    )


# --- reading the state ---------------------------------------------------------------------------


def approval_states(ledger: Ledger | None, slogans: SloganFile, config: Config) -> list[ApprovalState]:
    """One state per slogan of the file, the most recently changed first (never touched: file order, last).

    `ledger` None: no database yet, so nothing has been approved."""
    history: dict[str, list[ApprovalRecord]] = {}
    for record in ledger.approval_history() if ledger is not None else []:
        history.setdefault(record.slogan_id, []).append(record)
    states = [_state_of(s, history.get(s.id, []), captions_of(config, slogans, s)) for s in slogans.slogans]
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(states, key=lambda state: state.changed_at or never, reverse=True)


def _state_of(slogan: Slogan, rows: list[ApprovalRecord], captions: dict[str, str]) -> ApprovalState:
    latest = rows[0] if rows else None
    approved = latest is not None and _covers(latest, slogan, captions)
    given = latest is not None and latest.action == "approve"
    return ApprovalState(
        slogan_id=slogan.id,
        text=slogan.text,
        approved=approved,
        approved_by=latest.by if approved and latest else None,
        approved_at=latest.at if approved and latest else None,
        text_changed=given and not approved,
        note=latest.note if latest else None,
        history=[HistoryEntry(r.action, r.by, r.at, r.note, r.text) for r in rows],
    )


def state_text(state: ApprovalState, tz: dt.tzinfo) -> str:
    """One line of `danvan approvals`, in Vietnamese."""
    if state.approved and state.approved_at is not None:
        status = f"ĐÃ DUYỆT bởi {state.approved_by} lúc {state.approved_at.astimezone(tz):%d/%m/%Y %H:%M}"
    elif state.text_changed:
        status = "CHỜ DUYỆT LẠI (nội dung hoặc chú thích đã đổi sau lần duyệt trước)"
    elif state.history:
        last = state.history[0]
        status = f"ĐÃ THU HỒI bởi {last.by} lúc {last.at.astimezone(tz):%d/%m/%Y %H:%M}"
    else:
        status = "CHƯA DUYỆT"
    note = f" — ghi chú: {state.note}" if state.note else ""
    return f"{state.slogan_id}: {status}{note}\n    {state.text}"


def approval_records(states: Sequence[ApprovalState], tz: dt.tzinfo) -> list[dict[str, Any]]:
    def moment(value: dt.datetime | None) -> str | None:
        return None if value is None else value.astimezone(tz).isoformat(timespec="seconds")

    return [
        {
            "slogan_id": s.slogan_id,
            "text": s.text,
            "approved": s.approved,
            "approved_by": s.approved_by,
            "approved_at": moment(s.approved_at),
            "text_changed": s.text_changed,
            "note": s.note,
            "history": [
                {"action": h.action, "by": h.by, "at": moment(h.at), "note": h.note, "text": h.text} for h in s.history
            ],
        }
        for s in states
    ]


def approval_json(states: Sequence[ApprovalState], tz: dt.tzinfo) -> str:
    """`danvan approvals --json`: one array, times in ISO 8601 with the config zone's offset."""
    return json.dumps(approval_records(states, tz), ensure_ascii=False, indent=2)


# --- the daemon's slot ---------------------------------------------------------------------------


def choose_slot(
    project: Project, ledger: Ledger, channel: str, at: dt.datetime, alerter: Alerter, now: dt.datetime
) -> Slot | None:
    """What `channel` posts at `at`, chosen among the slogans postable now; None when nothing is posted.

    A slot whose slogans all wait for approval is recorded as missed, with the reason, and the channel's
    incident is raised once; a pinned slogan not approved gives way to the rotation, and the log says so.
    """
    history = {channel: ledger.history(channel)}
    planned = plan(project.config, project.slogans, at, at + ONE_SECOND, history, [channel])
    if not planned or not project.config.posting.approval_required:
        return planned[0] if planned else None
    wanted = planned[0]
    allowed = plan(project.config, postable(project, ledger).slogans, at, at + ONE_SECOND, history, [channel])
    if not allowed:
        _nothing_approved(project, ledger, wanted, alerter, now)
        return None
    chosen = allowed[0]
    pinned = project.slogans.get(wanted.slogan_id)
    if chosen.slogan_id != wanted.slogan_id and pinned is not None and at.date() in pinned.dates:
        log.warning(
            "kênh %s: khẩu hiệu '%s' được ghim cho ngày %s nhưng chưa được duyệt; lượt này đăng '%s' theo vòng luân phiên",
            channel,
            wanted.slogan_id,
            f"{at:%d/%m/%Y}",
            chosen.slogan_id,
        )
    return chosen


def _nothing_approved(project: Project, ledger: Ledger, slot: Slot, alerter: Alerter, now: dt.datetime) -> None:
    reason = "chưa có khẩu hiệu nào được duyệt (posting.approval: required) nên lượt này không đăng"
    log.warning("kênh %s, lượt %s: %s", slot.channel, f"{slot.at:%d/%m/%Y %H:%M}", reason)
    ledger.mark_missed(slot.channel, slot.at, slot.slogan_id, reason, now)
    command = approve_command(project.config, "ID")
    message = f"không có khẩu hiệu nào đã duyệt để đăng; duyệt bằng lệnh: {command} (hoặc --all)"
    alerter.raise_incident(ledger, slot.channel, INCIDENT_KIND, message, now)


def report_awaiting(project: Project, ledger: Ledger) -> None:
    """At start and after each reload: say which slogans wait for approval."""
    for slogan in awaiting_approval(project, ledger):
        log.warning("khẩu hiệu '%s' chờ duyệt (chưa đăng): %s", slogan.id, approve_command(project.config, slogan.id))
