"""Finding and loading the config file and the slogan file it names, as every command needs them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scheduler.errors import UnreadableFileError
from scheduler.project.config import load_config
from scheduler.project.models import Config
from scheduler.project.slogans import SloganFile, load_slogans


@dataclass(frozen=True)
class Project:
    config: Config
    slogans: SloganFile


def resolve_config_path(given: str | None, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """-c/--config, else $DANVAN_CONFIG, else ./config.yaml, else ./config.example.yaml."""
    environ = os.environ if env is None else env
    here = cwd or Path.cwd()
    if given:
        return Path(given)
    if environ.get("DANVAN_CONFIG"):
        return Path(environ["DANVAN_CONFIG"])
    for name in ("config.yaml", "config.example.yaml"):
        if (here / name).exists():
            return here / name
    raise UnreadableFileError(
        f"không tìm thấy tệp cấu hình config.yaml hay config.example.yaml trong {here}; "
        "hãy chỉ rõ bằng -c ĐƯỜNG_DẪN hoặc biến môi trường DANVAN_CONFIG"
    )


def load_project(config_path: Path, env: Mapping[str, str] | None = None, *, lenient: bool = False) -> Project:
    """The config (every error raises) and the slogan file (with `lenient`, only file-wide errors raise)."""
    config = load_config(config_path, env)
    return Project(config=config, slogans=load_slogans(config.slogans_path, lenient=lenient))
