from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from scheduler.errors import InputError, Problem
from scheduler.project.config import load_config
from scheduler.project.models import FacebookSettings, OutboxSettings, ZaloSettings
from tests.conftest import MINIMAL_CONFIG, dedent, indent

ENV = {
    "FB_PAGE_TOKEN": "EAAG-secret-token",
    "FB_APP_SECRET": "app-secret",
    "ZALO_APP_SECRET": "zs",
    "ZALO_REFRESH_TOKEN": "zr",
}


def problems_of(project_dir: Path, config_text: str, env: dict[str, str] | None = None) -> list[Problem]:
    (project_dir / "config.yaml").write_text(dedent(config_text), encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_config(project_dir / "config.yaml", ENV if env is None else env)
    return raised.value.problems


def only(problems: list[Problem]) -> Problem:
    errors = [p for p in problems if p.is_error]
    assert len(errors) == 1, [p.format() for p in problems]
    return errors[0]


def test_minimal_config_loads_with_defaults(project_dir: Path) -> None:
    config = load_config(project_dir / "config.yaml", {})
    assert config.timezone.key == "Asia/Ho_Chi_Minh"
    assert config.slogans_path == (project_dir / "slogans.yaml").resolve()
    assert config.database == (project_dir / "data/danvan.db").resolve()
    (channel,) = config.channels
    assert channel.schedule.times == (dt.time(8, 0), dt.time(19, 30))
    assert isinstance(channel.settings, OutboxSettings)
    assert channel.settings.directory == (project_dir / "outbox").resolve()
    assert config.posting.plan_period_only is True
    assert config.posting.catch_up == dt.timedelta(hours=2)


def test_unquoted_time_that_yaml_reads_as_a_number_is_still_a_time(project_dir: Path) -> None:
    text = MINIMAL_CONFIG.replace('times: ["08:00", "19:30"]', "times: [19:30]")
    (project_dir / "config.yaml").write_text(text, encoding="utf-8")
    assert load_config(project_dir / "config.yaml", {}).channels[0].schedule.times == (dt.time(19, 30),)


BAD_CONFIGS = [
    pytest.param(
        """
        timezone: Asia/Ho_Chi_Minh
        channels:
          - name: outbox
            type: outbox
            schedule: {times: ["08:00"]}
            colour: red
        """,
        6,
        5,
        "unknown-key",
        id="unknown-key-in-channel",
    ),
    pytest.param(
        """
        timezone: Asia/Saigon_City
        channels: [{name: o, type: outbox, schedule: {interval: 1h}}]
        """,
        1,
        11,
        "unknown-timezone",
        id="unknown-timezone",
    ),
    pytest.param(
        """
        channels:
          - name: outbox
            type: outbox
            schedule: {times: ["08:00"], cron: "0 8 * * *"}
        """,
        4,
        15,
        "schedule-exclusive",
        id="two-schedules",
    ),
    pytest.param(
        """
        channels:
          - name: outbox
            type: outbox
            schedule: {}
        """,
        4,
        15,
        "schedule-exclusive",
        id="no-schedule-kind",
    ),
    pytest.param(
        """
        channels:
          - name: outbox
            type: outbox
            schedule:
              cron: "30 25 * * *"
        """,
        5,
        17,
        "invalid-cron",
        id="cron-bad-hour-points-at-field",
    ),
    pytest.param(
        """
        channels:
          - name: outbox
            type: outbox
            schedule:
              cron: "30 19 * *"
        """,
        5,
        14,
        "invalid-cron",
        id="cron-four-fields",
    ),
    pytest.param(
        """
        channels:
          - name: outbox
            type: outbox
            schedule: {interval: 90x}
        """,
        4,
        26,
        "invalid-interval",
        id="interval-bad-unit",
    ),
    pytest.param(
        """
        channels:
          - name: outbox
            type: outbox
            schedule: {times: ["8h"]}
        """,
        4,
        24,
        "invalid-time",
        id="bad-time",
    ),
    pytest.param(
        """
        channels:
          - name: fanpage
            type: facebook
            page_id: "123"
            access_token: ${FB_MISSING_TOKEN}
            schedule: {times: ["08:00"]}
        """,
        5,
        19,
        "env-unset",
        id="env-unset",
    ),
    pytest.param(
        """
        card:
          fonts:
            slogan: fonts/missing.ttf
        channels:
          - name: outbox
            type: outbox
            schedule: {times: ["08:00"]}
        """,
        3,
        13,
        "file-missing",
        id="missing-font",
    ),
    pytest.param(
        """
        card:
          logo: logo-missing.png
        channels:
          - name: outbox
            type: outbox
            schedule: {times: ["08:00"]}
        """,
        2,
        9,
        "file-missing",
        id="missing-logo",
    ),
    pytest.param(
        """
        card:
          size: 1080
        channels:
          - name: outbox
            type: outbox
            schedule: {times: ["08:00"]}
        """,
        2,
        9,
        "invalid-size",
        id="wrong-type-size",
    ),
    pytest.param(
        """
        card:
          uppercase: "có"
        channels:
          - name: outbox
            type: outbox
            schedule: {times: ["08:00"]}
        """,
        2,
        14,
        "wrong-type",
        id="wrong-type-bool",
    ),
    pytest.param(
        """
        card:
          background: red
        channels:
          - name: outbox
            type: outbox
            schedule: {times: ["08:00"]}
        """,
        2,
        15,
        "invalid-color",
        id="bad-colour",
    ),
    pytest.param(
        """
        channels:
          - name: outbox
            type: telegram
            schedule: {times: ["08:00"]}
        """,
        3,
        11,
        "invalid-value",
        id="unknown-channel-type",
    ),
    pytest.param(
        """
        channels:
          - name: a
            type: outbox
            schedule: {times: ["08:00"]}
          - name: a
            type: outbox
            schedule: {times: ["09:00"]}
        """,
        5,
        5,
        "duplicate-channel",
        id="duplicate-channel-name",
    ),
    pytest.param(
        """
        slogans: khong-co.yaml
        channels:
          - name: outbox
            type: outbox
            schedule: {times: ["08:00"]}
        """,
        1,
        10,
        "file-missing",
        id="missing-slogan-file",
    ),
    pytest.param(
        """
        channels:
          - name: outbox
            type: outbox
            schedule: {times: ["08:00"]}
            caption: "{text} {hastags}"
        """,
        5,
        14,
        "invalid-caption",
        id="caption-unknown-field",
    ),
    pytest.param(
        """
        timezone: Asia/Ho_Chi_Minh
        timezone: UTC
        channels: [{name: o, type: outbox, schedule: {interval: 1h}}]
        """,
        2,
        1,
        "duplicate-key",
        id="duplicate-key",
    ),
    pytest.param(
        """
        channels:
          - name: outbox
            type: outbox
           schedule: {times: ["08:00"]}
        """,
        4,
        4,
        "yaml-syntax",
        id="yaml-syntax-bad-indent",
    ),
]


@pytest.mark.parametrize(("text", "line", "column", "rule"), BAD_CONFIGS)
def test_each_bad_input_points_at_its_line_and_column(
    project_dir: Path, text: str, line: int, column: int, rule: str
) -> None:
    problem = only(problems_of(project_dir, text))
    assert (problem.rule, problem.line, problem.column) == (rule, line, column), problem.format()
    assert problem.path.endswith("config.yaml")


def test_messages_are_vietnamese_and_name_the_problem(project_dir: Path) -> None:
    problem = only(problems_of(project_dir, BAD_CONFIGS[0].values[0]))  # type: ignore[arg-type]
    assert "khóa 'colour' không được hỗ trợ" in problem.message


def test_unknown_key_suggests_the_closest_known_key(project_dir: Path) -> None:
    problem = only(
        problems_of(
            project_dir, "timezon: Asia/Ho_Chi_Minh\nchannels: [{name: o, type: outbox, schedule: {interval: 1h}}]\n"
        )
    )
    assert "'timezone'" in problem.message


def test_all_problems_are_reported_in_one_run(project_dir: Path) -> None:
    text = """
    timezone: Mars/Olympus
    card:
      background: red
    channels:
      - name: outbox
        type: outbox
        schedule: {cron: "99 * * * *"}
    """
    rules = {p.rule for p in problems_of(project_dir, text)}
    assert {"unknown-timezone", "invalid-color", "invalid-cron"} <= rules


def test_cron_uses_crontab_weekdays(project_dir: Path) -> None:
    text = MINIMAL_CONFIG.replace('times: ["08:00", "19:30"]', 'cron: "0 8 * * 0,7"')
    (project_dir / "config.yaml").write_text(text, encoding="utf-8")
    assert load_config(project_dir / "config.yaml", {}).channels[0].schedule.cron == "0 8 * * 0,7"


def test_facebook_and_zalo_channels_read_secrets_from_the_environment(project_dir: Path) -> None:
    text = """
    channels:
      - name: fanpage
        type: facebook
        page_id: 123456789
        access_token: ${FB_PAGE_TOKEN}
        app_secret: ${FB_APP_SECRET}
        api_base: http://127.0.0.1:9999/
        schedule: {times: ["08:00"]}
      - name: zalo-oa
        type: zalo
        app_id: "42"
        app_secret: ${ZALO_APP_SECRET}
        refresh_token: ${ZALO_REFRESH_TOKEN}
        image_dir: cards
        image_base_url: https://example.gov.vn/cards
        schedule: {cron: "30 19 * * *"}
    """
    (project_dir / "config.yaml").write_text(dedent(text), encoding="utf-8")
    config = load_config(project_dir / "config.yaml", ENV)
    facebook, zalo = (c.settings for c in config.channels)
    assert isinstance(facebook, FacebookSettings) and isinstance(zalo, ZaloSettings)
    assert facebook.page_id == "123456789"
    assert facebook.access_token == "EAAG-secret-token"
    assert "EAAG" not in repr(facebook)
    assert facebook.api_base == "http://127.0.0.1:9999"
    assert facebook.api_version == "v25.0"
    assert zalo.image_base_url == "https://example.gov.vn/cards/"
    assert zalo.image_dir == (project_dir / "cards").resolve()


def test_a_secret_written_into_the_file_is_a_warning(project_dir: Path) -> None:
    text = MINIMAL_CONFIG + indent(
        """
          - name: fanpage
            type: facebook
            page_id: "1"
            access_token: EAAGliteral
            schedule: {times: ["08:00"]}
        """
    )
    (project_dir / "config.yaml").write_text(text, encoding="utf-8")
    from scheduler.project.config import parse_config
    from scheduler.project.yamlmarks import Report

    report = Report("config.yaml")
    assert parse_config(text, project_dir / "config.yaml", report, {}) is not None
    assert [(p.severity, p.rule, p.line) for p in report.problems] == [("warning", "secret-in-file", 13)]
    assert "EAAGliteral" not in report.problems[0].message


def test_unset_variable_of_a_disabled_channel_is_only_a_warning(project_dir: Path) -> None:
    text = MINIMAL_CONFIG + indent(
        """
          - name: fanpage
            type: facebook
            enabled: false
            page_id: "1"
            access_token: ${FB_NOT_SET}
            schedule: {times: ["08:00"]}
        """
    )
    (project_dir / "config.yaml").write_text(text, encoding="utf-8")
    config = load_config(project_dir / "config.yaml", {})
    assert [c.name for c in config.channels] == ["outbox"]


def test_channel_card_overrides_the_brand(project_dir: Path) -> None:
    text = """
    card: {background: "#102030", size: [1080, 1080]}
    channels:
      - name: outbox
        type: outbox
        schedule: {interval: 1h30m}
        card: {size: [1200, 630], format: png}
    """
    (project_dir / "config.yaml").write_text(dedent(text), encoding="utf-8")
    config = load_config(project_dir / "config.yaml", {})
    channel = config.channels[0]
    assert channel.card.size == (1200, 630) and channel.card.format == "png"
    assert channel.card.background == "#102030"
    assert channel.schedule.interval == dt.timedelta(minutes=90)


def test_an_unset_min_font_size_is_derived_per_card_size_and_a_set_one_is_kept(project_dir: Path) -> None:
    text = """
    card: {size: [1080, 1080]}
    channels:
      - name: wide
        type: outbox
        schedule: {interval: 1h}
        card: {size: [960, 720]}
      - name: fixed
        type: outbox
        schedule: {interval: 1h}
        card: {size: [960, 720], min_font_size: 40}
    """
    (project_dir / "config.yaml").write_text(dedent(text), encoding="utf-8")
    wide, fixed = load_config(project_dir / "config.yaml", {}).channels
    assert wide.card.min_font_size is None and wide.card.smallest_font_size == 32
    assert fixed.card.smallest_font_size == 40


@pytest.mark.parametrize(
    ("key", "base"),
    [
        ("api_base", "http://graph.facebook.com"),
        ("api_base", "http://10.0.0.5:8080/graph"),
        ("oauth_base", "http://oauth.zaloapp.com"),
        ("api_base", "ftp://openapi.zalo.me"),
        ("api_base", "https://openapi.zalo.me\n"),
    ],
)
def test_a_base_that_receives_tokens_must_be_https_unless_it_is_this_machine(
    project_dir: Path, key: str, base: str
) -> None:
    if key == "api_base" and "graph" in base:
        keys = ["type: facebook", 'page_id: "1"', "access_token: ${FB_PAGE_TOKEN}"]
    else:
        keys = ["type: zalo", 'app_id: "42"', "app_secret: ${ZALO_APP_SECRET}", "image_dir: cards"]
        keys.append("image_base_url: https://example.gov.vn/cards/")
    keys += [f"{key}: {json.dumps(base)}", 'schedule: {times: ["08:00"]}']
    text = MINIMAL_CONFIG + "  - name: remote\n" + "".join(f"    {line}\n" for line in keys)
    problem = only(problems_of(project_dir, text))
    assert problem.rule == "invalid-url" and key in problem.message


@pytest.mark.parametrize("base", ["http://127.0.0.1:9999", "http://localhost:8080", "http://[::1]:8000"])
def test_plain_http_to_this_machine_is_allowed(project_dir: Path, base: str) -> None:
    text = MINIMAL_CONFIG + indent(
        f"""
          - name: fanpage
            type: facebook
            page_id: "1"
            access_token: ${{FB_PAGE_TOKEN}}
            api_base: "{base}"
            schedule: {{times: ["08:00"]}}
        """
    )
    (project_dir / "config.yaml").write_text(text, encoding="utf-8")
    facebook = load_config(project_dir / "config.yaml", ENV).channels[1].settings
    assert isinstance(facebook, FacebookSettings) and facebook.api_base == base


def test_zalo_redirect_uri_and_broadcast_are_accepted_keys(project_dir: Path) -> None:
    text = MINIMAL_CONFIG + indent(
        """
          - name: zalo-oa
            type: zalo
            app_id: "42"
            app_secret: ${ZALO_APP_SECRET}
            redirect_uri: https://example.gov.vn/zalo/callback
            image_dir: cards
            image_base_url: https://example.gov.vn/cards/
            broadcast: true
            schedule: {cron: "30 19 * * *"}
        """
    )
    (project_dir / "config.yaml").write_text(text, encoding="utf-8")
    zalo = load_config(project_dir / "config.yaml", ENV).channels[1].settings
    assert isinstance(zalo, ZaloSettings)
    assert zalo.broadcast is True and zalo.redirect_uri == "https://example.gov.vn/zalo/callback"


def test_a_channel_name_with_a_final_newline_is_refused(project_dir: Path) -> None:
    problem = only(
        problems_of(
            project_dir,
            """
            channels:
              - name: "outbox\\n"
                type: outbox
                schedule: {times: ["08:00"]}
            """,
        )
    )
    assert (problem.rule, problem.line, problem.column) == ("invalid-name", 2, 11)
    assert "'outbox\\n'" in problem.message and "\n" not in problem.message
