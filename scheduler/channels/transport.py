"""A total deadline for one platform call: connecting, sending, the headers and the whole body.

requests' read timeout is per socket read, so a server sending a byte every few seconds holds a call for
as long as it likes. Here a timer is armed for the call; every socket the call uses is registered with it,
and when time is up the timer shuts those sockets down, which ends any read blocked on them at once.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = threading.local()  # the Deadline of the call this thread is making, if any


class Deadline:
    """Arms a timer for `seconds`; when it fires, every watched socket is shut down."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            if sock not in self._sockets:
                self._sockets.append(sock)
        if self.expired.is_set():
            _shut(sock)

    def _expire(self) -> None:
        self.expired.set()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    # socket.socket.shutdown, not SSLSocket.shutdown: only the file descriptor is touched, so a TLS read
    # blocked in another thread sees end-of-file instead of its SSL object vanishing under it.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[Deadline]:
    """Run one call (request and body) under a total deadline, in this thread."""
    armed = Deadline(seconds)
    _current.deadline = armed
    armed._timer.start()
    try:
        yield armed
    finally:
        armed._timer.cancel()
        _current.deadline = None


def _watch_current(sock: socket.socket | None) -> None:
    armed: Deadline | None = getattr(_current, "deadline", None)
    if armed is not None:
        armed.watch(sock)


class _WatchedConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _watch_current(self.sock)

    def getresponse(self) -> Any:  # a kept-alive connection connected during an earlier call
        _watch_current(self.sock)
        return super().getresponse()


class _WatchedTLSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _watch_current(self.sock)

    def getresponse(self) -> Any:
        _watch_current(self.sock)
        return super().getresponse()


class _WatchedPool(HTTPConnectionPool):
    ConnectionCls = _WatchedConnection


class _WatchedTLSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedTLSConnection


class _DeadlineAdapter(HTTPAdapter):
    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedPool, "https": _WatchedTLSPool}


def deadline_session() -> requests.Session:
    """A session whose connections can be cut by `deadline`. (Through a proxy only the per-read timeout holds.)"""
    session = requests.Session()
    adapter = _DeadlineAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
