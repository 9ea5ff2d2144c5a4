from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from scheduler.cli import cli
from tests.conftest import REPO

LINE_RE = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning): (?P<msg>.+) \[(?P<rule>[a-z0-9-]+)\]$"
)


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_check_passes_on_a_valid_project(project_dir: Path) -> None:
    code, out, err = run("check", "-c", str(project_dir / "config.yaml"))
    assert (code, out) == (0, "")
    assert "Không có lỗi" in err


def test_check_reports_every_problem_of_both_files_one_per_line(project_dir: Path) -> None:
    config = project_dir / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("Asia/Ho_Chi_Minh", "Asia/Hanoi"), encoding="utf-8")
    slogans = project_dir / "slogans.yaml"
    slogans.write_text(slogans.read_text(encoding="utf-8").replace("id: dan-van-kheo", "id: Dan_Van"), encoding="utf-8")
    code, out, _ = run("check", "-c", str(config))
    lines = out.splitlines()
    assert code == 1
    parsed = [LINE_RE.match(line) for line in lines]
    assert all(parsed), lines
    found = {(Path(m["path"]).name, m["line"], m["col"], m["rule"]) for m in parsed if m}
    assert found == {("config.yaml", "1", "11", "unknown-timezone"), ("slogans.yaml", "8", "9", "slogan-id")}
    assert "Asia/Ho_Chi_Minh" in out  # the message proposes the right zone


def test_check_reports_yaml_syntax_errors_as_a_located_line_not_a_traceback(project_dir: Path) -> None:
    (project_dir / "slogans.yaml").write_text('plan:\n  id: "x\nslogans: []\n', encoding="utf-8")
    code, out, err = run("check", "-c", str(project_dir / "config.yaml"))
    assert code == 1
    assert "Traceback" not in out + err
    match = LINE_RE.match(out.splitlines()[0])
    assert match and match["rule"] == "yaml-syntax" and match["path"].endswith("slogans.yaml")


def test_check_with_only_warnings_exits_zero(project_dir: Path) -> None:
    slogans = project_dir / "slogans.yaml"
    slogans.write_text(
        slogans.read_text(encoding="utf-8") + '  - id: lap\n    text: "Dân vận khéo thì việc gì cũng thành công!"\n',
        encoding="utf-8",
    )
    code, out, _ = run("check", "-c", str(project_dir / "config.yaml"))
    assert code == 0
    assert "warning:" in out and "[duplicate-text]" in out


