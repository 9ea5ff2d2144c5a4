"""The `approvals` table: the append-only audit trail of who approved (duyệt) or withdrew which exact text.

A mixin of the Ledger (it shares the Ledger's connection). Rows are only added (triggers refuse UPDATE and
DELETE), so history is never rewritten; what an approval means for posting is decided in posting/approvals.py.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, cast

from sqlite_utils import Database

from scheduler.ledger.connection import immediate
from scheduler.ledger.timestamps import iso_utc

ApprovalAction = Literal["approve", "revoke"]


@dataclass(frozen=True)
class ApprovalRecord:
    """One row: `by` approved (or withdrew) slogan `slogan_id` as it read then (`text`, `captions` per channel)."""

    id: int
    slogan_id: str
    action: ApprovalAction
    text: str
    text_sha256: str
    captions: Mapping[str, str]
    caption_sha256: str
    by: str
    at: datetime  # aware, UTC as stored
    note: str | None


def _record_of(row: Mapping[str, Any]) -> ApprovalRecord:
    return ApprovalRecord(
        id=int(row["id"]),
        slogan_id=str(row["slogan_id"]),
        action=cast(ApprovalAction, row["action"]),
        text=str(row["text"]),
        text_sha256=str(row["text_sha256"]),
        captions=dict(json.loads(row["captions"])),
        caption_sha256=str(row["caption_sha256"]),
        by=str(row["by"]),
        at=datetime.fromisoformat(str(row["at"])),
        note=row["note"],
    )


class ApprovalTables:
    """The `approvals` table."""

    _db: Database

    def add_approvals(self, records: list[ApprovalRecord]) -> list[ApprovalRecord]:
        """Append the rows (their `id` is ignored) in one transaction; returns them as stored."""
        stored: list[ApprovalRecord] = []
        with immediate(self._db):
            for record in records:
                cursor = self._db.execute(
                    """
                    INSERT INTO approvals (slogan_id, action, text, text_sha256, captions, caption_sha256, by, at, note)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        record.slogan_id,
                        record.action,
                        record.text,
                        record.text_sha256,
                        json.dumps(dict(record.captions), ensure_ascii=False, sort_keys=True),
                        record.caption_sha256,
                        record.by,
                        iso_utc(record.at, "at"),
                        record.note,
                    ],
                )
                stored.append(_with_id(record, int(cursor.lastrowid or 0)))
        return stored

    def latest_approvals(self) -> dict[str, ApprovalRecord]:
        """Slogan id -> its newest row (one indexed query: cheap enough to run at every slot)."""
        rows = self._db.query("SELECT * FROM approvals WHERE id IN (SELECT MAX(id) FROM approvals GROUP BY slogan_id)")
        return {record.slogan_id: record for record in map(_record_of, rows)}

    def approval_history(self, slogan_id: str | None = None) -> list[ApprovalRecord]:
        """Every row (or one slogan's), newest first."""
        where, params = ("WHERE slogan_id = ?", [slogan_id]) if slogan_id is not None else ("", [])
        rows = self._db.query(f"SELECT * FROM approvals {where} ORDER BY id DESC", params)
        return [_record_of(row) for row in rows]


def _with_id(record: ApprovalRecord, row_id: int) -> ApprovalRecord:
    return replace(record, id=row_id, at=datetime.fromisoformat(iso_utc(record.at, "at")))
