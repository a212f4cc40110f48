"""The daily report limit of a client's link holds when reports arrive at once: on PostgreSQL the link's
row is locked for the triage, so concurrent reports count each other (SQLite has one writer at a time)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from smpstudio.errors import RateLimitedError
from smpstudio.records.models import SymptomReport
from smpstudio.services import client_portal
from tests.records.test_client_links import Clinic, _issue, _triage
from tests.records.test_client_links import clinic as clinic

#: Reports sent at once beyond the daily limit.
EXTRA = 6


def test_concurrent_reports_stop_at_the_daily_limit(clinic: Clinic) -> None:
    made = _issue(clinic)
    at = clinic.on_day(3)
    sent = client_portal.REPORTS_PER_DAY + EXTRA

    def report(_: int) -> str:
        try:
            _triage(clinic, made.token, at, symptoms=["itch"])
        except RateLimitedError:
            return "limited"
        return "kept"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(report, range(sent)))
    stored = clinic.store.read(
        lambda db: db.scalar(
            select(func.count()).select_from(SymptomReport).where(SymptomReport.via == "client")
        )
    )
    assert outcomes.count("kept") == client_portal.REPORTS_PER_DAY == stored
    assert outcomes.count("limited") == EXTRA
