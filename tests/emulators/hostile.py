"""Small hostile servers on loopback for hardening tests: one that records what reaches it, one that redirects,
one that drips its answer a byte at a time, one that sends a huge body."""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.emulators.loopback import LoopbackServer, serve_in_background, stop_serving


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Behaviour:
    """What every request gets; the fields say which hostile answer to give."""

    redirect_status: int = 0
    location: str = ""
    drip_interval: float = 0.0  # seconds between bytes
    drip_headers: bool = False  # drip the status line and headers too, not only the body
    huge_bytes: int = 0
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        behaviour = self.server.behaviour
        with behaviour.lock:
            behaviour.received.append(Received(self.command, self.path, dict(self.headers.items()), body))
        with contextlib.suppress(OSError):
            if behaviour.redirect_status:
                self._send(behaviour.redirect_status, b"", {"Location": behaviour.location + self.path})
            elif behaviour.drip_interval:
                self._drip(behaviour)
            elif behaviour.huge_bytes:
                self._huge(behaviour.huge_bytes)
            else:
                self._send(200, b'{"data": []}', {})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _drip(self, behaviour: Behaviour) -> None:
        body = b'{"data": [' + b" " * 10_000 + b"]}"
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        if not behaviour.drip_headers:
            self.wfile.write(head)
            self.wfile.flush()
            head = b""
        for byte in head + body:
            if self.server.stopping.is_set():
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(behaviour.drip_interval)

    def _huge(self, size: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        chunk = b" " * 65536
        sent = 0
        while sent < size and not self.server.stopping.is_set():
            part = chunk[: size - sent]
            self.wfile.write(part)
            sent += len(part)


class _Server(LoopbackServer):
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.stopping = threading.Event()
        super().__init__(_Handler)


class HostileServer:
    """A loopback server giving every request the same hostile answer; `received` is what reached it."""

    def __init__(self, behaviour: Behaviour | None = None) -> None:
        self.behaviour = behaviour or Behaviour()
        self._server = _Server(self.behaviour)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def received(self) -> list[Received]:
        with self.behaviour.lock:
            return list(self.behaviour.received)

    def __enter__(self) -> HostileServer:
        self._thread = serve_in_background(self._server, "hostile-server")
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stopping.set()
        stop_serving(self._server, self._thread)


def recorder() -> HostileServer:
    """Answers 200 with an empty list and records every request: the place a redirect must never reach."""
    return HostileServer()


def redirecting(status: int, location: str) -> HostileServer:
    """Answers every request with `status` and Location: `location` + the request's path."""
    return HostileServer(Behaviour(redirect_status=status, location=location))


def dripping(interval: float, *, headers_too: bool = False) -> HostileServer:
    """Answers 200 and sends its (10 kB) answer one byte every `interval` seconds."""
    return HostileServer(Behaviour(drip_interval=interval, drip_headers=headers_too))


def huge(size: int) -> HostileServer:
    """Answers 200 with a body of `size` bytes, as fast as the client reads it."""
    return HostileServer(Behaviour(huge_bytes=size))
