"""`danvan preview`: render cards to a folder without posting anything."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scheduler.cards.draw import render_card
from scheduler.cards.identity import card_filename
from scheduler.cards.layout import SloganLayout, fit_slogan
from scheduler.errors import CardError
from scheduler.files import write_atomically
from scheduler.project.cardstyle import CardStyle
from scheduler.project.slogans import Slogan


@dataclass(frozen=True)
class Preview:
    slogan_id: str
    path: Path | None = None
    error: str | None = None
    layout: SloganLayout | None = None  # the slogan as drawn on the card written to `path`


def write_previews(slogans: list[Slogan], style: CardStyle, out_dir: Path) -> Iterator[Preview]:
    """Render each slogan's card into out_dir; a slogan that cannot be drawn is reported, not fatal."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for slogan in slogans:
        try:
            data = render_card(slogan.text, style)
            path = out_dir / card_filename(slogan.id, slogan.text, style)
        except CardError as exc:
            yield Preview(slogan.id, error=str(exc))
            continue
        write_atomically(path, data)
        # The layout render_card drew from, out of fit_slogan's cache: no second search.
        yield Preview(slogan.id, path=path, layout=fit_slogan(slogan.text, style))
