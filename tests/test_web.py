"""The web console through Flask's test client: sessions, CSRF, roles, escaping, rate limits, pauses, accounts."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.ledger import Ledger
from scheduler.posting.pauses import pause_reason, resume_after_restart
from scheduler.project import load_project
from scheduler.web.app import create_app
from tests.web_project import (
    PASSWORD,
    TOKEN_ENV,
    add_user,
    csrf_of,
    login,
    seed,
    write_project,
)

NOW = dt.datetime.now(dt.UTC)
PAGES = ["/", "/plan", "/log", "/report", "/report.csv", "/approvals"]


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(TOKEN_ENV, "test-token")
    path = write_project(tmp_path)
    database = tmp_path / "data" / "danvan.db"
    database.parent.mkdir()
    seed(database, NOW)
    add_user(database, "can-bo", "officer")
    add_user(database, "lanh-dao", "approver")
    return path


@pytest.fixture
def app(config_path: Path) -> Any:
    flask_app = create_app(config_path)
    flask_app.testing = True
    return flask_app


@pytest.fixture
def officer(app: Any) -> Iterator[Any]:
    with app.test_client() as client:
        assert login(client, "can-bo").status_code == 303
        yield client


def database_of(config_path: Path) -> Path:
    return config_path.parent / "data" / "danvan.db"


def test_every_page_but_login_redirects_to_login_without_a_session(app: Any) -> None:
    client = app.test_client()
    for path in [*PAGES, "/cards/" + "a" * 64]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path
    response = client.post("/channels/outbox/pause", data={"reason": "x"})
    assert response.status_code in (302, 400)
    assert client.get("/login").status_code == 200
    assert client.get("/static/style.css").status_code == 200


def test_signing_in_through_the_form_opens_every_page(officer: Any) -> None:
    for path in PAGES:
        response = officer.get(path)
        assert response.status_code == 200, path
    assert "Tổng quan" in officer.get("/").get_data(as_text=True)
    assert officer.get("/report.csv").headers["Content-Disposition"].startswith("attachment;")


def test_a_wrong_password_is_refused_and_the_user_stays_signed_out(app: Any) -> None:
    client = app.test_client()
    response = login(client, "can-bo", "sai-mat-khau")
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert login(client, "khong-co-ai", PASSWORD).status_code == 401


def test_login_never_redirects_to_another_site(app: Any) -> None:
    client = app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    for target in (
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example/",
        "/\n/evil.example",
    ):
        form = {"username": "can-bo", "password": PASSWORD, "csrf": token, "next": target}
        response = client.post("/login", data=form)
        assert response.headers["Location"] == "/", target
        token = csrf_of(client.get("/login").get_data(as_text=True))


def test_a_change_without_the_csrf_token_is_refused(officer: Any, config_path: Path) -> None:
    response = officer.post("/channels/outbox/pause", data={"reason": "thử"})
    assert response.status_code == 400
    response = officer.post("/channels/outbox/pause", data={"reason": "thử", "csrf": "forged"})
    assert response.status_code == 400
    with Ledger.open(database_of(config_path)) as ledger:
        assert ledger.channel_state("outbox") is None
    # Logging in needs the token too: a forged cross-site sign-in is refused.
    fresh = officer.application.test_client()
    assert fresh.post("/login", data={"username": "can-bo", "password": PASSWORD}).status_code == 400


def test_an_officer_pauses_and_resumes_a_channel_the_publisher_respects_it(officer: Any, config_path: Path) -> None:
    token = csrf_of(officer.get("/").get_data(as_text=True))
    response = officer.post("/channels/outbox/pause", data={"reason": "chờ lãnh đạo xem lại", "csrf": token})
    assert response.status_code == 303
    database = database_of(config_path)
    now = dt.datetime.now(dt.UTC)
    with Ledger.open(database) as ledger:
        reason = pause_reason(ledger, "outbox", now)
        assert reason is not None and "can-bo" in reason and "chờ lãnh đạo xem lại" in reason
        resume_after_restart(ledger, ["outbox"], now)  # a restart keeps an officer's pause
        assert pause_reason(ledger, "outbox", now) is not None
    page = officer.get("/").get_data(as_text=True)
    assert "tạm dừng" in page and "Cho đăng tiếp" in page
    response = officer.post("/channels/outbox/resume", data={"csrf": token})
    assert response.status_code == 303
    with Ledger.open(database) as ledger:
        assert pause_reason(ledger, "outbox", now) is None
        assert ledger.manual_pause("outbox") is None
    assert officer.post("/channels/nope/pause", data={"csrf": token, "reason": "x"}).status_code == 404


def test_an_officer_cannot_approve(officer: Any) -> None:
    token = csrf_of(officer.get("/approvals").get_data(as_text=True))
    response = officer.post("/approvals/approve", data={"slogan": "dan-van-kheo", "csrf": token})
    assert response.status_code == 403
    assert officer.post("/approvals/revoke", data={"slogan": "dan-van-kheo", "csrf": token}).status_code == 403


def test_hostile_slogan_text_and_platform_errors_are_shown_as_text(officer: Any) -> None:
    pages = {path: officer.get(path).get_data(as_text=True) for path in ["/", "/plan?days=3", "/log", "/report"]}
    for path, page in pages.items():
        assert "<script>alert" not in page, path
        assert "<img src=x" not in page, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["/plan?days=3"]
    assert "&lt;img src=x onerror=" in pages["/log"]


def test_the_log_filters_pages_and_links_to_the_platform(officer: Any) -> None:
    page = officer.get("/log").get_data(as_text=True)
    assert "4 lượt" in page
    assert 'href="https://www.facebook.com/123456789_987654321"' in page
    assert "Cần kiểm tra" in page  # the failed and unknown rows say what to check
    failed = officer.get("/log?status=failed").get_data(as_text=True)
    assert "1 lượt" in failed and "hostile" in failed and "dan-van-kheo" not in failed
    fanpage = officer.get("/log?channel=fanpage").get_data(as_text=True)
    assert "1 lượt" in fanpage
    yesterday = (NOW - dt.timedelta(days=1)).astimezone(load_tz()).date()
    future = yesterday + dt.timedelta(days=5)
    assert "0 lượt" in officer.get(f"/log?since={future}").get_data(as_text=True)
    assert "4 lượt" in officer.get(f"/log?since={yesterday}&until={yesterday}").get_data(as_text=True)


def load_tz() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Ho_Chi_Minh")


def test_cards_are_served_by_hash_with_long_caching(officer: Any) -> None:
    page = officer.get("/").get_data(as_text=True)
    hashes = re.findall(r"/cards/([0-9a-f]{64})", page)
    assert hashes
    response = officer.get(f"/cards/{hashes[0]}")
    assert response.status_code == 200 and response.mimetype in ("image/jpeg", "image/png")
    assert "immutable" in response.headers["Cache-Control"]
    assert officer.get("/cards/..%2F..%2Fconfig.yaml").status_code == 404
    assert officer.get("/cards/" + "A" * 64).status_code == 404
    assert officer.get("/cards/" + "b" * 64).status_code == 404


def test_security_headers_and_session_cookie(app: Any) -> None:
    client = app.test_client()
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src" not in csp or "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    # Not behind a trusted proxy: a client's X-Forwarded-Proto is not believed.
    forged = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forged.headers


def test_behind_a_trusted_proxy_the_cookie_is_secure(config_path: Path) -> None:
    app = create_app(config_path, behind_proxy=True)
    response = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_failed_logins_are_limited_per_user(app: Any) -> None:
    client = app.test_client()
    for _ in range(5):
        assert login(client, "lanh-dao", "doan-sai-mat-khau").status_code == 401
    # The sixth try waits, even with the right password, and from another client too.
    assert login(app.test_client(), "lanh-dao").status_code == 429
    assert login(client, "can-bo").status_code == 303  # another user is not locked out


def test_failed_logins_are_limited_per_address(app: Any) -> None:
    client = app.test_client()
    for number in range(20):
        assert login(client, f"nguoi-{number}", "sai-mat-khau").status_code == 401
    assert login(client, "can-bo").status_code == 429


def test_head_requests_on_the_login_page_are_not_sign_in_attempts(app: Any) -> None:
    client = app.test_client()
    for _ in range(30):  # a monitoring probe: must neither fail a sign-in nor use up the address's attempts
        assert client.head("/login").status_code == 200
    assert login(client, "can-bo").status_code == 303


def test_a_changed_password_or_removed_account_ends_the_session(officer: Any, config_path: Path) -> None:
    assert officer.get("/").status_code == 200
    with Ledger.open(database_of(config_path)) as ledger:
        ledger.set_password("can-bo", "mat-khau-moi-2", dt.datetime.now(dt.UTC))
    assert officer.get("/").status_code == 302
    assert login(officer, "can-bo", "mat-khau-moi-2").status_code == 303
    with Ledger.open(database_of(config_path)) as ledger:
        ledger.remove_account("can-bo")
    assert officer.get("/").status_code == 302


def test_logout_is_a_post_and_ends_the_session(officer: Any) -> None:
    token = csrf_of(officer.get("/").get_data(as_text=True))
    assert officer.get("/logout").status_code == 405
    assert officer.post("/logout", data={"csrf": token}).status_code == 303
    assert officer.get("/").status_code == 302


def test_user_commands_manage_accounts_with_hashed_passwords(config_path: Path) -> None:
    runner = CliRunner()
    base = ["-c", str(config_path), "user"]
    result = runner.invoke(cli, [*base, "add", "thu-ky", "--role", "officer", "--password-stdin"], input="mat-khau-3\n")
    assert result.exit_code == 0, result.output
    again = runner.invoke(cli, [*base, "add", "thu-ky", "--role", "officer", "--password-stdin"], input="khac-nua-4\n")
    assert again.exit_code == 1 and "đã có" in again.output
    short = runner.invoke(cli, [*base, "add", "ngan", "--role", "officer", "--password-stdin"], input="123\n")
    assert short.exit_code == 1 and "quá ngắn" in short.output
    listed = runner.invoke(cli, [*base, "list"])
    assert "thu-ky\tofficer" in listed.output and "lanh-dao\tapprover" in listed.output
    assert runner.invoke(cli, [*base, "passwd", "thu-ky", "--password-stdin"], input="mat-khau-5\n").exit_code == 0
    with Ledger.open(database_of(config_path)) as ledger:
        stored = ledger._db.execute("SELECT password_hash FROM accounts WHERE name = 'thu-ky'").fetchone()[0]
        assert stored.startswith("$argon2id$") and "mat-khau-5" not in stored
        assert ledger.verify_password("thu-ky", "mat-khau-5") is not None
        assert ledger.verify_password("thu-ky", "mat-khau-3") is None
    assert runner.invoke(cli, [*base, "remove", "thu-ky"]).exit_code == 0
    assert runner.invoke(cli, [*base, "remove", "thu-ky"]).exit_code == 1


def test_the_web_section_is_validated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, "test-token")
    config = load_project(write_project(tmp_path, listen="127.0.0.1:8181")).config
    assert config.web is not None and (config.web.host, config.web.port) == ("127.0.0.1", 8181)
    assert load_project(write_project(tmp_path)).config.web is None
    write_project(tmp_path, listen="localhost:99999")
    result = CliRunner().invoke(cli, ["check", "-c", str(tmp_path / "config.yaml")])
    assert result.exit_code == 1 and "web.listen" in result.output


def test_the_console_and_the_daemon_share_one_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`danvan run` with a `web:` section posts and serves the console in one process, on one ledger."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import requests

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv(TOKEN_ENV, "test-token")
    config_path = write_project(tmp_path, listen=f"127.0.0.1:{port}")
    # Only the outbox channel, every second: the daemon writes while the console reads and writes.
    text = config_path.read_text(encoding="utf-8")
    text = text[: text.index("  - name: fanpage")].replace('{times: ["08:00", "12:00", "19:30"]}', "{interval: 1s}")
    config_path.write_text(text, encoding="utf-8")
    (tmp_path / "data").mkdir()
    add_user(database_of(config_path), "can-bo", "officer")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    daemon = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "run", "-c", str(config_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        web = requests.Session()
        deadline = time.monotonic() + 30
        while True:
            try:
                page = web.get(f"{base}/login", timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and daemon.poll() is None, "the console never came up"
                time.sleep(0.2)
        form = {"username": "can-bo", "password": PASSWORD, "csrf": csrf_of(page.text)}
        assert web.post(f"{base}/login", data=form, timeout=10).url == f"{base}/"
        while "đã đăng" not in web.get(f"{base}/log", timeout=10).text:
            assert time.monotonic() < deadline, "the daemon posted nothing"
            time.sleep(0.3)
        overview = web.get(f"{base}/", timeout=10).text
        assert "Đang chạy" in overview
        token = csrf_of(overview)
        paused = web.post(f"{base}/channels/outbox/pause", data={"reason": "kiểm tra", "csrf": token}, timeout=10)
        assert "tạm dừng" in paused.text
        with Ledger.open(database_of(config_path)) as ledger:
            assert pause_reason(ledger, "outbox", dt.datetime.now(dt.UTC)) is not None
    finally:
        daemon.terminate()
        assert daemon.wait(timeout=20) == 0


def test_an_approver_approves_and_revokes_under_their_own_name(app: Any, config_path: Path) -> None:
    from scheduler.posting.approvals import approval_states

    client = app.test_client()
    assert login(client, "lanh-dao").status_code == 303
    token = csrf_of(client.get("/approvals").get_data(as_text=True))
    form = {"slogan": "dan-van-kheo", "note": "<b>đồng ý</b>", "csrf": token, "by": "someone-else"}
    assert client.post("/approvals/approve", data=form).status_code == 303
    project = load_project(config_path)
    with Ledger.open(database_of(config_path)) as ledger:
        state = {s.slogan_id: s for s in approval_states(ledger, project.slogans, project.config)}["dan-van-kheo"]
    assert state.approved and state.approved_by == "lanh-dao"
    page = client.get("/approvals").get_data(as_text=True)
    assert "&lt;b&gt;đồng ý&lt;/b&gt;" in page and "<b>đồng ý" not in page
    assert client.post("/approvals/approve", data={"slogan": "no-such", "csrf": token}).status_code == 400
    assert client.post("/approvals/revoke", data={"slogan": "dan-van-kheo", "csrf": token}).status_code == 303
    with Ledger.open(database_of(config_path)) as ledger:
        state = {s.slogan_id: s for s in approval_states(ledger, project.slogans, project.config)}["dan-van-kheo"]
    assert not state.approved and len(state.history) == 2


def test_under_required_approval_the_plan_lists_what_waits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, "test-token")
    config_path = write_project(tmp_path)
    text = config_path.read_text(encoding="utf-8").replace(
        "plan_period_only: false}", "plan_period_only: false, approval: required}"
    )
    config_path.write_text(text, encoding="utf-8")
    (tmp_path / "data").mkdir()
    add_user(database_of(config_path), "lanh-dao", "approver")
    client = create_app(config_path).test_client()
    login(client, "lanh-dao")
    token = csrf_of(client.get("/approvals").get_data(as_text=True))
    client.post("/approvals/approve", data={"slogan": "dan-van-kheo", "csrf": token})
    plan = client.get("/plan?days=3").get_data(as_text=True)
    assert 'id="awaiting"' in plan and "dang-quang-vinh" in plan.split('id="awaiting"')[1].split("</section>")[0]
    assert "chờ duyệt" in client.get("/").get_data(as_text=True)
