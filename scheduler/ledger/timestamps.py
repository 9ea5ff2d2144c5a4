"""How the ledger stores time: aware datetimes in, ISO 8601 text out, and back.

The ledger never reads the clock; every time comes from the caller, and a naive one is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime


def require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} phải là thời điểm có múi giờ (aware datetime), nhận được {value!r}")


def iso(value: datetime, name: str) -> str:
    """A stored timestamp: ISO 8601 to the second, keeping the offset the caller used."""
    require_aware(value, name)
    return value.isoformat(timespec="seconds")


def iso_utc(value: datetime, name: str) -> str:
    """The same instant in UTC, so that string order is time order and equal instants are equal."""
    require_aware(value, name)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
