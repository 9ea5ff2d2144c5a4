from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

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
