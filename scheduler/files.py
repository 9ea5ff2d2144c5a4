"""Writing files so that a crash, a full disk or a planted symlink never leaves a wrong file behind.

A temporary file is created beside the target with a unique name (O_EXCL, so nothing planted under
that name is followed), filled, fsynced and renamed over the target. Its name carries the writer's
process id, so a later start can tell a crash's leftover from a write still in progress.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEMPORARY_SUFFIX = ".tmp"
_TEMPORARY_NAME = re.compile(r"\..+\.(?P<pid>\d+)\.[a-z0-9_]+\.tmp")
_ABANDONED_AFTER = 3600.0  # seconds; an older temporary file is a leftover whoever wrote it


class SymlinkRefusedError(OSError):
    """The target is a symbolic link: writing would replace or follow something we did not create."""


def write_atomically(path: Path, data: bytes) -> None:
    """Write through a unique temporary file in the same folder, fsync it, then rename over the target."""
    with replacing(path) as temporary, open(temporary, "wb") as stream:
        stream.write(data)


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A fresh temporary path beside `path`; when the block ends without error it is fsynced and renamed
    over `path` (keeping its mode), otherwise removed. Writing through a symlinked `path` is refused."""
    if path.is_symlink():
        raise SymlinkRefusedError(f"{path} là một liên kết tượng trưng (symlink); không ghi qua nó")
    mode = _mode_for(path)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=TEMPORARY_SUFFIX, dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        descriptor = os.open(temporary, os.O_RDONLY | os.O_NOFOLLOW)
        try:
            os.fchmod(descriptor, mode)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _fsync_directory(path.parent)


def remove_leftover_temporaries(directory: Path, now: float | None = None) -> list[Path]:
    """Delete temporary files that a crashed writer left in `directory`; returns what was removed.

    A file whose writer is still alive (and not older than an hour) is left alone: it is a write in progress.
    """
    removed: list[Path] = []
    if not directory.is_dir():
        return removed
    moment = time.time() if now is None else now
    for entry in directory.iterdir():
        match = _TEMPORARY_NAME.fullmatch(entry.name)
        if match is None or not entry.is_file() or entry.is_symlink():
            continue
        if _process_alive(int(match["pid"])) and moment - entry.stat().st_mtime < _ABANDONED_AFTER:
            continue
        with contextlib.suppress(FileNotFoundError):
            entry.unlink()
            removed.append(entry)
    return removed


def holds_bytes(path: Path, data: bytes) -> bool:
    """Whether `path` is a plain file (not a symlink) holding exactly `data`."""
    try:
        return not path.is_symlink() and path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def is_temporary(path: Path) -> bool:
    """Whether `path` is one of our temporary files (never to be mistaken for output)."""
    return _TEMPORARY_NAME.fullmatch(path.name) is not None


def _mode_for(path: Path) -> int:
    """Keep the mode of the file being replaced; a new file gets the usual 0666 less the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_UMASK


def _read_umask() -> int:
    # os.umask can only be read by setting it; done once at import, before any writer thread exists.
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK = _read_umask()


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable; some filesystems do not support it, which is fine."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
