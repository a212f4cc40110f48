"""The window of months a report covers, in the clinic's own calendar: the request that names it, and the
UTC instants each month (and each day) starts and ends, for the queries to count by.

By default a window is the last 12 months up to this one; it is at most :data:`MAX_MONTHS` long.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pydantic import Field, ValidationInfo, field_validator, model_validator

from smpstudio.errors import InputError, echo
from smpstudio.records.repositories import reports as repo
from smpstudio.services.access import Actor
from smpstudio.services.fields import check_date
from smpstudio.services.models import Request, Result

__all__ = [
    "DEFAULT_MONTHS",
    "MAX_MONTHS",
    "ReportWindow",
    "ReportWindowRequest",
    "Window",
    "add_months",
    "month_label",
    "ratio",
    "resolve_window",
]

#: The default window: this month and the 11 before it. [months]
DEFAULT_MONTHS = 12
#: The longest window a report covers. [months]
MAX_MONTHS = 36

_MONTH = re.compile(r"\d{4}-\d{2}")


def _month(value: object, field: str) -> str | None:
    """A ``YYYY-MM`` month (None when blank), or an :class:`InputError` naming ``field``."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _MONTH.fullmatch(value.strip()):
        raise InputError(f"{echo(value)} is not a month", field=field, allowed="YYYY-MM")
    try:
        first = dt.date.fromisoformat(f"{value.strip()}-01")
    except ValueError:
        raise InputError(f"{echo(value)} is not a month", field=field, allowed="YYYY-MM") from None
    check_date(first, field)
    return value.strip()


def add_months(first: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after (or before) the month of ``first``."""
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_label(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


class ReportWindowRequest(Request):
    """The months a report covers, in the clinic's calendar: ``first_month`` to ``last_month`` (``YYYY-MM``,
    both included). By default the last month is this one and the first is 11 months before the last."""

    first_month: str | None = Field(None, description="YYYY-MM (11 months before the last by default).")
    last_month: str | None = Field(None, description="YYYY-MM (this month by default).")

    @field_validator("first_month", "last_month", mode="before")
    @classmethod
    def _months(cls, value: object, info: ValidationInfo) -> str | None:
        return _month(value, info.field_name or "month")

    @model_validator(mode="after")
    def _order(self) -> ReportWindowRequest:
        if self.first_month and self.last_month and self.first_month > self.last_month:
            raise InputError(
                f"{self.first_month} is after {self.last_month}",
                field="first_month",
                allowed=f"{self.last_month} or before",
            )
        return self


@dataclass(frozen=True)
class Window:
    """A report's months in the clinic's calendar, each with the UTC instants it starts and ends."""

    months: tuple[repo.MonthSpan, ...]
    first_day: dt.date
    last_day: dt.date
    tz: dt.tzinfo

    @property
    def start(self) -> dt.datetime:
        return self.months[0][1]

    @property
    def end(self) -> dt.datetime:
        return self.months[-1][2]

    def days(self) -> list[repo.DaySpan]:
        """Every day of the window with its month's label and the UTC instant the day ends."""
        out = []
        day = self.first_day
        while day <= self.last_day:
            following = day + dt.timedelta(days=1)
            out.append((day, month_label(day), _midnight(following, self.tz)))
            day = following
        return out

    def describe(self) -> ReportWindow:
        return ReportWindow(
            first_month=self.months[0][0],
            last_month=self.months[-1][0],
            months=[m[0] for m in self.months],
            timezone=str(self.tz),
        )


def _midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The UTC instant the clinic's day ``day`` starts."""
    return dt.datetime.combine(day, dt.time(0), tz).astimezone(dt.UTC)


def resolve_window(actor: Actor, request: ReportWindowRequest | None) -> Window:
    """The months ``request`` names (the defaults filled from the clinic's today), at most
    :data:`MAX_MONTHS` of them."""
    r = request or ReportWindowRequest.of()
    this_month = actor.today().replace(day=1)
    last = dt.date.fromisoformat(f"{r.last_month}-01") if r.last_month else None
    first = dt.date.fromisoformat(f"{r.first_month}-01") if r.first_month else None
    if last is None:
        last = this_month if first is None or first <= this_month else add_months(first, DEFAULT_MONTHS - 1)
    if first is None:
        first = add_months(last, 1 - DEFAULT_MONTHS)
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    if count > MAX_MONTHS:
        raise InputError(
            f"{count} months is too long a window",
            field="first_month",
            allowed=f"at most {MAX_MONTHS} months, from {month_label(add_months(last, 1 - MAX_MONTHS))}",
        )
    tz = actor.clock.tz
    months = tuple(
        (month_label(start), _midnight(start, tz), _midnight(add_months(start, 1), tz))
        for start in (add_months(first, k) for k in range(count))
    )
    return Window(months, first, add_months(last, 1) - dt.timedelta(days=1), tz)


def ratio(part: int, whole: int, digits: int = 4) -> float | None:
    """``part / whole`` rounded to ``digits`` places (None when ``whole`` is 0)."""
    return round(part / whole, digits) if whole else None


class ReportWindow(Result):
    """The months a report covers (``YYYY-MM``, in the clinic's timezone)."""

    first_month: str
    last_month: str
    months: list[str]
    timezone: str = Field(description="The clinic's timezone, whose calendar the months follow.")
