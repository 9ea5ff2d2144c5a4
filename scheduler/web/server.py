"""Serving the console with waitress: alone (`danvan web`) or in a thread beside the daemon (`danvan run`).

waitress is a production WSGI server in pure Python (no compiler, no extra process manager), small enough to
run as a thread of the daemon; its worker threads only read the ledger and draw a card now and then.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger("danvan.web")

THREADS = 4  # enough for a few officers; each request is short


class _Stop(Exception):
    """SIGTERM or SIGINT while `danvan web` serves."""


def make_server(app: Flask, host: str, port: int) -> Any:
    from waitress.server import create_server

    # ident: no "waitress" version in every response; clear_untrusted_proxy_headers: the app's ProxyFix
    # decides (web.behind_proxy), waitress itself trusts no forwarding header.
    return create_server(
        app, host=host, port=port, threads=THREADS, ident="danvan", clear_untrusted_proxy_headers=False
    )


def serve_until_signal(app: Flask, host: str, port: int) -> None:
    """`danvan web`: serve until SIGTERM or SIGINT, then finish cleanly."""
    server = make_server(app, host, port)

    def stop(_signal: int, _frame: FrameType | None) -> None:
        raise _Stop

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    log.info("bảng điều khiển web: http://%s:%d/", _shown(host), port)
    try:
        server.run()
    except _Stop:
        pass
    finally:
        _close(server)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("bảng điều khiển web đã dừng")


@contextmanager
def console_beside_daemon(config_path: Path) -> Iterator[None]:
    """`danvan run` with a `web:` section: the console in a thread for as long as the daemon runs.

    A console that cannot start (the port taken) is logged and left out: posting matters more.
    """
    from scheduler.project import load_project
    from scheduler.web.app import create_app

    web = load_project(config_path).config.web
    if web is None:
        yield
        return
    try:
        server = make_server(create_app(config_path), web.host, web.port)
    except OSError as exc:
        log.error("không mở được bảng điều khiển web ở %s:%d: %s; dịch vụ vẫn đăng bài", web.host, web.port, exc)
        yield
        return
    thread = threading.Thread(target=server.run, name="danvan-web", daemon=True)
    thread.start()
    log.info("bảng điều khiển web: http://%s:%d/", _shown(web.host), web.port)
    try:
        yield
    finally:
        _close(server)
        thread.join(timeout=5)


def _close(server: Any) -> None:
    server.close()
    server.task_dispatcher.shutdown(timeout=5)


def _shown(host: str) -> str:
    return f"[{host}]" if ":" in host else host
