"""Rendered cards on disk under their content hash, so one card is drawn once however many channels post it."""

from __future__ import annotations

import threading
from pathlib import Path

from scheduler.cards.cardfile import CardFile, card_extension
from scheduler.cards.draw import render_card
from scheduler.cards.identity import card_hash
from scheduler.files import write_atomically
from scheduler.project.cardstyle import CardStyle


def card_directory(database: Path) -> Path:
    """Rendered cards live beside the database: `<database folder>/cards/`."""
    return database.parent / "cards"


class CardStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_for(self, text: str, style: CardStyle) -> Path:
        return self.directory / f"{card_hash(text, style)}.{card_extension(style)}"

    def find(self, card_hash: str) -> bytes | None:
        """A card drawn earlier, by its hash (whatever its format); None when it is not on disk."""
        for extension in ("jpg", "png"):
            path = self.directory / f"{card_hash}.{extension}"
            if path.exists():
                return path.read_bytes()
        return None

    def get(self, text: str, style: CardStyle) -> CardFile:
        """The card's bytes, from disk when already drawn; raises CardError when it cannot be drawn.

        Channels posting the same card at the same minute wait for one drawing instead of each drawing it.
        """
        digest = card_hash(text, style)
        path = self.directory / f"{digest}.{card_extension(style)}"
        with _lock_for(digest):
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                data = render_card(text, style)
                self._save(path, data)
        return CardFile(data=data, hash=digest, extension=card_extension(style))

    def _save(self, path: Path, data: bytes) -> None:
        # The cache is an optimisation: a full disk must not stop a post, so a failed write is ignored.
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            write_atomically(path, data)
        except OSError:
            pass


_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(digest: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(digest, threading.Lock())
