"""The configuration file: time zone, files, brand, posting policy and channels, validated strictly.

Every value keeps the position it came from so that `danvan check` can point at it. Paths are relative to
the config file's folder; `${NAME}` is read from the environment and never stored elsewhere.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from scheduler.errors import InputError
from scheduler.project.cardstyle import CardStyle
from scheduler.project.cron import crontab_weekdays
from scheduler.project.slogans import read_text_file
from scheduler.project.yamlmarks import (
    INT_TAG,
    STR_TAG,
    Fields,
    Report,
    compose,
    describe,
    is_null,
    scalar_text,
    value_column,
)

ChannelType = Literal["outbox", "facebook", "zalo"]
CHANNEL_TYPES: tuple[ChannelType, ...] = ("outbox", "facebook", "zalo")
CHANNEL_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
INTERVAL_RE = re.compile(r"^(?:\d+[smhd])+$")
INTERVAL_PART_RE = re.compile(r"(\d+)([smhd])")
COLOR_RE = re.compile(r"^#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
CRON_FIELDS = ("minute", "hour", "day", "month", "day_of_week")
CRON_FIELD_NAMES = ("phút", "giờ", "ngày", "tháng", "thứ")
CAPTION_FIELDS = ("text", "hashtags", "plan", "issued_by", "slogan_id")
DEFAULT_CAPTION = "{text}\n\n{hashtags}"
DEFAULT_HASHTAGS = ("#ThangDanVan", "#DanVanKheo")
SECRET_KEYS = ("access_token", "app_secret", "refresh_token")


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


@dataclass(frozen=True)
class PostingPolicy:
    plan_period_only: bool = True
    catch_up: dt.timedelta = dt.timedelta(hours=2)
    # How many posts may be in flight at once, per platform and per Page / OA / folder: an agency may post
    # to every district's Page at 08:00, but one Page should not get a burst of calls.
    concurrency: tuple[tuple[str, int], ...] = (("facebook", 32), ("zalo", 8), ("outbox", 8))
    per_page: int = 1

    def limit(self, platform: str) -> int:
        return dict(self.concurrency).get(platform, 4)


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


def load_config(path: Path, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate a config file; raise InputError with every problem when it has errors."""
    report = Report(str(path))
    config = parse_config(read_text_file(path), path, report, os.environ if env is None else env)
    if config is None or report.has_errors:
        raise InputError(report.problems)
    return config


def declared_slogans_path(text: str, path: Path) -> Path | None:
    """Where a config file says its slogan file is, even when the rest of the config has errors."""
    root = compose(text, Report(str(path)))
    if not isinstance(root, yaml.MappingNode):
        return None
    for key_node, value_node in root.value:
        if getattr(key_node, "value", None) == "slogans" and isinstance(value_node, yaml.ScalarNode):
            return (path.parent / scalar_text(value_node)).resolve()
    return (path.parent / "slogans.yaml").resolve()


_TOP_KEYS = ["timezone", "slogans", "database", "card", "posting", "reach", "lint", "alerts", "channels"]


def parse_config(text: str, path: Path, report: Report, env: Mapping[str, str]) -> Config | None:
    root = compose(text, report)
    if root is None:
        if not report.has_errors:
            report.at(
                1, 1, "error", "tệp cấu hình trống; xem config.example.yaml để biết các khóa cần có", "missing-key"
            )
        return None
    reader = _Reader(report, path.parent, env)
    top = Fields(root, report, "tệp cấu hình", _TOP_KEYS, required=("channels",))
    timezone = reader.timezone(top)
    slogans_path = reader.path(top, "slogans", Path("slogans.yaml"), must_exist=True)
    database = reader.path(top, "database", Path("data/danvan.db"), must_exist=False)
    card = reader.card(top.mapping("card"), CardStyle(), "card")
    posting = reader.posting(top.mapping("posting"))
    reach = reader.reach(top.mapping("reach"))
    lint = reader.lint(top.mapping("lint"))
    email = reader.alerts(top.mapping("alerts"))
    channels = reader.channels(top.sequence("channels"), card)
    if report.has_errors or timezone is None or slogans_path is None or database is None or card is None:
        return None
    return Config(
        path=path,
        timezone=timezone,
        slogans_path=slogans_path,
        database=database,
        card=card,
        channels=channels,
        posting=posting,
        reach=reach,
        lint=lint,
        email=email,
        card_at=_position(top.key_node("card") or root),
    )


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


