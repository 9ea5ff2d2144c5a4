"""The `danvan` command line: parse arguments, call one library function, print.

The commands live in three modules by what an officer is doing (preparing, running, reading); each
imports the heavy parts (Pillow, APScheduler) only inside the command that needs them, so that
`danvan --help` and `danvan log` start quickly.
"""

from scheduler.cli import preparing, reading, running
from scheduler.cli.common import cli

__all__ = ["cli", "preparing", "reading", "running"]
