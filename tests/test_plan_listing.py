"""`danvan plan` on a dense schedule: the first slots listed, the rest counted (not listed)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.posting.planner import plan
from scheduler.posting.timeline import upcoming_slots
from scheduler.project import load_project


def every_two_seconds(project_dir: Path) -> Path:
    config = project_dir / "config.yaml"
    text = config.read_text(encoding="utf-8").replace('times: ["08:00", "19:30"]', "interval: 2s")
    config.write_text(text + "posting: {plan_period_only: false}\n", encoding="utf-8")
    return config


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_the_table_lists_the_first_hundred_and_counts_the_rest(project_dir: Path) -> None:
    code, out, err = run("plan", "--days", "3", "-c", str(every_two_seconds(project_dir)))
    assert code == 0
    assert len(out.strip().splitlines()) == 1 + 100  # header and the first 100 slots
    assert "… và 129.500 lượt đăng nữa" in err  # 3 days of one slot every 2 s = 129,600


def test_json_keeps_its_shape_and_is_capped_by_limit(project_dir: Path) -> None:
    code, out, err = run("plan", "--days", "1", "--json", "--limit", "5", "-c", str(every_two_seconds(project_dir)))
    slots = json.loads(out)
    assert code == 0
    assert len(slots) == 5 and set(slots[0]) == {"slot", "channel", "slogan_id", "text"}
    assert "43.195 lượt đăng nữa" in err


def test_json_lists_every_slot_below_the_cap(project_dir: Path) -> None:
    config = project_dir / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "posting: {plan_period_only: false}\n", encoding="utf-8")
    code, out, err = run("plan", "--days", "3", "--json", "-c", str(config))
    assert code == 0 and len(json.loads(out)) == 6 and "nữa" not in err


def test_the_listed_slots_are_the_first_of_the_plan(project_dir: Path) -> None:
    project = load_project(every_two_seconds(project_dir))
    now = dt.datetime(2021, 10, 15, 7, 59, 59, 500000, tzinfo=dt.UTC)
    view = upcoming_slots(project, now, dt.timedelta(days=1), 300)
    whole = plan(project.config, project.slogans, now, now + dt.timedelta(hours=1))
    assert view.slots == whole[:300]
    assert view.more == 43_200 - 300
