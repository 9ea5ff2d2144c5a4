"""The spelling family: tokens that cannot be Vietnamese syllables, texts typed without diacritics, misplaced tone
marks, and (once per file) old and new tone placements mixed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from scheduler.proofread.finding import Finding
from scheduler.proofread.syllables import ToneStyle, has_tone_or_letter_mark, in_style, parse, restore_case
from scheduler.proofread.tokens import Allow, words

_TONE_STYLE_NAMES: dict[ToneStyle, str] = {"old": "kiểu cũ (hòa, thủy, khỏe)", "new": "kiểu mới (hoà, thuỷ, khoẻ)"}

Where = TypeVar("Where")  # the text a styled word belongs to


@dataclass(frozen=True)
class StyledWord:
    """A word whose tone placement shows a style (hòa: old, hoà: new), for the file-wide check."""

    start: int
    token: str
    style: ToneStyle | None


def spelling(text: str, allow: Allow, styles: list[StyledWord]) -> list[Finding]:
    """Spelling findings of one text; its words that show a tone style are appended to `styles`."""
    found: list[Finding] = []
    checked = list(words(text, allow))
    if len(checked) >= 3 and not has_tone_or_letter_mark(text):
        return [_no_diacritics()]
    for start, token in checked:
        syl = parse(token)
        if not syl.valid:
            found.append(Finding(start, "error", "spelling", _spelling_message(token, syl.reason, syl.no_vowel)))
        elif syl.misplaced:
            fixes = [restore_case(token, c) for c in syl.corrections]
            shown = " hoặc ".join(f"'{c}'" for c in fixes)
            found.append(
                Finding(start, "error", "tone-placement", f"dấu thanh đặt sai chỗ trong '{token}'; hãy viết {shown}")
            )
        elif syl.style is not None:
            styles.append(StyledWord(start, token, syl.style))
    return found


def _no_diacritics() -> Finding:
    return Finding(
        0,
        "error",
        "spelling-no-diacritics",
        "khẩu hiệu được viết không dấu; hãy gõ lại bằng tiếng Việt có dấu (bảng mã Unicode dựng sẵn) "
        "hoặc chép lại từ văn bản gốc",
    )


def _spelling_message(token: str, reason: str, no_vowel: bool) -> str:
    if no_vowel:
        return (
            f"'{token}' không phải là chữ tiếng Việt (không có nguyên âm): có thể là chữ bị mất khi chuyển phông "
            "cũ (ví dụ 'tng' thay cho 'tổng', 'Đng' thay cho 'Đảng'); hãy đối chiếu văn bản gốc và gõ lại chữ này"
        )
    return (
        f"'{token}' không phải là một âm tiết tiếng Việt ({reason}); hãy sửa lỗi chính tả, hoặc nếu đây là tên riêng, "
        f"từ nước ngoài hay chữ viết tắt đúng thì thêm '{token}' vào mục lint.allow trong tệp cấu hình"
    )


def mixed_tone_styles(styled: list[tuple[Where, StyledWord]]) -> tuple[Where, Finding] | None:
    """One warning per file when both tone styles occur, at the first word of the less used style."""
    old = [w for w in styled if w[1].style == "old"]
    new = [w for w in styled if w[1].style == "new"]
    if not old or not new:
        return None
    first_old = next(i for i, w in enumerate(styled) if w[1].style == "old")
    first_new = next(i for i, w in enumerate(styled) if w[1].style == "new")
    old_wins = len(old) > len(new) or (len(old) == len(new) and first_old < first_new)
    major, minority = (old, new) if old_wins else (new, old)
    major_style: ToneStyle = "old" if old_wins else "new"
    minor_style: ToneStyle = "new" if old_wins else "old"
    where, word = minority[0]
    message = (
        f"cách đặt dấu thanh không thống nhất trong tệp: {len(major)} chữ theo {_TONE_STYLE_NAMES[major_style]}, "
        f"{len(minority)} chữ theo {_TONE_STYLE_NAMES[minor_style]}, bắt đầu từ '{word.token}' ở đây; cả hai kiểu "
        f"đều đúng nhưng nên dùng một kiểu, ví dụ viết '{in_style(word.token, major_style)}'"
    )
    return where, Finding(word.start, "warning", "tone-style-mixed", message)
