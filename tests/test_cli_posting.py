from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from scheduler.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def outside_period(project_dir: Path) -> Path:
    config = project_dir / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "posting: {plan_period_only: false}\n", encoding="utf-8")
    return config


def test_plan_lists_the_coming_slots_with_the_rotation(project_dir: Path) -> None:
    config = outside_period(project_dir)
    code, out, _ = run("plan", "--days", "1", "--json", "-c", str(config))
    slots = json.loads(out)
    assert code == 0
    assert len(slots) == 2  # 08:00 and 19:30 within the next 24 hours
    assert {s["slogan_id"] for s in slots} == {"dan-van-kheo", "dang-quang-vinh"}
    assert all(s["slot"].endswith("+07:00") and s["channel"] == "outbox" and s["text"] for s in slots)


def test_plan_as_a_table_and_a_note_when_posting_waits_for_the_plan_period(project_dir: Path) -> None:
    code, out, err = run("plan", "-c", str(project_dir / "config.yaml"))
    assert code == 0
    assert "Không có lượt đăng nào" in out
    assert "plan_period_only" in err


def test_post_publishes_now_through_the_ledger_and_log_shows_it(project_dir: Path) -> None:
    config = str(outside_period(project_dir))
    code, out, _ = run("post", "--channel", "outbox", "--slogan", "dang-quang-vinh", "-c", config)
    assert code == 0 and "dang-quang-vinh" in out
    assert len(list((project_dir / "outbox").glob("*-dang-quang-vinh.json"))) == 1
    code, out, _ = run("log", "--json", "-c", config)
    (row,) = json.loads(out)
    assert set(row) >= {"channel", "slogan_id", "slot", "status", "remote_id", "posted_at", "reach", "error"}
    assert (row["channel"], row["slogan_id"], row["status"], row["reach"], row["error"]) == (
        "outbox",
        "dang-quang-vinh",
        "posted",
        None,
        None,
    )
    assert row["remote_id"] and row["posted_at"]


def test_post_without_a_slogan_takes_the_next_in_rotation(project_dir: Path) -> None:
    config = str(outside_period(project_dir))
    assert run("post", "--channel", "outbox", "-c", config)[0] == 0
    _, out, _ = run("log", "--json", "-c", config)
    assert json.loads(out)[0]["slogan_id"] in {"dan-van-kheo", "dang-quang-vinh"}


def test_post_to_an_unknown_channel_says_which_exist(project_dir: Path) -> None:
    code, _, err = run("post", "--channel", "fanpage", "-c", str(project_dir / "config.yaml"))
    assert code == 1
    assert "'fanpage'" in err and "outbox" in err


def test_log_table_csv_and_filters(project_dir: Path) -> None:
    config = str(outside_period(project_dir))
    for slogan in ("dan-van-kheo", "dang-quang-vinh"):
        assert run("post", "--channel", "outbox", "--slogan", slogan, "-c", config)[0] == 0
    code, table, _ = run("log", "-c", config)
    assert code == 0
    assert table.splitlines()[0].split()[:2] == ["Giờ", "đăng"]
    assert "đã đăng" in table
    _, text, _ = run("log", "--csv", "-c", config)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["slogan_id"] for r in rows] == ["dang-quang-vinh", "dan-van-kheo"]
    assert {r["status"] for r in rows} == {"posted"}
    _, out, _ = run("log", "--json", "--status", "failed", "-c", config)
    assert json.loads(out) == []
    _, out, _ = run("log", "--json", "--since", "2999-01-01", "-c", config)
    assert json.loads(out) == []
    _, out, _ = run("log", "--json", "--channel", "outbox", "-c", config)
    assert {r["channel"] for r in json.loads(out)} == {"outbox"}


def test_log_rejects_a_malformed_date(project_dir: Path) -> None:
    code, _, err = run("log", "--since", "15/10/2021", "-c", str(project_dir / "config.yaml"))
    assert code == 2 and "YYYY-MM-DD" in err


def test_the_log_table_shows_the_newest_rows_and_says_how_many_are_older(project_dir: Path) -> None:
    import datetime as dt

    from scheduler.ledger import Ledger
    from scheduler.project import load_project

    config = outside_period(project_dir)
    database = load_project(config, {}).config.database
    start = dt.datetime(2021, 10, 1, 8, tzinfo=dt.UTC)
    with Ledger.open(database) as ledger:
        for n in range(60):
            slot = start + dt.timedelta(hours=n)
            row = ledger.claim("outbox", slot, "dan-van-kheo", "h", "c", slot)
            assert row is not None
            ledger.mark_posted(row.id, f"r{n}", slot)
    code, out, err = run("log", "-c", str(config))
    assert code == 0
    assert len(out.splitlines()) == 1 + 50  # header + the newest 50
    assert "còn 10 lượt cũ hơn" in err
    assert len(run("log", "--all", "-c", str(config))[1].splitlines()) == 61
    assert len(json.loads(run("log", "--json", "-c", str(config))[1])) == 60  # machines get every row
