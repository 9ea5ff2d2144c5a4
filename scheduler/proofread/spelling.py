"""The spelling family: tokens that cannot be Vietnamese syllables, texts typed without diacritics, misplaced tone
marks, and (once per file) old and new tone placements mixed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from scheduler.proofread.finding import Finding
from scheduler.proofread.syllables import ToneStyle, has_tone_or_letter_mark, in_style, parse, restore_case
from scheduler.proofread.tokens import Allow, words
from scheduler.proofread.word_shapes import (
    highland_shaped,
    in_capitalised_run,
    latin_only,
    sentence_start,
    vietnamese_shaped,
)

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
            finding = _unknown_word(text, start, token, syl.reason, syl.no_vowel)
            if finding is not None:
                found.append(finding)
        elif syl.misplaced:
            fixes = [restore_case(token, c) for c in syl.corrections]
            shown = " hoặc ".join(f"'{c}'" for c in fixes)
            found.append(
                Finding(start, "error", "tone-placement", f"dấu thanh đặt sai chỗ trong '{token}'; hãy viết {shown}")
            )
        elif syl.style is not None:
            styles.append(StyledWord(start, token, syl.style))
    return found


def _unknown_word(text: str, start: int, token: str, reason: str, no_vowel: bool) -> Finding | None:
    """The finding for a token that is not a Vietnamese syllable, by how sure it is to be wrong (README, "Rules of
    `danvan check`"): an error when it carries Vietnamese marks no syllable can have or has no vowel at all; a
    warning when it may be right (an unknown Latin word shaped like a Vietnamese one, a marked word inside a
    name); nothing for a plausible foreign word or a name."""
    message = _spelling_message(token, reason, no_vowel)
    if no_vowel:
        # one letter alone is a label ("điểm b khoản 2", "phương án c"), not a word that lost its vowels
        return None if len(token) == 1 else Finding(start, "error", "spelling", message)
    in_name = token[:1].isupper() and (in_capitalised_run(text, start, len(token)) or not sentence_start(text, start))
    if not latin_only(token):
        if in_name and highland_shaped(token):
            return None  # "Chư Păh", "Kông Chro": a highland name written in Vietnamese letters
        return Finding(start, "warning" if in_name else "error", "spelling", message)
    if in_name or not vietnamese_shaped(token):
        return None  # a name or a word of another language (Washington, email, Mozambique)
    return Finding(start, "warning", "spelling", message)


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
