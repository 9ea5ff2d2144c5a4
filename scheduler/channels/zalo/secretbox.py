"""Encryption of the credentials the database must hold (Zalo's rotating token pair).

The key is derived from the channel's app secret, which lives only in the environment, so a copy of the
database alone does not reveal any token. Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from scheduler.errors import DanvanError


class SecretBoxError(DanvanError):
    """A stored credential cannot be decrypted (the app secret changed, or the row was damaged)."""


class SecretBox:
    def __init__(self, key_material: str, purpose: str) -> None:
        kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"danvan-scheduler", info=purpose.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(kdf.derive(key_material.encode())))

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, ValueError) as exc:
            raise SecretBoxError("không giải mã được mã truy cập đã lưu (khoá bí mật của ứng dụng đã đổi?)") from exc
