"""A drawn card as channels receive it: its bytes, content hash and file extension (by the style's format)."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.project.cardstyle import CardStyle


@dataclass(frozen=True)
class CardFile:
    data: bytes
    hash: str
    extension: str  # "jpg" or "png"

    @property
    def mime_type(self) -> str:
        return "image/png" if self.extension == "png" else "image/jpeg"


def card_extension(style: CardStyle) -> str:
    """The file extension of the style's cards: "png" for PNG, "jpg" for anything drawn as JPEG."""
    return "png" if style.format == "png" else "jpg"
