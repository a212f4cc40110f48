"""The lock that keeps a restore from swapping a SQLite store under anyone's feet.

Every open SQLite store holds a shared ``flock`` on ``<database>.lock`` for as long as it is open; a
restore takes the lock exclusively, so it waits until no process has the store open (or refuses, busy),
and a process opening the store while a restore runs waits until the restore is done and then opens the
restored file. PostgreSQL has the same arrangement with an advisory lock (see the store's write path and
:mod:`smpstudio.records.backup`).
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from smpstudio.errors import BusyError
from smpstudio.records.private import PRIVATE_FILE

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no inter-process lock
    fcntl = None  # type: ignore[assignment]

__all__ = ["StoreLock", "lock_path"]

#: The PostgreSQL advisory lock a restore holds exclusively and every write transaction shares.
PG_RESTORE_LOCK_KEY = 0x534D5052  # "SMPR"


def lock_path(database: Path) -> Path:
    """The lock file of a SQLite database file."""
    return database.with_name(database.name + ".lock")


def _open_lock_file(path: Path) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), PRIVATE_FILE)
    with contextlib.suppress(OSError):  # a lock file someone else owns: still lockable
        os.fchmod(fd, PRIVATE_FILE)
    return fd


def _flock(fd: int, mode: int, deadline: float, busy_message: str) -> None:
    delay = 0.005
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise BusyError(busy_message, code="store_in_use") from None
            time.sleep(delay)
            delay = min(0.1, delay * 2)


@dataclass
class StoreLock:
    """A shared or exclusive lock on a SQLite store, held until :meth:`release`.

    A gate file in front of the lock keeps a restore from starving: a restore closes the gate first (no
    new opener gets through) and then waits for the stores already open to close; an opener passes the
    gate only for the instant it takes its shared lock.
    """

    path: Path
    exclusive: bool = False
    _fds: list[int] = field(default_factory=list, repr=False)

    def acquire(self, wait_s: float, busy_message: str) -> StoreLock:
        """Take the lock, waiting up to ``wait_s`` seconds; :class:`BusyError` (``store_in_use``) else."""
        if fcntl is None:
            return self
        deadline = time.monotonic() + wait_s
        gate = _open_lock_file(self.path.with_name(self.path.name + "-gate"))
        try:
            _flock(gate, fcntl.LOCK_EX if self.exclusive else fcntl.LOCK_SH, deadline, busy_message)
            fd = _open_lock_file(self.path)
            try:
                _flock(fd, fcntl.LOCK_EX if self.exclusive else fcntl.LOCK_SH, deadline, busy_message)
            except BaseException:
                os.close(fd)
                raise
        except BaseException:
            os.close(gate)
            raise
        if self.exclusive:
            self._fds = [fd, gate]
        else:
            os.close(gate)  # through the gate: it stays open for a restore to close
            self._fds = [fd]
        return self

    def release(self) -> None:
        """Let go of the lock (a second call does nothing)."""
        fds, self._fds = self._fds, []
        for fd in fds:
            os.close(fd)  # closing the descriptor drops the flock
