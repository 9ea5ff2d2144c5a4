"""What a Graph answer means: the ChannelError (transient, token, policy, permanent) for each error Facebook returns.

Codes from ../shared/research/facebook-graph.md: rate limits are transient and may carry a wait; 1 and 2
are ambiguous (the post may have gone out); 190/102 are token errors with a reason per subcode; 368 is
a policy block that pauses the Page for a cool-down.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scheduler.channels.facebook.throttle import as_int, usage_of
from scheduler.errors import ChannelError

REQUIRED_SCOPES = ("pages_manage_posts", "pages_read_engagement", "pages_show_list", "read_insights")
RATE_LIMIT_CODES = frozenset({4, 17, 32, 341, 613, 80001})
AMBIGUOUS_CODES = frozenset({1, 2})
TOKEN_CODES = frozenset({190, 102})
POLICY_CODE = 368
DUPLICATE_CODE = 506
POLICY_COOLDOWN = 6 * 3600.0

TOKEN_REASONS = {
    458: "ứng dụng đã bị gỡ khỏi tài khoản cấp mã",
    459: "tài khoản cấp mã đang bị Facebook kiểm tra bảo mật",
    460: "mật khẩu của tài khoản cấp mã đã thay đổi",
    463: "mã truy cập đã hết hạn",
    464: "tài khoản cấp mã chưa được xác minh",
    467: "mã truy cập không còn hiệu lực",
    492: "người cấp mã không còn vai trò quản trị Trang",
}


def graph_error(status: int, body: Any, token_hint: str) -> ChannelError | None:
    """The ChannelError for one Graph answer (a response or a batch item), or None if it succeeded."""
    envelope = body.get("error") if isinstance(body, dict) else None
    if status < 400 and envelope is None:
        return None
    if not isinstance(envelope, dict):
        if status >= 500:
            return ChannelError(f"Facebook báo lỗi máy chủ HTTP {status}", "transient", ambiguous=True)
        return ChannelError(f"Facebook trả lời HTTP {status} không rõ lý do", "permanent")
    code = as_int(envelope.get("code"))
    subcode = as_int(envelope.get("error_subcode"))
    detail = _detail(envelope, code, subcode)
    return _classified(code, subcode, status, detail, token_hint)


def _classified(code: int | None, subcode: int | None, status: int, detail: str, token_hint: str) -> ChannelError:
    if code in TOKEN_CODES:
        reason = TOKEN_REASONS.get(subcode or 0, "mã truy cập không hợp lệ")
        return ChannelError(
            f"Facebook từ chối mã truy cập của Trang: {reason} {detail}. Hãy tạo mã truy cập Trang mới (quyền "
            f"{', '.join(REQUIRED_SCOPES)}), cập nhật {token_hint} rồi khởi động lại danvan",
            "token",
            code=code,
        )
    if code == POLICY_CODE:
        return ChannelError(
            f"Facebook tạm chặn Trang vì chính sách {detail}; kênh tạm dừng {POLICY_COOLDOWN / 3600:.0f} giờ, "
            "không đăng lại cùng nội dung; hãy kiểm tra Trang trong Meta Business Suite",
            "policy",
            retry_after=POLICY_COOLDOWN,
            code=code,
        )
    if code in RATE_LIMIT_CODES:
        return ChannelError(f"Facebook đang giới hạn số lần gọi {detail}", "transient", code=code)
    if code in AMBIGUOUS_CODES or status >= 500:
        return ChannelError(f"Facebook gặp lỗi tạm thời {detail}", "transient", ambiguous=True, code=code)
    if code == 10 or (code is not None and 200 <= code <= 299):
        return ChannelError(
            f"mã truy cập thiếu quyền trên Trang {detail}; cần các quyền {', '.join(REQUIRED_SCOPES)}",
            "permanent",
            code=code,
        )
    if code == 324:
        return ChannelError(f"Facebook không nhận tệp ảnh của thẻ {detail}", "permanent", code=code)
    if code == DUPLICATE_CODE:
        return ChannelError(f"Facebook coi đây là bài trùng lặp {detail}", "permanent", code=code)
    return ChannelError(f"Facebook từ chối yêu cầu {detail}", "permanent", code=code)


def with_wait(error: ChannelError | None, headers: Mapping[str, str]) -> ChannelError | None:
    """A rate-limit error carries the wait Facebook announced (estimated_time_to_regain_access)."""
    if error is None or error.code not in RATE_LIMIT_CODES:
        return error
    _, wait = usage_of(headers)
    if wait <= 0:
        return error
    return ChannelError(str(error), error.kind, retry_after=wait, ambiguous=error.ambiguous, code=error.code)


def _detail(envelope: Mapping[str, Any], code: int | None, subcode: int | None) -> str:
    codes = f"{code}/{subcode}" if subcode else f"{code}"
    trace = envelope.get("fbtrace_id")
    message = str(envelope.get("message", "")).strip()
    return f"(mã {codes}: {message}" + (f"; fbtrace_id {trace})" if trace else ")")


def is_dead_metric(error: ChannelError) -> bool:
    return error.code == 100 and "metric" in str(error).lower()
