"""What a Zalo OA answer means: errors arrive with HTTP 200 and a negative `error`, explained in Vietnamese."""

from __future__ import annotations

from typing import Any

import requests

from scheduler.channels.http import json_body
from scheduler.errors import ChannelError

TOKEN_CODES = frozenset({-216, -220})
TRANSIENT_CODES = frozenset({-32})

EXPLANATIONS = {
    -32: "vượt giới hạn số lần gọi API của Zalo; sẽ thử lại sau",
    -201: "tham số không hợp lệ",
    -204: "OA đã bị vô hiệu hoá",
    -205: "OA không tồn tại",
    -209: "ứng dụng Zalo chưa được kích hoạt",
    -210: "tham số vượt giới hạn",
    -211: "đã hết hạn mức (quota) của OA cho thao tác này trong kỳ; chờ kỳ mới hoặc nâng gói dịch vụ",
    -212: "ứng dụng chưa đăng ký dùng Official Account API",
    -218: "người nhận đã hết hạn mức nhận tin trong kỳ (Zalo giới hạn số tin broadcast mỗi người nhận)",
    -221: "OA chưa được xác thực; chỉ OA đã xác thực mới đăng bài và gửi broadcast qua API",
    -223: "OA chưa cấp quyền 'quản lý bài viết' cho ứng dụng, hoặc đã hết hạn mức tạo bài viết của gói",
    -224: "gói dịch vụ của OA không hỗ trợ thao tác này qua API; cần nâng cấp gói",
    -234: "Zalo không cho gửi broadcast từ 22:00 đến 06:00",
    -242: "appsecret_proof không hợp lệ",
}


def zalo_error(body: Any) -> ChannelError | None:
    """The ChannelError for an OA answer (HTTP 200 with `error` < 0), or None when it succeeded."""
    if not isinstance(body, dict):
        return ChannelError("Zalo trả lời không đúng định dạng", "transient", ambiguous=True)
    code = as_int(body.get("error"))
    if not code:
        return None
    reason = EXPLANATIONS.get(code, "Zalo từ chối yêu cầu")
    detail = f"{reason} (mã {code}: {body.get('message', '')})"
    if code in TOKEN_CODES:
        return ChannelError(detail, "token", code=code)
    if code in TRANSIENT_CODES:
        return ChannelError(detail, "transient", code=code)
    return ChannelError(detail, "permanent", code=code)


def as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def classify(response: requests.Response) -> ChannelError | None:
    if response.status_code >= 500:
        return ChannelError(f"Zalo báo lỗi máy chủ HTTP {response.status_code}", "transient", ambiguous=True)
    if response.status_code >= 400:
        return ChannelError(f"Zalo trả lời HTTP {response.status_code}", "permanent")
    return zalo_error(json_body(response))
