"""Text from platforms is data when printed: `danvan log` and `danvan status` show control characters as escapes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.ledger import Ledger
from scheduler.project import load_project

HOSTILE = "Invalid parameter\n<0>danvan: HỆ THỐNG BỊ XÂM NHẬP\x1b[2J\u202e"
SLOT = dt.datetime(2021, 10, 1, 1, 0, tzinfo=dt.UTC)


def seed_hostile(project_dir: Path) -> Path:
    config = project_dir / "config.yaml"
    with Ledger.open(load_project(config, {}).config.database) as ledger:
        row = ledger.claim("outbox", SLOT, "dan-van-kheo", "h" * 64, "c", SLOT)
        assert row is not None
        ledger.mark_failed(row.id, HOSTILE, SLOT)
        ledger.open_incident("outbox", "token", HOSTILE, SLOT)
    return config


def test_the_log_table_shows_a_hostile_platform_message_on_one_line(project_dir: Path) -> None:
    out = CliRunner().invoke(cli, ["log", "-c", str(seed_hostile(project_dir))]).stdout
    assert "\x1b" not in out and "\u202e" not in out
    (row,) = [line for line in out.splitlines() if "dan-van-kheo" in line]
    assert "\\n<0>danvan" in row and "\\x1b[2J" in row


def test_status_shows_a_hostile_incident_message_escaped(project_dir: Path) -> None:
    out = CliRunner().invoke(cli, ["status", "-c", str(seed_hostile(project_dir))]).stdout
    assert "\x1b" not in out and "\u202e" not in out
    assert not any(line.startswith("<0>") for line in out.splitlines())
    assert "\\n<0>danvan" in out
