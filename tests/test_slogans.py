from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pytest

from scheduler.errors import InputError, Problem
from scheduler.project.slogans import load_slogans, parse_slogans
from scheduler.project.yamlmarks import Report
from tests.conftest import MINIMAL_SLOGANS, dedent

PLAN = dedent(
    """
    plan:
      id: "31-KH/BDVTU"
      issued_by: "Ban Dân vận Tỉnh ủy Bắc Giang"
      period: {start: 2021-10-01, end: 2021-10-31}
    """
)


def problems_of(text: str) -> list[Problem]:
    report = Report("slogans.yaml")
    parse_slogans(text, Path("slogans.yaml"), report)
    return report.problems


def test_minimal_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "slogans.yaml"
    path.write_text(MINIMAL_SLOGANS, encoding="utf-8")
    slogans = load_slogans(path)
    assert slogans.plan.id == "31-KH/BDVTU"
    assert slogans.plan.issued_on == dt.date(2021, 9, 9)
    assert (slogans.plan.start, slogans.plan.end) == (dt.date(2021, 10, 1), dt.date(2021, 10, 31))
    assert [s.id for s in slogans.enabled] == ["dan-van-kheo", "dang-quang-vinh"]
    assert slogans.slogans[0].text_at.line == 9


def test_nfd_text_is_loaded_as_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Dân vận khéo thì việc gì cũng thành công!")
    report = Report("slogans.yaml")
    result = parse_slogans(PLAN + f'slogans:\n  - id: a\n    text: "{nfd}"\n', Path("slogans.yaml"), report)
    assert result is not None
    assert result.slogans[0].text == unicodedata.normalize("NFC", nfd)
    assert report.problems == []  # reported by the proofreading rules instead (encoding-nfd)


def test_dates_are_parsed_as_dates() -> None:
    report = Report("slogans.yaml")
    text = PLAN + 'slogans:\n  - id: a\n    text: "Một"\n    dates: [2021-10-15, "2021-10-16"]\n'
    result = parse_slogans(text, Path("slogans.yaml"), report)
    assert result is not None
    assert result.slogans[0].dates == (dt.date(2021, 10, 15), dt.date(2021, 10, 16))


BAD = [
    pytest.param('  - id: Ky_Niem\n    text: "Một"\n', 6, 9, "slogan-id", id="malformed-id"),
    pytest.param('  - id: "dan-van-kheo\\n"\n    text: "Một"\n', 6, 9, "slogan-id", id="id-with-final-newline"),
    pytest.param('  - id: a\n    text: "Một"\n  - id: a\n    text: "Hai"\n', 8, 9, "duplicate-id", id="duplicate-id"),
    pytest.param('  - id: a\n    text: "   "\n', 7, 11, "empty-text", id="empty-text"),
    pytest.param("  - id: a\n", 6, 5, "missing-key", id="missing-text"),
    pytest.param(
        '  - id: a\n    text: "Một"\n    dates: [2021-02-30]\n', 8, 13, "invalid-date", id="date-that-does-not-exist"
    ),
    pytest.param('  - id: a\n    text: "Một"\n    dates: 2021-10-15\n', 8, 12, "wrong-type", id="dates-not-a-list"),
    pytest.param('  - id: a\n    text: "Một"\n    enabled: "không"\n', 8, 14, "wrong-type", id="enabled-not-bool"),
    pytest.param('  - id: a\n    text: "Một"\n    priority: 1\n', 8, 5, "unknown-key", id="unknown-key"),
    pytest.param('  - id: a\n    text: "Một\n', 8, 1, "yaml-syntax", id="unclosed-quote"),
    pytest.param('  - id: a\n    text: "Một"\n    enabled: false\n', 6, 3, "no-slogans", id="nothing-enabled"),
]


@pytest.mark.parametrize(("items", "line", "column", "rule"), BAD)
def test_each_bad_slogan_points_at_its_line_and_column(items: str, line: int, column: int, rule: str) -> None:
    errors = [p for p in problems_of(PLAN + "slogans:\n" + items) if p.is_error]
    assert [(p.rule, p.line, p.column) for p in errors] == [(rule, line, column)], [p.format() for p in errors]


def test_duplicate_texts_after_normalisation_are_flagged() -> None:
    text = PLAN + 'slogans:\n  - id: a\n    text: "Dân vận khéo"\n  - id: b\n    text: "dân  vận khéo"\n'
    problems = problems_of(text)
    assert [(p.severity, p.rule, p.line) for p in problems] == [("warning", "duplicate-text", 9)]
    assert "'a'" in problems[0].message


def test_period_end_before_start_is_an_error() -> None:
    text = PLAN.replace("end: 2021-10-31", "end: 2021-09-30") + 'slogans:\n  - id: a\n    text: "Một"\n'
    assert [p.rule for p in problems_of(text)] == ["invalid-period"]


def test_pinned_date_outside_the_plan_period_is_a_warning() -> None:
    text = PLAN + 'slogans:\n  - id: a\n    text: "Một"\n    dates: [2021-12-01]\n'
    assert [(p.severity, p.rule, p.line, p.column) for p in problems_of(text)] == [
        ("warning", "date-outside-period", 8, 13)
    ]


def test_load_raises_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "slogans.yaml"
    path.write_text(PLAN + 'slogans:\n  - id: A\n    text: ""\n', encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_slogans(path)
    assert {p.rule for p in raised.value.problems} == {"slogan-id", "empty-text"}


def test_shipped_slogan_file_is_valid_and_every_slogan_has_a_source() -> None:
    shipped = load_slogans(Path(__file__).resolve().parent.parent / "slogans.yaml")
    assert shipped.plan.id == "31-KH/BDVTU"
    assert shipped.plan.issued_on == dt.date(2021, 9, 9)
    assert all(s.source for s in shipped.slogans)
    assert all(unicodedata.is_normalized("NFC", s.text) for s in shipped.slogans)


@pytest.mark.parametrize("bad_id", ["dan-van-kheo\\n", "dan-van-kheo\\r", "dan-van-kheo\\t"])
def test_an_id_with_a_control_character_is_refused_and_shown_escaped(bad_id: str) -> None:
    [problem] = [p for p in problems_of(PLAN + f'slogans:\n  - id: "{bad_id}"\n    text: "Một"\n') if p.is_error]
    assert problem.rule == "slogan-id"
    assert f"'{bad_id}'" in problem.message  # escaped, so the message stays one line
    assert "\n" not in problem.message and "\r" not in problem.message
