"""A project for the web console's tests: two channels, a hostile slogan, a ledger with every kind of row."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.ledger import Ledger

HOSTILE = "Đoàn kết <script>alert(1)</script> xây dựng quê hương!"
HOSTILE_ERROR = '<img src=x onerror="alert(2)"> Trang từ chối'
PASSWORD = "mat-khau-dai-1"
TOKEN_ENV = "DANVAN_WEB_TEST_TOKEN"

SLOGANS = f"""\
plan:
  id: "31-KH/BDVTU"
  title: "Tháng Dân vận"
  issued_by: "Ban Dân vận Tỉnh ủy Bắc Giang"
  issued_on: 2021-09-09
  period: {{start: 2021-10-01, end: 2021-10-31}}
slogans:
  - id: dan-van-kheo
    text: "Dân vận khéo thì việc gì cũng thành công!"
  - id: dang-quang-vinh
    text: "Đảng Cộng sản Việt Nam quang vinh muôn năm!"
  - id: hostile
    text: "{HOSTILE}"
"""


def write_project(folder: Path, extra: str = "", listen: str | None = None) -> Path:
    """config.yaml + slogans.yaml in `folder`; outbox posts at 08:00, 12:00, 19:30, the Facebook Page at 09:00."""
    (folder / "slogans.yaml").write_text(SLOGANS, encoding="utf-8")
    web = f"web: {{listen: '{listen}'}}\n" if listen else ""
    config = folder / "config.yaml"
    config.write_text(
        "timezone: Asia/Ho_Chi_Minh\nslogans: slogans.yaml\ndatabase: data/danvan.db\n"
        f"posting: {{plan_period_only: false}}\n{web}{extra}"
        "channels:\n"
        "  - name: outbox\n    type: outbox\n    directory: outbox\n"
        '    schedule: {times: ["08:00", "12:00", "19:30"]}\n'
        "  - name: fanpage\n    type: facebook\n    page_id: '123456789'\n"
        f"    access_token: ${{{TOKEN_ENV}}}\n    api_base: http://127.0.0.1:9\n"
        '    schedule: {times: ["09:00"]}\n',
        encoding="utf-8",
    )
    config.chmod(0o640)
    return config


def seed(database: Path, now: dt.datetime) -> None:
    """Yesterday's posts: one on Facebook with its id, one failed with a hostile platform error, one unknown."""
    day = (now - dt.timedelta(days=1)).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    with Ledger.open(database) as ledger:
        for hour, channel, slogan, outcome in (
            (8, "outbox", "dan-van-kheo", "posted"),
            (9, "fanpage", "dang-quang-vinh", "posted"),
            (12, "outbox", "hostile", "failed"),
            (19, "outbox", "dan-van-kheo", "unknown"),
        ):
            slot = day.replace(hour=hour, minute=0, second=0, microsecond=0)
            post = ledger.claim(channel, slot, slogan, "0" * 64, "chú thích", slot)
            assert post is not None
            if outcome == "posted":
                remote = "123456789_987654321" if channel == "fanpage" else None
                ledger.mark_posted(post.id, remote, slot)
            elif outcome == "failed":
                ledger.mark_failed(post.id, HOSTILE_ERROR, slot)
            else:
                ledger.mark_unknown(post.id, "hết thời gian chờ", slot)


def add_user(database: Path, name: str, role: str, password: str = PASSWORD) -> None:
    with Ledger.open(database) as ledger:
        ledger.add_account(name, role, password, dt.datetime.now(dt.UTC))


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found[1]


def login(client: Any, name: str, password: str = PASSWORD) -> Any:
    token = csrf_of(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": name, "password": password, "csrf": token})
