"""The registers: adverse events and their deadlines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from smpstudio.errors import InputError
from smpstudio.records.store import Store
from smpstudio.services import registers
from smpstudio.services.models import Request
from tests.records.conftest import acting
from tests.records.helpers import TODAY, recorded, session, setup_clinic


def test_adverse_event_deadline_is_15_business_days(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    sid = recorded(session(store, ids)).id
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    res = registers.add_adverse_event(
        acting(store, ids["prac"]),
        registers.AdverseEventRequest.of(
            client_id=ids["client"],
            session_id=sid,
            description="pustules in the pigment",
            serious=["infection"],
            received_on=monday.isoformat(),
        ),
    ).to_json()
    assert res["report_deadline_on"] == (monday + dt.timedelta(days=21)).isoformat()
    assert {lot["lot"] for lot in res["lots"]} == {"P1", "D1", "N1"}
    minor = registers.add_adverse_event(
        acting(store, ids["prac"]),
        registers.AdverseEventRequest.of(client_id=ids["client"], description="itch"),
    )
    assert minor.serious is False and minor.report_deadline_on is None
    due = registers.adverse_events_due(
        acting(store, ids["prac"]),
        registers.AdverseEventsDueRequest.of(within_days=7, on=(monday + dt.timedelta(days=16)).isoformat()),
    )
    assert [d.id for d in due.events] == [res["id"]]
    early = registers.AdverseEventsDueRequest.of(within_days=7, on=monday.isoformat())
    assert registers.adverse_events_due(acting(store, ids["prac"]), early).events == []


@pytest.mark.parametrize(
    ("request_type", "values", "field"),
    [
        (registers.TouchUpsDueRequest, {"month": "2031-13"}, "month"),
        (registers.FollowUpsDueRequest, {"on": "tomorrow"}, "on"),
        (registers.AdverseEventRequest, {"serious": ["bad"]}, "serious"),
        (registers.AdverseEventRequest, {"received_on": "2030-02-30"}, "received_on"),
        (registers.AdverseEventsDueRequest, {"within_days": -1}, "within_days"),
        (registers.SymptomReportRequest, {"day": "x"}, "day"),
    ],
)
def test_register_requests_refuse_a_bad_value_naming_the_field(
    request_type: type[Request], values: dict[str, object], field: str
) -> None:
    base: dict[type[Request], dict[str, object]] = {
        registers.TouchUpsDueRequest: {},
        registers.FollowUpsDueRequest: {},
        registers.AdverseEventRequest: {"client_id": 1, "description": "itch"},
        registers.AdverseEventsDueRequest: {},
        registers.SymptomReportRequest: {"client_id": 1, "day": 3, "symptoms": ["itch"]},
    }
    with pytest.raises(InputError) as caught:
        request_type.of(**(base[request_type] | values))
    assert caught.value.field == field


def test_a_symptom_report_keeps_its_triage_and_a_follow_up_closes(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    sid = recorded(session(store, ids)).id
    report = registers.report_symptoms(
        acting(store, ids["prac"]),
        registers.SymptomReportRequest.of(client_id=ids["client"], day=3, symptoms=["itch"], session_id=sid),
    )
    assert report.id > 0 and report.disposition and report.to_json()["id"] == report.id
    first = registers.followups_due(
        acting(store, ids["desk"]), registers.FollowUpsDueRequest.of(on=TODAY + dt.timedelta(days=2))
    ).followups[0]
    closed = registers.complete_followup(
        acting(store, ids["desk"]), registers.CompleteFollowUpRequest.of(followup_id=first.id, outcome="calm")
    )
    assert closed.to_json() == {"id": first.id, "done": True}
