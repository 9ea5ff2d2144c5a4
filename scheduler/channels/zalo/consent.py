"""`danvan zalo auth`: the OA admin's consent, turned into the channel's first token pair.

Step 1 (no code): make a PKCE verifier, keep it (sealed) in the channel's store, and print the consent link and
the code_challenge. Step 2 (with the code the callback received): exchange it for the first token pair,
which is stored at once, so nobody ever pastes refresh tokens into files.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from scheduler.channels.http import RetryPolicy
from scheduler.channels.zalo.store import ZaloStore
from scheduler.channels.zalo.tokens import TokenKeeper, pkce_challenge, pkce_pair
from scheduler.errors import DanvanError
from scheduler.project import Project
from scheduler.project.models import ZaloSettings


@dataclass(frozen=True)
class Consent:
    link: str
    code_challenge: str


def _keeper(project: Project, channel_name: str, store: ZaloStore) -> TokenKeeper:
    channel = project.config.channel(channel_name)
    zalo = [c.name for c in project.config.channels if c.type == "zalo"]
    if channel is None or not isinstance(channel.settings, ZaloSettings):
        listed = ", ".join(zalo) or "chưa có kênh zalo nào"
        raise DanvanError(f"'{channel_name}' không phải kênh Zalo trong tệp cấu hình (kênh Zalo: {listed})")
    import time

    return TokenKeeper(
        channel.name,
        channel.settings,
        store,
        RetryPolicy(),
        lambda: dt.datetime.now(dt.UTC),
        time.sleep,
    )


def start_consent(project: Project, channel_name: str, store: ZaloStore) -> Consent:
    keeper = _keeper(project, channel_name, store)
    verifier, challenge = pkce_pair()
    keeper.save_verifier(verifier)
    return Consent(keeper.consent_link(challenge, secrets.token_urlsafe(12)), challenge)


def code_from(text: str) -> str:
    """The authorization code, given either alone or as the whole callback URL the browser ended on."""
    if "code=" in text:
        found = parse_qs(urlsplit(text).query).get("code")
        if found:
            return found[0]
    return text.strip()


def finish_consent(
    project: Project, channel_name: str, store: ZaloStore, code: str, verifier: str | None = None
) -> dt.datetime:
    """Exchange the code for the first token pair; returns when the access token expires."""
    keeper = _keeper(project, channel_name, store)
    verifier = verifier or keeper.stored_verifier()
    if not verifier:
        raise DanvanError(
            f"chưa có code_verifier cho kênh '{channel_name}': chạy 'danvan zalo auth --channel {channel_name}' "
            "trước (không kèm --code), hoặc đưa code_verifier đã lưu trong trang quản lý ứng dụng bằng --verifier"
        )
    pair = keeper.exchange_code(code_from(code), verifier)
    return pair.access_expires_at


__all__ = ["Consent", "code_from", "finish_consent", "pkce_challenge", "start_consent"]