@dataclass
class _Reader:
    """Turns located YAML nodes into typed config values, reporting each problem where it is."""

    report: Report
    base: Path
    env: Mapping[str, str]

    # --- scalars -------------------------------------------------------------------------------

    def text(self, fields: Fields, key: str, default: str | None = None, *, allow_number: bool = False) -> str | None:
        """A string value with `${NAME}` taken from the environment."""
        raw = fields.string(key, default, allow_number=allow_number)
        node = fields.value_node(key)
        if raw is None or node is None or not isinstance(node, yaml.ScalarNode):
            return raw
        return self._expand(raw, node)

    def _expand(self, raw: str, node: yaml.ScalarNode) -> str | None:
        missing = False
        for match in ENV_RE.finditer(raw):
            if match.group(1) not in self.env:
                missing = True
                line = node.start_mark.line + 1
                column = value_column(node) + match.start()
                self.report.at(
                    line,
                    column,
                    "error",
                    f"biến môi trường {match.group(1)} chưa được đặt; hãy khai báo nó trong tệp môi trường của dịch vụ "
                    f"(EnvironmentFile) hoặc chạy 'export {match.group(1)}=...' trước khi chạy",
                    "env-unset",
                )
        if missing:
            return None
        return ENV_RE.sub(lambda m: self.env[m.group(1)], raw)

    def secret(self, fields: Fields, key: str, *, required: bool) -> Secret | None:
        node = fields.value_node(key)
        if node is None or is_null(node):
            if required:
                self.report.error(
                    fields.node or _nowhere(), f"{fields.where} thiếu khóa bắt buộc '{key}'", "missing-key"
                )
            return None
        raw = fields.string(key)
        if raw is not None and not ENV_RE.fullmatch(raw.strip()):
            self.report.warning(
                node,
                f"'{key}' đang ghi thẳng trong tệp cấu hình; hãy dùng biến môi trường, ví dụ {key}: ${{TEN_BIEN}}, "
                "để bí mật không nằm trong tệp",
                "secret-in-file",
            )
        value = self.text(fields, key)
        if value is None:
            return None
        match = ENV_RE.fullmatch((raw or "").strip())
        return Secret(value, match.group(1) if match else None)

    def path(self, fields: Fields, key: str, default: Path, *, must_exist: bool) -> Path | None:
        raw = self.text(fields, key)
        if raw is None and key in fields:
            return None
        resolved = (self.base / (Path(raw).expanduser() if raw else default)).resolve()
        node = fields.value_node(key)
        if must_exist and not resolved.exists():
            where = node if node is not None else (fields.node or _nowhere())
            self.report.error(
                where, f"không tìm thấy tệp '{resolved}' ('{key}' tính từ thư mục của tệp cấu hình)", "file-missing"
            )
            return None
        return resolved

    def duration(self, fields: Fields, key: str, default: dt.timedelta) -> dt.timedelta:
        node = fields.value_node(key)
        if node is None:
            return default
        parsed = parse_duration(scalar_text(node)) if isinstance(node, yaml.ScalarNode) else None
        if parsed is None:
            self.report.error(
                node,
                f"'{key}' phải là một khoảng thời gian như 90m, 2h, 1d hoặc 1h30m (đơn vị s, m, h, d)",
                "invalid-duration",
            )
            return default
        return parsed

    def timezone(self, top: Fields) -> ZoneInfo | None:
        name = self.text(top, "timezone", "Asia/Ho_Chi_Minh")
        if name is None:
            return None
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            node = top.value_node("timezone") or _nowhere()
            hint = "Asia/Ho_Chi_Minh" if "saigon" in name.lower() or "hanoi" in name.lower() else None
            suggestion = f"; có phải ý bạn là '{hint}'?" if hint else "; ví dụ: Asia/Ho_Chi_Minh"
            self.report.error(
                node, f"múi giờ '{name}' không có trong cơ sở dữ liệu múi giờ IANA{suggestion}", "unknown-timezone"
            )
            return None

    # --- sections -----------------------------------------------------------------------------

    def posting(self, node: yaml.MappingNode | None) -> PostingPolicy:
        fields = Fields(node, self.report, "posting", ["plan_period_only", "catch_up", "concurrency", "per_page"])
        limits = Fields(fields.mapping("concurrency"), self.report, "posting.concurrency", list(CHANNEL_TYPES))
        defaults = dict(PostingPolicy.concurrency)
        concurrency = tuple((kind, limits.integer(kind, defaults[kind], 1, 512)) for kind in CHANNEL_TYPES)
        return PostingPolicy(
            plan_period_only=fields.boolean("plan_period_only", True),
            catch_up=self.duration(fields, "catch_up", PostingPolicy.catch_up),
            concurrency=concurrency,
            per_page=fields.integer("per_page", PostingPolicy.per_page, 1, 64),
        )

    def reach(self, node: yaml.MappingNode | None) -> ReachPolicy:
        fields = Fields(node, self.report, "reach", ["readings", "check_every"])
        readings: list[dt.timedelta] = []
        sequence = fields.sequence("readings")
        for item in sequence.value if sequence is not None else []:
            parsed = parse_duration(scalar_text(item)) if isinstance(item, yaml.ScalarNode) else None
            if parsed is None:
                self.report.error(
                    item, "mỗi mốc đọc lượt tiếp cận phải là khoảng thời gian như 1h, 24h, 72h, 7d", "invalid-duration"
                )
                continue
            readings.append(parsed)
        return ReachPolicy(
            readings=tuple(sorted(set(readings))) if sequence is not None else DEFAULT_READINGS,
            check_every=self.duration(fields, "check_every", ReachPolicy.check_every),
        )

    def alerts(self, node: yaml.MappingNode | None) -> EmailAlerts | None:
        alerts = Fields(node, self.report, "alerts", ["email"])
        email_node = alerts.mapping("email")
        if email_node is None:
            return None
        keys = ["smtp_host", "smtp_port", "starttls", "username", "password", "from", "to"]
        fields = Fields(email_node, self.report, "alerts.email", keys, required=("smtp_host", "from", "to"))
        host, sender = self.text(fields, "smtp_host"), self.text(fields, "from")
        recipients = self._words(fields, "to")
        if "to" in fields and not recipients:
            self.report.error(
                fields.value_node("to") or email_node, "alerts.email.to cần ít nhất một địa chỉ e-mail", "missing-key"
            )
        for address, where in ((sender, "from"), *((r, "to") for r in recipients)):
            if address and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
                self.report.error(
                    fields.value_node(where) or email_node,
                    f"'{address}' không phải địa chỉ e-mail hợp lệ",
                    "invalid-value",
                )
        password = self.secret(fields, "password", required=False)
        if host is None or sender is None or not recipients:
            return None
        return EmailAlerts(
            smtp_host=host,
            sender=sender,
            recipients=recipients,
            smtp_port=fields.integer("smtp_port", 587, 1, 65535),
            starttls=fields.boolean("starttls", True),
            username=self.text(fields, "username"),
            password=password,
        )

    def lint(self, node: yaml.MappingNode | None) -> LintPolicy:
        fields = Fields(node, self.report, "lint", ["allow", "names"])
        return LintPolicy(allow=self._words(fields, "allow"), names=self._words(fields, "names"))

    def _words(self, fields: Fields, key: str) -> tuple[str, ...]:
        sequence = fields.sequence(key)
        words: list[str] = []
        for item in sequence.value if sequence is not None else []:
            if not isinstance(item, yaml.ScalarNode) or not scalar_text(item).strip():
                self.report.error(
                    item, f"mỗi mục trong lint.{key} phải là một chuỗi, không phải {describe(item)}", "wrong-type"
                )
                continue
            words.append(unicodedata.normalize("NFC", scalar_text(item).strip()))
        return tuple(words)

    def card(self, node: yaml.MappingNode | None, base: CardStyle, where: str) -> CardStyle | None:
        return _CardReader(self, base, where).read(node)

    def channels(self, node: yaml.SequenceNode | None, card: CardStyle | None) -> tuple[ChannelConfig, ...]:
        if node is None:
            return ()
        if not node.value:
            self.report.error(node, "chưa khai báo kênh nào trong 'channels'; xem config.example.yaml", "no-channels")
        channels: list[ChannelConfig] = []
        names: dict[str, int] = {}
        for index, item in enumerate(node.value):
            channel = _ChannelReader(self, index, card or CardStyle()).read(item)
            if channel is None:
                continue
            if channel.name in names:
                self.report.error(
                    item,
                    f"tên kênh '{channel.name}' bị trùng (đã dùng ở dòng {names[channel.name]})",
                    "duplicate-channel",
                )
                continue
            names[channel.name] = item.start_mark.line + 1
            channels.append(channel)
        return tuple(channels)


