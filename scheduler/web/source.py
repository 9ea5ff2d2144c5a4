"""What a request reads: the project (reloaded when its files change), the ledger, the card store and the clock."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, g

from scheduler.cards import CardStore, card_directory, card_hash
from scheduler.ledger import Ledger
from scheduler.project import Project
from scheduler.project.cardstyle import CardStyle

Clock = Callable[[], dt.datetime]


@dataclass
class LoadedProject:
    project: Project
    stamp: tuple[tuple[int, int], ...]
    # card hash -> (text, style) of every enabled slogan on every channel, so a card can be drawn on request
    cards: dict[str, tuple[str, CardStyle]] = field(default_factory=dict)


class ProjectSource:
    """The project as `danvan run` sees it (held-back slogans set aside), read again when a file changes."""

    def __init__(self, config_path: Path, clock: Clock) -> None:
        self.config_path = config_path
        self.clock = clock
        self._loaded: LoadedProject | None = None
        self._lock = threading.Lock()

    def current(self) -> LoadedProject:
        with self._lock:
            loaded = self._loaded
            if loaded is None or loaded.stamp != self._stamp(loaded.project):
                loaded = self._load()
                self._loaded = loaded
            return loaded

    def _load(self) -> LoadedProject:
        from scheduler.holdback import load_checked_project  # proofreading: the heavy part, once per change

        project = load_checked_project(self.config_path)
        cards: dict[str, tuple[str, CardStyle]] = {}
        for channel in project.config.enabled_channels:
            for slogan in project.slogans.slogans:
                cards.setdefault(card_hash(slogan.text, channel.card), (slogan.text, channel.card))
        return LoadedProject(project, self._stamp(project), cards)

    def _stamp(self, project: Project | None) -> tuple[tuple[int, int], ...]:
        paths = [self.config_path] + ([project.config.slogans_path] if project else [])
        return tuple(_file_stamp(path) for path in paths)


def _file_stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (0, 0)
    return (stat.st_mtime_ns, stat.st_size)


def source() -> ProjectSource:
    found: ProjectSource = current_app.extensions["danvan"]
    return found


def project() -> Project:
    return source().current().project


def now() -> dt.datetime:
    return source().clock().astimezone(project().config.timezone)


def ledger() -> Ledger:
    """This request's ledger connection (one per thread: sqlite3 connections are not shared)."""
    if "ledger" not in g:
        g.ledger = Ledger.open(project().config.database)
    opened: Ledger = g.ledger
    return opened


def close_ledger(_: BaseException | None = None) -> None:
    opened = g.pop("ledger", None)
    if opened is not None:
        opened.close()


def card_store() -> CardStore:
    return CardStore(card_directory(project().config.database))


def when_text(moment: dt.datetime) -> str:
    from scheduler.timefmt import moment_text

    return moment_text(moment, project().config.timezone)


def clock_now() -> dt.datetime:
    return source().clock()
