"""Atomic writes: unique temporary names, no writing through symlinks, crash leftovers cleaned."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.channels.outbox import OutboxChannel
from scheduler.files import SymlinkRefusedError, is_temporary, remove_leftover_temporaries, write_atomically


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_write_replaces_the_target_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "card.jpg"
    target.write_bytes(b"old")
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["card.jpg"]


def test_a_symlink_planted_at_the_old_fixed_temporary_name_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / ".card.jpg.tmp").symlink_to(victim)
    write_atomically(tmp_path / "card.jpg", b"data")
    assert victim.read_text() == "keep me"
    assert (tmp_path / "card.jpg").read_bytes() == b"data"


def test_writing_through_a_symlinked_target_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "card.jpg").symlink_to(victim)
    with pytest.raises(SymlinkRefusedError):
        write_atomically(tmp_path / "card.jpg", b"data")
    assert victim.read_text() == "keep me"
    assert (tmp_path / "card.jpg").is_symlink()


def test_the_mode_of_a_replaced_file_is_kept_and_a_new_file_is_readable(tmp_path: Path) -> None:
    private = tmp_path / "slogans.yaml"
    private.write_text("a")
    private.chmod(0o640)
    write_atomically(private, b"b")
    assert private.stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / "served.jpg"
    write_atomically(fresh, b"x")
    assert fresh.stat().st_mode & 0o044 == 0o044  # nginx must be able to serve a Zalo card


def test_a_crashed_writers_temporary_is_removed_and_a_live_one_kept(tmp_path: Path) -> None:
    leftover = tmp_path / f".card.jpg.{dead_pid()}.abc123_x.tmp"
    leftover.write_bytes(b"half")
    in_progress = tmp_path / f".card.jpg.{os.getpid()}.zz9.tmp"
    in_progress.write_bytes(b"writing")
    output = tmp_path / "card.jpg"
    output.write_bytes(b"done")
    assert is_temporary(leftover) and not is_temporary(output)
    assert remove_leftover_temporaries(tmp_path) == [leftover]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([in_progress.name, "card.jpg"])


def test_a_live_writers_temporary_is_removed_once_it_is_an_hour_old(tmp_path: Path) -> None:
    stale = tmp_path / f".x.{os.getpid()}.q.tmp"
    stale.write_bytes(b"")
    old = stale.stat().st_mtime - 3601
    os.utime(stale, (old, old))
    assert remove_leftover_temporaries(tmp_path) == [stale]


def test_the_outbox_channel_cleans_a_crash_leftover_when_it_starts(tmp_path: Path) -> None:
    tmp_path.joinpath(f".20211001-080000-outbox-a.jpg.{dead_pid()}.k.tmp").write_bytes(b"half")
    OutboxChannel("outbox", tmp_path)
    assert list(tmp_path.iterdir()) == []