def test_check_exits_2_when_the_config_cannot_be_read(tmp_path: Path) -> None:
    code, out, _ = run("check", "-c", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "không tìm thấy tệp" in out


def test_check_exits_2_when_the_slogan_file_is_missing(project_dir: Path) -> None:
    (project_dir / "slogans.yaml").unlink()
    code, out, _ = run("check", "-c", str(project_dir / "config.yaml"))
    assert code == 2
    assert "[file-missing]" in out


def test_a_slogan_too_long_for_the_card_is_an_error_at_its_text(project_dir: Path) -> None:
    slogans = project_dir / "slogans.yaml"
    long_text = " ".join(
        ["Dân vận khéo thì việc gì cũng thành công"] * 20
    )  # over what the card holds, under the slogan limit
    slogans.write_text(
        slogans.read_text(encoding="utf-8") + f'  - id: dai\n    text: "{long_text}"\n', encoding="utf-8"
    )
    code, out, _ = run("check", "-c", str(project_dir / "config.yaml"))
    assert code == 1
    match = LINE_RE.match(out.splitlines()[0])
    assert match and (match["line"], match["col"], match["rule"]) == ("13", "12", "text-too-long")


def test_config_can_come_from_the_environment(project_dir: Path) -> None:
    code, _, _ = run("check", env={"DANVAN_CONFIG": str(project_dir / "config.yaml")})
    assert code == 0


def test_preview_writes_every_enabled_card_and_prints_each_path(project_dir: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    code, out, _ = run("preview", "-c", str(project_dir / "config.yaml"), "-o", str(out_dir))
    assert code == 0
    paths = [Path(line) for line in out.splitlines()]
    assert len(paths) == 2
    assert sorted(paths) == sorted(out_dir.iterdir())
    with Image.open(paths[0]) as image:
        assert image.format == "JPEG" and image.size == (1080, 1080)


def test_preview_one_slogan_with_a_channel_design(project_dir: Path, tmp_path: Path) -> None:
    config = project_dir / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "    card: {size: [1200, 630], format: png}\n", encoding="utf-8"
    )
    code, out, _ = run(
        "preview", "-c", str(config), "--slogan", "dang-quang-vinh", "--channel", "outbox", "-o", str(tmp_path / "o")
    )
    assert code == 0
    (path,) = [Path(line) for line in out.splitlines()]
    assert path.name.startswith("dang-quang-vinh") and path.suffix == ".png"
    with Image.open(path) as image:
        assert image.size == (1200, 630)


@pytest.mark.parametrize(("option", "value"), [("--slogan", "khong-co"), ("--channel", "khong-co")])
def test_preview_names_an_unknown_slogan_or_channel(project_dir: Path, tmp_path: Path, option: str, value: str) -> None:
    code, _, err = run("preview", "-c", str(project_dir / "config.yaml"), option, value, "-o", str(tmp_path / "o"))
    assert code == 2
    assert "'khong-co'" in err


def test_commands_refuse_a_broken_config_with_exit_2(project_dir: Path, tmp_path: Path) -> None:
    (project_dir / "config.yaml").write_text("channels: 3\n", encoding="utf-8")
    code, _, err = run("preview", "-c", str(project_dir / "config.yaml"), "-o", str(tmp_path / "o"))
    assert code == 2
    assert "config.yaml:1:11: error:" in err


def test_shipped_files_pass_check_and_render(tmp_path: Path) -> None:
    """The files an officer starts from: `danvan check` and `danvan preview` in a fresh copy of the repo files."""
    for name in ("config.example.yaml", "slogans.yaml"):
        shutil.copy(REPO / name, tmp_path / name)
    code, out, _ = run("check", "-c", str(tmp_path / "config.example.yaml"))
    assert code == 0, out
    assert "error:" not in out
    code, out, _ = run("preview", "-c", str(tmp_path / "config.example.yaml"), "-o", str(tmp_path / "cards"))
    assert code == 0
    assert len(out.splitlines()) == len(list((tmp_path / "cards").iterdir())) >= 10


def test_python_dash_m_runs_the_same_cli() -> None:
    done = subprocess.run([sys.executable, "-m", "scheduler", "--help"], capture_output=True, text=True, check=True)
    assert "danvan" in done.stdout and "check" in done.stdout and "preview" in done.stdout


def test_a_card_design_that_cannot_be_drawn_is_reported_at_its_card_key(project_dir: Path) -> None:
    config = project_dir / "config.yaml"
    header = "THÁNG DÂN VẬN " * 40
    config.write_text(f'card:\n  header: "{header}"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _ = run("check", "-c", str(config))
    assert code == 1
    match = LINE_RE.match(out.splitlines()[0])
    assert match and (match["line"], match["col"], match["rule"]) == ("1", "1", "card-design"), out


def test_a_slogan_longer_than_a_zalo_title_is_a_warning_when_a_zalo_channel_is_on(project_dir: Path) -> None:
    slogans = project_dir / "slogans.yaml"
    long_text = "Dân vận khéo thì việc gì cũng thành công, " * 4 + "muôn năm!"
    slogans.write_text(
        slogans.read_text(encoding="utf-8") + f'  - id: dai\n    text: "{long_text}"\n', encoding="utf-8"
    )
    config = project_dir / "config.yaml"
    code, out, _ = run("check", "-c", str(config))
    assert "[zalo-title-length]" not in out
    config.write_text(
        config.read_text(encoding="utf-8")
        + '  - name: z\n    type: zalo\n    app_id: "1"\n    app_secret: ${S}\n    image_dir: c\n'
        + '    image_base_url: https://example.gov.vn/c/\n    schedule: {times: ["19:30"]}\n',
        encoding="utf-8",
    )
    config.chmod(0o640)
    code, out, _ = run("check", "-c", str(config), env={"S": "secret-value"})
    assert code == 0
    (line,) = [line for line in out.splitlines() if "[zalo-title-length]" in line]
    assert line.startswith(f"{slogans}:13:12: warning:")