def _nowhere() -> yaml.Mark:
    return yaml.Mark("", 0, 0, 0, "", 0)


def parse_duration(text: str) -> dt.timedelta | None:
    """'90m', '2h', '1d', '1h30m' -> timedelta; None when malformed or zero."""
    compact = text.strip().replace(" ", "")
    if not INTERVAL_RE.match(compact):
        return None
    seconds = sum(int(n) * _UNITS[unit] for n, unit in INTERVAL_PART_RE.findall(compact))
    return dt.timedelta(seconds=seconds) if seconds > 0 else None


_CARD_KEYS = [
    "size",
    "format",
    "background",
    "slogan_color",
    "text_color",
    "header",
    "footer",
    "uppercase",
    "fonts",
    "logo",
    "min_font_size",
    "max_font_size",
    "jpeg_quality",
]


@dataclass
class _CardReader:
    reader: _Reader
    base: CardStyle
    where: str

    def read(self, node: yaml.MappingNode | None) -> CardStyle | None:
        if node is None:
            return self.base
        fields = Fields(node, self.reader.report, self.where, _CARD_KEYS)
        errors_before = len([p for p in self.reader.report.problems if p.is_error])
        fonts = Fields(fields.mapping("fonts"), self.reader.report, f"{self.where}.fonts", ["slogan", "text"])
        min_size = fields.integer("min_font_size", self.base.min_font_size, 8, 400)
        max_size = fields.integer("max_font_size", self.base.max_font_size, 8, 600)
        if min_size > max_size:
            self.reader.report.error(
                fields.value_node("min_font_size") or node,
                f"{self.where}.min_font_size ({min_size}) lớn hơn max_font_size ({max_size})",
                "out-of-range",
            )
        style = CardStyle(
            size=self._size(fields),
            format=self._format(fields),
            background=self._color(fields, "background", self.base.background),
            slogan_color=self._color(fields, "slogan_color", self.base.slogan_color),
            text_color=self._color(fields, "text_color", self.base.text_color),
            header=self.reader.text(fields, "header", self.base.header) or "",
            footer=self.reader.text(fields, "footer", self.base.footer) or "",
            uppercase=fields.boolean("uppercase", self.base.uppercase),
            slogan_font=self._file(fonts, "slogan", self.base.slogan_font),
            text_font=self._file(fonts, "text", self.base.text_font),
            logo=self._logo(fields),
            min_font_size=min_size,
            max_font_size=max_size,
            jpeg_quality=fields.integer("jpeg_quality", self.base.jpeg_quality, 30, 95),
        )
        errors_after = len([p for p in self.reader.report.problems if p.is_error])
        return style if errors_after == errors_before else None

    def _size(self, fields: Fields) -> tuple[int, int]:
        node = fields.value_node("size")
        if node is None:
            return self.base.size
        values = node.value if isinstance(node, yaml.SequenceNode) else []
        ok = len(values) == 2 and all(isinstance(v, yaml.ScalarNode) and v.tag == INT_TAG for v in values)
        width, height = (int(v.value) for v in values) if ok else (0, 0)
        if not ok or not (200 <= width <= 4096 and 200 <= height <= 4096):
            self.reader.report.error(
                node,
                f"{self.where}.size phải là [rộng, cao] tính bằng điểm ảnh, mỗi số từ 200 đến 4096, ví dụ [1080, 1080]",
                "invalid-size",
            )
            return self.base.size
        return (width, height)

    def _format(self, fields: Fields) -> Literal["jpeg", "png"]:
        value = fields.string("format")
        if value is None:
            return self.base.format
        normalized = value.strip().lower()
        if normalized in ("jpeg", "jpg"):
            return "jpeg"
        if normalized == "png":
            return "png"
        self.reader.report.error(
            fields.value_node("format") or _nowhere(),
            f"{self.where}.format phải là jpeg hoặc png, không phải '{value}'",
            "invalid-value",
        )
        return self.base.format

    def _color(self, fields: Fields, key: str, default: str) -> str:
        value = fields.string(key)
        if value is None:
            return default
        if not COLOR_RE.match(value.strip()):
            self.reader.report.error(
                fields.value_node(key) or _nowhere(),
                f'{self.where}.{key} phải là mã màu dạng #RRGGBB (đặt trong ngoặc kép), ví dụ "#DA251D"',
                "invalid-color",
            )
            return default
        return value.strip().upper()

    def _file(self, fields: Fields, key: str, default: Path) -> Path:
        if key not in fields:
            return default
        return self.reader.path(fields, key, default, must_exist=True) or default

    def _logo(self, fields: Fields) -> Path | None:
        node = fields.value_node("logo")
        if node is None:
            return self.base.logo
        if is_null(node) or (isinstance(node, yaml.ScalarNode) and node.value in ("false", "none", "")):
            return None
        return self._file(fields, "logo", self.base.logo or Path())


