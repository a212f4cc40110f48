"""Checking and formatting the plain values the records services take and give (texts, dates, choices).

The annotated types (:data:`IsoDate`, :func:`text`, :func:`choice` ...) are for request models: each
checks its value with the same words as the functions below, naming the model's field (snake_case), so a
request refuses a bad value before any service runs.

Examples
--------
>>> from smpstudio.services.models import Request
>>> class Example(Request):
...     name: Text
...     born: IsoDate
>>> Example.of(name=" Alex ", born="1980-01-02")
Example(name='Alex', born=datetime.date(1980, 1, 2))
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Annotated, Any

from PIL import Image, UnidentifiedImageError
from pydantic import AfterValidator, BeforeValidator, ValidationInfo

from smpstudio.errors import InputError, check_choice, check_range, parse_date
from smpstudio.records.views import iso

__all__ = [
    "SKIN_TYPES",
    "DateTimeInput",
    "IsoDate",
    "OptionalText",
    "Text",
    "check_image_size",
    "choice",
    "date_or_none",
    "in_range",
    "iso",
    "optional_date",
    "optional_text",
    "parse_datetime",
    "text",
    "text_field",
]


SKIN_TYPES = ("I", "II", "III", "IV", "V", "VI")


def text_field(value: str | None, field: str, *, required: bool = True, max_len: int = 200) -> str | None:
    """``value`` stripped; a missing (blank) one is None, or an :class:`InputError` when ``required``."""
    if value is None or not value.strip():
        if required:
            raise InputError("missing", field=field, allowed="a non-empty text")
        return None
    value = value.strip()
    if len(value) > max_len:
        raise InputError(f"{len(value)} characters", field=field, allowed=f"at most {max_len} characters")
    return value


def date_or_none(value: object) -> dt.date | None:
    """A defer date when the rules give one ("after pregnancy and breastfeeding" is not a date)."""
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def optional_date(value: object, field: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` date (or a :class:`datetime.date`), where None or an empty text means none."""
    return None if value is None or value == "" else parse_date(value, field)


def parse_datetime(value: str, field: str) -> dt.datetime:
    """A date or a date and time (``2026-11-21`` or ``2026-11-21T09:30``), naive, as the user wrote it."""
    try:
        out = dt.datetime.fromisoformat(value.strip())
    except (ValueError, AttributeError) as exc:
        raise InputError(
            f"{value!r} is not a date", field=field, allowed="YYYY-MM-DD or YYYY-MM-DDTHH:MM"
        ) from exc
    return out.replace(tzinfo=None) if out.tzinfo is None else out.astimezone(dt.UTC).replace(tzinfo=None)


def check_image_size(data: bytes, max_pixels: int, field: str) -> None:
    """Refuse an image over ``max_pixels`` (width x height) from its header, before it is decoded.

    Unreadable bytes pass here and are refused where the image is decoded, with the reason.
    """
    try:
        with Image.open(io.BytesIO(data)) as im:
            width, height = im.size
    except Image.DecompressionBombError:
        raise InputError(
            "the image is too large", field=field, allowed=f"at most {max_pixels:,} pixels"
        ) from None
    except (UnidentifiedImageError, OSError):
        return
    if width * height > max_pixels:
        raise InputError(
            f"{width} x {height} pixels is too large", field=field, allowed=f"at most {max_pixels:,} pixels"
        )


# --- annotated types for request models --------------------------------------------------------------------


def _name(info: ValidationInfo) -> str:
    return info.field_name or "value"


def _not_text(value: object, field: str) -> InputError:
    return InputError(f"{type(value).__name__} is not a text", field=field, allowed="a text")


def text(max_len: int = 200) -> Any:
    """A required text of at most ``max_len`` characters, stripped (checked as :func:`text_field`)."""

    def check(value: object, info: ValidationInfo) -> str:
        if value is not None and not isinstance(value, str):
            raise _not_text(value, _name(info))
        out = text_field(value, _name(info), max_len=max_len)
        assert out is not None
        return out

    return BeforeValidator(check)


def optional_text(max_len: int = 200) -> Any:
    """An optional text: blank is None, else stripped and at most ``max_len`` characters."""

    def check(value: object, info: ValidationInfo) -> str | None:
        if value is not None and not isinstance(value, str):
            raise _not_text(value, _name(info))
        return text_field(value, _name(info), required=False, max_len=max_len)

    return BeforeValidator(check)


def choice(options: tuple[str, ...]) -> Any:
    """One of ``options`` (an unknown value is refused with the list of those allowed)."""

    def check(value: object, info: ValidationInfo) -> object:
        if value is None:
            return value
        return check_choice(_name(info), str(value), options)

    return BeforeValidator(check)


def in_range(low: float, high: float, unit: str = "") -> Any:
    """A number from ``low`` to ``high`` inclusive, in ``unit`` (checked after conversion)."""

    def check(value: Any, info: ValidationInfo) -> Any:
        if value is not None:
            check_range(_name(info), value, low, high, unit)
        return value

    return AfterValidator(check)


def _date(value: object, info: ValidationInfo) -> object:
    return None if value is None else parse_date(value, _name(info))


def _datetime(value: object, info: ValidationInfo) -> object:
    if value is None or isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if not isinstance(value, str):
        raise InputError(f"{type(value).__name__} is not a date", field=_name(info), allowed="YYYY-MM-DD")
    return parse_datetime(value, _name(info))


#: A required text of up to 200 characters.
Text = Annotated[str, text()]
#: An optional text of up to 200 characters.
OptionalText = Annotated[str | None, optional_text()]
#: A calendar date, ``YYYY-MM-DD`` (a :class:`datetime.date` is taken as it is).
IsoDate = Annotated[dt.date, BeforeValidator(_date)]
#: A date or a date and time as the user wrote it (naive; an aware time is turned to UTC, then naive).
DateTimeInput = Annotated[dt.datetime, BeforeValidator(_datetime)]
