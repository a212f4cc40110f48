"""The registers: follow-ups, touch-ups and symptom reports; the register requests' checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from smpstudio.errors import InputError
from smpstudio.records.store import Store
from smpstudio.services import adverse_events, registers
from smpstudio.services.models import Request
from tests.records.conftest import acting
from tests.records.helpers import TODAY, recorded, session, setup_clinic


@pytest.mark.parametrize(
    ("request_type", "values", "field"),
    [
        (registers.TouchUpsDueRequest, {"month": "2031-13"}, "month"),
        (registers.FollowUpsDueRequest, {"on": "tomorrow"}, "on"),
        (adverse_events.AdverseEventRequest, {"serious": ["bad"]}, "serious"),
        (adverse_events.AdverseEventRequest, {"received_on": "2030-02-30"}, "received_on"),
        (adverse_events.AdverseEventsDueRequest, {"within_days": -1}, "within_days"),
        (registers.SymptomReportRequest, {"day": "x"}, "day"),
    ],
)
def test_register_requests_refuse_a_bad_value_naming_the_field(
    request_type: type[Request], values: dict[str, object], field: str
) -> None:
    base: dict[type[Request], dict[str, object]] = {
        registers.TouchUpsDueRequest: {},
        registers.FollowUpsDueRequest: {},
        adverse_events.AdverseEventRequest: {"client_id": 1, "description": "itch"},
        adverse_events.AdverseEventsDueRequest: {},
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