_COMMON_CHANNEL_KEYS = ["name", "type", "enabled", "schedule", "card", "caption", "hashtags"]
_TYPE_KEYS: dict[str, list[str]] = {
    "outbox": ["directory"],
    "facebook": ["page_id", "access_token", "app_secret", "api_base", "api_version"],
    "zalo": [
        "app_id",
        "app_secret",
        "refresh_token",
        "api_base",
        "oauth_base",
        "image_dir",
        "image_base_url",
        "author",
    ],
}


@dataclass
class _ChannelReader:
    reader: _Reader
    index: int
    card: CardStyle

    @property
    def report(self) -> Report:
        return self.reader.report

    def read(self, item: yaml.Node) -> ChannelConfig | None:
        kind = self._type(item)
        allowed = _COMMON_CHANNEL_KEYS + (
            _TYPE_KEYS[kind] if kind else sorted({k for v in _TYPE_KEYS.values() for k in v})
        )
        fields = Fields(item, self.report, f"channels[{self.index}]", allowed, required=("name", "type", "schedule"))
        if fields.node is None:
            return None
        name = self._name(fields)
        if name:
            fields.where = f"kênh '{name}'"
        enabled = fields.boolean("enabled", True)
        problems_before = len(self.report.problems)
        schedule = _ScheduleReader(self.report, fields.where).read(fields.value_node("schedule"))
        card = self.reader.card(fields.mapping("card"), self.card, f"{fields.where}: card")
        caption = self._caption(fields)
        hashtags = self._hashtags(fields)
        settings = self._settings(kind, fields) if kind else None
        if not enabled:
            self._soften_env_errors(problems_before)
        if name is None or kind is None or schedule is None or card is None or settings is None or caption is None:
            return None
        return ChannelConfig(
            name=name,
            type=kind,
            schedule=schedule,
            settings=settings,
            card=card,
            enabled=enabled,
            caption=caption,
            hashtags=hashtags,
            card_at=_position(fields.key_node("card") or item),
            at=_position(item),
        )

    def _soften_env_errors(self, since: int) -> None:
        """A disabled channel may keep ${NAME}s that are not set on this server: worth a warning, not an error."""
        problems = self.report.problems
        for i in range(since, len(problems)):
            if problems[i].rule == "env-unset":
                problems[i] = replace(problems[i], severity="warning", message=problems[i].message + " (kênh đang tắt)")

    def _type(self, item: yaml.Node) -> ChannelType | None:
        if not isinstance(item, yaml.MappingNode):
            return None
        for key_node, value_node in item.value:
            if getattr(key_node, "value", None) != "type":
                continue
            value = scalar_text(value_node) if isinstance(value_node, yaml.ScalarNode) else ""
            for kind in CHANNEL_TYPES:
                if value == kind:
                    return kind
            self.report.error(
                value_node,
                f"loại kênh '{value}' không được hỗ trợ; chọn một trong: outbox, facebook, zalo",
                "invalid-value",
            )
        return None

    def _name(self, fields: Fields) -> str | None:
        name = fields.string("name")
        node = fields.value_node("name")
        if name is not None and node is not None and not CHANNEL_NAME_RE.match(name):
            self.report.error(
                node, f"tên kênh '{name}' không hợp lệ: chỉ dùng chữ không dấu, số, '-', '_' hoặc '.'", "invalid-name"
            )
            return None
        return name

    def _caption(self, fields: Fields) -> str | None:
        template = self.reader.text(fields, "caption", DEFAULT_CAPTION)
        node = fields.value_node("caption")
        if template is None or node is None:
            return template
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
        except ValueError:
            self.report.error(
                node,
                "mẫu chú thích (caption) có dấu '{' hoặc '}' lẻ; viết '{{' hoặc '}}' để in ra chính dấu đó",
                "invalid-caption",
            )
            return None
        unknown = sorted(names - set(CAPTION_FIELDS))
        if unknown:
            allowed = ", ".join("{" + f + "}" for f in CAPTION_FIELDS)
            self.report.error(
                node,
                f"mẫu chú thích dùng trường không có: {{{unknown[0]}}}; các trường dùng được: {allowed}",
                "invalid-caption",
            )
            return None
        return template

    def _hashtags(self, fields: Fields) -> tuple[str, ...]:
        node = fields.sequence("hashtags")
        if node is None:
            return DEFAULT_HASHTAGS if "hashtags" not in fields else ()
        tags: list[str] = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode) or item.tag != STR_TAG or not item.value.strip():
                self.report.error(
                    item,
                    f'mỗi hashtag phải là một chuỗi, ví dụ "#ThangDanVan", không phải {describe(item)}',
                    "wrong-type",
                )
                continue
            tag = item.value.strip()
            tags.append(tag if tag.startswith("#") else "#" + tag)
        return tuple(tags)

    def _settings(self, kind: ChannelType, fields: Fields) -> ChannelSettings | None:
        if kind == "outbox":
            directory = self.reader.path(fields, "directory", Path("outbox"), must_exist=False)
            return OutboxSettings(directory) if directory else None
        if kind == "facebook":
            return self._facebook(fields)
        return self._zalo(fields)

    def _required_text(self, fields: Fields, key: str, *, allow_number: bool = False) -> str | None:
        if key not in fields and fields.node is not None:
            self.report.error(fields.node, f"{fields.where} thiếu khóa bắt buộc '{key}'", "missing-key")
            return None
        return self.reader.text(fields, key, allow_number=allow_number)

    def _facebook(self, fields: Fields) -> FacebookSettings | None:
        page_id = self._required_text(fields, "page_id", allow_number=True)
        if page_id is not None and not page_id.isdigit():
            self.report.error(
                fields.value_node("page_id") or _nowhere(),
                f"page_id phải là dãy số (ID của Trang Facebook), không phải '{page_id}'",
                "invalid-value",
            )
            page_id = None
        token = self.reader.secret(fields, "access_token", required=True)
        app_secret = self.reader.secret(fields, "app_secret", required=False)
        api_base = self._url(fields, "api_base", FacebookSettings.api_base)
        version = self.reader.text(fields, "api_version", FacebookSettings.api_version)
        if version is not None and not re.fullmatch(r"v\d+\.\d+", version):
            self.report.error(
                fields.value_node("api_version") or _nowhere(),
                f"api_version phải có dạng v25.0, không phải '{version}'",
                "invalid-value",
            )
            version = None
        if page_id is None or token is None or api_base is None or version is None:
            return None
        return FacebookSettings(
            page_id=page_id, access_token=token, app_secret=app_secret, api_base=api_base, api_version=version
        )

    def _zalo(self, fields: Fields) -> ZaloSettings | None:
        app_id = self._required_text(fields, "app_id", allow_number=True)
        app_secret = self.reader.secret(fields, "app_secret", required=True)
        refresh_token = self.reader.secret(fields, "refresh_token", required=False)
        image_dir = (
            self.reader.path(fields, "image_dir", Path("cards"), must_exist=False) if "image_dir" in fields else None
        )
        if "image_dir" not in fields and fields.node is not None:
            self.report.error(fields.node, f"{fields.where} thiếu khóa bắt buộc 'image_dir'", "missing-key")
        image_base_url = self._url(fields, "image_base_url", None)
        if "image_base_url" not in fields and fields.node is not None:
            self.report.error(fields.node, f"{fields.where} thiếu khóa bắt buộc 'image_base_url'", "missing-key")
        api_base = self._url(fields, "api_base", ZaloSettings.api_base)
        oauth_base = self._url(fields, "oauth_base", ZaloSettings.oauth_base)
        author = self.reader.text(fields, "author", "") or ""
        broadcast = fields.boolean("broadcast", False)
        redirect_uri = self._url(fields, "redirect_uri", None)
        if None in (app_id, app_secret, image_dir, image_base_url, api_base, oauth_base):
            return None
        assert app_id and app_secret and image_dir and image_base_url and api_base and oauth_base
        return ZaloSettings(
            app_id=app_id,
            app_secret=app_secret,
            refresh_token=refresh_token,
            image_dir=image_dir,
            image_base_url=image_base_url if image_base_url.endswith("/") else image_base_url + "/",
            api_base=api_base,
            oauth_base=oauth_base,
            author=author,
            broadcast=broadcast,
            redirect_uri=redirect_uri,
        )

    def _url(self, fields: Fields, key: str, default: str | None) -> str | None:
        value = self.reader.text(fields, key, default)
        if value is None or key not in fields:
            return value
        if not re.match(r"^https?://[^\s/]+", value):
            self.report.error(
                fields.value_node(key) or _nowhere(),
                f"'{key}' phải là địa chỉ bắt đầu bằng http:// hoặc https://",
                "invalid-url",
            )
            return None
        # Base URLs get paths appended; the others (image_base_url, redirect_uri) must stay exactly as written.
        return value.rstrip("/") if key in ("api_base", "oauth_base") else value


