"""Where the bundled assets live."""

from __future__ import annotations

import os
from pathlib import Path

# scheduler/assets links to the repo's top-level assets/ and is copied into the wheel as package data.
ASSETS_DIR = Path(os.environ.get("DANVAN_ASSETS") or Path(__file__).resolve().parents[1] / "assets")
FONTS_DIR = ASSETS_DIR / "fonts"
DEFAULT_SLOGAN_FONT = FONTS_DIR / "BeVietnamPro-ExtraBold.ttf"
DEFAULT_TEXT_FONT = FONTS_DIR / "BeVietnamPro-SemiBold.ttf"
DEFAULT_LOGO = ASSETS_DIR / "logo.png"
