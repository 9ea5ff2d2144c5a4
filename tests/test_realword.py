"""The real-word rule and its table: typos that are valid syllables are caught, and held-out legal text (not used
to build the table) stays nearly silent."""

from __future__ import annotations

import pytest

from benchmarks.build_bigrams import constitution_lines
from scheduler.proofread import lint_text


@pytest.mark.parametrize(
    ("text", "likely"),
    [
        ("Dưới sự lãnh đọa của Đảng", "lãnh đạo"),
        ("Hội dồng nhân dân xã", "Hội đồng"),
        ("làm tốt công tá dân vận", "công tác"),
        ("thàn phố Bắc Giang", "thành phố"),
        ("Tổ trường tổ dân phố", "Tổ trưởng"),
    ],
)
def test_real_word_error_names_the_likely_word(text: str, likely: str) -> None:
    [f] = lint_text(text)
    assert (f.rule, f.severity) == ("real-word", "warning")
    assert f"'{likely}'" in f.message


def test_held_out_text_has_at_most_one_warning_per_1000_syllables() -> None:
    lines = constitution_lines(held_out=True)
    syllables = sum(len(line.split()) for line in lines)
    findings = [f for line in lines for f in lint_text(line)]
    assert syllables > 1000
    assert not [f for f in findings if f.severity == "error"]
    assert len(findings) * 1000 / syllables <= 1.0, findings
