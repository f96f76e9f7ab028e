"""Which server processes on this data folder are alive, told by the kernel rather than by a clock.

Each process serving a data folder holds an flock(2) on a file named after it (`workers/NAME.lock`) for
as long as it runs. Another process asks whether that name still holds its lock: the kernel drops a lock
when its holder dies, however it dies, so work recorded under a dead name (an import left running) can be
taken over at once, and work under a live one (another worker of the same `serve`) is left alone. One
machine's data folder is what SQLite serves, so a file lock there is the right scope.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

FOLDER = "workers"


def _path(data: Path, name: str) -> Path:
    if not name or not all(c.isalnum() or c in "-_" for c in name):
        raise ValueError(f"not a worker name: {name!r}")
    return data / FOLDER / f"{name}.lock"


def hold(data: Path, name: str) -> int:
    """Take `name`'s lock for the rest of this process's life; returns the descriptor that keeps it."""
    path = _path(data, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def release(data: Path, name: str, fd: int) -> None:
    """Give `name` up on a clean stop: the file goes first, then the lock (a crash leaves the file, which the
    next `alive` asking about it removes)."""
    _path(data, name).unlink(missing_ok=True)
    os.close(fd)


def alive(data: Path, name: str) -> bool:
    """Whether a process holds `name`'s lock now. A name with no lock file never held one (or is long gone);
    a dead holder's file is removed on the way."""
    path = _path(data, name)
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    path.unlink(missing_ok=True)
    return False
