"""Who is asking: sign-in and sign-out, the session every page needs, the CSRF token every change carries, roles.

The session is Flask's signed cookie (key: the secret kept in the ledger) holding the user name, a stamp of the
password (a changed password or a removed account ends every session at the next request) and the CSRF token.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from scheduler.ledger import Account
from scheduler.web import source
from scheduler.web.ratelimit import AttemptLimiter

log = logging.getLogger("danvan.web")

OPEN_ENDPOINTS = frozenset({"login", "static"})
PER_ADDRESS = (20, 15 * 60.0)  # failures per window (seconds) from one address
PER_USER = (5, 15 * 60.0)  # failures per window against one user name, from anywhere


def register(app: Flask) -> None:
    app.extensions["danvan_limits"] = (AttemptLimiter(*PER_ADDRESS), AttemptLimiter(*PER_USER))
    app.before_request(_require_session)
    app.before_request(_check_csrf)
    app.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    app.add_url_rule("/logout", "logout", logout, methods=["POST"])
    app.jinja_env.globals["csrf_token"] = csrf_token


def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def current_account() -> Account:
    account: Account = g.account
    return account


def approver_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only an approver's approval counts: anyone else gets 403, whatever the form says."""

    def checked(*args: Any, **kwargs: Any) -> Any:
        if not current_account().may_approve:
            abort(403)
        return view(*args, **kwargs)

    checked.__name__ = view.__name__
    checked.__doc__ = view.__doc__
    return checked


def _require_session() -> Response | None:
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    name, stamp = session.get("user"), session.get("stamp")
    account = source.ledger().account(name) if isinstance(name, str) else None
    if account is None or not isinstance(stamp, str) or not hmac.compare_digest(account.stamp, stamp):
        session.pop("user", None)
        target = request.full_path if request.method == "GET" and request.path != "/" else None
        return redirect(url_for("login", next=target) if target else url_for("login"))
    g.account = account
    return None


def _check_csrf() -> None:
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    sent, expected = request.form.get("csrf", ""), session.get("csrf")
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        log.warning("web: từ chối yêu cầu %s %s không có mã CSRF hợp lệ (%s)", request.method, request.path, _address())
        abort(400)


def login() -> Any:
    if request.method != "POST":  # GET, and HEAD (Flask answers it with the GET view): never a sign-in attempt
        return render_template("login.html", next=_safe_next(request.args.get("next")), error=None)
    name = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")
    address = _address()
    by_address, by_user = current_app.extensions["danvan_limits"]
    wait = max(by_address.wait_seconds(address), by_user.wait_seconds(name.casefold()))
    if wait:
        log.warning("web: chặn đăng nhập '%s' từ %s (sai quá nhiều lần)", name, address)
        raise TooManyRequests(f"Đăng nhập sai quá nhiều lần; hãy thử lại sau {int(wait / 60) + 1} phút.")
    account = source.ledger().verify_password(name, password) if name and password else None
    if account is None:
        by_address.failed(address)
        by_user.failed(name.casefold())
        log.warning("web: đăng nhập sai với tên '%s' từ %s", name, address)  # the password itself is never logged
        page = render_template("login.html", next=_safe_next(request.form.get("next")), error=True)
        return page, 401
    by_user.succeeded(name.casefold())
    session.clear()  # a fresh session (and CSRF token) on sign-in: nothing planted before it survives
    session.permanent = True
    session.update(user=account.name, stamp=account.stamp, csrf=secrets.token_urlsafe(32))
    log.info("web: %s (%s) đăng nhập từ %s", account.name, account.role, address)
    return redirect(_safe_next(request.form.get("next")) or url_for("overview"), code=303)


def logout() -> Response:
    session.clear()
    return redirect(url_for("login"), code=303)


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host (`//evil`, `/\\evil`, `https://...`)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return None
    # Browsers drop tabs and newlines inside a URL, so "/\t/evil" would become "//evil": no such characters.
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    return target


def _address() -> str:
    return request.remote_addr or "?"
