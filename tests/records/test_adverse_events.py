"""Adverse events: the brand's reporting deadline and the events due."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from smpstudio.errors import InputError
from smpstudio.records.store import Store
from smpstudio.services import adverse_events
from tests.records.conftest import acting
from tests.records.helpers import recorded, session, setup_clinic, today


def test_adverse_event_deadline_is_15_business_days(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    sid = recorded(session(store, ids)).id
    monday = today() - dt.timedelta(days=today().weekday())
    res = adverse_events.add_adverse_event(
        acting(store, ids["prac"]),
        adverse_events.AdverseEventRequest.of(
            client_id=ids["client"],
            session_id=sid,
            description="pustules in the pigment",
            serious=["infection"],
            received_on=monday.isoformat(),
        ),
    )
    assert res.report_deadline_on == monday + dt.timedelta(days=21)
    assert res.to_json()["report_deadline_on"] == (monday + dt.timedelta(days=21)).isoformat()
    assert {lot.lot for lot in res.lots} == {"P1", "D1", "N1"}
    minor = adverse_events.add_adverse_event(
        acting(store, ids["prac"]),
        adverse_events.AdverseEventRequest.of(client_id=ids["client"], description="itch"),
    )
    assert minor.serious is False and minor.report_deadline_on is None
    due = adverse_events.adverse_events_due(
        acting(store, ids["prac"]),
        adverse_events.AdverseEventsDueRequest.of(
            within_days=7, on=(monday + dt.timedelta(days=16)).isoformat()
        ),
    )
    assert [d.id for d in due.events] == [res.id]
    early = adverse_events.AdverseEventsDueRequest.of(within_days=7, on=monday.isoformat())
    assert adverse_events.adverse_events_due(acting(store, ids["prac"]), early).events == []


@pytest.mark.parametrize(
    ("received", "notified", "field"),
    [
        (dt.timedelta(days=400), None, "received_on"),  # a typo in the year would hide the deadline
        (dt.timedelta(days=-10), dt.timedelta(days=-20), "brand_notified_on"),  # told before it was known
        (dt.timedelta(days=-10), dt.timedelta(days=5), "brand_notified_on"),  # told in the future
    ],
)
def test_impossible_adverse_event_dates_are_refused(
    store: Store, tmp_path: Path, received: dt.timedelta, notified: dt.timedelta | None, field: str
) -> None:
    ids = setup_clinic(store, tmp_path)
    ctx = acting(store, ids["prac"])
    with pytest.raises(InputError) as info:
        adverse_events.add_adverse_event(
            ctx,
            adverse_events.AdverseEventRequest.of(
                client_id=ids["client"],
                description="swelling",
                serious=["infection"],
                received_on=(today() + received).isoformat(),
                brand_notified_on=(today() + notified).isoformat() if notified else None,
            ),
        )
    assert info.value.field == field
