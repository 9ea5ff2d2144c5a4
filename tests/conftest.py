from __future__ import annotations

import datetime as dt
import socket
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from scheduler.ledger import Ledger
from tests.emulators.graph import GraphEmulator
from tests.emulators.zalo import ZaloEmulator

REPO = Path(__file__).resolve().parent.parent

MINIMAL_SLOGANS = """\
plan:
  id: "31-KH/BDVTU"
  title: "Tháng Dân vận năm 2021"
  issued_by: "Ban Dân vận Tỉnh ủy Bắc Giang"
  issued_on: 2021-09-09
  period: {start: 2021-10-01, end: 2021-10-31}
slogans:
  - id: dan-van-kheo
    text: "Dân vận khéo thì việc gì cũng thành công!"
  - id: dang-quang-vinh
    text: "Đảng Cộng sản Việt Nam quang vinh muôn năm!"
"""

MINIMAL_CONFIG = """\
timezone: Asia/Ho_Chi_Minh
slogans: slogans.yaml
database: data/danvan.db
channels:
  - name: outbox
    type: outbox
    directory: outbox
    schedule:
      times: ["08:00", "19:30"]
"""


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def indent(text: str) -> str:
    """Dedent a snippet of channel list items, then indent it to sit under `channels:`."""
    return textwrap.indent(dedent(text), "  ")


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A folder holding a valid config.yaml and slogans.yaml that tests then break on purpose."""
    (tmp_path / "slogans.yaml").write_text(MINIMAL_SLOGANS, encoding="utf-8")
    (tmp_path / "config.yaml").write_text(MINIMAL_CONFIG, encoding="utf-8")
    return tmp_path


# --- the clock -----------------------------------------------------------------------------------

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
CLOCK_START = dt.datetime(2021, 10, 15, 8, 0, 5, tzinfo=VIETNAM)  # five seconds into a morning slot


class FakeClock:
    """The time the code under test sees, moved by the test: `clock()` for our code, `clock.seconds` for emulators."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def seconds(self) -> float:
        return self.now.timestamp()

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)

    def set_seconds(self, epoch: float) -> None:
        self.now = dt.datetime.fromtimestamp(epoch, self.now.tzinfo)

    def set_local(self, hour: int, minute: int = 0) -> None:
        """The same Vietnamese day, at hour:minute."""
        self.now = self.now.astimezone(VIETNAM).replace(hour=hour, minute=minute, second=0, microsecond=0)


@pytest.fixture
def clock_start() -> dt.datetime:
    """When the clock starts; a test module overrides this fixture to start elsewhere."""
    return CLOCK_START


@pytest.fixture
def clock(clock_start: dt.datetime) -> FakeClock:
    return FakeClock(clock_start)


# --- the emulators (real HTTP servers on a free loopback port) -----------------------------------


@pytest.fixture
def graph_options() -> dict[str, Any]:
    """Extra GraphEmulator arguments; a test module overrides this fixture (a `clock` here wins over the fake one)."""
    return {}


@pytest.fixture
def graph(clock: FakeClock, graph_options: dict[str, Any]) -> Iterator[GraphEmulator]:
    with GraphEmulator(**{"clock": clock.seconds, **graph_options}) as emulator:
        yield emulator


@pytest.fixture
def zalo_options() -> dict[str, Any]:
    """Extra ZaloEmulator arguments; a test module overrides this fixture."""
    return {}


@pytest.fixture
def zalo(clock: FakeClock, zalo_options: dict[str, Any]) -> Iterator[ZaloEmulator]:
    with ZaloEmulator(**{"clock": clock.seconds, **zalo_options}) as emulator:
        yield emulator


# --- the database --------------------------------------------------------------------------------


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "danvan.db"


@pytest.fixture
def ledger(db_path: Path) -> Iterator[Ledger]:
    with Ledger.open(db_path) as opened:
        yield opened


# --- an SMTP server for alert mails ---------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # aiosmtpd's hook name
        self.messages.append(envelope.original_content)  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on a free loopback port; the mails it received are in Inbox.messages."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
