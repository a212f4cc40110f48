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

Ids are whole numbers from 1 to 2**63 - 1 (what every database stores); dates run from 1900-01-01 to
2999-12-31, so no date arithmetic overflows and no database refuses one:

>>> class Lookup(Request):
...     client_id: Id
>>> Lookup.of(client_id="12").client_id
12
>>> Lookup.of(client_id="99999999999999999999")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
smpstudio.errors.InputError: client_id: '99999999999999999999' is not an id (allowed: a whole number ...)
"""

from __future__ import annotations

import datetime as dt
import io
import math
import struct
import threading
import warnings
import zlib
from typing import Annotated, Any

from PIL import Image, UnidentifiedImageError
from pydantic import AfterValidator, BeforeValidator, ValidationInfo

from smpstudio.errors import InputError, check_choice, check_range, echo, parse_date
from smpstudio.records.files import strip_image_metadata
from smpstudio.records.views import iso

__all__ = [
    "MAX_DATE",
    "MAX_ID",
    "MIN_DATE",
    "SKIN_TYPES",
    "DateTimeInput",
    "Id",
    "IsoDate",
    "LocalDateTime",
    "OptionalId",
    "OptionalText",
    "Text",
    "check_date",
    "check_depth",
    "check_id",
    "check_image_size",
    "check_landmarks",
    "choice",
    "clean_image",
    "date_or_none",
    "in_range",
    "iso",
    "nested_at_most",
    "optional_date",
    "optional_text",
    "parse_datetime",
    "parse_local_datetime",
    "text",
    "text_field",
]


SKIN_TYPES = ("I", "II", "III", "IV", "V", "VI")
#: The largest id a record can have (a signed 64-bit integer: PostgreSQL's BIGINT, SQLite's INTEGER).
MAX_ID = 2**63 - 1
#: The dates the records accept: wide enough for every birth, session and expiry, narrow enough that
#: adding years or business days to one never overflows.
MIN_DATE, MAX_DATE = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
#: How deeply a JSON document given to a use case may nest (a design is about 5 levels deep).
MAX_DEPTH = 32

_ID_ALLOWED = f"a whole number from 1 to {MAX_ID}"
_DATE_ALLOWED = f"a date from {MIN_DATE} to {MAX_DATE}"


def check_id(value: object, field: str) -> int:
    """``value`` as a record id (an int, or a text of digits) from 1 to :data:`MAX_ID`, or an
    :class:`InputError` naming ``field``: a larger id overflows every database, so none is looked up."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip()) if len(value.strip()) <= 20 else None
    if number is None or not 1 <= number <= MAX_ID:
        raise InputError(f"{echo(value)} is not an id", field=field, allowed=_ID_ALLOWED)
    return number


def check_date(value: dt.date, field: str) -> dt.date:
    """``value`` when it lies from :data:`MIN_DATE` to :data:`MAX_DATE` (a time: its date), else an
    :class:`InputError` naming ``field``."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if not MIN_DATE <= day <= MAX_DATE:
        raise InputError(f"{day.isoformat()} is out of range", field=field, allowed=_DATE_ALLOWED)
    return value


def check_depth(value: object, field: str, limit: int = MAX_DEPTH) -> object:
    """``value`` when its lists and objects nest at most ``limit`` deep, else an :class:`InputError`
    (walked without recursion, so no depth crashes the check itself)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Any = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        if not children:
            continue
        if depth > limit:
            raise InputError("nested too deeply", field=field, allowed=f"at most {limit} levels of nesting")
        stack.extend((child, depth + 1) for child in children)
    return value


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
    """A ``YYYY-MM-DD`` date (or a :class:`datetime.date`) from :data:`MIN_DATE` to :data:`MAX_DATE`,
    where None or an empty text means none."""
    return None if value is None or value == "" else check_date(parse_date(value, field), field)


def parse_local_datetime(value: object, field: str) -> dt.datetime:
    """A date or a date and time as the user wrote it, within the records' range: without an offset it
    stays naive (the clinic's local time, for the service to place), with one it is that instant in UTC."""
    if isinstance(value, dt.datetime):
        out = value
    elif isinstance(value, dt.date):
        out = dt.datetime.combine(value, dt.time())
    elif isinstance(value, str):
        try:
            out = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise InputError(
                f"{echo(value)} is not a date", field=field, allowed="YYYY-MM-DD or YYYY-MM-DDTHH:MM"
            ) from None
    else:
        raise InputError(f"{type(value).__name__} is not a date", field=field, allowed="YYYY-MM-DD")
    check_date(out, field)
    return out if out.tzinfo is None else out.astimezone(dt.UTC)


def parse_datetime(value: str, field: str) -> dt.datetime:
    """A date or a date and time (``2026-11-21`` or ``2026-11-21T09:30``), naive, as the user wrote it."""
    try:
        out = dt.datetime.fromisoformat(value.strip())
    except (ValueError, AttributeError) as exc:
        raise InputError(
            f"{echo(value)} is not a date", field=field, allowed="YYYY-MM-DD or YYYY-MM-DDTHH:MM"
        ) from exc
    check_date(out, field)
    return out.replace(tzinfo=None) if out.tzinfo is None else out.astimezone(dt.UTC).replace(tzinfo=None)


