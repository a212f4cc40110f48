"""What the database or the disk refused, in the store's own words.

Every write of the store passes through :func:`translate`: a full disk (SQLite's ``SQLITE_FULL``,
PostgreSQL's ``disk_full``, ``ENOSPC`` from a file) becomes :class:`DiskFullError` (``disk_full``, kind
busy), a unique violation :class:`~smpstudio.errors.ConflictError` (``duplicate``) and a value longer than
its column :class:`~smpstudio.errors.InputError` (``too_long``) instead of an internal error.
"""

from __future__ import annotations

import errno
import re

from sqlalchemy.exc import DBAPIError, IntegrityError

from smpstudio.errors import BusyError, ConflictError, InputError, SmpError

__all__ = ["DiskFullError", "disk_full", "is_disk_full", "translate"]

_DISK_FULL_MESSAGE = "the disk is full: nothing was written; free some space and try again"
#: SQLSTATEs: disk_full, string_data_right_truncation, unique_violation.
_PG_DISK_FULL = "53100"
_PG_TOO_LONG = "22001"
_PG_UNIQUE = "23505"
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([\w.]+)")
_PG_KEY = re.compile(r"Key \(([^)]*)\)")


class DiskFullError(BusyError):
    """The disk (or the database's tablespace) is full; nothing of the write was kept."""

    default_code = "disk_full"


def disk_full() -> DiskFullError:
    return DiskFullError(_DISK_FULL_MESSAGE)


def _sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None)
    state = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "diag", None), "sqlstate", None)
    return str(state) if state else None


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says the disk is full (SQLite, PostgreSQL or the operating system)."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    if isinstance(exc, DBAPIError):
        if _sqlstate(exc) == _PG_DISK_FULL:
            return True
        orig = exc.orig
        if getattr(orig, "sqlite_errorname", None) == "SQLITE_FULL":
            return True
        text = str(orig if orig is not None else exc).lower()
        return "database or disk is full" in text or "no space left on device" in text
    return False


def _columns(exc: IntegrityError) -> str | None:
    text = str(exc.orig)
    m = _SQLITE_UNIQUE.search(text) or _PG_KEY.search(
        getattr(getattr(exc.orig, "diag", None), "message_detail", "") or ""
    )
    if m is None:
        return None
    return ", ".join(part.strip().rsplit(".", 1)[-1] for part in m.group(1).split(","))


def translate(exc: BaseException) -> SmpError | None:
    """The store's error for a database or file failure (None: not one it knows; let it propagate)."""
    if is_disk_full(exc):
        return disk_full()
    if not isinstance(exc, DBAPIError):
        return None
    state = _sqlstate(exc)
    if state == _PG_TOO_LONG:
        return InputError(
            "a value is longer than the store keeps; nothing was written",
            allowed="a shorter value",
            code="too_long",
        )
    if isinstance(exc, IntegrityError) and (state == _PG_UNIQUE or "UNIQUE constraint" in str(exc.orig)):
        columns = _columns(exc)
        what = f" with this {columns}" if columns else ""
        return ConflictError(
            f"a record{what} already exists; nothing was written",
            field=columns if columns and "," not in columns else None,
            code="duplicate",
        )
    return None
