"""Letters of another script that look like Latin letters (Cyrillic 'о', Greek 'ο', the Icelandic eth 'Ð'),
typed or pasted inside a Vietnamese word. A reader sees nothing wrong, but search, sorting, spell-checking and
some fonts break on them, so each is an error with its Latin letter as the repair."""

from __future__ import annotations

import re
import unicodedata

from scheduler.proofread.finding import Edit

# lookalike -> (Latin letter, Vietnamese name of its script)
_CYRILLIC = "аaеeоoрpсcуyхxіiјjѕsԁdһhӏlАAВBЕEКKМMНHОOРPСCТTХXІIЈJЅS"
_GREEK = "οoνvαaτtιiκkρpΑAΒBΕEΖZΗHΙIΚKΜMΝNΟOΡPΤTΥYΧX"
LOOKALIKES: dict[str, tuple[str, str]] = {
    **{_CYRILLIC[i]: (_CYRILLIC[i + 1], "Kirin") for i in range(0, len(_CYRILLIC), 2)},
    **{_GREEK[i]: (_GREEK[i + 1], "Hy Lạp") for i in range(0, len(_GREEK), 2)},
    "Ð": ("Đ", "eth (tiếng Iceland)"),
    "ð": ("đ", "eth (tiếng Iceland)"),
}
_WORD = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")


def _latin(ch: str) -> bool:
    return ch not in LOOKALIKES and ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN")


def lookalike_edits(text: str) -> list[Edit]:
    """Every lookalike letter inside a word that also has Latin letters (an eth anywhere: it is never Vietnamese),
    with its Latin letter. A word wholly in another script (a Russian or Greek name) is left alone."""
    edits: list[Edit] = []
    for m in _WORD.finditer(text):
        word = m.group()
        mixed = any(_latin(ch) for ch in word)
        for k, ch in enumerate(word):
            if ch in LOOKALIKES and (mixed or ch in "Ðð"):
                edits.append((m.start() + k, m.start() + k + 1, LOOKALIKES[ch][0]))
    return edits


def without_lookalikes(text: str) -> str:
    """The text with each lookalike replaced (same length: offsets stay valid; may leave decomposed marks)."""
    chars = list(text)
    for start, _, letter in lookalike_edits(text):
        chars[start] = letter
    return "".join(chars)


def lookalike_message(ch: str) -> str:
    letter, script = LOOKALIKES[ch]
    return (
        f"chữ '{ch}' {script} (U+{ord(ch):04X}) trông giống nhưng không phải chữ '{letter}' Latinh; hãy gõ lại "
        f"chữ '{letter}' (hoặc chạy 'danvan check --fix')"
    )
