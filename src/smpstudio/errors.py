"""The one error shape of smpstudio.

Every error a user can cause is an :class:`SmpError` that names the offending ``field`` and, where
there is a closed set or a range, what is ``allowed``. The faces (command line, web) turn these into
a short message and an exit code (2 for bad input, 1 for other failures) without a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = [
    "DocumentError",
    "InputError",
    "SmpError",
    "check_choice",
    "check_range",
    "parse_date",
    "read_json_file",
]


class SmpError(Exception):
    """Base class of every smpstudio error a user can act on."""

    exit_code = 1

    def __init__(self, message: str, *, field: str | None = None, allowed: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.allowed = allowed

    def __str__(self) -> str:
        text = f"{self.field}: {self.message}" if self.field else self.message
        if self.allowed:
            text += f" (allowed: {self.allowed})"
        return text

    def to_dict(self) -> dict[str, Any]:
        """The JSON error shape shared by every face: ``{"ok": false, "error", "field", "allowed"}``."""
        return {"ok": False, "error": self.message, "field": self.field, "allowed": self.allowed}


class InputError(SmpError):
    """A value given by the user is unknown, of the wrong kind or out of range."""

    exit_code = 2


class DocumentError(InputError):
    """A stored document (a design file) is malformed; ``field`` is the JSON path of the problem."""


def check_choice(field: str, value: str, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise :class:`InputError` listing them."""
    options = list(choices)
    if value not in options:
        raise InputError(f"unknown value {value!r}", field=field, allowed=", ".join(options))
    return value


def check_range(field: str, value: float, low: float, high: float, unit: str = "") -> float:
    """Return ``value`` if ``low <= value <= high`` (and finite), else raise :class:`InputError`."""
    suffix = f" {unit}" if unit else ""
    if not (low <= value <= high):  # also rejects NaN
        raise InputError(
            f"{value:g}{suffix} is out of range", field=field, allowed=f"{low:g} to {high:g}{suffix}"
        )
    return value


def parse_date(value: object, field: str) -> dt.date:
    """An ISO date (``YYYY-MM-DD``) or an :class:`InputError` naming ``field``."""
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{value!r} is not a date", field=field, allowed="YYYY-MM-DD") from None


def read_json_file(path: str | Path, field: str) -> Any:
    """The JSON value in a text file, or a :class:`DocumentError` naming ``field``."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DocumentError(f"no such file: {p}", field=field) from None
    except (IsADirectoryError, UnicodeDecodeError):
        raise DocumentError(f"{p} is not a readable text file", field=field) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"not valid JSON (line {exc.lineno}, column {exc.colno})", field=field) from None
