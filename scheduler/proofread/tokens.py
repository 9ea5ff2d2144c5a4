"""Which pieces of a text are words to spell-check, and which are fine as they are (allow-list, numbers, codes, URLs)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

from scheduler.proofread.finding import Span, inside
from scheduler.proofread.known_words import ETHNIC_WORDS, LOANWORDS, UNITS
from scheduler.proofread.syllables import VOWELS

# Loanwords, units, platforms and names from the research allow-list (§2.2) that break the syllable rules.
_BUILTIN_ALLOW_LIST = """
covid internet email web website online gen ka karaoke tivi gram km kg kw kwh zalo facebook youtube tiktok
lênin ăngghen đắk đăk lắk kạn krông pleiku mnông kon plông ea kar ksor niê vêng chamaléa ôtô xcơ
"""
BUILTIN_ALLOW = frozenset(w.casefold() for w in _BUILTIN_ALLOW_LIST.split()) | ETHNIC_WORDS | LOANWORDS
_AFTER_NUMBER = re.compile(r"\d[\d.,]*\s*$")

_ROMAN = re.compile(r"(?=[MDCLXVI])M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
_URL = re.compile(
    r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<![\w@])[\w-]+(?:\.[\w-]+)*\.(?:vn|com|org|net|gov|edu|info|io)\b\S*"
    r"|(?<!\w)[#@][^\W_][\w]*"
)
_CHUNK = re.compile(r"\S+")
_TOKEN = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")
_OPEN_STRIP = "([{\"“‘'«"
_CLOSE_STRIP = ".,;:!?)]}\"”’'»…"
_CAPITALS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZĐĂÂÊÔƠƯ")
_CODE_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZĐabcdefghijklmnopqrstuvwxyzđ")
_CODE = re.compile(r"(?=.*\d)(?=.*[A-ZĐ])[\dA-Za-zĐđ/.\-]+")  # 31-KH/BDVTU, 30/2020/NĐ-CP, COVID-19
_DOMAIN = re.compile(r"\.[a-z]{2,6}")  # a top-level domain named alone: tên miền “.vn”
LIST_MARK = re.compile(r"(?:^|(?<=[\s;:.]))(?:[a-zđ]|\d{1,2})\)(?=\s)")  # "a) …; b) …"


class Allow:
    """Tokens that are not syllables but are fine: numbers, codes, Roman numerals, acronyms, allow-listed words."""

    def __init__(self, allowed: Iterable[str]) -> None:
        """allowed: the agency's own words and phrases (the lint.allow setting)."""
        words: set[str] = set(BUILTIN_ALLOW)
        phrases: set[str] = set()
        for entry in allowed:
            item = unicodedata.normalize("NFC", entry).strip().casefold()
            phrases.add(item)
            words.update(t for t in _TOKEN.findall(item))
        self.words = frozenset(words)
        self.phrases = frozenset(phrases)

    def token(self, token: str) -> bool:
        if any(ch.isnumeric() for ch in token):  # 5, ², ¾
            return True
        if _ROMAN.fullmatch(token):
            return True
        if all(ch in _CAPITALS for ch in token):
            return True  # acronym (UBND, HĐND, TƯ) or an initial (X.Y.Z); toned capitals (ĐẢNG) are words
        if sum(ch.isupper() for ch in token) >= 2 and all(ch in _CODE_LETTERS for ch in token):
            return True  # mixed-case document codes of NĐ 30: TTg, QyĐ, CTr, TrS
        return token.casefold() in self.words

    def chunk(self, chunk: str) -> bool:
        return bool(_CODE.fullmatch(chunk)) or chunk.casefold() in self.phrases or bool(_URL.fullmatch(chunk))


def url_spans(text: str) -> list[Span]:
    """Web addresses, e-mail addresses, hashtags and mentions: not prose, never proofread."""
    return [m.span() for m in _URL.finditer(text)]


def _strip_chunk(text: str, start: int, end: int) -> Span:
    while start < end and text[start] in _OPEN_STRIP:
        start += 1
    while end > start and text[end - 1] in _CLOSE_STRIP:
        end -= 1
    return start, end


def _unit(text: str, start: int, token: str) -> bool:
    """A unit symbol right after a number: 5 km, 20 ha, 100 USD."""
    return token.casefold() in UNITS and bool(_AFTER_NUMBER.search(text, max(0, start - 24), start))


def words(text: str, allow: Allow) -> Iterator[tuple[int, str]]:
    """(offset, token) for every token that must be a Vietnamese syllable."""
    urls = url_spans(text)
    for chunk in _CHUNK.finditer(text):
        a, b = _strip_chunk(text, *chunk.span())
        if a >= b or inside(urls, a) or allow.chunk(text[a:b]) or _DOMAIN.fullmatch(text, a, b):
            continue
        transliterated = "-" in text[a:b]  # "In-ter-net", "ra-đi-ô": a foreign word spelt out syllable by syllable
        for tok in _TOKEN.finditer(text, a, b):
            if allow.token(tok.group()) or LIST_MARK.match(text, tok.start()) or _unit(text, tok.start(), tok.group()):
                continue
            if transliterated and tok.group().isascii():
                continue
            if text.startswith(".", tok.end()) and not _has_vowel(tok.group()):
                continue  # abbreviation: t.6, tr.232, Ph.Ăngghen
            yield tok.start(), tok.group()


def _has_vowel(token: str) -> bool:
    """Whether a token has a vowel, toned ones included ("Lịh" has: it is a word, not an abbreviation)."""
    return any(ch in VOWELS for ch in unicodedata.normalize("NFD", token.lower()))
