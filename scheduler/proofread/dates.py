"""The numbers family: an anniversary count that disagrees with its years, and dates that do not exist."""

from __future__ import annotations

import calendar
import re

from scheduler.proofread.finding import Finding

_N_YEARS = re.compile(r"(?<![\w/.,])(\d{1,4})\s+năm(?!\w)(?!\s+\d)", re.IGNORECASE)
_ANNIVERSARY_WORD = re.compile(r"(?:kỷ|kỉ)\s+niệm\s+$|mừng\s+$", re.IGNORECASE)
_MONTH_BEFORE = re.compile(r"tháng\s+$", re.IGNORECASE)
_DATE_RANGE = re.compile(r"(?<![\d/.])\d{1,2}([/.])\d{1,2}\1(\d{4})\s*[-–—]\s*\d{1,2}([/.])\d{1,2}\3(\d{4})(?!\d)")
_YEAR_RANGE = re.compile(r"(?<![\d/.])(\d{4})\s*[-–—]\s*(\d{4})(?![\d/.])")
_SENTENCE_END = re.compile(r"[!?]|\.(?=\s|$)")
_DATE = re.compile(r"(?<![\d/.])(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})(?!\d)(?![/.]\d)")
_DAY_MONTH = re.compile(r"(?<!\w)ngày\s+(\d{1,2})([/.\-])(\d{1,2})(?![/.\-]?\d)", re.IGNORECASE)
_DATE_WORDS = re.compile(r"(?<!\w)ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s+năm\s+(\d{4}))?(?!\d)", re.IGNORECASE)


def anniversaries(text: str) -> list[Finding]:
    """'N năm' followed, in the same sentence, by a span of years that is not N years long."""
    found: list[Finding] = []
    counts = [m for m in _N_YEARS.finditer(text) if not _MONTH_BEFORE.search(text[max(0, m.start() - 12) : m.start()])]
    for k, m in enumerate(counts):
        stop = counts[k + 1].start() if k + 1 < len(counts) else len(text)
        years = _years_after(text, m, stop)
        if years is None:
            continue
        n, (first, last) = int(m.group(1)), years
        if last - first != n:
            found.append(_mismatch(m.start(1), n, first, last))
    return found


def _years_after(text: str, count: re.Match[str], stop: int) -> tuple[int, int] | None:
    """The first and last year of the span that dates an anniversary count, if its sentence has one."""
    end = _SENTENCE_END.search(text, count.end(), stop)
    region_end = end.start() if end else stop
    dated = _DATE_RANGE.search(text, count.end(), region_end)
    if dated:
        return int(dated.group(2)), int(dated.group(4))
    if _ANNIVERSARY_WORD.search(text[max(0, count.start() - 12) : count.start()]):
        plain = _YEAR_RANGE.search(text, count.end(), region_end)
        if plain:
            return int(plain.group(1)), int(plain.group(2))
    return None


def _mismatch(at: int, n: int, first: int, last: int) -> Finding:
    return Finding(
        at,
        "error",
        "anniversary-mismatch",
        f"số năm kỷ niệm không khớp với mốc thời gian: từ năm {first} đến năm {last} là {last - first} năm, "
        f"không phải {n} năm; nếu mốc thời gian đúng hãy sửa thành '{last - first} năm', "
        f"nếu số năm đúng thì năm kết thúc phải là {first + n}",
    )


def dates(text: str) -> list[Finding]:
    """Dates that do not exist, written d/m/yyyy, 'ngày d/m' or 'ngày d tháng m (năm yyyy)'."""
    found: list[Finding | None] = []
    for m in _DATE.finditer(text):
        found.append(_check_date(m.start(), m.group(), int(m.group(1)), int(m.group(3)), int(m.group(4))))
    for m in _DAY_MONTH.finditer(text):
        shown = text[m.start(1) : m.end(3)]
        found.append(_check_date(m.start(1), shown, int(m.group(1)), int(m.group(3)), None))
    for m in _DATE_WORDS.finditer(text):
        year = int(m.group(3)) if m.group(3) else None
        found.append(_check_date(m.start(1), m.group(), int(m.group(1)), int(m.group(2)), year))
    return [f for f in found if f is not None]


def _check_date(start: int, shown: str, day: int, month: int, year: int | None) -> Finding | None:
    if not 1 <= month <= 12:
        return Finding(
            start, "error", "date-invalid", f"ngày '{shown}' không có thật: không có tháng {month}; hãy kiểm tra lại"
        )
    last = calendar.monthrange(year if year is not None else 2000, month)[1]  # 2000: a leap year allows 29/2
    if not 1 <= day <= last:
        during = f"tháng {month} năm {year}" if year is not None else f"tháng {month}"
        return Finding(
            start,
            "error",
            "date-invalid",
            f"ngày '{shown}' không có thật: {during} chỉ có {last} ngày; hãy kiểm tra lại ngày tháng",
        )
    return None
