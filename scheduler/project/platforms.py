"""Each platform's own channel keys and rules: an outbox folder, a Facebook Page, a Zalo Official Account."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from urllib.parse import urlsplit

from scheduler.project.models import ChannelSettings, ChannelType, FacebookSettings, OutboxSettings, ZaloSettings
from scheduler.project.values import ValueReader
from scheduler.project.yamlmarks import Fields, nowhere

# The keys a channel of each type may have besides the common ones (name, type, schedule...).
SETTINGS_KEYS: dict[str, list[str]] = {
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
        "redirect_uri",
        "broadcast",
    ],
}


def read_settings(values: ValueReader, kind: ChannelType, fields: Fields) -> ChannelSettings | None:
    """The settings of a channel of type `kind`; None when they have errors (each reported)."""
    if kind == "outbox":
        directory = values.path(fields, "directory", Path("outbox"), must_exist=False)
        return OutboxSettings(directory) if directory else None
    if kind == "facebook":
        return _facebook(values, fields)
    return _zalo(values, fields)


def _required_text(values: ValueReader, fields: Fields, key: str, *, allow_number: bool = False) -> str | None:
    if key not in fields and fields.node is not None:
        fields.report_missing(key)
        return None
    return values.text(fields, key, allow_number=allow_number)


def _facebook(values: ValueReader, fields: Fields) -> FacebookSettings | None:
    page_id = _required_text(values, fields, "page_id", allow_number=True)
    if page_id is not None and not page_id.isdigit():
        values.report.error(
            fields.value_node("page_id") or nowhere(),
            f"page_id phải là dãy số (ID của Trang Facebook), không phải '{page_id}'",
            "invalid-value",
        )
        page_id = None
    token = values.secret(fields, "access_token", required=True)
    app_secret = values.secret(fields, "app_secret", required=False)
    api_base = _url(values, fields, "api_base", FacebookSettings.api_base)
    version = values.text(fields, "api_version", FacebookSettings.api_version)
    if version is not None and not re.fullmatch(r"v\d+\.\d+", version):
        values.report.error(
            fields.value_node("api_version") or nowhere(),
            f"api_version phải có dạng v25.0, không phải '{version}'",
            "invalid-value",
        )
        version = None
    if page_id is None or token is None or api_base is None or version is None:
        return None
    return FacebookSettings(
        page_id=page_id, access_token=token, app_secret=app_secret, api_base=api_base, api_version=version
    )


def _zalo(values: ValueReader, fields: Fields) -> ZaloSettings | None:
    app_id = _required_text(values, fields, "app_id", allow_number=True)
    app_secret = values.secret(fields, "app_secret", required=True)
    refresh_token = values.secret(fields, "refresh_token", required=False)
    image_dir = values.path(fields, "image_dir", Path("cards"), must_exist=False) if "image_dir" in fields else None
    if "image_dir" not in fields and fields.node is not None:
        fields.report_missing("image_dir")
    image_base_url = _url(values, fields, "image_base_url", None)
    if "image_base_url" not in fields and fields.node is not None:
        fields.report_missing("image_base_url")
    api_base = _url(values, fields, "api_base", ZaloSettings.api_base)
    oauth_base = _url(values, fields, "oauth_base", ZaloSettings.oauth_base)
    author = values.text(fields, "author", "") or ""
    broadcast = fields.boolean("broadcast", False)
    redirect_uri = _url(values, fields, "redirect_uri", None)
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


def _url(values: ValueReader, fields: Fields, key: str, default: str | None) -> str | None:
    value = values.text(fields, key, default)
    if value is None or key not in fields:
        return value
    problem = url_problem(key, value)
    if problem:
        values.report.error(fields.value_node(key) or nowhere(), problem, "invalid-url")
        return None
    # Base URLs get paths appended; the others (image_base_url, redirect_uri) must stay exactly as written.
    return value.rstrip("/") if key in CREDENTIAL_BASES else value


CREDENTIAL_BASES = ("api_base", "oauth_base")  # every call to these carries a token or an app secret


def url_problem(key: str, value: str) -> str | None:
    """Why `value` cannot be used for `key` (in Vietnamese), or None.

    A base that receives tokens must be https: over plain http anyone on the path reads the token.
    Plain http is allowed only to this machine (a test emulator or a local proxy).
    """
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s]*)?", value):
        return f"'{key}' phải là địa chỉ bắt đầu bằng http:// hoặc https://"
    parts = urlsplit(value)
    if key in CREDENTIAL_BASES and parts.scheme == "http" and not _is_loopback(parts.hostname or ""):
        return (
            f"'{key}' dùng http:// không mã hoá: mã truy cập sẽ lộ trên đường truyền; "
            "hãy dùng https:// (http:// chỉ được phép tới chính máy này: 127.0.0.1, localhost, ::1)"
        )
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
