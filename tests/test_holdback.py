"""One defective slogan holds back only itself: the service starts and posts the others, an incident says
which slogan and why (log, status, mail), plan marks it, post refuses it; a reload that fixes it releases it.
Errors in the config, or that break the slogan file as a whole, still stop everything."""

from __future__ import annotations

import email
import json
import subprocess
import sys
from email import policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.daemon import Daemon
from scheduler.ledger import Ledger
from tests.conftest import Inbox
from tests.test_daemon import Service, at, seed_posted, write_config

BAD = "quang vịnhh muôn"  # a word with Vietnamese marks no syllable can have (an error) inside the text of 'dang-quang-vinh' (line 11 of the file)
GOOD = "quang vinh muôn"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def edit_slogans(project_dir: Path, old: str, new: str) -> None:
    path = project_dir / "slogans.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def posted_ids(project_dir: Path) -> list[str]:
    with Ledger.open(project_dir / "data/danvan.db") as ledger:
        return [row.slogan_id for row in ledger.list_posts() if row.status == "posted"]


def slogan_incidents(project_dir: Path) -> list[tuple[str, str]]:
    with Ledger.open(project_dir / "data/danvan.db") as ledger:
        return [(i.channel, i.kind) for i in ledger.open_incidents()]


def test_the_daemon_starts_with_a_defective_slogan_posts_the_others_and_raises_one_incident_with_one_mail(
    project_dir: Path,
    smtp: tuple[Inbox, int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    inbox, port = smtp
    alerts = (
        f"alerts: {{email: {{smtp_host: 127.0.0.1, smtp_port: {port}, starttls: false, from: a@b.vn, to: [c@d.vn]}}}}\n"
    )
    config = write_config(project_dir, "{interval: 30m}", extra=alerts)
    seed_posted(config, at(16, 6, 0))
    edit_slogans(project_dir, GOOD, BAD)
    with caplog.at_level("INFO", logger="danvan"):
        for hour, minute in ((9, 10), (9, 40), (10, 10), (10, 40)):  # four starts, each posting its late slot
            Daemon(config, clock=lambda h=hour, m=minute: at(16, h, m)).prepare()  # type: ignore[misc]
    assert posted_ids(project_dir).count("dan-van-kheo") == 4 + 1  # the seeded post and one per start
    assert "dang-quang-vinh" not in posted_ids(project_dir)
    assert not list((project_dir / "outbox").glob("*dang-quang-vinh*"))
    assert slogan_incidents(project_dir) == [("*", "slogan:dang-quang-vinh")]  # raised once, not once per start
    assert "khẩu hiệu bị giữ lại (không đăng): dang-quang-vinh: 'vịnhh'" in caplog.text
    assert f"{project_dir / 'slogans.yaml'}:11:" in caplog.text
    assert len(inbox.messages) == 1
    mail = email.message_from_bytes(inbox.messages[0], policy=policy.default)
    assert mail["Subject"] == "[danvan] Tệp khẩu hiệu cần xử lý"
    body = mail.get_body()
    assert body is not None and "dang-quang-vinh" in body.get_content() and "vịnhh" in body.get_content()


def test_status_plan_and_post_show_and_refuse_the_held_back_slogan(project_dir: Path) -> None:
    config = write_config(project_dir, '{times: ["08:00", "19:30"]}')
    edit_slogans(project_dir, GOOD, BAD)
    code, out, _ = run("status", "-c", str(config))  # before the daemon ever ran: from the files
    assert "khẩu hiệu bị giữ lại (không đăng): dang-quang-vinh" in out and "vịnhh" in out
    Daemon(config, clock=lambda: at(16, 9, 0)).prepare()
    code, out, _ = run("status", "-c", str(config))
    assert out.count("dang-quang-vinh") == 1 and "*:" not in out  # the incident, said once
    code, out, _ = run("status", "--json", "-c", str(config))
    payload = json.loads(out)
    (incident,) = payload["incidents"]
    assert (incident["channel"], incident["kind"]) == ("*", "slogan:dang-quang-vinh")
    assert "vịnhh" in incident["message"] and "slogans.yaml:11:" in incident["message"]
    assert [held["id"] for held in payload["held_back"]] == ["dang-quang-vinh"]

    code, out, _ = run("plan", "--days", "3", "-c", str(config))
    assert code == 0
    assert "Khẩu hiệu bị giữ lại (không đăng): dang-quang-vinh: 'vịnhh'" in out
    assert f"({project_dir / 'slogans.yaml'}:11:" in out
    table = out.split("\n", 1)[1]
    assert "dan-van-kheo" in table and "dang-quang-vinh" not in table
    code, out, err = run("plan", "--json", "-c", str(config))
    assert code == 0 and {slot["slogan_id"] for slot in json.loads(out)} == {"dan-van-kheo"}
    assert "dang-quang-vinh" in err

    code, out, err = run("post", "--channel", "outbox", "--slogan", "dang-quang-vinh", "-c", str(config))
    assert code == 1
    assert "đang bị giữ lại" in err and "vịnhh" in err
    assert not list((project_dir / "outbox").glob("*dang-quang-vinh*"))
    code, out, _ = run("post", "--channel", "outbox", "--slogan", "dan-van-kheo", "-c", str(config))
    assert code == 0, out


@pytest.mark.parametrize(
    ("file", "old", "new", "rule"),
    [
        ("config.yaml", "timezone: Asia/Ho_Chi_Minh", "timezone: Asia/Ha_Noi", "[unknown-timezone]"),
        ("slogans.yaml", "id: dang-quang-vinh", "id: dan-van-kheo", "[duplicate-id]"),
        ("slogans.yaml", "period: {start: 2021-10-01", "period: {start: 2021-13-01", "[invalid-date]"),
        ("slogans.yaml", "  - id: dang-quang-vinh\n", "  - id: dang-quang-vinh\n    note: [\n", "[yaml-syntax]"),
    ],
)
def test_errors_in_the_config_or_the_whole_slogan_file_still_refuse_start_while_a_defective_slogan_does_not(
    project_dir: Path, file: str, old: str, new: str, rule: str
) -> None:
    config = write_config(project_dir, '{times: ["08:00"]}')
    edit_slogans(project_dir, GOOD, BAD)
    path = project_dir / file
    good = path.read_text(encoding="utf-8")
    assert old in good
    path.write_text(good.replace(old, new), encoding="utf-8")
    refused = subprocess.run(
        [sys.executable, "-m", "scheduler", "run", "-c", str(config)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert refused.returncode == 2
    assert rule in refused.stderr
    path.write_text(good, encoding="utf-8")  # repaired: only the defective slogan remains, held back
    Daemon(config, clock=lambda: at(16, 9, 0)).prepare()
    assert slogan_incidents(project_dir) == [("*", "slogan:dang-quang-vinh")]


def test_an_edit_that_breaks_one_slogan_holds_back_only_it_and_the_fix_releases_it(project_dir: Path) -> None:
    config = write_config(project_dir, "{interval: 1s}")
    service = Service(config)
    try:
        service.wait_for("đã đăng khẩu hiệu 'dang-quang-vinh'")
        edit_slogans(project_dir, GOOD, BAD)
        service.wait_for("khẩu hiệu bị giữ lại (không đăng): dang-quang-vinh")
        service.wait_for("đã nạp bản sửa")
        start = len(service.seen)
        service.wait_for("đã đăng khẩu hiệu", count=sum("đã đăng khẩu hiệu" in s for s in service.seen) + 3)
        during = [line for line in service.seen[start:] if "đã đăng khẩu hiệu" in line]
        assert during and all("'dan-van-kheo'" in line for line in during)
        assert slogan_incidents(project_dir) == [("*", "slogan:dang-quang-vinh")]

        edit_slogans(project_dir, BAD, GOOD)
        service.wait_for("khẩu hiệu dang-quang-vinh đã được sửa")
        service.wait_for("đã nạp bản sửa", count=2)
        service.wait_for("đã đăng khẩu hiệu 'dang-quang-vinh'", count=2)
        assert slogan_incidents(project_dir) == []
        assert service.process.poll() is None
    finally:
        assert service.stop() == 0


def test_a_slogan_entry_with_errors_does_not_stop_the_commands_that_read_what_happened(
    project_dir: Path, tmp_path: Path
) -> None:
    slogans = project_dir / "slogans.yaml"
    slogans.write_text(slogans.read_text(encoding="utf-8") + '  - id: "Sai Mã"\n    text: "Đoàn kết!"\n', "utf-8")
    config = str(project_dir / "config.yaml")
    for command in (["log"], ["log", "--json"], ["report"], ["backup", str(tmp_path / "copy.db")], ["approvals"]):
        result = CliRunner().invoke(cli, [*command, "-c", config])
        assert result.exit_code == 0, (command, result.output)
