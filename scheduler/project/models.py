"""The typed configuration: Config, its channels with their per-platform settings, and the policies.

These are plain frozen values; the readers in this package build them from the located YAML nodes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from scheduler.project.cardstyle import CardStyle

ChannelType = Literal["outbox", "facebook", "zalo"]
CHANNEL_TYPES: tuple[ChannelType, ...] = ("outbox", "facebook", "zalo")
DEFAULT_CAPTION = "{text}\n\n{hashtags}"
DEFAULT_HASHTAGS = ("#ThangDanVan", "#DanVanKheo")


class Secret(str):
    """A credential read from the environment; its repr never shows the value.

    `env_name` is the variable it came from, so messages can say which one to renew.
    """

    env_name: str | None

    def __new__(cls, value: str, env_name: str | None = None) -> Secret:
        secret = super().__new__(cls, value)
        secret.env_name = env_name
        return secret

    def __repr__(self) -> str:
        return "Secret('***')"

    def describe(self, key: str) -> str:
        """How an officer finds this secret: the variable's name, or the config key."""
        return f"biến môi trường {self.env_name}" if self.env_name else f"khóa '{key}' trong tệp cấu hình"


@dataclass(frozen=True)
class Schedule:
    times: tuple[dt.time, ...] = ()
    cron: str | None = None
    interval: dt.timedelta | None = None


@dataclass(frozen=True)
class OutboxSettings:
    directory: Path


@dataclass(frozen=True)
class FacebookSettings:
    page_id: str
    access_token: Secret
    app_secret: Secret | None = None
    api_base: str = "https://graph.facebook.com"
    api_version: str = "v25.0"


@dataclass(frozen=True)
class ZaloSettings:
    app_id: str
    app_secret: Secret
    refresh_token: Secret | None
    image_dir: Path
    image_base_url: str
    api_base: str = "https://openapi.zalo.me"
    oauth_base: str = "https://oauth.zaloapp.com"
    author: str = ""
    broadcast: bool = False  # also send each article to the OA's followers (within the package's limits)
    redirect_uri: str | None = None  # the callback saved in the Zalo app console, for the consent link


ChannelSettings = OutboxSettings | FacebookSettings | ZaloSettings


@dataclass(frozen=True)
class ChannelConfig:
    name: str
    type: ChannelType
    schedule: Schedule
    settings: ChannelSettings
    card: CardStyle
    enabled: bool = True
    caption: str = DEFAULT_CAPTION
    hashtags: tuple[str, ...] = DEFAULT_HASHTAGS
    card_at: tuple[int, int] = (1, 1)  # line, column of the channel's `card:` (or of the channel itself)
    at: tuple[int, int] = (1, 1)  # line, column of the channel's entry in the config file

    @property
    def page_key(self) -> str:
        """What two channels share when they post to the same Page, OA or folder."""
        settings = self.settings
        if isinstance(settings, FacebookSettings):
            return f"facebook:{settings.page_id}"
        if isinstance(settings, ZaloSettings):
            return f"zalo:{settings.app_id}"
        return f"outbox:{settings.directory}"


DEFAULT_READINGS = (dt.timedelta(hours=1), dt.timedelta(hours=24), dt.timedelta(hours=72), dt.timedelta(days=7))


@dataclass(frozen=True)
class ReachPolicy:
    readings: tuple[dt.timedelta, ...] = DEFAULT_READINGS  # after each post, when to read its reach
    check_every: dt.timedelta = dt.timedelta(minutes=15)  # how often the daemon looks for due readings


@dataclass(frozen=True)
class EmailAlerts:
    """Where failures that need a person are also sent, besides the log and `danvan status`."""

    smtp_host: str
    sender: str
    recipients: tuple[str, ...]
    smtp_port: int = 587
    starttls: bool = True
    username: str | None = None
    password: Secret | None = None


@dataclass(frozen=True)
class LintPolicy:
    """What the agency adds to `danvan check`'s proofreading: words to accept, names to capitalise."""

    allow: tuple[str, ...] = ()  # words, acronyms and names that are not Vietnamese syllables (e.g. "Zalo", "BCĐ")
    names: tuple[str, ...] = ()  # fixed names always written with these capitals (e.g. "Mặt trận Tổ quốc Việt Nam")


APPROVAL_MODES = ("off", "required")


@dataclass(frozen=True)
class PostingPolicy:
    plan_period_only: bool = True
    catch_up: dt.timedelta = dt.timedelta(hours=2)
    # How many posts may be in flight at once, per platform and per Page / OA / folder: an agency may post
    # to every district's Page at 08:00, but one Page should not get a burst of calls.
    concurrency: tuple[tuple[str, int], ...] = (("facebook", 32), ("zalo", 8), ("outbox", 8))
    per_page: int = 1
    approval: str = "off"  # one of APPROVAL_MODES: "required" posts only texts approved with `danvan approve`

    @property
    def approval_required(self) -> bool:
        return self.approval == "required"

    def limit(self, platform: str) -> int:
        return dict(self.concurrency).get(platform, 4)


@dataclass(frozen=True)
class WebConsole:
    """The `web:` section: `danvan run` also serves the web console at host:port (loopback unless told)."""

    host: str = "127.0.0.1"
    port: int = 8080
    # Behind nginx that terminates HTTPS: believe its X-Forwarded-Proto/-For (never when reached directly,
    # where any client could send them).
    behind_proxy: bool = False


@dataclass(frozen=True)
class Config:
    path: Path
    timezone: ZoneInfo
    slogans_path: Path
    database: Path
    card: CardStyle
    channels: tuple[ChannelConfig, ...]
    posting: PostingPolicy = field(default_factory=PostingPolicy)
    reach: ReachPolicy = field(default_factory=ReachPolicy)
    lint: LintPolicy = field(default_factory=LintPolicy)
    email: EmailAlerts | None = None
    web: WebConsole | None = None  # None: `danvan run` serves no console (`danvan web` still can)
    card_at: tuple[int, int] = (1, 1)  # line, column of the top-level `card:` key

    @property
    def enabled_channels(self) -> tuple[ChannelConfig, ...]:
        return tuple(c for c in self.channels if c.enabled)

    def channel(self, name: str) -> ChannelConfig | None:
        return next((c for c in self.channels if c.name == name), None)

    def secrets(self) -> list[str]:
        """Every credential value in the config, so that logs and messages can be scrubbed of them."""
        found: list[str] = []
        for channel in self.channels:
            for value in vars(channel.settings).values():
                if isinstance(value, Secret):
                    found.append(str(value))
        if self.email is not None and self.email.password:
            found.append(str(self.email.password))
        return found
