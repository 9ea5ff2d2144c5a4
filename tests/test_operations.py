"""Running unattended: status, hot reload, one alert per incident (with e-mail), and no secret anywhere."""

from __future__ import annotations

import datetime as dt
import email
import json
import logging
import signal
import socket
from collections.abc import Iterator
from email import policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.ledger import Ledger
from scheduler.posting.alerts import Alerter
from scheduler.project.models import EmailAlerts
from tests.conftest import Inbox
from tests.emulators.graph import GraphEmulator
from tests.test_daemon import Service, write_config

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = dt.datetime(2021, 10, 15, 8, 0, tzinfo=TZ)


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


# --- status -------------------------------------------------------------------------------------


def test_status_says_the_daemon_is_down_and_exits_1(project_dir: Path) -> None:
    code, out, _ = run("status", "-c", str(project_dir / "config.yaml"))
    assert code == 1
    assert "KHÔNG CHẠY" in out and "outbox (outbox): hoạt động" in out


def test_status_of_a_running_daemon_then_of_a_paused_channel(project_dir: Path) -> None:
    config = write_config(project_dir, "{interval: 1s}")
    service = Service(config)
    try:
        service.wait_for("đã đăng khẩu hiệu")
        code, out, _ = run("status", "-c", str(config))
        assert code == 0, out
        assert f"đang chạy (PID {service.process.pid}" in out
        with Ledger.open(project_dir / "data/danvan.db") as ledger:
            ledger.set_channel_state("outbox", "paused", "mã truy cập hết hạn", dt.datetime.now(dt.UTC))
        code, out, _ = run("status", "--json", "-c", str(config))
        payload = json.loads(out)
        assert code == 1
        assert payload["running"] is True and payload["healthy"] is False
        assert payload["heartbeat"]["next_slot"] is not None
        assert payload["channels"][0]["paused"] is True and payload["channels"][0]["reason"] == "mã truy cập hết hạn"
    finally:
        assert service.stop() == 0


# --- hot reload ---------------------------------------------------------------------------------


def test_a_broken_edit_is_rejected_with_check_messages_and_posting_goes_on(project_dir: Path) -> None:
    config = write_config(project_dir, "{interval: 1s}")
    service = Service(config)
    try:
        service.wait_for("đã đăng khẩu hiệu")
        slogans = project_dir / "slogans.yaml"
        good = slogans.read_text(encoding="utf-8")
        # Two slogans with one id break the file as a whole (an error inside one slogan only holds it back).
        slogans.write_text(good.replace("id: dang-quang-vinh", "id: dan-van-kheo"), encoding="utf-8")
        service.wait_for("[duplicate-id]")  # the same file:line message as danvan check
        service.wait_for("tiếp tục đăng theo bản hợp lệ trước đó")
        posted_before = sum("đã đăng khẩu hiệu" in line for line in service.seen)
        service.wait_for("đã đăng khẩu hiệu", count=posted_before + 2)
        assert service.process.poll() is None
        line = next(line for line in service.seen if "[duplicate-id]" in line)
        assert f"{slogans}:10:9: error:" in line
    finally:
        assert service.stop() == 0


def test_a_valid_edit_is_adopted_without_a_restart_and_sighup_reloads(project_dir: Path) -> None:
    config = write_config(project_dir, "{interval: 1s}")
    service = Service(config)
    try:
        service.wait_for("đã đăng khẩu hiệu")
        slogans = project_dir / "slogans.yaml"
        text = slogans.read_text(encoding="utf-8").replace(
            '    text: "Dân vận khéo', '    enabled: false\n    text: "Dân vận khéo'
        )
        slogans.write_text(text, encoding="utf-8")
        service.wait_for("đã nạp bản sửa")
        start = len(service.seen)
        service.wait_for("đã đăng khẩu hiệu", count=sum("đã đăng khẩu hiệu" in s for s in service.seen) + 3)
        after = [line for line in service.seen[start:] if "đã đăng khẩu hiệu" in line]
        assert after and all("'dang-quang-vinh'" in line for line in after)
        service.process.send_signal(signal.SIGHUP)
        service.wait_for("nhận SIGHUP")
        service.wait_for("đã nạp bản sửa", count=2)
    finally:
        assert service.stop() == 0
    rows = json.loads(run("log", "--json", "-c", str(config))[1])
    assert len({r["slot"] for r in rows}) == len(rows)  # the re-plan posted no slot twice


