"""The many-Page Graph emulator in its own process, so its work does not share the benchmark's GIL.

    python -m benchmarks.graph_server PAGES [LATENCY]

prints `URL <base url>` once listening, then answers each line on stdin: `stats` prints one JSON line of
counters, `quit` (or end of input) stops it. Payloads (uploaded JPEGs) are not kept.
"""

from __future__ import annotations

import json
import subprocess
import sys
from types import TracebackType
from typing import Any

from benchmarks.common import PYTHON, REPO, MultiPageGraphEmulator, env_with_token, page_ids


def serve(pages: int, latency: float) -> None:
    with MultiPageGraphEmulator(page_ids(pages), keep_payloads=False) as fb:
        fb.latency = latency
        print(f"URL {fb.url}", flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "stats":
                photos = sum(1 for a in fb.arrivals if a.path.endswith("/photos"))
                stats = {
                    "requests": len(fb.arrivals),
                    "photo_uploads": photos,
                    "batch_calls": fb.batch_calls(),
                    "sub_requests": fb.sub_requests(),
                    "posts": len(fb.posts),
                    "pages_with_posts": len({p.post_id.split("_")[0] for p in fb.posts}),
                }
                print(json.dumps(stats), flush=True)
            elif command == "quit":
                break


class GraphServer:
    """The server above as a child process of the benchmark."""

    def __init__(self, pages: int, latency: float = 0.0) -> None:
        self.process = subprocess.Popen(
            [PYTHON, "-m", "benchmarks.graph_server", str(pages), str(latency)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env_with_token(),
            cwd=REPO,
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline().split()
        if len(first) != 2 or first[0] != "URL":
            raise RuntimeError(f"the Graph emulator did not start: {first!r}")
        self.url = first[1]

    def stats(self) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        loaded: dict[str, Any] = json.loads(self.process.stdout.readline())
        return loaded

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> GraphServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


if __name__ == "__main__":
    serve(int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 0.0)