@dataclass
class _ScheduleReader:
    report: Report
    where: str

    def read(self, node: yaml.Node | None) -> Schedule | None:
        if node is None:
            return None
        fields = Fields(node, self.report, f"{self.where}: schedule", ["times", "cron", "interval"])
        if fields.node is None:
            return None
        present = [k for k in ("times", "cron", "interval") if k in fields]
        if len(present) != 1:
            what = "chưa có" if not present else f"có cả {' và '.join(present)}"
            self.report.error(
                node,
                f"lịch đăng (schedule) cần đúng một trong: times, cron, interval ({what})",
                "schedule-exclusive",
            )
            return None
        kind = present[0]
        if kind == "times":
            times = self._times(fields)
            return Schedule(times=times) if times else None
        if kind == "cron":
            cron = self._cron(fields)
            return Schedule(cron=cron) if cron else None
        interval = self._interval(fields)
        return Schedule(interval=interval) if interval else None

    def _times(self, fields: Fields) -> tuple[dt.time, ...] | None:
        node = fields.value_node("times")
        items = (
            node.value if isinstance(node, yaml.SequenceNode) else [node] if isinstance(node, yaml.ScalarNode) else []
        )
        if not items and node is not None:
            self.report.error(
                node, '\'times\' phải là danh sách giờ dạng "HH:MM", ví dụ ["08:00", "19:30"]', "invalid-time"
            )
            return None
        times: list[dt.time] = []
        for item in items:
            match = TIME_RE.match(scalar_text(item).strip()) if isinstance(item, yaml.ScalarNode) else None
            if match is None:
                self.report.error(
                    item, 'giờ đăng phải có dạng "HH:MM" từ 00:00 đến 23:59, ví dụ "08:00"', "invalid-time"
                )
                return None
            times.append(dt.time(int(match.group(1)), int(match.group(2))))
        return tuple(sorted(set(times)))

    def _cron(self, fields: Fields) -> str | None:
        node = fields.value_node("cron")
        if not isinstance(node, yaml.ScalarNode) or node.tag != STR_TAG:
            if node is not None:
                self.report.error(
                    node, "'cron' phải là chuỗi 5 trường trong ngoặc kép, ví dụ \"30 19 * * *\"", "invalid-cron"
                )
            return None
        expression = scalar_text(node)
        problem = cron_problem(expression)
        if problem is not None:
            offset, message = problem
            self.report.at(node.start_mark.line + 1, value_column(node) + offset, "error", message, "invalid-cron")
            return None
        return " ".join(expression.split())

    def _interval(self, fields: Fields) -> dt.timedelta | None:
        node = fields.value_node("interval")
        parsed = parse_duration(scalar_text(node)) if isinstance(node, yaml.ScalarNode) else None
        if parsed is None and node is not None:
            self.report.error(
                node,
                "'interval' phải là khoảng thời gian dương như 90m, 2h, 1d hoặc 30s (đơn vị s, m, h, d)",
                "invalid-interval",
            )
        return parsed


def cron_problem(expression: str) -> tuple[int, str] | None:
    """(offset of the bad field in the text, Vietnamese message), or None when the expression is valid."""
    from apscheduler.triggers.cron import CronTrigger

    parts = [(m.start(), m.group()) for m in re.finditer(r"\S+", expression)]
    if len(parts) != 5:
        return 0, (
            f"biểu thức cron cần đúng 5 trường (phút giờ ngày tháng thứ), ở đây có {len(parts)}; "
            'ví dụ "30 19 * * *" là 19:30 hằng ngày'
        )
    for (offset, value), field_name, label in zip(parts, CRON_FIELDS, CRON_FIELD_NAMES, strict=True):
        try:
            converted = crontab_weekdays(value) if field_name == "day_of_week" and value != "*" else value
            CronTrigger(**{field_name: converted}, timezone="UTC")
        except ValueError:
            return offset, f"trường '{label}' của biểu thức cron không hợp lệ: '{value}'"
    return None
