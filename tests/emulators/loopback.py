"""The HTTP server both platform emulators run on: 127.0.0.1, port 0, and connections that close on stop."""

from __future__ import annotations

import contextlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoopbackServer(ThreadingHTTPServer):
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), handler)

    def server_bind(self) -> None:  # skip HTTPServer.server_bind's getfqdn() (a slow reverse DNS lookup)
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()
        self.server_name = "127.0.0.1"
        self.server_port = int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        if isinstance(request, socket.socket):
            with self.sockets_lock:
                self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        if isinstance(request, socket.socket):
            with self.sockets_lock:
                self.open_sockets.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        """Kept-alive connections would keep handler threads (and the port) busy after stop()."""
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def serve_in_background(server: LoopbackServer, name: str) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, name=name, daemon=True)
    thread.start()
    return thread


def stop_serving(server: LoopbackServer, thread: threading.Thread | None) -> None:
    """Stop accepting, drop kept-alive connections, close the socket (joining handler threads), join the loop."""
    server.shutdown()
    server.close_open_connections()
    server.server_close()
    if thread is not None:
        thread.join(timeout=5)
