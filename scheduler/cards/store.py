"""Rendered cards on disk under their identity hash, so one card is drawn once however many channels post it.

Beside each card lies `<card>.sha256`, the digest of its bytes, written after the card. A card is reused
only when its bytes still match: a file edited or replaced by hand is drawn again, never published.
"""

from __future__ import annotations

import hashlib
import hmac
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
            data = _read_verified(self.directory / f"{card_hash}.{extension}")
            if data is not None:
                return data
        return None

    def get(self, text: str, style: CardStyle) -> CardFile:
        """The card's bytes, from disk when already drawn; raises CardError when it cannot be drawn.

        Channels posting the same card at the same minute wait for one drawing instead of each drawing it.
        """
        digest = card_hash(text, style)
        path = self.directory / f"{digest}.{card_extension(style)}"
        with _lock_for(digest):
            data = _read_verified(path)
            if data is None:
                data = render_card(text, style)
                self._save(path, data)
        return CardFile(data=data, hash=digest, extension=card_extension(style))

    def _save(self, path: Path, data: bytes) -> None:
        # The cache is an optimisation: a full disk must not stop a post, so a failed write is ignored.
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            write_atomically(path, data)
            write_atomically(_digest_path(path), _digest(data).encode("ascii"))
        except OSError:
            pass


def _read_verified(path: Path) -> bytes | None:
    """The card's bytes when they match the digest written with them; None when absent or altered."""
    try:
        data = path.read_bytes()
        recorded = _digest_path(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return data if hmac.compare_digest(recorded, _digest(data)) else None


def _digest_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(digest: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(digest, threading.Lock())