# --- incidents ----------------------------------------------------------------------------------


def test_an_incident_is_raised_once_with_one_mail_and_closes_when_the_channel_recovers(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    settings = EmailAlerts(
        smtp_host="127.0.0.1",
        smtp_port=port,
        starttls=False,
        sender="danvan@example.gov.vn",
        recipients=("canbo@example.gov.vn",),
    )
    alerter = Alerter(settings)
    with Ledger.open(tmp_path / "db.sqlite") as ledger:
        for minute in range(3):
            alerter.raise_incident(
                ledger, "fanpage", "token", "mã truy cập hết hạn", NOW + dt.timedelta(minutes=minute)
            )
        assert [i.kind for i in ledger.open_incidents()] == ["token"]
        alerter.clear(ledger, "fanpage", NOW + dt.timedelta(hours=1))
        assert ledger.open_incidents() == []
        alerter.raise_incident(ledger, "fanpage", "token", "lại hết hạn", NOW + dt.timedelta(hours=2))
    assert len(inbox.messages) == 2
    mail = email.message_from_bytes(inbox.messages[0], policy=policy.default)
    assert mail["Subject"] == "[danvan] Kênh fanpage cần xử lý"
    assert mail["To"] == "canbo@example.gov.vn"
    body = mail.get_body()
    assert body is not None and "mã truy cập hết hạn" in body.get_content()


def test_repeated_failures_become_one_incident(tmp_path: Path) -> None:
    alerter = Alerter()
    with Ledger.open(tmp_path / "db.sqlite") as ledger:
        for n in range(5):
            slot = NOW + dt.timedelta(hours=n)
            row = ledger.claim("outbox", slot, "a", "h", "c", slot)
            assert row is not None
            ledger.mark_failed(row.id, "đĩa đầy", slot)
            alerter.note_failure(ledger, "outbox", "đĩa đầy", slot)
        incidents = ledger.open_incidents()
    assert [(i.channel, i.kind) for i in incidents] == [("outbox", "repeated-failures")]


def test_a_mail_server_that_is_down_does_not_hide_the_incident(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    alerter = Alerter(
        EmailAlerts(
            smtp_host="127.0.0.1", smtp_port=closed_port, starttls=False, sender="a@b.vn", recipients=("c@d.vn",)
        )
    )
    with Ledger.open(tmp_path / "db.sqlite") as ledger:
        assert alerter.raise_incident(ledger, "zalo-oa", "token", "mã làm mới bị từ chối", NOW)
        assert len(ledger.open_incidents()) == 1


# --- secrets ------------------------------------------------------------------------------------


def test_no_secret_reaches_logs_exceptions_database_or_outbox(project_dir: Path) -> None:
    token, app_secret = "EAAG-very-secret-page-token-42", "app-secret-never-shown-17"
    with GraphEmulator(token=token, app_secret=app_secret) as graph:
        config = project_dir / "config.yaml"
        config.write_text(
            config.read_text(encoding="utf-8")
            + "  - name: fanpage\n    type: facebook\n"
            + f'    page_id: "{graph.page_id}"\n    access_token: ${{FB_PAGE_TOKEN}}\n    app_secret: ${{FB_APP_SECRET}}\n'
            + f"    api_base: {graph.url}\n"
            + '    schedule: {times: ["08:00"]}\n',
            encoding="utf-8",
        )
        env = {"FB_PAGE_TOKEN": token, "FB_APP_SECRET": app_secret}
        outputs = [run("post", "--channel", "fanpage", "-c", str(config), env=env)]
        outputs.append(run("post", "--channel", "outbox", "-c", str(config), env=env))
        graph.invalidate_token()
        outputs.append(run("post", "--channel", "fanpage", "-c", str(config), env=env))  # a token error, logged
        outputs.append(run("check", "--online", "-c", str(config), env=env))
        outputs.append(run("log", "--json", "-c", str(config), env=env))
        outputs.append(run("status", "-c", str(config), env=env))
    texts = [out + err for _, out, err in outputs]
    assert any("FB_PAGE_TOKEN" in text for text in texts)  # the failure names what to renew ...
    blobs = [text.encode() for text in texts]
    blobs += [p.read_bytes() for p in project_dir.rglob("*") if p.is_file() and p.name != "config.yaml"]
    for blob in blobs:
        assert token.encode() not in blob and app_secret.encode() not in blob  # ... never the value


def test_a_world_readable_config_with_credentials_is_a_warning(project_dir: Path) -> None:
    config = project_dir / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '  - name: f\n    type: facebook\n    page_id: "1"\n    access_token: ${T}\n    schedule: {times: ["08:00"]}\n',
        encoding="utf-8",
    )
    config.chmod(0o644)
    code, out, _ = run("check", "-c", str(config), env={"T": "x" * 20})
    assert code == 0 and "[config-permissions]" in out and "chmod 640" in out
    config.chmod(0o640)
    assert "[config-permissions]" not in run("check", "-c", str(config), env={"T": "x" * 20})[1]


def format_record(formatter: logging.Formatter, message: str, *args: object, error: BaseException | None = None) -> str:
    record = logging.LogRecord("danvan.test", logging.ERROR, __file__, 1, message, args, None)
    if error is not None:
        record.exc_info = (type(error), error, error.__traceback__)
    return formatter.format(record)


@pytest.fixture
def log_state() -> Iterator[None]:
    from scheduler.logsetup import SafeFormatter

    yield
    SafeFormatter.secrets, SafeFormatter.timezone = (), None


def test_the_log_formatter_scrubs_secrets_even_from_tracebacks(log_state: None) -> None:
    from scheduler.logsetup import SafeFormatter, redact_secrets

    redact_secrets(["s3cr3t-value"])
    try:
        raise RuntimeError("call failed with token s3cr3t-value")
    except RuntimeError as exc:
        text = format_record(SafeFormatter("%(message)s"), "lỗi khi gọi với %s", "s3cr3t-value", error=exc)
    assert "s3cr3t-value" not in text
    assert text.startswith("lỗi khi gọi với ***") and text.endswith("call failed with token ***")


def test_a_platform_message_cannot_forge_a_journald_line_or_repaint_the_terminal(log_state: None) -> None:
    from scheduler.logsetup import JournalFormatter, SafeFormatter

    hostile = "Invalid parameter\n<0>danvan: HỆ THỐNG BỊ XÂM NHẬP\x1b[2J\u202e"
    journal = format_record(JournalFormatter("%(name)s: %(message)s"), "Facebook từ chối: %s", hostile)
    assert journal.count("\n") == 0 and journal.startswith("<3>")
    assert "\\n<0>danvan" in journal and "\\x1b[2J" in journal and "\\u202e" in journal
    try:
        raise ValueError(hostile)
    except ValueError as exc:
        traced = format_record(JournalFormatter("%(message)s"), "x", error=exc)
    assert "\n" not in traced and "\x1b" not in traced
    terminal = format_record(SafeFormatter("%(message)s"), "%s", hostile)
    assert "\x1b" not in terminal and "\n" not in terminal


def test_log_times_are_in_the_config_zone_with_the_offset(log_state: None) -> None:
    from zoneinfo import ZoneInfo

    from scheduler.logsetup import SafeFormatter, log_in_timezone

    log_in_timezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    record = logging.LogRecord("danvan.test", logging.INFO, __file__, 1, "x", (), None)
    record.created = dt.datetime(2021, 10, 15, 7, 18, tzinfo=dt.UTC).timestamp()
    assert SafeFormatter("%(asctime)s %(message)s").format(record) == "2021-10-15 14:18:00+0700 x"
