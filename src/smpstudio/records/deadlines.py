"""Calendar arithmetic the records need: business-day deadlines and retention dates."""

from __future__ import annotations

import datetime as dt

import numpy as np

__all__ = ["add_business_days", "add_years", "retention_until"]


def add_business_days(start: dt.date, days: int) -> dt.date:
    """``days`` business days (Monday-Friday) after ``start``; public holidays are not counted out."""
    return dt.date.fromisoformat(str(np.busday_offset(np.datetime64(start), days, roll="forward")))


def add_years(start: dt.date, years: float) -> dt.date:
    """``years`` calendar years after ``start`` (29 February falls back to 28 February)."""
    whole = int(years)
    try:
        base = start.replace(year=start.year + whole)
    except ValueError:
        base = start.replace(year=start.year + whole, day=28)
    return base + dt.timedelta(days=round((years - whole) * 365.25))


def retention_until(last_activity: dt.date, retention_years: int) -> dt.date:
    """The first day a record may be erased, ``retention_years`` after its last session."""
    return add_years(last_activity, retention_years)
