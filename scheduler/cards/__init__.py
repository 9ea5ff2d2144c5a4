"""Drawing a card: where a slogan's lines break, where everything sits, the drawing and its bytes, the store.

The public names below are imported on first use, not with the package: channels need only `CardFile`,
and importing this room must not load Pillow for commands that never draw (`danvan log` is checked for it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scheduler.cards.cardfile import CardFile
    from scheduler.cards.draw import JPEG_MAX_BYTES, render_card
    from scheduler.cards.identity import RENDERER_VERSION, card_filename, card_hash
    from scheduler.cards.layout import SloganLayout, fit_slogan
    from scheduler.cards.preview import Preview, write_previews
    from scheduler.cards.store import CardStore, card_directory

# Each public name and the module it lives in.
_HOMES = {
    "CardFile": "cardfile",
    "CardStore": "store",
    "JPEG_MAX_BYTES": "draw",
    "Preview": "preview",
    "RENDERER_VERSION": "identity",
    "SloganLayout": "layout",
    "card_directory": "store",
    "card_filename": "identity",
    "card_hash": "identity",
    "fit_slogan": "layout",
    "render_card": "draw",
    "write_previews": "preview",
}

__all__ = [
    "JPEG_MAX_BYTES",
    "RENDERER_VERSION",
    "CardFile",
    "CardStore",
    "Preview",
    "SloganLayout",
    "card_directory",
    "card_filename",
    "card_hash",
    "fit_slogan",
    "render_card",
    "write_previews",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # found once; later look-ups do not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
