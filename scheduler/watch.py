"""Noticing that an officer saved a file: what the daemon compares every few seconds to reload."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

Signature = tuple[int, int]


def signature(path: Path) -> Signature:
    """What changes when an officer saves a file (a missing file counts as a change too)."""
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return (stat.st_mtime_ns, stat.st_size)


def signatures(paths: Iterable[Path]) -> dict[Path, Signature]:
    return {path: signature(path) for path in paths}


def changed(seen: dict[Path, Signature]) -> bool:
    return any(signature(path) != before for path, before in seen.items())
