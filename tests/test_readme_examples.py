"""Every YAML example an officer may copy from the README or config.example.yaml passes `danvan check`."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from scheduler.check import check_project
from tests.conftest import MINIMAL_CONFIG, MINIMAL_SLOGANS

REPO = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^(?P<indent> *)```yaml\n(?P<body>.*?)^(?P=indent)```", re.M | re.S)
ENV_NAME = re.compile(r"\$\{([A-Z0-9_]+)\}")


def readme_blocks() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return [textwrap.dedent(m["body"]) for m in FENCE.finditer(text)]


def commented_channels_of_the_example() -> list[str]:
    """The example's commented-out channels (`# - name: ...` blocks), uncommented as the comment says."""
    blocks: list[str] = []
    current: list[str] = []
    for line in (REPO / "config.example.yaml").read_text(encoding="utf-8").splitlines():
        uncommented = re.fullmatch(r"  # (  )?(.*)", line)
        if uncommented and (uncommented[2].startswith("- name:") or (current and uncommented[1])):
            if uncommented[2].startswith("- name:") and current:
                blocks.append("\n".join(current))
                current = []
            current.append(("  " if uncommented[1] else "") + uncommented[2])
        elif current:
            blocks.append("\n".join(current))
            current = []
    return [*blocks, "\n".join(current)] if current else blocks


def files_for(block: str) -> tuple[str, str]:
    """(config text, slogans text) that put the example where it belongs in a minimal project."""
    if re.search(r"^\s*- id:", block, re.M):
        return MINIMAL_CONFIG, MINIMAL_SLOGANS + textwrap.indent(block, "  ")
    if re.search(r"^\s*- name:", block, re.M):
        return MINIMAL_CONFIG + textwrap.indent(textwrap.dedent(block), "  "), MINIMAL_SLOGANS
    if block.lstrip().startswith("schedule:"):
        return MINIMAL_CONFIG.replace(
            '    schedule:\n      times: ["08:00", "19:30"]\n', "    " + block
        ), MINIMAL_SLOGANS
    return MINIMAL_CONFIG + block, MINIMAL_SLOGANS


def examples() -> list[pytest.ParameterSet]:
    params = []
    for number, block in enumerate(readme_blocks(), 1):
        # A block listing alternatives (three `schedule:` lines) is one example per line.
        lines = [line for line in block.splitlines() if line.strip()]
        alternatives = lines if all(line.startswith("schedule:") for line in lines) else [block]
        for n, example in enumerate(alternatives, 1):
            params.append(pytest.param(example, id=f"README-block-{number}-{n}"))
    for number, block in enumerate(commented_channels_of_the_example(), 1):
        params.append(pytest.param(block, id=f"config.example-commented-channel-{number}"))
    return params


def test_the_readme_and_the_example_have_yaml_examples_to_check() -> None:
    assert len(readme_blocks()) >= 3
    assert len(commented_channels_of_the_example()) >= 2


@pytest.mark.parametrize("example", examples())
def test_every_yaml_example_passes_check(example: str, tmp_path: Path) -> None:
    config_text, slogans_text = files_for(example)
    (tmp_path / "config.yaml").write_text(config_text, encoding="utf-8")
    (tmp_path / "slogans.yaml").write_text(slogans_text, encoding="utf-8")
    (tmp_path / "config.yaml").chmod(0o600)
    env = {name: f"value-of-{name.lower()}" for name in ENV_NAME.findall(example)}
    result = check_project(tmp_path / "config.yaml", env)
    errors = [p.format() for p in result.problems if p.is_error]
    assert errors == [], f"{example}\n{errors}"


def test_the_example_config_itself_passes_check() -> None:
    result = check_project(REPO / "config.example.yaml", {})
    assert [p.format() for p in result.problems if p.is_error] == []
