"""Checking and formatting the plain values the records services take and give (texts, dates)."""

from __future__ import annotations

import datetime as dt

from smpstudio.errors import InputError

__all__ = ["SKIN_TYPES", "text_field"]


SKIN_TYPES = ("I", "II", "III", "IV", "V", "VI")


def text_field(value: str | None, field: str, *, required: bool = True, max_len: int = 200) -> str | None:
    if value is None or not value.strip():
        if required:
            raise InputError("missing", field=field, allowed="a non-empty text")
        return None
    value = value.strip()
    if len(value) > max_len:
        raise InputError(f"{len(value)} characters", field=field, allowed=f"at most {max_len} characters")
    return value


def iso(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def date_or_none(value: object) -> dt.date | None:
    """A defer date when the rules give one ("after pregnancy and breastfeeding" is not a date)."""
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def parse_datetime(value: str, field: str) -> dt.datetime:
    """A date or a date and time (``2026-11-21`` or ``2026-11-21T09:30``), naive, as the user wrote it."""
    try:
        out = dt.datetime.fromisoformat(value.strip())
    except (ValueError, AttributeError) as exc:
        raise InputError(
            f"{value!r} is not a date", field=field, allowed="YYYY-MM-DD or YYYY-MM-DDTHH:MM"
        ) from exc
    return out.replace(tzinfo=None) if out.tzinfo is None else out.astimezone(dt.UTC).replace(tzinfo=None)
