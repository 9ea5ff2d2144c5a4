"""The console's Flask application: its session cookie, security headers and error pages.

Flask + Jinja2 (autoescaping every value a template prints) behind waitress (server.py): a well-kept
framework, pure-Python servers that run in a thread of `danvan run`, no JavaScript build step.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
from pathlib import Path
from typing import Any

from flask import Flask, Response, render_template, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from scheduler.errors import DanvanError
from scheduler.ledger import Ledger
from scheduler.web import source
from scheduler.web.source import Clock, ProjectSource

log = logging.getLogger("danvan.web")

SESSION_HOURS = 12  # a working day: a console left open overnight asks for the password again
PAGE_CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def _inline_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def report_csp() -> str:
    """The report page is `danvan report --html`: its own inline style and image-load script, allowed by hash."""
    from scheduler.reports.html import CSS, LOAD_MARK

    return (
        f"default-src 'none'; img-src 'self' data:; style-src 'self' {_inline_hash(CSS)}; "
        f"script-src {_inline_hash(LOAD_MARK)}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


class SessionOverHttps(SecureCookieSessionInterface):
    """The cookie is Secure whenever the request came over HTTPS (behind a proxy: as the proxy says, if trusted)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure


def create_app(config_path: Path, *, behind_proxy: bool | None = None, clock: Clock | None = None) -> Flask:
    """The console for the project at `config_path`; `behind_proxy` None: as the config's `web.behind_proxy`."""
    projects = ProjectSource(config_path, clock or (lambda: dt.datetime.now(dt.UTC)))
    config = projects.current().project.config  # an unloadable project fails here, at start, not per request
    app = Flask(__name__)
    app.extensions["danvan"] = projects
    with Ledger.open(config.database) as ledger:
        app.secret_key = ledger.web_secret()
    app.config.update(
        SESSION_COOKIE_NAME="danvan_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS),
        MAX_CONTENT_LENGTH=64 * 1024,  # forms only: a sign-in, a note, a reason
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.session_interface = SessionOverHttps()
    trust_proxy = config.web.behind_proxy if behind_proxy is None and config.web else bool(behind_proxy)
    if trust_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    app.teardown_appcontext(source.close_ledger)
    app.after_request(_security_headers)
    app.register_error_handler(DanvanError, _library_error)
    app.register_error_handler(HTTPException, _http_error)
    _register_pages(app)
    return app


def _register_pages(app: Flask) -> None:
    from scheduler.web import approvals, auth, overview, pages

    auth.register(app)
    overview.register(app)
    pages.register(app)
    approvals.register(app)


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", PAGE_CSP)
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    if "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"  # pages show live state and a signed-in user's data
    return response


def _library_error(exc: DanvanError) -> tuple[str, int]:
    log.error("web: %s", exc)
    return render_template("error.html", title="Có lỗi", message=str(exc)), 500


def _http_error(exc: HTTPException) -> Any:
    if exc.code in (301, 302, 303, 307, 308) or exc.code is None:
        return exc
    messages = {
        400: "Yêu cầu không hợp lệ (có thể phiên làm việc đã hết hạn: hãy tải lại trang rồi thử lại).",
        403: "Tài khoản của bạn không có quyền làm việc này.",
        404: "Không có trang này.",
        405: "Không làm được việc này theo cách đó.",
        413: "Dữ liệu gửi lên quá lớn.",
        429: "Đăng nhập sai quá nhiều lần; hãy đợi rồi thử lại.",
    }
    message = exc.description if exc.code == 429 and exc.description else messages.get(exc.code, "Có lỗi.")
    return render_template("error.html", title=f"Lỗi {exc.code}", message=message), exc.code
