"""Appointments on both backends: booking in the clinic's time, no double booking (the clash named, also
under two concurrent bookings), moving, cancelling, marking, the window and the calendar, a session's
checklist ahead of the day, what is due to be booked, and a patch test applied now and read later."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest

from smpstudio.errors import ConflictError, InputError, NotFoundError, SmpError
from smpstudio.records.store import Store, open_store
from smpstudio.services import (
    appointment_booking,
    calendar,
    clients,
    clinics,
    consent,
    lots,
    patch_tests,
    sessions,
)
from smpstudio.services import appointments as ap
from smpstudio.services.context import Clock, ServiceContext
from tests.records.conftest import answers

#: The clinic's now in every test: Tuesday 1 December 2026, 09:00 in London (UTC+0 in winter).
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
TOMORROW = "2026-12-02"
FAR = "2099-12-31"


def at(store: Store, user: int, now: dt.datetime = NOW) -> ServiceContext:
    return ServiceContext(store=store, user_id=user, clock=Clock.fixed(now))


@pytest.fixture
def clinic(store: Store) -> dict[str, Any]:
    """A London clinic: an owner, two practitioners, front desk, two screened clients, lots in stock."""
    start = ServiceContext(store=store, clock=Clock.fixed(NOW))
    made = clinics.init_clinic(
        start, clinics.InitClinicRequest.of(name="Clinic", timezone="Europe/London", owner_email="o@x.org")
    )
    owner = made.owner_id
    ids: dict[str, Any] = {"owner": owner, "store": store}
    for key, name, role in (("prac", "Pat", "practitioner"), ("prac2", "Sam", "practitioner")):
        ids[key] = clinics.add_user(
            at(store, owner), clinics.AddUserRequest.of(name=name, role=role, certified_until=FAR)
        ).id
    ids["desk"] = clinics.add_user(
        at(store, owner), clinics.AddUserRequest.of(name="Fran", role="front-desk")
    ).id
    for key, name in (("client", "Alex Doe"), ("client2", "Bo Roe")):
        ids[key] = clients.add_client(
            at(store, owner), clients.AddClientRequest.of(name=name, date_of_birth="1980-01-02")
        ).id
        clients.screen_client(
            at(store, ids["prac"]), clients.ScreenClientRequest.of(client_id=ids[key], answers=answers())
        )
    for kind, code in (("pigment", "P1"), ("needle", "N1")):
        lots.add_lot(
            at(store, owner),
            lots.AddLotRequest.of(kind=kind, product=f"{kind} product", lot=code, expires=FAR, quantity=5),
        )
    return ids


def book(ids: dict[str, Any], who: str = "desk", **kw: Any) -> ap.AppointmentEntry:
    values: dict[str, Any] = {
        "client_id": ids["client"],
        "practitioner_id": ids["prac"],
        "kind": "consultation",
        "starts_at": f"{TOMORROW}T10:00",
        "minutes": 60,
    }
    values.update(kw)
    return appointment_booking.book_appointment(
        at(ids["store"], ids[who]), appointment_booking.BookAppointmentRequest.of(**values)
    )


def test_a_naive_time_is_the_clinics_and_an_offset_is_kept(clinic: dict[str, Any]) -> None:
    summer = book(clinic, starts_at="2027-07-01T10:00")  # London is UTC+1 in July
    assert summer.starts_at.isoformat() == "2027-07-01T10:00:00+01:00"
    assert summer.to_json()["starts_at"] == "2027-07-01T10:00:00+01:00"
    assert summer.to_json()["ends_at"] == "2027-07-01T11:00:00+01:00"
    given = book(clinic, starts_at="2027-07-01T12:00:00+00:00", minutes=30)  # 13:00 in London
    assert given.to_json()["starts_at"] == "2027-07-01T13:00:00+01:00"
    assert given.client.name == "Alex Doe" and given.practitioner.name == "Pat"


def test_a_double_booking_is_refused_naming_the_clash(clinic: dict[str, Any]) -> None:
    first = book(clinic)
    with pytest.raises(ConflictError) as err:
        book(clinic, client_id=clinic["client2"], starts_at=f"{TOMORROW}T10:30", minutes=30)
    e = err.value
    assert e.code == "appointment_clash" and e.field == "starts_at" and e.http_status == 409
    clash = e.detail["clash"]  # type: ignore[index]
    assert clash["id"] == first.id and clash["kind"] == "consultation"
    assert (
        clash["starts_at"] == f"{TOMORROW}T10:00:00+00:00"
        and clash["ends_at"] == f"{TOMORROW}T11:00:00+00:00"
    )
    assert clash["client"]["name"] == "Alex Doe"
    assert f"appointment {first.id}" in e.message
    # back to back is no clash, nor another practitioner at the same time
    book(clinic, client_id=clinic["client2"], starts_at=f"{TOMORROW}T11:00", minutes=30)
    book(clinic, client_id=clinic["client2"], practitioner_id=clinic["prac2"])


def test_a_cancelled_appointment_is_kept_and_frees_its_time(clinic: dict[str, Any]) -> None:
    first = book(clinic)
    desk = at(clinic["store"], clinic["desk"])
    gone = appointment_booking.cancel_appointment(
        desk, appointment_booking.CancelAppointmentRequest.of(appointment_id=first.id)
    )
    assert gone.status == "cancelled"
    again = appointment_booking.cancel_appointment(
        desk, appointment_booking.CancelAppointmentRequest.of(appointment_id=first.id)
    )
    assert again.status == "cancelled"
    book(clinic, client_id=clinic["client2"])  # the slot is free again
    window = ap.list_appointments(desk, ap.AppointmentsRequest.of(start_on=TOMORROW, end_on=TOMORROW))
    assert [a.client.name for a in window.appointments] == ["Bo Roe"]
    full = ap.list_appointments(
        desk, ap.AppointmentsRequest.of(start_on=TOMORROW, end_on=TOMORROW, include_cancelled=True)
    )
    assert sorted(a.status for a in full.appointments) == ["booked", "cancelled"]


def test_no_booking_or_move_into_the_past(clinic: dict[str, Any]) -> None:
    with pytest.raises(InputError) as err:
        book(clinic, starts_at="2026-12-01T08:59")
    assert err.value.field == "starts_at"
    first = book(clinic)
    with pytest.raises(InputError):
        appointment_booking.update_appointment(
            at(clinic["store"], clinic["desk"]),
            appointment_booking.UpdateAppointmentRequest.of(
                appointment_id=first.id, starts_at="2026-11-30T10:00"
            ),
        )


def test_moving_keeps_the_clash_rule_but_not_against_itself(clinic: dict[str, Any]) -> None:
    first = book(clinic)
    second = book(clinic, client_id=clinic["client2"], starts_at=f"{TOMORROW}T12:00")
    desk = at(clinic["store"], clinic["desk"])
    moved = appointment_booking.update_appointment(
        desk,
        appointment_booking.UpdateAppointmentRequest.of(
            appointment_id=first.id, starts_at=f"{TOMORROW}T10:30"
        ),
    )
    assert moved.to_json()["starts_at"] == f"{TOMORROW}T10:30:00+00:00" and moved.minutes == 60
    with pytest.raises(ConflictError) as err:
        appointment_booking.update_appointment(
            desk, appointment_booking.UpdateAppointmentRequest.of(appointment_id=first.id, minutes=120)
        )
    assert err.value.detail["clash"]["id"] == second.id  # type: ignore[index]
    other = appointment_booking.update_appointment(
        desk,
        appointment_booking.UpdateAppointmentRequest.of(
            appointment_id=first.id, minutes=120, practitioner_id=clinic["prac2"]
        ),
    )
    assert other.practitioner.name == "Sam" and other.minutes == 120


def test_marking_attended_once_it_started(clinic: dict[str, Any]) -> None:
    first = book(clinic)
    store = clinic["store"]
    with pytest.raises(InputError):
        appointment_booking.update_appointment(
            at(store, clinic["desk"]),
            appointment_booking.UpdateAppointmentRequest.of(appointment_id=first.id, status="attended"),
        )
    later = at(store, clinic["desk"], dt.datetime(2026, 12, 2, 10, 5, tzinfo=dt.UTC))
    done = appointment_booking.update_appointment(
        later, appointment_booking.UpdateAppointmentRequest.of(appointment_id=first.id, status="attended")
    )
    assert done.status == "attended"
    with pytest.raises(ConflictError):
        appointment_booking.cancel_appointment(
            later, appointment_booking.CancelAppointmentRequest.of(appointment_id=first.id)
        )


def test_who_and_what_may_be_booked(clinic: dict[str, Any]) -> None:
    with pytest.raises(InputError) as err:
        book(clinic, practitioner_id=clinic["desk"])
    assert err.value.field == "practitioner_id"
    with pytest.raises(InputError):
        book(clinic, minutes=4)
    with pytest.raises(InputError):
        book(clinic, kind="haircut")
    other = clinics.init_clinic(
        at(clinic["store"], clinic["owner"]), clinics.InitClinicRequest.of(name="B", owner_email="b@x.org")
    )
    with pytest.raises(NotFoundError):
        book(clinic, practitioner_id=other.owner_id)
    theirs = clients.add_client(
        at(clinic["store"], other.owner_id),
        clients.AddClientRequest.of(name="Cy", date_of_birth="1970-01-01"),
    ).id
    with pytest.raises(NotFoundError):
        book(clinic, client_id=theirs)
    mine = book(clinic)
    with pytest.raises(NotFoundError):
        ap.appointment_detail(
            at(clinic["store"], other.owner_id), ap.AppointmentRequest.of(appointment_id=mine.id)
        )


def test_the_window_is_at_most_62_days() -> None:
    ap.AppointmentsRequest.of(start_on="2026-12-01", end_on="2027-01-31")
    with pytest.raises(InputError):
        ap.AppointmentsRequest.of(start_on="2026-12-01", end_on="2027-02-01")
    with pytest.raises(InputError):
        ap.AppointmentsRequest.of(start_on="2026-12-02", end_on="2026-12-01")


def _items(entry: ap.AppointmentEntry) -> dict[str, Any]:
    assert entry.checklist is not None
    return {i.code: i for i in entry.checklist.items}


def test_a_session_shows_its_checklist_and_a_fixed_consent_clears_it(clinic: dict[str, Any]) -> None:
    store = clinic["store"]
    entry = book(clinic, kind="session", minutes=180)
    items = _items(entry)
    assert set(items) == {"age", "screening", "consent", "patch_test", "practitioner", "interval", "stock"}
    assert not items["consent"].passed and items["consent"].fix == "consent"
    assert "consent" in (items["consent"].reason or "")
    assert items["screening"].passed and items["stock"].passed and entry.checklist is not None
    assert entry.checklist.ready is False
    consent.sign_consent(
        at(store, clinic["desk"]),
        consent.SignConsentRequest.of(client_id=clinic["client"], signed_name="Alex Doe"),
    )
    shown = ap.appointment_detail(
        at(store, clinic["desk"]), ap.AppointmentRequest.of(appointment_id=entry.id)
    )
    assert shown.checklist is not None and shown.checklist.ready, shown.checklist
    assert book(clinic, client_id=clinic["client2"], starts_at=f"{TOMORROW}T15:00").checklist is None


def test_the_checklist_flags_the_stock_a_day_lacks(clinic: dict[str, Any]) -> None:
    store = clinic["store"]
    lots.recall_lot(at(store, clinic["owner"]), lots.RecallRequest.of(lot="P1", reason="notice"))
    entry = book(clinic, kind="session", minutes=60)
    stock = _items(entry)["stock"]
    assert not stock.passed and stock.fix == "lots" and "pigment" in (stock.reason or "")
    for n in range(5):  # six sessions that day, five cartridges in stock
        book(clinic, kind="session", minutes=60, starts_at=f"{TOMORROW}T{11 + n}:00")
    last = book(clinic, kind="session", minutes=60, practitioner_id=clinic["prac2"])
    assert "5 needle cartridge(s)" in (_items(last)["stock"].reason or "")


def test_the_calendar_week_holds_the_days_and_the_due_items(clinic: dict[str, Any]) -> None:
    store = clinic["store"]
    book(clinic)
    book(clinic, practitioner_id=clinic["prac2"], client_id=clinic["client2"], starts_at="2026-12-04T09:00")
    desk = at(store, clinic["desk"])
    view = calendar.calendar_view(desk, calendar.CalendarRequest.of(week="2026-12-03"))
    assert (
        view.mode == "week" and view.start_on == dt.date(2026, 11, 30) and view.end_on == dt.date(2026, 12, 6)
    )
    assert [len(d.appointments) for d in view.days] == [0, 0, 1, 0, 1, 0, 0]
    assert {p.name for p in view.practitioners} == {"Pat", "Sam", "Owner"} or len(view.practitioners) == 3
    one = calendar.calendar_view(
        desk, calendar.CalendarRequest.of(week="2026-12-03", practitioner_id=clinic["prac2"])
    )
    assert [len(d.appointments) for d in one.days] == [0, 0, 0, 0, 1, 0, 0]
    day = calendar.calendar_view(desk, calendar.CalendarRequest.of(day=TOMORROW))
    assert day.mode == "day" and len(day.days) == 1 and len(day.days[0].appointments) == 1


def _record_session(clinic: dict[str, Any]) -> sessions.SessionRecorded:
    store = clinic["store"]
    consent.sign_consent(
        at(store, clinic["prac"]),
        consent.SignConsentRequest.of(client_id=clinic["client"], signed_name="Alex Doe"),
    )
    done = sessions.record_session(
        at(store, clinic["prac"]),
        sessions.SessionRequest.of(
            client_id=clinic["client"], practitioner_id=clinic["prac"], pigment_lot="P1", needle_lot="N1"
        ),
    )
    assert isinstance(done, sessions.SessionRecorded), done
    return done


def test_due_follow_ups_are_booked_in_one_step_and_then_no_longer_due(clinic: dict[str, Any]) -> None:
    done = _record_session(clinic)
    desk = at(clinic["store"], clinic["desk"])
    due = calendar.due_items(desk, calendar.DueRequest.of(start_on="2026-12-01", end_on="2026-12-07"))
    follow = [i for i in due.items if i.kind == "follow-up"]
    assert follow and follow[0].id == done.follow_ups[0].id and follow[0].book_kind == "follow-up-call"
    assert follow[0].due_on == done.follow_ups[0].due_on and not follow[0].overdue
    item = follow[0]
    book(
        clinic,
        kind=item.book_kind,
        minutes=15,
        followup_id=item.id,
        starts_at=f"{item.due_on}T16:00",
    )
    again = calendar.due_items(desk, calendar.DueRequest.of(start_on="2026-12-01", end_on="2026-12-07"))
    assert item.id not in [i.id for i in again.items if i.kind == "follow-up"]
    view = calendar.calendar_view(desk, calendar.CalendarRequest.of(week="2026-12-01"))
    assert all(i.id != item.id for d in view.days for i in d.due if i.kind == "follow-up")


def test_a_follow_up_of_another_client_is_not_found(clinic: dict[str, Any]) -> None:
    done = _record_session(clinic)
    with pytest.raises(NotFoundError):
        book(clinic, client_id=clinic["client2"], followup_id=done.follow_ups[0].id)


# --- a patch test applied now and read later ------------------------------------------------------------


def _apply(clinic: dict[str, Any], applied: str = "2026-11-30T09:00") -> patch_tests.PatchTestRecorded:
    return patch_tests.record_patch_test(
        at(clinic["store"], clinic["prac"]),
        patch_tests.PatchTestRecordRequest.of(client_id=clinic["client"], lot="P1", applied=applied),
    )


def test_a_pending_patch_test_is_due_to_be_read_and_blocks_a_session_where_advised(store: Store) -> None:
    ids: dict[str, Any] = {"store": store}
    start = ServiceContext(store=store, clock=Clock.fixed(NOW))
    ids["owner"] = clinics.init_clinic(start, clinics.InitClinicRequest.of(name="C", timezone="UTC")).owner_id
    ids["prac"] = clinics.add_user(
        at(store, ids["owner"]),
        clinics.AddUserRequest.of(name="Pat", role="practitioner", certified_until=FAR),
    ).id
    ids["client"] = clients.add_client(
        at(store, ids["owner"]), clients.AddClientRequest.of(name="Alex", date_of_birth="1980-01-02")
    ).id
    clients.screen_client(
        at(store, ids["prac"]),
        clients.ScreenClientRequest.of(
            client_id=ids["client"], answers=answers(ink_or_anaesthetic_reaction=True)
        ),
    )
    consent.sign_consent(
        at(store, ids["prac"]), consent.SignConsentRequest.of(client_id=ids["client"], signed_name="Alex")
    )
    for kind, code in (("pigment", "P1"), ("needle", "N1")):
        lots.add_lot(
            at(store, ids["owner"]),
            lots.AddLotRequest.of(kind=kind, product=kind, lot=code, expires=FAR, quantity=5),
        )
    pending = _apply(ids)
    assert pending.pending and pending.result is None and pending.read_at is None and pending.blocks_session
    assert pending.read_due_at == "2026-12-02T09:00"  # 48 h after it was applied (care.toml [patch_test])
    due = calendar.due_items(
        at(store, ids["prac"]), calendar.DueRequest.of(start_on="2026-12-01", end_on="2026-12-07")
    )
    reads = [i for i in due.items if i.kind == "patch-test-read"]
    assert [(i.id, i.due_on, i.book_kind) for i in reads] == [
        (pending.id, dt.date(2026, 12, 2), "patch-test-read")
    ]
    session = appointment_booking.book_appointment(
        at(store, ids["prac"]),
        appointment_booking.BookAppointmentRequest.of(
            client_id=ids["client"],
            practitioner_id=ids["prac"],
            kind="session",
            starts_at="2026-12-09T10:00",
            minutes=120,
        ),
    )
    patch = _items(session)["patch_test"]
    assert not patch.passed and "not read yet" in (patch.reason or "") and patch.fix == "patch_test"
    refused = sessions.record_session(
        at(store, ids["prac"]),
        sessions.SessionRequest.of(
            client_id=ids["client"], practitioner_id=ids["prac"], pigment_lot="P1", needle_lot="N1"
        ),
    )
    assert isinstance(refused, sessions.SessionRefused)
    assert "patch_test_not_read" in {r.code for r in refused.reasons}
    # read too early (before 48 h), then read: the session's check passes
    later = at(store, ids["prac"], dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC))
    with pytest.raises(InputError):
        patch_tests.read_patch_test(
            later,
            patch_tests.PatchTestReadRequest.of(
                client_id=ids["client"], patch_test_id=pending.id, result="negative", read="2026-12-01T12:00"
            ),
        )
    read = patch_tests.read_patch_test(
        later,
        patch_tests.PatchTestReadRequest.of(
            client_id=ids["client"], patch_test_id=pending.id, result="negative"
        ),
    )
    assert read.result == "negative" and read.hours == 49.0 and not read.pending
    with pytest.raises(ConflictError):
        patch_tests.read_patch_test(
            later,
            patch_tests.PatchTestReadRequest.of(
                client_id=ids["client"], patch_test_id=pending.id, result="negative"
            ),
        )
    shown = ap.appointment_detail(later, ap.AppointmentRequest.of(appointment_id=session.id))
    assert _items(shown)["patch_test"].passed


def test_a_reading_needs_its_result_and_the_old_call_still_reads_at_once(clinic: dict[str, Any]) -> None:
    with pytest.raises(InputError) as err:
        patch_tests.PatchTestRecordRequest.of(
            client_id=1, lot="P1", applied="2026-11-28T09:00", read="2026-11-30T09:00"
        )
    assert err.value.field == "result"
    whole = patch_tests.record_patch_test(
        at(clinic["store"], clinic["prac"]),
        patch_tests.PatchTestRecordRequest.of(
            client_id=clinic["client"],
            lot="P1",
            applied="2026-11-28T09:00",
            read="2026-11-30T09:00",
            result="negative",
        ),
    )
    assert whole.result == "negative" and whole.hours == 48.0 and not whole.pending


# --- two bookings at once ---------------------------------------------------------------------------------


def _race(
    store: Store, user: int, requests: list[appointment_booking.BookAppointmentRequest]
) -> list[object]:
    """Book at once, each from its own thread with its own store (engine and connections)."""
    url = None if store.dialect == "sqlite" else store.url
    barrier = threading.Barrier(len(requests))
    results: list[object] = [None] * len(requests)

    def attempt(n: int) -> None:
        own = open_store(store.data_dir, url=url)
        try:
            barrier.wait()
            results[n] = appointment_booking.book_appointment(at(own, user), requests[n])
        except SmpError as exc:
            results[n] = exc
        finally:
            own.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_concurrent_bookings_of_one_practitioner_book_exactly_one(clinic: dict[str, Any]) -> None:
    for hour in (9, 11, 13):
        requests = [
            appointment_booking.BookAppointmentRequest.of(
                client_id=clinic[key],
                practitioner_id=clinic["prac"],
                kind="consultation",
                starts_at=f"{TOMORROW}T{hour:02d}:{minute}",
                minutes=60,
            )
            for key, minute in (("client", "00"), ("client2", "30"))
        ]
        results = _race(clinic["store"], clinic["desk"], requests)
        booked = [r for r in results if isinstance(r, ap.AppointmentEntry)]
        clashes = [r for r in results if isinstance(r, ConflictError)]
        assert len(booked) == 1 and len(clashes) == 1, results
        assert clashes[0].detail["clash"]["id"] == booked[0].id  # type: ignore[index]
