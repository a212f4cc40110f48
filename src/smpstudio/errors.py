"""The one error shape of smpstudio.

Every error a user can act on is an :class:`SmpError` with a stable ``code`` (a snake_case word that
scripts and the web can match on), a ``kind`` and, where a value was wrong, the ``field`` it came from and
what is ``allowed``. The kind is mapped once, here, to an exit code and an HTTP status:

=================  =========  ===========
kind               exit code  HTTP status
=================  =========  ===========
invalid            2          422
unauthenticated    4          401
forbidden          4          403
not_found          2          404
conflict           2          409
refused            2          409
rate_limited       3          429
busy               3          503
internal           1          500
=================  =========  ===========

Messages raised below the faces name no command, flag or URL; the faces add their own hints.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, Literal

__all__ = [
    "EXIT_CODES",
    "HTTP_STATUSES",
    "AccessError",
    "BusyError",
    "ConflictError",
    "DocumentError",
    "ErrorKind",
    "InputError",
    "NotFoundError",
    "RateLimitedError",
    "RefusedError",
    "SmpError",
    "UnauthenticatedError",
    "check_choice",
    "check_range",
    "parse_date",
    "parse_json_text",
    "read_json_file",
]

ErrorKind = Literal[
    "invalid",
    "unauthenticated",
    "forbidden",
    "not_found",
    "conflict",
    "refused",
    "rate_limited",
    "busy",
    "internal",
]

#: Exit code of the command line for each kind of error.
EXIT_CODES: dict[str, int] = {
    "invalid": 2,
    "unauthenticated": 4,
    "forbidden": 4,
    "not_found": 2,
    "conflict": 2,
    "refused": 2,
    "rate_limited": 3,
    "busy": 3,
    "internal": 1,
}

#: HTTP status of the JSON API for each kind of error.
HTTP_STATUSES: dict[str, int] = {
    "invalid": 422,
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "refused": 409,
    "rate_limited": 429,
    "busy": 503,
    "internal": 500,
}

#: Longest echo of a user's value in a message (a 100 KB "date" is not printed back whole).
_ECHO_CHARS = 40


def echo(value: object) -> str:
    """``repr(value)`` cut to a short length, for messages that quote what the user gave."""
    text = repr(value)
    return text if len(text) <= _ECHO_CHARS else text[: _ECHO_CHARS - 3] + "..."


class SmpError(Exception):
    """Base class of every smpstudio error a user can act on."""

    kind: ClassVar[ErrorKind] = "internal"
    default_code: ClassVar[str] = "error"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        allowed: str | None = None,
        code: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.allowed = allowed
        self.code = code or self.default_code
        self.detail = detail

    @property
    def exit_code(self) -> int:
        """The command line's exit code for this error's kind."""
        return EXIT_CODES[self.kind]

    @property
    def http_status(self) -> int:
        """The JSON API's HTTP status for this error's kind."""
        return HTTP_STATUSES[self.kind]

    def __str__(self) -> str:
        text = f"{self.field}: {self.message}" if self.field else self.message
        if self.allowed:
            text += f" (allowed: {self.allowed})"
        return text

    def to_dict(self) -> dict[str, Any]:
        """The JSON error shape shared by every face."""
        body: dict[str, Any] = {
            "ok": False,
            "error": self.message,
            "code": self.code,
            "kind": self.kind,
            "field": self.field,
            "allowed": self.allowed,
        }
        if self.detail is not None:
            body["detail"] = self.detail
        return body


class InputError(SmpError):
    """A value given by the user is unknown, of the wrong kind or out of range."""

    kind = "invalid"
    default_code = "invalid_input"


class DocumentError(InputError):
    """A stored document (a design file) is malformed; ``field`` is the JSON path of the problem."""

    default_code = "invalid_document"


class NotFoundError(SmpError):
    """The record named does not exist, or is not visible to the acting user (the two answer alike)."""

    kind = "not_found"
    default_code = "not_found"


class ConflictError(SmpError):
    """The request clashes with what is stored (a duplicate, a stale version)."""

    kind = "conflict"
    default_code = "conflict"


class RefusedError(SmpError):
    """A safety rule refuses the request; ``detail`` holds the reasons."""

    kind = "refused"
    default_code = "refused"


class UnauthenticatedError(SmpError):
    """No acting user could be established."""

    kind = "unauthenticated"
    default_code = "unauthenticated"


class AccessError(SmpError):
    """The acting user's role or clinic does not allow this."""

    kind = "forbidden"
    default_code = "forbidden"


class RateLimitedError(SmpError):
    """Too many attempts in a short time."""

    kind = "rate_limited"
    default_code = "rate_limited"


class BusyError(SmpError):
    """The store is in use or locked for longer than the wait allows; trying again later may work."""

    kind = "busy"
    default_code = "busy"


def check_choice(field: str, value: str, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise :class:`InputError` listing them."""
    options = list(choices)
    if value not in options:
        raise InputError(f"unknown value {echo(value)}", field=field, allowed=", ".join(options))
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
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{echo(value)} is not a date", field=field, allowed="YYYY-MM-DD") from None


def parse_json_text(text: str | bytes, field: str) -> Any:
    """The JSON value in ``text``, or a :class:`DocumentError` naming ``field``."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise DocumentError("not UTF-8 text", field=field) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"not valid JSON (line {exc.lineno}, column {exc.colno})", field=field) from None
    except RecursionError:
        raise DocumentError("nested too deeply", field=field) from None
    except ValueError:  # an integer beyond Python's digit limit
        raise DocumentError("a number in it is too long", field=field) from None


def read_json_file(path: str | Path, field: str) -> Any:
    """The JSON value in a text file, or a :class:`DocumentError` naming ``field`` (for the faces)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise DocumentError(f"no such file: {p}", field=field) from None
    except (IsADirectoryError, PermissionError):
        raise DocumentError(f"{p} is not a readable file", field=field) from None
    return parse_json_text(data, field)
