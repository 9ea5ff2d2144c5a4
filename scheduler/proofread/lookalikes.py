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


def twin(ch: str) -> tuple[str, str] | None:
    """(Latin letter, script) of a lookalike, also of one carrying a mark ('ӑ' Cyrillic a with breve -> 'ă')."""
    if ch in LOOKALIKES:
        return LOOKALIKES[ch]
    parts = unicodedata.normalize("NFD", ch)
    if len(parts) > 1 and parts[0] in LOOKALIKES:
        latin = unicodedata.normalize("NFC", LOOKALIKES[parts[0]][0] + parts[1:])
        if len(latin) == 1:
            return latin, LOOKALIKES[parts[0]][1]
    return None


def marks_on_lookalikes_only(raw: str) -> bool:
    """Whether the only decomposed marks of the text sit on lookalike letters: a Cyrillic 'а' typed with a
    combining breve and acute has no composed form, so that is the lookalike's fault, not a normalisation one."""
    kept = [ch for k, ch in enumerate(raw) if not (unicodedata.combining(ch) and _after_twin(raw, k))]
    stripped = "".join(kept)
    return stripped != raw and unicodedata.normalize("NFC", stripped) == stripped


def _after_twin(text: str, k: int) -> bool:
    while k > 0 and unicodedata.combining(text[k - 1]):
        k -= 1
    return k > 0 and twin(text[k - 1]) is not None


def _latin(ch: str) -> bool:
    return twin(ch) is None and ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN")


def lookalike_edits(text: str) -> list[Edit]:
    """Every lookalike letter inside a word that also has Latin letters (an eth anywhere: it is never Vietnamese),
    with its Latin letter. A word wholly in another script (a Russian or Greek name) is left alone."""
    edits: list[Edit] = []
    for m in _WORD.finditer(text):
        word = m.group()
        mixed = any(_latin(ch) for ch in word)
        for k, ch in enumerate(word):
            found = twin(ch)
            if found is not None and (mixed or ch in "Ðð"):
                edits.append((m.start() + k, m.start() + k + 1, found[0]))
    return edits


def without_lookalikes(text: str) -> str:
    """The text with each lookalike replaced (same length: offsets stay valid; may leave decomposed marks)."""
    chars = list(text)
    for start, _, letter in lookalike_edits(text):
        chars[start] = letter
    return "".join(chars)


def lookalike_message(ch: str) -> str:
    letter, script = twin(ch) or (ch, "?")
    return (
        f"chữ '{ch}' {script} (U+{ord(ch):04X}) trông giống nhưng không phải chữ '{letter}' Latinh; hãy gõ lại "
        f"chữ '{letter}' (hoặc chạy 'danvan check --fix')"
    )
