"""`danvan check --online` for a Page: is the token valid, for this Page, with the permissions publishing and
reach need, and for how long?"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scheduler.channels.facebook.errors import REQUIRED_SCOPES
from scheduler.channels.facebook.insights import Batch
from scheduler.channels.facebook.throttle import as_int
from scheduler.errors import ChannelError
from scheduler.project.models import FacebookSettings
from scheduler.timefmt import moment_text

TOKEN_WARNING_DAYS = 14


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" | "warning" | "ok"
    message: str


def verify_page(batch: Batch, settings: FacebookSettings, token_hint: str, now: dt.datetime) -> list[Finding]:
    me, debug = batch(["me?fields=id,name", f"debug_token?input_token={settings.access_token}"])
    if isinstance(me, ChannelError):
        return [Finding("error", str(me))]
    findings = [_identity(me, settings.page_id)]
    if isinstance(debug, ChannelError):
        findings.append(Finding("warning", f"không đọc được thông tin mã truy cập (debug_token): {debug}"))
        return findings
    data = debug.get("data", {}) if isinstance(debug, dict) else {}
    findings.extend(_token_findings(data, token_hint, now))
    return findings


def _identity(me: Any, expected_page_id: str) -> Finding:
    page_id = str(me.get("id")) if isinstance(me, dict) else ""
    name = str(me.get("name", "")) if isinstance(me, dict) else ""
    if page_id != expected_page_id:
        return Finding(
            "error",
            f"mã truy cập là của '{name}' (ID {page_id}), không phải của Trang {expected_page_id}; "
            "hãy dùng mã truy cập của đúng Trang (Page access token)",
        )
    return Finding("ok", f"mã truy cập đúng của Trang '{name}' (ID {page_id})")


def _token_findings(data: Mapping[str, Any], token_hint: str, now: dt.datetime) -> list[Finding]:
    if not data.get("is_valid", False):
        return [Finding("error", f"mã truy cập không còn hiệu lực; hãy tạo mã mới và cập nhật {token_hint}")]
    findings: list[Finding] = []
    scopes = set(data.get("scopes") or [])
    missing = [scope for scope in REQUIRED_SCOPES if scope not in scopes]
    if missing:
        findings.append(
            Finding("error", f"mã truy cập thiếu quyền: {', '.join(missing)}; hãy cấp lại mã với các quyền này")
        )
    else:
        findings.append(Finding("ok", f"đủ quyền: {', '.join(REQUIRED_SCOPES)}"))
    findings.append(_expiry_finding(as_int(data.get("expires_at")) or 0, now))
    return findings


def _expiry_finding(expires_at: int, now: dt.datetime) -> Finding:
    if expires_at == 0:
        return Finding("ok", "mã truy cập không có hạn dùng")
    expiry = dt.datetime.fromtimestamp(expires_at, dt.UTC)
    days = (expiry - now).total_seconds() / 86400
    when = moment_text(expiry, now.tzinfo)
    if days <= 0:
        return Finding("error", f"mã truy cập đã hết hạn lúc {when}")
    if days < TOKEN_WARNING_DAYS:
        return Finding("warning", f"mã truy cập hết hạn lúc {when} (còn {days:.0f} ngày); hãy gia hạn trước ngày đó")
    return Finding("ok", f"mã truy cập còn hạn đến {when}")
