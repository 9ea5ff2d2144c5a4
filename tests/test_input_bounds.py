"""Hostile or broken input files: `danvan check` ends fast with a located Vietnamese error, never a hang.

Each hostile file is generated here. The tests assert the located error (not a timer): without the
limits, the same files take minutes and gigabytes, so a missing limit shows as a test that never ends.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scheduler.check import check_project, fix_slogans
from scheduler.errors import InputError, Problem
from scheduler.project.config import load_config
from scheduler.project.limits import MAX_FILE_BYTES, MAX_SCALAR_CHARS, MAX_SLOGAN_CHARS
from scheduler.project.slogans import load_slogans
from tests.conftest import MINIMAL_SLOGANS

SLOGANS_HEAD = MINIMAL_SLOGANS.split("slogans:\n")[0] + "slogans:\n"  # the plan, 6 lines, then `slogans:` at line 7
LONG_SLOGAN = ("Dân vận khéo thì việc gì cũng thành công! " * 70)[:2600]
_ENGLISH = re.compile(r"\b(found|expected|while|did not|cannot|allowed|character|scanning|parsing)\b", re.I)


def check(project_dir: Path, slogans: str | None = None, config: str | None = None) -> list[Problem]:
    if slogans is not None:
        (project_dir / "slogans.yaml").write_text(slogans, encoding="utf-8")
    if config is not None:
        (project_dir / "config.yaml").write_text(config, encoding="utf-8")
    return check_project(project_dir / "config.yaml", env={}).problems


def errors_of(problems: list[Problem], rule: str) -> list[Problem]:
    return [p for p in problems if p.is_error and p.rule == rule]


def text_at(path: Path, problem: Problem) -> str:
    """What the file holds where the problem points (1-based line and column)."""
    line = path.read_text(encoding="utf-8").split("\n")[problem.line - 1]
    return line[problem.column - 1 :]


# --- (a) file size -------------------------------------------------------------------------------


def test_a_five_megabyte_slogan_is_refused_by_size_before_anything_reads_it(project_dir: Path) -> None:
    slogans = SLOGANS_HEAD + '  - id: dai\n    text: "' + "Dân vận khéo " * 400_000 + '"\n'
    problems = check(project_dir, slogans=slogans)
    [problem] = errors_of(problems, "file-too-large")
    assert problem.path == str(project_dir / "slogans.yaml")
    assert "quá lớn" in problem.message and f"{MAX_FILE_BYTES // (1024 * 1024)} MB" in problem.message
    assert problem.line == 9  # where the limit is passed: inside the long text
    assert [p.rule for p in problems if p.path.endswith("slogans.yaml")] == ["file-too-large"]


def test_an_oversized_config_is_refused_with_a_located_error(project_dir: Path) -> None:
    config = (project_dir / "config.yaml").read_text(encoding="utf-8") + "# " + "x" * MAX_FILE_BYTES + "\n"
    problems = check(project_dir, config=config)
    assert [(p.rule, p.line) for p in problems if p.is_error] == [("file-too-large", 10)]
    with pytest.raises(InputError) as raised:
        load_config(project_dir / "config.yaml", {})
    assert [p.rule for p in raised.value.problems] == ["file-too-large"]


def test_a_file_of_exactly_the_limit_is_read(project_dir: Path) -> None:
    text = MINIMAL_SLOGANS + "#" * (MAX_FILE_BYTES - len(MINIMAL_SLOGANS.encode()) - 1) + "\n"
    assert len(text.encode()) == MAX_FILE_BYTES
    (project_dir / "slogans.yaml").write_text(text, encoding="utf-8")
    assert len(load_slogans(project_dir / "slogans.yaml").slogans) == 2


# --- (b) text length -----------------------------------------------------------------------------


def test_a_slogan_longer_than_the_limit_is_an_error_at_its_text_before_card_fitting(project_dir: Path) -> None:
    text = ("Dân vận khéo thì việc gì cũng thành công! " * 200)[: MAX_SLOGAN_CHARS + 1]
    problems = check(project_dir, slogans=SLOGANS_HEAD + f'  - id: dai\n    text: "{text}"\n')
    [problem] = errors_of(problems, "slogan-too-long")
    assert (problem.line, problem.column) == (9, 12)
    assert f"{MAX_SLOGAN_CHARS + 1} ký tự" in problem.message and f"{MAX_SLOGAN_CHARS}" in problem.message
    assert not errors_of(problems, "text-too-long")  # the card is not even tried


def test_a_slogan_of_exactly_the_limit_is_not_refused_for_its_length(project_dir: Path) -> None:
    text = ("Dân vận khéo thì việc gì cũng thành công! " * 200)[: MAX_SLOGAN_CHARS - 1] + "!"
    assert len(text) == MAX_SLOGAN_CHARS
    problems = check(project_dir, slogans=SLOGANS_HEAD + f'  - id: dai\n    text: "{text}"\n')
    assert not errors_of(problems, "slogan-too-long")


def test_any_overlong_value_is_an_error_at_that_value(project_dir: Path) -> None:
    note = "ghi chú " * (MAX_SCALAR_CHARS // 8 + 1)
    slogans = SLOGANS_HEAD + f'  - id: a\n    text: "Một"\n    note: "{note}"\n'
    problems = check(project_dir, slogans=slogans)
    assert [(p.rule, p.line, p.column) for p in problems if p.path.endswith("slogans.yaml")] == [
        ("value-too-long", 10, 11)
    ]
    assert f"tối đa {MAX_SCALAR_CHARS:,}".replace(",", ".") in problems[-1].message


def test_an_overlong_key_is_an_error_too(project_dir: Path) -> None:
    long_key = "? " + "k" * (MAX_SCALAR_CHARS + 1) + "\n: 1\n"  # YAML's own limit on a plain key is 1,024
    problems = check(project_dir, config=(project_dir / "config.yaml").read_text(encoding="utf-8") + long_key)
    assert [(p.rule, p.line, p.column) for p in problems if p.is_error] == [("value-too-long", 10, 3)]


# --- (c) alias expansion -------------------------------------------------------------------------


def test_twenty_thousand_aliases_of_a_long_slogan_stop_at_the_first_alias_over_the_budget(project_dir: Path) -> None:
    items = "".join(f"  - {{id: s{i}, text: *dai}}\n" for i in range(20_000))
    slogans = SLOGANS_HEAD + f'  - id: goc\n    text: &dai "{LONG_SLOGAN}"\n' + items
    problems = check(project_dir, slogans=slogans)
    assert [p.rule for p in problems if p.path.endswith("slogans.yaml")] == ["alias-expansion"]
    problem = problems[-1]
    assert text_at(project_dir / "slogans.yaml", problem).startswith("*dai}")
    assert 10 < problem.line < 10 + 20_000  # some aliases are fine, the one past the budget is named
    assert "'dai'" in problem.message and "tham chiếu" in problem.message


def test_nested_aliases_billion_laughs_are_stopped(project_dir: Path) -> None:
    lines = ['lol0: &l0 "hahahahahahahahahaha"']
    lines += [f"lol{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]" for n in range(1, 10)]
    slogans = MINIMAL_SLOGANS + "\n".join(lines) + "\n"
    problems = check(project_dir, slogans=slogans)
    [problem] = errors_of(problems, "alias-expansion")
    assert text_at(project_dir / "slogans.yaml", problem).startswith("*l")
    assert not errors_of(problems, "unknown-key")  # the file is not read further


def test_a_value_that_contains_itself_is_an_error(project_dir: Path) -> None:
    problems = check(project_dir, slogans=MINIMAL_SLOGANS + "vong: &v [1, *v]\n")
    [problem] = errors_of(problems, "alias-expansion")
    assert (problem.line, problem.column) == (12, 14)
    assert "chính nó" in problem.message


def test_ordinary_aliases_are_still_welcome(project_dir: Path) -> None:
    first = 'channels:\n  - name: o\n    type: outbox\n    directory: o\n    schedule: &lich {times: ["08:00"]}\n'
    others = "".join(
        f"  - name: o{i}\n    type: outbox\n    directory: o{i}\n    schedule: *lich\n" for i in range(300)
    )
    problems = check(project_dir, config=first + others)
    assert not [p for p in problems if p.is_error], [p.format() for p in problems]


def test_fix_refuses_an_alias_bomb_instead_of_expanding_it(project_dir: Path) -> None:
    items = "".join(f"  - {{id: s{i}, text: *dai}}\n" for i in range(20_000))
    (project_dir / "slogans.yaml").write_text(
        SLOGANS_HEAD + f'  - id: goc\n    text: &dai "{LONG_SLOGAN}"\n' + items, encoding="utf-8"
    )
    with pytest.raises(InputError) as raised:
        fix_slogans(project_dir / "config.yaml", env={})
    assert [p.rule for p in raised.value.problems] == ["alias-expansion"]


# --- characters YAML does not accept, and other syntax errors ------------------------------------


@pytest.mark.parametrize(
    ("char", "shown"),
    [("\x00", "U+0000"), ("\x1b", "U+001B"), ("\x7f", "U+007F"), ("\x90", "U+0090"), ("\ufffe", "U+FFFE")],
)
def test_a_control_character_is_named_in_vietnamese_at_its_real_position(
    project_dir: Path, char: str, shown: str
) -> None:
    slogans = MINIMAL_SLOGANS.replace("thì việc gì", f"thì vi{char}ệc gì")
    problems = check(project_dir, slogans=slogans)
    errors = [p for p in problems if p.is_error]
    assert [(p.rule, p.line, p.column) for p in errors] == [("control-character", 9, 31)], [p.format() for p in errors]
    assert shown in errors[0].message and "ký tự điều khiển" in errors[0].message
    assert not _ENGLISH.search(errors[0].message)


def test_every_control_character_of_the_file_is_counted_in_the_message(project_dir: Path) -> None:
    slogans = MINIMAL_SLOGANS.replace("khéo", "kh\x00éo").replace("quang vinh", "quang\x00 vinh")
    [problem] = [p for p in check(project_dir, slogans=slogans) if p.is_error]
    assert (problem.line, problem.column) == (9, 22)
    assert "còn 1 ký tự" in problem.message


BROKEN_YAML = [
    pytest.param("  - id: a\n    text: @x\n", 9, 11, id="character-that-cannot-start-a-token"),
    pytest.param('  - id: a\n    text: "\\q"\n', 9, 12, id="unknown-escape"),
    pytest.param('  - id: a\n    text: "\\xZZ"\n', 9, 14, id="bad-hex-escape"),
    pytest.param("  - id: a\n    text: [x, y\n", 10, 1, id="unclosed-flow-sequence"),
    pytest.param("  - id: a\n    text: {x: y\n", 10, 1, id="unclosed-flow-mapping"),
    pytest.param("  - id: a\n    text: &\n", 9, 12, id="empty-anchor"),
    pytest.param("  - id: &x a\n    text: &x b\n", 9, 11, id="duplicate-anchor"),
    pytest.param("  - id: a\n    text: |x\n      b\n", 9, 12, id="bad-block-scalar"),
    pytest.param('  - id: a\n    text: "x\n---\n"\n', 10, 1, id="document-marker-in-quotes"),
    pytest.param("  - id: a\n    text: b\n---\nx: 1\n", 10, 1, id="two-documents"),
]


@pytest.mark.parametrize(("items", "line", "column"), BROKEN_YAML)
def test_yaml_syntax_errors_are_vietnamese_and_located(project_dir: Path, items: str, line: int, column: int) -> None:
    problems = [p for p in check(project_dir, slogans=SLOGANS_HEAD + items) if p.is_error]
    assert [(p.rule, p.line, p.column) for p in problems] == [("yaml-syntax", line, column)], [
        p.format() for p in problems
    ]
    assert not _ENGLISH.search(problems[0].message), problems[0].message


def test_a_plain_key_longer_than_yaml_allows_is_explained(project_dir: Path) -> None:
    config = (project_dir / "config.yaml").read_text(encoding="utf-8") + "k" * 2000 + ": 1\n"
    [problem] = [p for p in check(project_dir, config=config) if p.is_error]
    assert (problem.rule, problem.line) == ("yaml-syntax", 10)
    assert "1.024 ký tự" in problem.message


def test_a_directive_of_another_yaml_version_is_explained(project_dir: Path) -> None:
    [problem] = [p for p in check(project_dir, slogans="%YAML 2.0\n---\n" + MINIMAL_SLOGANS) if p.is_error]
    assert (problem.rule, problem.line) == ("yaml-syntax", 1)
    assert "phiên bản" in problem.message and not _ENGLISH.search(problem.message)
