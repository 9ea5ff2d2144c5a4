"""Legacy Vietnamese encodings (TCVN3, VNI, Windows-1258) and UTF-8 read as Windows-1252: detect and decode.

Text typed in a legacy font and pasted, or a file read with the wrong code page, shows up as "D©n vËn" (TCVN3),
"Daân vaän" (VNI), "Viêòt" (cp1258) or "Viá»‡t" (UTF-8). The detection rules are the measured ones of
shared/research/vietnamese-orthography.md §3.5 (every damaged test line found, no false alarm on 16,763 clean
lines); the encoding is then named by trial decoding: turn the suspect text back into the bytes a Windows-1252
reader saw, decode those with each candidate table, and keep the candidate whose words are Vietnamese syllables.

The byte tables are generated from the regular structure documented in §3.1-§3.3 (not copied from any
implementation); CPython has no TCVN3 or VNI codec.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from scheduler.proofread.finding import splice
from scheduler.proofread.syllables import HOI, HUYEN, NANG, NGA, SAC, is_syllable

Encoding = Literal["utf8", "tcvn3", "vni", "cp1258"]

ENCODING_RULES: dict[Encoding, str] = {
    "utf8": "encoding-utf8-mojibake",
    "tcvn3": "encoding-tcvn3",
    "vni": "encoding-vni",
    "cp1258": "encoding-cp1258",
}

ENCODING_NAMES: dict[Encoding, str] = {
    "utf8": "văn bản UTF-8 bị đọc nhầm bằng bảng mã Windows-1252",
    "tcvn3": "văn bản gõ bằng bảng mã TCVN3 (ABC, phông .VnTime, .VnArial…)",
    "vni": "văn bản gõ bằng bảng mã VNI (phông VNI-Times, VNI-Helve…)",
    "cp1258": "văn bản gõ bằng bảng mã Windows-1258 (CP1258)",
}

_TONES = ("", SAC, HUYEN, HOI, NGA, NANG)  # column order of the tables: ngang, sắc, huyền, hỏi, ngã, nặng


def _toned(base: str, tone_index: int) -> str:
    return unicodedata.normalize("NFC", base + _TONES[tone_index])


# --- TCVN3 (VN3): one byte per lower-case letter; toned capitals share the lower-case byte (§3.1) ---
_TCVN3_ROWS = {
    "a": (0x61, 0xB8, 0xB5, 0xB6, 0xB7, 0xB9),
    "ă": (0xA8, 0xBE, 0xBB, 0xBC, 0xBD, 0xC6),
    "â": (0xA9, 0xCA, 0xC7, 0xC8, 0xC9, 0xCB),
    "e": (0x65, 0xD0, 0xCC, 0xCE, 0xCF, 0xD1),
    "ê": (0xAA, 0xD5, 0xD2, 0xD3, 0xD4, 0xD6),
    "i": (0x69, 0xDD, 0xD7, 0xD8, 0xDC, 0xDE),
    "o": (0x6F, 0xE3, 0xDF, 0xE1, 0xE2, 0xE4),
    "ô": (0xAB, 0xE8, 0xE5, 0xE6, 0xE7, 0xE9),
    "ơ": (0xAC, 0xED, 0xEA, 0xEB, 0xEC, 0xEE),
    "u": (0x75, 0xF3, 0xEF, 0xF1, 0xF2, 0xF4),
    "ư": (0xAD, 0xF8, 0xF5, 0xF6, 0xF7, 0xF9),
    "y": (0x79, 0xFD, 0xFA, 0xFB, 0xFC, 0xFE),
}
TCVN3: dict[int, str] = {0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ", 0xAE: "đ"}
for _base, _codes in _TCVN3_ROWS.items():
    for _tone, _code in enumerate(_codes):
        if _code >= 0x80:
            TCVN3[_code] = _toned(_base, _tone)
assert len(TCVN3) == 74

# --- VNI-Windows: base letter plus a modifier byte (§3.2); upper-case modifiers are 0x20 lower ---
_VNI_TONE = {0xF9: 1, 0xF8: 2, 0xFB: 3, 0xF5: 4, 0xEF: 5}  # sắc huyền hỏi ngã nặng
_VNI_CIRCUMFLEX = {0xE2: 0, 0xE1: 1, 0xE0: 2, 0xE5: 3, 0xE3: 4, 0xE4: 5}  # â ê ô with a tone
_VNI_BREVE = {0xEA: 0, 0xE9: 1, 0xE8: 2, 0xFA: 3, 0xFC: 4, 0xEB: 5}  # ă with a tone
VNI_SINGLE: dict[int, str] = {
    0xF1: "đ",
    0xD1: "Đ",
    0xF4: "ơ",
    0xD4: "Ơ",
    0xF6: "ư",
    0xD6: "Ư",
    0xED: "í",
    0xEC: "ì",
    0xE6: "ỉ",
    0xF3: "ĩ",
    0xF2: "ị",
    0xCD: "Í",
    0xCC: "Ì",
    0xC6: "Ỉ",
    0xD3: "Ĩ",
    0xD2: "Ị",
    0xEE: "ỵ",
    0xCE: "Ỵ",
}


def _vni_pairs() -> dict[tuple[int, int], str]:
    """(base byte, modifier byte) -> letter, for lower case and upper case (modifier 0x20 lower)."""
    # letter -> (its byte, the letters its circumflex and breve modifiers make)
    bases = {
        "a": (0x61, "â", "ă"),
        "e": (0x65, "ê", ""),
        "o": (0x6F, "ô", ""),
        "u": (0x75, "", ""),
        "y": (0x79, "", ""),
        "ơ": (0xF4, "", ""),
        "ư": (0xF6, "", ""),
    }
    pairs: dict[tuple[int, int], str] = {}
    for letter, (code, circumflex, breve) in bases.items():
        for upper in (False, True):
            shift = 0x20 if upper else 0
            first = code - shift

            def case(ch: str, upper: bool = upper) -> str:
                return ch.upper() if upper else ch

            for byte, tone in _VNI_TONE.items():
                if not (letter == "y" and tone == 5):  # ỵ is the single byte EE
                    pairs[(first, byte - shift)] = _toned(case(letter), tone)
            for marked, table in ((circumflex, _VNI_CIRCUMFLEX), (breve, _VNI_BREVE)):
                if marked:
                    for byte, tone in table.items():
                        pairs[(first, byte - shift)] = _toned(case(marked), tone)
    return pairs


VNI_PAIRS = _vni_pairs()


# --- detection (§3.5), applied to NFC text ---
_ASCII_LETTER = "A-Za-z"
_TCVN3_SIGNS = "¡¢£¤¥¦§¨©ª«¬®µ¶·¸¹»¼½¾ÆÇËÎÏÐÑÖ×ØÜÞßäåæçëîïñö÷øûüþ\u00ad"
_VNI_SIGNS = "ÄÅÆËÎÏÑÖØÛÜäåæëîïñöøûü"
_VNI_SAFE_PAIR_LIST = """
aà aá aâ aã aä aå aè aé aê aë aï aõ aø aù aú aû aü
eà eá eâ eã eä eå eï eõ eø eù eû
oâ oä oå oï oõ oø où oû
uï uõ uø uù uû yõ yø yù yû
ôï ôõ ôø ôù ôû öï öõ öø öù öû
"""
_VNI_SAFE_PAIRS = _VNI_SAFE_PAIR_LIST.split()
assert len(_VNI_SAFE_PAIRS) == 55


def _touching(signs: str) -> re.Pattern[str]:
    cls = re.escape(signs)
    return re.compile(f"(?<=[{_ASCII_LETTER}])[{cls}]|[{cls}](?=[{_ASCII_LETTER}])")


DETECTORS: dict[Encoding, re.Pattern[str]] = {
    "utf8": re.compile("Ã[\u00a0-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]|á[º»]|Æ[°¯¡\u00a0]|Ä[‘ƒ‚©¨\u0090]|Å[©¨]"),
    "tcvn3": _touching(_TCVN3_SIGNS),
    "vni": re.compile(
        _touching(_VNI_SIGNS).pattern
        + "|"
        + "|".join(re.escape(p) for p in _VNI_SAFE_PAIRS + [p.upper() for p in _VNI_SAFE_PAIRS])
    ),
    "cp1258": re.compile("[aăâeêôơưyAĂÂEÊÔƠƯYãõýÃÕÝ][ÌìÒÞò]|" + _touching("ÐðÞ").pattern),
}
_ORDER: tuple[Encoding, ...] = ("utf8", "tcvn3", "vni", "cp1258")


def signals(text: str) -> list[tuple[Encoding, int]]:
    """(encoding, offset of the first sign) for each detection rule that fires on the text."""
    found: list[tuple[Encoding, int]] = []
    for enc in _ORDER:
        match = DETECTORS[enc].search(text)
        if match:
            found.append((enc, match.start()))
    return found


# --- decoding ---
def _cp1252_table() -> dict[str, int]:
    table = {chr(b): b for b in range(0x80, 0xA0)}  # C1 controls stand for the 5 undefined bytes
    for b in range(256):
        shown = bytes((b,)).decode("cp1252", errors="ignore")
        if shown:
            table[shown] = b
    return table


_CP1252 = _cp1252_table()


def _to_bytes(run: str) -> bytes | None:
    """The Windows-1252 bytes a reader turned into `run`; None when a character cannot come from one."""
    try:
        return bytes(_CP1252[ch] for ch in run)
    except KeyError:
        return None


def _cp1252(byte: int) -> str:
    try:
        return bytes((byte,)).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)  # one of the 5 undefined bytes, shown as a C1 control


def _decode_tcvn3(data: bytes) -> str:
    return "".join(TCVN3.get(b) or _cp1252(b) for b in data)


def _decode_vni(data: bytes) -> str:
    out: list[str] = []
    i = 0
    while i < len(data):
        if i + 1 < len(data):
            pair = VNI_PAIRS.get((data[i], data[i + 1]))
            if pair is not None:
                out.append(pair)
                i += 2
                continue
        single = VNI_SINGLE.get(data[i])
        out.append(single if single is not None else _cp1252(data[i]))
        i += 1
    return "".join(out)


def _decode_cp1258(data: bytes) -> str:
    return unicodedata.normalize("NFC", data.decode("cp1258"))


def _decode_utf8(data: bytes) -> str:
    return unicodedata.normalize("NFC", data.decode("utf-8"))


_DECODERS: dict[Encoding, Callable[[bytes], str]] = {
    "utf8": _decode_utf8,
    "tcvn3": _decode_tcvn3,
    "vni": _decode_vni,
    "cp1258": _decode_cp1258,
}

_WORD_SPLIT = re.compile(r"([ \t\r\n]+)")
_LETTER_RUN = re.compile(r"[^\W\d_]+")


def _encodable_runs(word: str) -> list[tuple[int, int]]:
    """Maximal stretches of the word that a Windows-1252 reader could have produced."""
    runs: list[tuple[int, int]] = []
    start = -1
    for i, ch in enumerate(word):
        ok = ch in _CP1252
        if ok and start < 0:
            start = i
        elif not ok and start >= 0:
            runs.append((start, i))
            start = -1
    if start >= 0:
        runs.append((start, len(word)))
    return runs


@lru_cache(maxsize=4096)
def decode_word(word: str, encoding: Encoding, caps_text: bool = False) -> str:
    """The word decoded from `encoding`; stretches that cannot be decoded are kept as they are."""
    out: list[str] = []
    last = 0
    for start, end in _encodable_runs(word):
        out.append(word[last:start])
        data = _to_bytes(word[start:end])
        assert data is not None
        try:
            out.append(_DECODERS[encoding](data))
        except UnicodeDecodeError:
            out.append(word[start:end])
        last = end
    out.append(word[last:])
    decoded = "".join(out)
    if encoding == "tcvn3":
        # VN3 has no toned capitals: an all-capitals word came from a ".VnTimeH"-style font (§3.1).
        ascii_letters = [ch for ch in word if ch.isascii() and ch.isalpha()]
        if all(ch.isupper() for ch in ascii_letters) and (len(ascii_letters) >= 2 or caps_text):
            decoded = decoded.upper()
    return decoded


def letters_ok(word: str, accept: Callable[[str], bool]) -> bool:
    """True when every letter run of the word is a Vietnamese syllable or accepted by the caller."""
    return all(is_syllable(run) or accept(run) for run in _LETTER_RUN.findall(word))


def word_ok(word: str, accept: Callable[[str], bool]) -> bool:
    """True when no sign of damage shows and every letter run is a Vietnamese syllable or accepted by the caller."""
    return not signals(word) and letters_ok(word, accept)


@dataclass(frozen=True)
class Decoding:
    encoding: Encoding
    text: str
    confident: bool  # every changed word became a valid syllable and no sign of damage remains
    edits: tuple[tuple[int, int, str], ...]  # (start, end, replacement) word by word, in the input's offsets


def _caps_text(text: str) -> bool:
    letters = [ch for ch in text if ch.isascii() and ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)


def decode(text: str, accept: Callable[[str], bool]) -> Decoding | None:
    """The best legacy reading of a text that shows signs of damage; None when it shows none.

    A detection rule must fire and at least one word must fail the syllable check: a legitimate symbol that the
    rules list ("«", "®") next to otherwise sound words is not damage.
    """
    fired = signals(text)
    if not fired:
        return None
    memo: dict[str, bool] = {}

    def sound(word: str) -> bool:
        if word not in memo:
            memo[word] = word_ok(word, accept)
        return memo[word]

    pieces: list[tuple[int, str]] = []
    offset = 0
    for piece in _WORD_SPLIT.split(text):
        if piece and not _WORD_SPLIT.fullmatch(piece):
            pieces.append((offset, piece))
        offset += len(piece)
    if all(letters_ok(w, accept) for _, w in pieces):
        return None  # only symbols next to sound words ("«Dân vận»", "Zalo®"): not damage
    non_ascii = [w for _, w in pieces if not w.isascii()]
    invalid = [w for w in non_ascii if not sound(w)]
    whole = len(invalid) * 2 >= len(non_ascii)  # mostly damaged: decode every word, even "hoà" (VNI hồ)
    caps = _caps_text(text)
    best: tuple[int, int, Decoding] | None = None
    fired_set = {enc for enc, _ in fired}
    for rank, enc in enumerate(_ORDER):
        edits: list[tuple[int, int, str]] = []
        bad = 0
        for start, word in pieces:
            if word.isascii() or (not whole and sound(word)):
                continue
            new = decode_word(word, enc, caps)
            if new != word:
                edits.append((start, start + len(word), new))
                if not sound(new):
                    bad += 1
        if not edits:
            continue
        decoded = splice(text, edits)
        edited = {e[0] for e in edits}
        unchanged_bad = sum(1 for s, w in pieces if s not in edited and not sound(w))
        confident = bad == 0 and unchanged_bad == 0 and not signals(decoded)
        key = (bad + unchanged_bad, (0 if enc in fired_set else 1) * 10 + rank)
        candidate = Decoding(enc, decoded, confident, tuple(edits))
        if best is None or key < best[:2]:
            best = (key[0], key[1], candidate)
    if best is None:
        return Decoding(fired[0][0], text, False, ())
    return best[2]
