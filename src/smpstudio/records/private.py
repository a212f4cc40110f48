"""Private files: everything the store writes is readable by its owner alone, whatever the umask.

Files are created 0600 and folders 0700 (the mode is set after creation, so a permissive umask such as
0o000 changes nothing). Work in progress (a backup being written, a restore being staged, a stored file
on its way in) lives in folders and files named ``.smp-tmp-PID-TOKEN...`` inside the data directory,
never in the system temp folder; :func:`remove_leftovers` removes those whose process is gone, so a kill
at any point leaves no copy of health data behind after the next start.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = [
    "PRIVATE_DIR",
    "PRIVATE_FILE",
    "TMP_PREFIX",
    "make_private_dirs",
    "open_private",
    "private_copy",
    "private_tempdir",
    "private_tempfile",
    "remove_leftovers",
    "tmp_name",
    "touch_private",
]

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
#: The name every temporary file or folder of the store starts with (followed by the owner's pid).
TMP_PREFIX = ".smp-tmp-"
_TMP_PATTERN = re.compile(r"^\.smp-tmp-(\d+)-")


def tmp_name(suffix: str = "") -> str:
    """A fresh temporary name of this process (``.smp-tmp-PID-TOKEN`` + ``suffix``)."""
    return f"{TMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}{suffix}"


def make_private_dirs(path: Path) -> Path:
    """Create ``path`` and any missing parent, each new folder 0700 (existing ones are left as they are)."""
    missing: list[Path] = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):
            d.mkdir(PRIVATE_DIR)
        d.chmod(PRIVATE_DIR)
    return path


def open_private(path: Path, mode: str = "wb") -> IO[bytes]:
    """Open ``path`` for writing, created 0600 (an existing file is truncated and made 0600)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
        return os.fdopen(fd, mode)
    except BaseException:
        os.close(fd)
        raise


def touch_private(path: Path) -> None:
    """Create ``path`` empty and 0600 unless it exists (a database file before SQLite opens it)."""
    if path.exists():
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)


@contextlib.contextmanager
def private_tempdir(parent: Path) -> Iterator[Path]:
    """A private (0700) work folder inside ``parent``, removed with all it holds when the block ends."""
    make_private_dirs(parent)
    work = parent / tmp_name()
    work.mkdir(PRIVATE_DIR)
    work.chmod(PRIVATE_DIR)
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def private_tempfile(parent: Path, suffix: str = ".part") -> Path:
    """The path of a new, empty, 0600 temporary file in ``parent`` (the caller removes or renames it)."""
    make_private_dirs(parent)
    path = parent / tmp_name(suffix)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    os.close(fd)
    return path


def private_copy(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` (created 0600) through a temporary name, so no half copy is seen."""
    partial = target.parent / tmp_name(".part")
    try:
        with source.open("rb") as src, open_private(partial) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            os.fsync(dst.fileno())
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError as exc:  # pragma: no cover - other platforms
        return exc.errno != errno.ESRCH
    return True


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove the temporary files and folders in ``folder`` whose process is gone; returns what went."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return removed
    for entry in entries:
        m = _TMP_PATTERN.match(entry.name)
        if m is None or _alive(int(m.group(1))):
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed
