"""What identifies a card without drawing it: its content hash, and the file name a preview is saved under."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from pathlib import Path

import PIL
from PIL import features

from scheduler.cards.breakcost import knowledge_digest
from scheduler.cards.cardfile import card_extension
from scheduler.cards.fonts import nfc
from scheduler.errors import CardError
from scheduler.project.cardstyle import CardStyle

# Bump whenever a change in this room alters the pixels of any card: card_hash() includes it, so caches refresh.
RENDERER_VERSION = "2"


def card_hash(text: str, style: CardStyle) -> str:
    """A sha256 hex digest of everything that determines the card's bytes, computed WITHOUT rendering.

    It covers the NFC text, the syllable-pair table line breaking reads, every CardStyle field (file paths by the sha256 of their contents, so moving the
    assets does not change it but editing a font or the logo does), RENDERER_VERSION, and the Pillow,
    FreeType and Raqm versions. Equal hashes mean equal bytes, so callers can cache renders by it.
    """
    payload = {
        "renderer": RENDERER_VERSION,
        "line_breaking": knowledge_digest(),
        "engine": _engine_versions(),
        "text": nfc(text),
        "style": {field.name: _style_value_key(getattr(style, field.name)) for field in dataclasses.fields(style)},
    }
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def card_filename(slogan_id: str, text: str, style: CardStyle) -> str:
    """`{slogan_id}-{first 12 hex of card_hash}.jpg|.png`: a new text or style gives a new file name."""
    _check_slogan_id(slogan_id)
    return f"{nfc(slogan_id)}-{card_hash(text, style)[:12]}.{card_extension(style)}"


@functools.lru_cache(maxsize=1)
def _engine_versions() -> dict[str, str | None]:
    return {
        "pillow": PIL.__version__,
        "freetype": features.version("freetype2"),
        "raqm": features.version("raqm"),
        "harfbuzz": features.version_feature("harfbuzz") if features.check_feature("harfbuzz") else None,
    }


def _style_value_key(value: object) -> object:
    if isinstance(value, Path):
        return {"sha256": _file_digest(value)}
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, str):
        return nfc(value)
    return value


def _file_digest(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError as exc:
        raise CardError(f"không đọc được tệp {path}: {exc}") from exc
    return _cached_file_digest(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _cached_file_digest(path: Path, mtime_ns: int, size: int) -> str:
    # mtime and size are part of the key so an edited font or logo is re-read.
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_slogan_id(slogan_id: str) -> None:
    if (
        not slogan_id
        or slogan_id.startswith(".")
        or any(char in "/\\" or char.isspace() or not char.isprintable() for char in slogan_id)
    ):
        raise CardError(
            f"mã khẩu hiệu không dùng được làm tên tệp: {slogan_id!r} (không được rỗng, chứa dấu cách, "
            "'/' hay '\\', hoặc bắt đầu bằng '.')"
        )
