"""`danvan preview --json`: what was drawn on each card written, so layout can be checked without pixels."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from PIL import Image

from scheduler.cli import cli


def preview(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["preview", *args], catch_exceptions=False)
    return result.exit_code, result.stdout


def test_json_describes_every_card_written(project_dir: Path, tmp_path: Path) -> None:
    code, out = preview("-c", str(project_dir / "config.yaml"), "-o", str(tmp_path / "o"), "--json")
    assert code == 0
    cards = json.loads(out)
    assert [card["slogan_id"] for card in cards] == ["dan-van-kheo", "dang-quang-vinh"]
    for card in cards:
        assert set(card) >= {"path", "slogan_id", "channel", "size", "font_size", "lines"}
        assert card["channel"] is None and card["size"] == [1080, 1080]
        with Image.open(card["path"]) as image:
            assert list(image.size) == card["size"]
        assert isinstance(card["font_size"], int) and card["font_size"] > 0
    assert cards[1]["lines"] == ["Đảng Cộng sản", "Việt Nam", "quang vinh", "muôn năm!"]
    assert " ".join(cards[0]["lines"]) == "Dân vận khéo thì việc gì cũng thành công!"


def test_json_for_one_slogan_in_a_channel_design(project_dir: Path, tmp_path: Path) -> None:
    config = project_dir / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "    card: {size: [1080, 1350], format: png, uppercase: true}\n",
        encoding="utf-8",
    )
    code, out = preview(
        "-c", str(config), "--slogan", "dang-quang-vinh", "--channel", "outbox", "-o", str(tmp_path / "o"), "--json"
    )
    assert code == 0
    (card,) = json.loads(out)
    assert card["channel"] == "outbox" and card["size"] == [1080, 1350]
    assert Path(card["path"]).suffix == ".png" and Path(card["path"]).is_file()
    assert " ".join(card["lines"]) == "ĐẢNG CỘNG SẢN VIỆT NAM QUANG VINH MUÔN NĂM!"
    assert not any(line.endswith("QUANG") for line in card["lines"])


def test_json_lists_only_cards_written_and_reports_the_rest(project_dir: Path, tmp_path: Path) -> None:
    slogans = project_dir / "slogans.yaml"
    slogans.write_text(
        slogans.read_text(encoding="utf-8") + '  - id: qua-dai\n    text: "' + "rất dài " * 110 + '"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["preview", "-c", str(project_dir / "config.yaml"), "-o", str(tmp_path / "o"), "--json"]
    )
    assert result.exit_code == 1
    assert [card["slogan_id"] for card in json.loads(result.stdout)] == ["dan-van-kheo", "dang-quang-vinh"]
    assert "qua-dai" in result.stderr
