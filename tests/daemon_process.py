"""`python -m tests.daemon_process run -c CONFIG`: the real `danvan` command line, with one change.

The publisher waits 30 s and then 120 s before trying a transient failure again (a full disk, an
outage). A test that fills the disk under a running daemon and then frees it cannot wait that long,
so here those waits are shortened; everything else (the daemon, the channels, the ledger) is the
product unchanged.
"""

from __future__ import annotations

from scheduler.cli import cli
from scheduler.daemon import Daemon
from scheduler.ledger import Ledger
from scheduler.posting.publisher import Publisher

RETRY_DELAYS = (0.3, 0.3)

_product_publisher = Daemon._publisher


def _publisher_with_short_waits(self: Daemon, ledger: Ledger) -> Publisher:
    publisher = _product_publisher(self, ledger)
    publisher.retry_delays = RETRY_DELAYS
    return publisher


Daemon._publisher = _publisher_with_short_waits  # type: ignore[method-assign]

if __name__ == "__main__":
    cli(prog_name="danvan")
