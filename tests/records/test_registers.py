"""The registers: follow-ups (with their outcome history), touch-ups and symptom reports (kept once per
idempotency key); the register requests' checks."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import update

from smpstudio.errors import ConflictError, InputError, NotFoundError
from smpstudio.records.models import FollowUp, Reminder
from smpstudio.records.store import Store
from smpstudio.services import adverse_events, clients, clinic_settings, clinics, registers
from smpstudio.services.context import Clock, ServiceContext
from smpstudio.services.models import Request
from tests.records.conftest import acting
from tests.records.helpers import recorded, session, setup_clinic, today


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
        acting(store, ids["desk"]), registers.FollowUpsDueRequest.of(on=today() + dt.timedelta(days=2))
    ).followups[0]
    closed = registers.complete_followup(
        acting(store, ids["desk"]), registers.CompleteFollowUpRequest.of(followup_id=first.id, outcome="calm")
    )
    assert closed.to_json() == {"id": first.id, "done": True}


def _first_followup(store: Store, ids: dict[str, int]) -> int:
    recorded(session(store, ids))
    due = registers.followups_due(
        acting(store, ids["desk"]), registers.FollowUpsDueRequest.of(on=today() + dt.timedelta(days=40))
    )
    return due.followups[0].id


def test_a_follow_up_keeps_every_outcome_in_order(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    fid = _first_followup(store, ids)
    for who, outcome in (("desk", "calm, no redness"), ("prac", "a scab came off early"), ("prac", "fine")):
        done = registers.CompleteFollowUpRequest.of(followup_id=fid, outcome=outcome)
        registers.complete_followup(acting(store, ids[who]), done)
    retry = registers.CompleteFollowUpRequest.of(followup_id=fid, outcome="fine")
    registers.complete_followup(acting(store, ids["prac"]), retry)  # a retried call adds nothing
    shown = registers.followup_detail(
        acting(store, ids["desk"]), registers.FollowUpRequest.of(followup_id=fid)
    )
    assert shown.outcome == "fine" and shown.done_at is not None
    assert [(o.outcome, o.recorded_by) for o in shown.outcomes] == [
        ("calm, no redness", ids["desk"]),
        ("a scab came off early", ids["prac"]),
        ("fine", ids["prac"]),
    ]
    assert set(shown.to_json()["outcomes"][0]) == {"outcome", "recorded_by", "recorded_at"}
    record = clients.client_record(acting(store, ids["owner"]), ids["client"])
    assert next(f for f in record.follow_ups if f.id == fid).outcome == "fine"  # the latest


def test_another_clinics_follow_up_answers_as_a_missing_one(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    fid = _first_followup(store, ids)
    other = clinics.init_clinic(
        acting(store, ids["owner"]), clinics.InitClinicRequest.of(name="Other Clinic")
    ).owner_id
    outsider = acting(store, other)
    missing = 10**6

    def error(followup_id: int, show: bool) -> tuple[str, str, str | None, str | None, str]:
        with pytest.raises(NotFoundError) as caught:
            if show:
                registers.followup_detail(outsider, registers.FollowUpRequest.of(followup_id=followup_id))
            else:
                request = registers.CompleteFollowUpRequest.of(followup_id=followup_id, outcome="x")
                registers.complete_followup(outsider, request)
        e = caught.value
        return str(e).replace(str(followup_id), "N"), e.code, e.field, e.allowed, e.kind

    for show in (False, True):
        assert error(fid, show) == error(missing, show)
        assert str(ids["client"]) not in str(error(fid, show)[0]).replace("N", "")
    assert (
        registers.followup_detail(
            acting(store, ids["desk"]), registers.FollowUpRequest.of(followup_id=fid)
        ).outcomes
        == []
    )  # nothing was written through the other clinic


def test_a_symptom_report_retried_with_its_key_is_kept_once(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    sid = recorded(session(store, ids)).id
    values = {"client_id": ids["client"], "day": 3, "symptoms": ["itch"], "session_id": sid}
    keyed = registers.SymptomReportRequest.of(**values, idempotency_key="app-7f3a")
    first = registers.report_symptoms(acting(store, ids["prac"]), keyed)
    again = registers.report_symptoms(acting(store, ids["prac"]), keyed)
    assert again.id == first.id and again.replayed and not first.replayed
    assert again.model_dump(exclude={"replayed"}) == first.model_dump(exclude={"replayed"})
    other = registers.report_symptoms(
        acting(store, ids["prac"]), registers.SymptomReportRequest.of(**values, idempotency_key="app-7f3b")
    )
    unkeyed = registers.report_symptoms(
        acting(store, ids["prac"]), registers.SymptomReportRequest.of(**values)
    )
    assert len({first.id, other.id, unkeyed.id}) == 3
    reused = registers.SymptomReportRequest.of(**(values | {"symptoms": ["pus"]}), idempotency_key="app-7f3a")
    with pytest.raises(ConflictError) as caught:
        registers.report_symptoms(acting(store, ids["prac"]), reused)
    assert caught.value.code == "idempotency_key_reused" and caught.value.field == "idempotency_key"
    record = clients.client_record(acting(store, ids["owner"]), ids["client"])
    assert sorted(r.id for r in record.symptom_reports) == sorted({first.id, other.id, unkeyed.id})


@pytest.mark.parametrize("key", ["has space", "x" * 65, "naïve", "a\nb"])
def test_an_idempotency_key_is_a_short_plain_token(key: str) -> None:
    with pytest.raises(InputError) as caught:
        registers.SymptomReportRequest.of(client_id=1, day=3, symptoms=["itch"], idempotency_key=key)
    assert caught.value.field == "idempotency_key" and len(str(caught.value)) < 200


@pytest.mark.parametrize(
    ("request_type", "values", "field"),
    [
        (registers.FollowUpsDueRequest, {"on": "9999-12-31"}, "on"),
        (registers.FollowUpsDueRequest, {"on": "0001-01-01"}, "on"),
        (registers.TouchUpsDueRequest, {"month": "9999-12"}, "month"),
        (adverse_events.AdverseEventRequest, {"received_on": "9999-12-31"}, "received_on"),
        (adverse_events.AdverseEventsDueRequest, {"on": "9999-12-31"}, "on"),
        (registers.CompleteFollowUpRequest, {"followup_id": 2**63}, "followup_id"),
        (registers.SymptomReportRequest, {"session_id": 10**20}, "session_id"),
        (adverse_events.AdverseEventRequest, {"client_id": 2**64}, "client_id"),
    ],
)
def test_dates_and_ids_out_of_range_are_refused_naming_the_field(
    request_type: type[Request], values: dict[str, object], field: str
) -> None:
    base: dict[type[Request], dict[str, object]] = {
        registers.TouchUpsDueRequest: {},
        registers.FollowUpsDueRequest: {},
        registers.CompleteFollowUpRequest: {"followup_id": 1, "outcome": "calm"},
        adverse_events.AdverseEventRequest: {"client_id": 1, "description": "itch"},
        adverse_events.AdverseEventsDueRequest: {},
        registers.SymptomReportRequest: {"client_id": 1, "day": 3, "symptoms": ["itch"]},
    }
    with pytest.raises(InputError) as caught:
        request_type.of(**(base[request_type] | values))
    assert caught.value.field == field


def _auckland_late(store: Store, ids: dict[str, int], utc: dt.datetime, user: str = "desk") -> ServiceContext:
    """A context whose clock (in UTC, as the settings') reads ``utc``, acting for a clinic in Auckland."""
    clinic_settings.update_clinic(
        acting(store, ids["owner"]), clinic_settings.UpdateClinicRequest.of(timezone="Pacific/Auckland")
    )
    return dataclasses.replace(acting(store, ids[user]), clock=Clock.fixed(utc))


def test_follow_ups_due_default_to_the_clinics_today(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    fid = _first_followup(store, ids)
    evening = dt.datetime.combine(today() - dt.timedelta(days=10), dt.time(23, 30), dt.UTC)
    auckland_today = evening.date() + dt.timedelta(days=1)  # already the next day in Auckland
    with store.session() as db:
        db.execute(update(FollowUp).where(FollowUp.id == fid).values(due_on=auckland_today))
    ctx = _auckland_late(store, ids, evening)
    due = registers.followups_due(ctx).followups
    assert [(f.id, f.overdue_days) for f in due] == [(fid, 0)]


def test_touch_ups_due_default_to_the_clinics_month(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    recorded(session(store, ids))
    evening = dt.datetime(2026, 1, 31, 23, 30, tzinfo=dt.UTC)  # 1 February in Auckland
    with store.session() as db:
        db.execute(update(Reminder).values(due_on=dt.date(2026, 2, 15)))
    ctx = _auckland_late(store, ids, evening)
    assert [t.due_on for t in registers.touch_ups_due(ctx).touch_ups] == [dt.date(2026, 2, 15)]


def test_adverse_events_due_count_days_from_the_clinics_today(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    evening = dt.datetime(2026, 3, 4, 23, 30, tzinfo=dt.UTC)  # 5 March in Auckland
    ctx = _auckland_late(store, ids, evening, user="prac")
    event = adverse_events.add_adverse_event(
        ctx,
        adverse_events.AdverseEventRequest.of(
            client_id=ids["client"], description="pustules", serious=["infection"]
        ),
    )
    assert event.report_deadline_on == dt.date(2026, 3, 26)  # 15 business days from 5 March (a Thursday)
    due = adverse_events.adverse_events_due(ctx, adverse_events.AdverseEventsDueRequest.of(within_days=30))
    assert [(e.id, e.received_on, e.days_left) for e in due.events] == [(event.id, dt.date(2026, 3, 5), 21)]
