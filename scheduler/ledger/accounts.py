"""The web console's accounts: who may sign in, with which role, and the secret that signs their sessions.

A mixin of the Ledger. Passwords are hashed here with Argon2id (argon2-cffi) and never stored, returned or
logged in the clear; `danvan user ...` and the console's sign-in both come through these methods, so
there is one rule for a valid name, a valid role and a matching password.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final, Literal

from sqlite_utils import Database

if TYPE_CHECKING:
    from argon2 import PasswordHasher

from scheduler.errors import LedgerError
from scheduler.ledger.connection import immediate
from scheduler.ledger.timestamps import iso

Role = Literal["officer", "approver"]
ROLES: Final[tuple[Role, ...]] = ("officer", "approver")
NAME_PATTERN: Final = re.compile(r"[\w.@-]{1,64}")  # letters (Vietnamese too), digits, . _ - @
MIN_PASSWORD_LENGTH: Final = 8
MAX_PASSWORD_LENGTH: Final = 1024  # hashing a megabyte-long "password" must not become a way to burn CPU


@functools.cache
def _hasher() -> PasswordHasher:
    """argon2id with the library's current recommended costs; made on first use, so that every other
    command opening the ledger (`danvan log`...) neither imports argon2 nor spends 0.1 s hashing."""
    from argon2 import PasswordHasher

    return PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    # Checked against when the name is unknown, so an unknown name costs as long as a wrong password.
    return _hasher().hash("danvan: not a password of anyone")


@dataclass(frozen=True)
class Account:
    name: str
    role: Role
    created_at: datetime
    stamp: str  # changes whenever the password does: a session signed before a change is no longer valid

    @property
    def may_approve(self) -> bool:
        return self.role == "approver"


def check_account_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise LedgerError(
            f"tên tài khoản không hợp lệ: {name!r} (1-64 ký tự: chữ, số, dấu chấm, gạch nối, gạch dưới, @)"
        )
    return name


def check_role(role: str) -> Role:
    for known in ROLES:
        if role == known:
            return known
    raise LedgerError(f"vai trò không hợp lệ: '{role}' (hợp lệ: {', '.join(ROLES)})")


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise LedgerError(f"mật khẩu quá ngắn: cần ít nhất {MIN_PASSWORD_LENGTH} ký tự")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise LedgerError(f"mật khẩu quá dài: tối đa {MAX_PASSWORD_LENGTH} ký tự")
    return password


class AccountTables:
    """The `accounts` and `web_secret` tables."""

    _db: Database

    def add_account(self, name: str, role: str, password: str, now: datetime) -> Account:
        name, checked_role = check_account_name(name), check_role(role)
        password_hash = _hasher().hash(check_password(password))
        stamp = iso(now, "now")
        with immediate(self._db):
            if self.account(name) is not None:
                raise LedgerError(f"tài khoản '{name}' đã có")
            self._db.execute(
                "INSERT INTO accounts (name, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                [name, checked_role, password_hash, stamp, stamp],
            )
        return self._require_account(name)

    def set_password(self, name: str, password: str, now: datetime) -> None:
        password_hash = _hasher().hash(check_password(password))
        changed = self._db.execute(
            "UPDATE accounts SET password_hash = ?, updated_at = ? WHERE name = ?",
            [password_hash, iso(now, "now"), name],
        ).rowcount
        if not changed:
            raise LedgerError(f"không có tài khoản '{name}'")

    def remove_account(self, name: str) -> None:
        if not self._db.execute("DELETE FROM accounts WHERE name = ?", [name]).rowcount:
            raise LedgerError(f"không có tài khoản '{name}'")

    def account(self, name: str) -> Account | None:
        rows = list(self._db.query("SELECT * FROM accounts WHERE name = ?", [name]))
        return _account_from_row(rows[0]) if rows else None

    def accounts(self) -> list[Account]:
        return [_account_from_row(row) for row in self._db.query("SELECT * FROM accounts ORDER BY name")]

    def verify_password(self, name: str, password: str) -> Account | None:
        """The account when `password` is its password; None otherwise (an unknown name takes as long)."""
        rows = list(self._db.query("SELECT * FROM accounts WHERE name = ?", [name]))
        stored = rows[0]["password_hash"] if rows else _dummy_hash()
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            _hasher().verify(stored, password[:MAX_PASSWORD_LENGTH])
        except (VerificationError, InvalidHashError):  # VerifyMismatchError is a VerificationError
            return None
        return _account_from_row(rows[0]) if rows else None

    def web_secret(self) -> bytes:
        """The key that signs console sessions: made on first use and kept in the database, not the config."""
        with immediate(self._db):
            rows = list(self._db.query("SELECT secret FROM web_secret WHERE id = 1"))
            if rows:
                return bytes.fromhex(rows[0]["secret"])
            secret = secrets.token_bytes(32)
            self._db.execute("INSERT INTO web_secret (id, secret) VALUES (1, ?)", [secret.hex()])
            return secret

    def _require_account(self, name: str) -> Account:
        found = self.account(name)
        if found is None:
            raise LedgerError(f"không có tài khoản '{name}'")
        return found


def _account_from_row(row: dict[str, str]) -> Account:
    # The stamp is derived from the hash (never the hash itself), so it can sit in a signed cookie.
    stamp = hashlib.sha256(row["password_hash"].encode("utf-8")).hexdigest()[:16]
    return Account(row["name"], check_role(row["role"]), datetime.fromisoformat(row["created_at"]), stamp)