#: What decoding a hostile image file may raise besides :class:`OSError` (truncated or corrupt data,
#: oversized metadata chunks).
_IMAGE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,
    zlib.error,
)


def _too_large(field: str, max_pixels: int, what: str = "the image is too large") -> InputError:
    return InputError(what, field=field, allowed=f"at most {max_pixels:,} pixels", code="image_too_large")


def check_image_size(data: bytes, max_pixels: int, field: str) -> None:
    """Refuse an image over ``max_pixels`` (width x height) from its header, before it is decoded.

    Only the header is read (a file declaring 400 megapixels in a few bytes costs nothing). Pillow's own
    decompression-bomb guard becomes the same refusal; its warning is not printed (our limit is the one
    that counts). Unreadable bytes pass here and are refused where the image is decoded, with the reason.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                width, height = im.size
    except Image.DecompressionBombError:
        raise _too_large(field, max_pixels) from None
    except _IMAGE_ERRORS:
        return
    if width * height > max_pixels:
        raise _too_large(field, max_pixels, f"{width} x {height} pixels is too large")


#: Images decoded at once in this process: each takes memory in proportion to its pixels, so a burst of
#: uploads waits its turn instead of exhausting the server's memory.
_DECODING = threading.BoundedSemaphore(2)


def clean_image(data: bytes, max_pixels: int, field: str) -> tuple[bytes, str]:
    """The image re-encoded without its metadata, and its media type, once its header is within
    ``max_pixels``; a truncated, corrupt or unknown file is an :class:`InputError` naming ``field``."""
    check_image_size(data, max_pixels, field)
    try:
        with _DECODING, warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return strip_image_metadata(data, field)
    except Image.DecompressionBombError:
        raise _too_large(field, max_pixels) from None
    except _IMAGE_ERRORS:
        raise InputError("not a readable image", field=field, allowed="a JPEG, PNG or WebP file") from None


#: At most this many landmarks on a photo, each named in at most this many characters.
MAX_LANDMARKS, MAX_LANDMARK_NAME = 100, 40
_LANDMARKS_ALLOWED = (
    f'{{"name": [x, y], ...}}: at most {MAX_LANDMARKS} names of 1-{MAX_LANDMARK_NAME} characters'
)


def check_landmarks(value: object, field: str) -> dict[str, list[float]]:
    """A photo's landmarks as ``{name: [x, y]}`` in pixels (finite numbers, names stripped), or an
    :class:`InputError` naming ``field``."""

    def bad(what: str) -> InputError:
        return InputError(what, field=field, allowed=_LANDMARKS_ALLOWED)

    if not isinstance(value, dict):
        raise bad("not an object")
    if len(value) > MAX_LANDMARKS:
        raise bad(f"{len(value)} landmarks")
    out: dict[str, list[float]] = {}
    for name, point in value.items():
        if not isinstance(name, str) or not 0 < len(name.strip()) <= MAX_LANDMARK_NAME:
            raise bad("a landmark name is empty or too long")
        if (
            not isinstance(point, list | tuple)
            or len(point) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)
            or not all(math.isfinite(v) and abs(v) <= 1e6 for v in point)
        ):
            raise bad("a landmark is not a point [x, y] in pixels")
        out[name.strip()] = [float(point[0]), float(point[1])]
    return out


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
    return None if value is None else check_date(parse_date(value, _name(info)), _name(info))


def _datetime(value: object, info: ValidationInfo) -> object:
    if value is None:
        return value
    if isinstance(value, dt.date):
        check_date(value, _name(info))
        return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
    if not isinstance(value, str):
        raise InputError(f"{type(value).__name__} is not a date", field=_name(info), allowed="YYYY-MM-DD")
    return parse_datetime(value, _name(info))


def _local_datetime(value: object, info: ValidationInfo) -> object:
    return None if value is None else parse_local_datetime(value, _name(info))


def _id(value: object, info: ValidationInfo) -> object:
    return None if value is None else check_id(value, _name(info))


def nested_at_most(limit: int = MAX_DEPTH) -> Any:
    """A parsed JSON document nesting at most ``limit`` levels (checked without recursion)."""

    def check(value: object, info: ValidationInfo) -> object:
        return check_depth(value, _name(info), limit)

    return BeforeValidator(check)


#: A record's id: a whole number from 1 to :data:`MAX_ID` (a text of digits is taken too).
Id = Annotated[int, BeforeValidator(_id)]
#: An optional record id.
OptionalId = Annotated[int | None, BeforeValidator(_id)]
#: A required text of up to 200 characters.
Text = Annotated[str, text()]
#: An optional text of up to 200 characters.
OptionalText = Annotated[str | None, optional_text()]
#: A calendar date, ``YYYY-MM-DD`` (a :class:`datetime.date` is taken as it is), within the records' range.
IsoDate = Annotated[dt.date, BeforeValidator(_date)]
#: A date or a date and time as the user wrote it (naive; an aware time is turned to UTC, then naive).
DateTimeInput = Annotated[dt.datetime, BeforeValidator(_datetime)]
#: A date or a date and time within the records' range: naive without an offset (the clinic's local time,
#: placed by the service), else aware in UTC.
LocalDateTime = Annotated[dt.datetime, BeforeValidator(_local_datetime)]
