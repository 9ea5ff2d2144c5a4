"""The `danvan` command line: parse arguments, call one library function, print.

The commands live in modules by what an officer is doing (preparing, approving, running, reading; `users`
and `web` for the web console); each
imports the heavy parts (Pillow, APScheduler) only inside the command that needs them, so that
`danvan --help` and `danvan log` start quickly.
"""

from scheduler.cli import approving, preparing, reading, running, users, web
from scheduler.cli.common import cli

__all__ = ["approving", "cli", "preparing", "reading", "running", "users", "web"]
