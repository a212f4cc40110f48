"""The calendar's pages: the week with its appointments and checklists, booking (and a double booking
refused with the clash named), one appointment (move, cancel, outcome), today's fragment on the dashboard,
and a pending patch test read from the client's patch-test page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi.testclient import TestClient

from smpstudio.services import clients, lots, registers
from tests.records.conftest import answers
from tests.web.clinic_html import days_later, structure_problems, text_of
from tests.web.conftest import World, ctx_for
from tests.web.populated import Populated, populated_fixture, populated_template_fixture  # noqa: F401


def _day(n: int) -> str:
    return (dt.date.today() + dt.timedelta(days=n)).isoformat()


def _form(world: World, **values: str) -> dict[str, str]:
    base = {
        "client_id": str(world.client),
        "practitioner_id": str(world.users["practitioner"]),
        "kind": "session",
        "date": _day(1),
        "time": "10:00",
        "minutes": "120",
    }
    return base | values


def _ready_but_consent(world: World) -> None:
    """Screen the client and stock the clinic: only the consent is missing before a session."""
    prac = ctx_for(world.store, world.users["practitioner"])
    clients.screen_client(prac, clients.ScreenClientRequest.of(client_id=world.client, answers=answers()))
    for kind, code in (("pigment", "P-1"), ("needle", "N-1")):
        lots.add_lot(
            ctx_for(world.store, world.users["owner"]),
            lots.AddLotRequest.of(kind=kind, product=kind, lot=code, expires=_day(400), quantity=4),
        )


def _book(c: TestClient, form: dict[str, str]) -> int:
    answer = c.post("/calendar/book", data=form)
    assert answer.status_code == 303, answer.text[:600]
    found = re.search(r"#appointment-(\d+)$", answer.headers["location"])
    assert found, answer.headers["location"]
    return int(found.group(1))


def test_the_calendar_opens_for_every_role_with_its_nav_entry(world: World) -> None:
    for role in ("owner", "practitioner", "front-desk"):
        answer = world.signed_in(role).get("/calendar")
        assert answer.status_code == 200
        assert not structure_problems(answer.text), structure_problems(answer.text)
        assert '<a href="/calendar" aria-current="page">Calendar</a>' in answer.text
        assert "Book an appointment" in text_of(answer)


def test_the_front_desk_books_tomorrow_sees_the_missing_consent_and_the_fix_link(world: World) -> None:
    _ready_but_consent(world)
    desk = world.signed_in("front-desk")
    ident = _book(desk, _form(world))
    week = desk.get(f"/calendar?day={_day(1)}")
    assert not structure_problems(week.text)
    assert f'id="appointment-{ident}"' in week.text
    text = text_of(week)
    assert "Session : Alex Doe" in text and "1 thing to fix before the day" in text
    assert f'href="/clients/{world.client}/consent"' in week.text and "Sign the treatment consent" in text
    detail = desk.get(f"/calendar/appointments/{ident}")
    assert detail.status_code == 200 and not structure_problems(detail.text)
    assert 'data-check="consent"' in detail.text and "Before the session" in text_of(detail)


def test_a_double_booking_is_refused_with_the_clash_named(world: World) -> None:
    desk = world.signed_in("front-desk")
    first = _book(desk, _form(world, kind="consultation", minutes="60"))
    other = clients.add_client(
        ctx_for(world.store, world.users["owner"]),
        clients.AddClientRequest.of(name="Bo Roe", date_of_birth="1985-05-05"),
    ).id
    clash = desk.post("/calendar/book", data=_form(world, client_id=str(other), time="10:30"))
    assert clash.status_code == 409
    assert f'data-clash="{first}"' in clash.text
    text = text_of(clash)
    assert "already booked" in text and "Consultation with Alex Doe" in text
    assert not structure_problems(clash.text)
    partial = desk.post(
        "/calendar/book", data=_form(world, client_id=str(other)), headers={"HX-Request": "true"}
    )
    assert partial.status_code == 200 and 'id="book"' in partial.text and "<html" not in partial.text
    ok = desk.post("/calendar/book", data=_form(world, time="14:00"), headers={"HX-Request": "true"})
    assert ok.status_code == 204 and ok.headers["HX-Redirect"].startswith(f"/calendar?day={_day(1)}")


def test_move_mark_and_cancel_from_the_appointment_page(world: World) -> None:
    desk = world.signed_in("front-desk")
    ident = _book(desk, _form(world, kind="consultation", minutes="30"))
    moved = desk.post(
        f"/calendar/appointments/{ident}/move",
        data={"date": _day(2), "time": "11:00", "minutes": "45", "notes": "call first"},
    )
    assert moved.status_code == 303
    page = desk.get(moved.headers["location"])
    assert "The appointment was changed." in text_of(page) and "11:00" in text_of(page)
    early = desk.post(f"/calendar/appointments/{ident}/status", data={"status": "attended"})
    assert early.status_code == 422 and "once the appointment has started" in text_of(early)
    gone = desk.post(f"/calendar/appointments/{ident}/cancel")
    assert gone.status_code == 303
    assert "Cancelled" in text_of(desk.get(f"/calendar/appointments/{ident}"))
    assert f'id="appointment-{ident}"' not in desk.get(f"/calendar?day={_day(2)}").text


def test_a_due_follow_up_books_in_one_step(world: World) -> None:
    desk = world.signed_in("front-desk")
    form = desk.get(
        f"/calendar/book?client_id={world.client}&kind=follow-up-call&day={_day(2)}&followup_id=7"
    )
    assert form.status_code == 200 and not structure_problems(form.text)
    assert 'name="followup_id" value="7"' in form.text
    assert '<option value="follow-up-call" selected>' in form.text
    assert f'<option value="{world.client}" selected>' in form.text
    assert 'value="15"' in form.text  # a follow-up call's usual length


def test_book_it_proposes_the_practitioners_first_free_time_that_day(world: World) -> None:
    desk = world.signed_in("front-desk")
    prac = world.users["practitioner"]
    _book(desk, _form(world, date=_day(3), time="09:00", minutes="45", kind="consultation"))
    link = f"/calendar/book?client_id={world.client}&kind=follow-up-call&day={_day(3)}&followup_id=7"
    form = desk.get(f"{link}&practitioner={prac}")
    assert 'name="time" type="time" value="09:45"' in form.text  # 09:00-09:45 taken: the call fits next
    other_day = desk.get(link.replace(_day(3), _day(4)) + f"&practitioner={prac}")
    assert 'name="time" type="time" value="09:00"' in other_day.text  # a free day: its start


def test_the_dashboard_loads_todays_appointments(world: World) -> None:
    desk = world.signed_in("front-desk")
    board = desk.get("/")
    assert 'hx-get="/calendar/today"' in board.text
    fragment = desk.get("/calendar/today")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "No appointments today." in fragment.text and 'href="/calendar"' in fragment.text


def test_a_pending_patch_test_is_read_from_its_page(world: World) -> None:
    lots.add_lot(
        ctx_for(world.store, world.users["owner"]),
        lots.AddLotRequest.of(kind="pigment", product="ink", lot="P-7", expires=_day(400), quantity=2),
    )
    prac = world.signed_in("practitioner")
    applied = dt.datetime.combine(dt.date.today() - dt.timedelta(days=3), dt.time(9, 0))
    path = f"/clients/{world.client}/patch-tests"
    recorded = prac.post(
        path, data={"lot": "P-7", "site": "behind the ear", "applied": applied.isoformat()[:16]}
    )
    assert recorded.status_code == 303, recorded.text[:600]
    page = prac.get(path)
    assert not structure_problems(page.text), structure_problems(page.text)
    assert "not read yet" in text_of(page) and "Record the reading" in text_of(page)
    found = re.search(r'action="[^"]*/patch-tests/(\d+)/read"', page.text)
    assert found
    read = prac.post(f"{path}/{found.group(1)}/read", data={"result": "negative", "read": _day(0) + "T08:00"})
    assert read.status_code == 303, read.text[:600]
    assert "Record the reading" not in text_of(prac.get(path))


# --- fix links for the signed-in role, and "Book it" in one step -----------------------------------------


def _session_booked_unscreened(world: World) -> int:
    """A session booked tomorrow for the client, who has no screening on file (nor consent)."""
    return _book(
        world.signed_in("front-desk"), _form(world, date=(world.today() + dt.timedelta(1)).isoformat())
    )


def test_the_front_desk_is_told_who_screens_instead_of_a_link_it_may_not_open(world: World) -> None:
    ident = _session_booked_unscreened(world)
    screening = f'href="/clients/{world.client}/screening"'
    desk, prac = world.signed_in("front-desk"), world.signed_in("practitioner")
    day = (world.today() + dt.timedelta(1)).isoformat()
    for path in (f"/calendar/appointments/{ident}", f"/calendar?day={day}", f"/clients/{world.client}"):
        seen = desk.get(path)
        assert seen.status_code == 200 and not structure_problems(seen.text), path
        assert screening not in seen.text and "A practitioner records the screening." in text_of(seen), path
        assert f'href="/clients/{world.client}/consent"' in seen.text, path  # the desk takes consent
        assert screening in prac.get(path).text, path  # a practitioner gets the link
    checklist = desk.get(f"/calendar/appointments/{ident}").text
    assert 'data-check="screening"' in checklist and "Screen the client" not in checklist


def _practitioner_select(html: str) -> tuple[list[str], str | None]:
    block = html.split('name="practitioner_id"', 1)[1].split("</select>", 1)[0]
    options = re.findall(r'<option value="(\d+)"', block)
    chosen = re.search(r'<option value="(\d+)" selected>', block)
    return options, chosen.group(1) if chosen else None


def _posted(html: str) -> dict[str, str]:
    """What the booking form posts as it stands (hidden, text, selected, textarea)."""
    form = html.split('action="/calendar/book"', 1)[1].split("</form>", 1)[0]
    values = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    for name, value in re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', form):
        values.setdefault(name, value)
    for name, block in re.findall(r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', block)
        values[name] = chosen.group(1) if chosen else ""
    return values


def test_book_it_opens_the_form_filled_in_full_and_books_in_one_press(world: World) -> None:
    from smpstudio.records.models import FollowUp, Reminder, Session

    today = world.today()
    owner = ctx_for(world.store, world.users["owner"])
    stock = {
        kind: lots.add_lot(
            owner, lots.AddLotRequest.of(kind=kind, product=kind, lot=code, expires=_day(400), quantity=4)
        ).id
        for kind, code in (("pigment", "P-9"), ("needle", "N-9"))
    }

    def seed(db: Any) -> tuple[int, int]:
        sess = Session(
            clinic_id=world.clinic,
            client_id=world.client,
            practitioner_id=world.users["owner"],
            started_at=dt.datetime.combine(today - dt.timedelta(days=10), dt.time(10), tzinfo=dt.UTC),
            zones=["crown"],
            pigment_lot_id=stock["pigment"],
            needle_lot_id=stock["needle"],
            ink_fraction=1.0,
            rules_version="test",
            historical=True,
        )
        db.add(sess)
        db.flush()
        call = FollowUp(
            client_id=world.client, session_id=sess.id, due_on=today - dt.timedelta(2), purpose="x"
        )
        touch = Reminder(client_id=world.client, kind="touch-up", due_on=today + dt.timedelta(1), basis="x")
        db.add_all([call, touch])
        db.flush()
        return call.id, touch.id

    followup_id, reminder_id = world.store.write(seed)
    desk = world.signed_in("front-desk")
    week = desk.get(f"/calendar?week={today}")
    links = dict(re.findall(r'data-due="([\w-]+)".*?href="(/calendar/book\?[^"]+)"', week.text, re.S))
    call_link = links[f"follow-up-{followup_id}"].replace("&amp;", "&")
    assert f"practitioner={world.users['owner']}" in call_link  # the practitioner of the session it came from
    form = desk.get(call_link)
    assert form.status_code == 200 and not structure_problems(form.text)
    assert _practitioner_select(form.text)[1] == str(world.users["owner"])
    posted = _posted(form.text)
    tomorrow = (today + dt.timedelta(1)).isoformat()
    assert posted["date"] == tomorrow  # overdue: the next day, not a day already past
    assert posted["client_id"] == str(world.client) and posted["followup_id"] == str(followup_id)
    booked = desk.post("/calendar/book", data=posted)
    assert booked.status_code == 303, text_of(booked)[:600]
    # a touch-up not from a session: the front desk gets the first practitioner, a practitioner themself
    touch_link = links[f"touch-up-{reminder_id}"].replace("&amp;", "&")
    assert "practitioner=" not in touch_link
    options, chosen = _practitioner_select(desk.get(touch_link).text)
    assert chosen == options[0]
    prac = world.signed_in("practitioner")
    assert _practitioner_select(prac.get(touch_link).text)[1] == str(world.users["practitioner"])
    again = prac.post("/calendar/book", data=_posted(prac.get(touch_link).text) | {"time": "15:00"})
    assert again.status_code == 303, text_of(again)[:600]


def _book_tomorrow(
    populated: Populated, c: TestClient, *, kind: str, at: str, minutes: int, **more: Any
) -> int:
    """Book clinic A's client with its practitioner tomorrow at ``at`` through the API; the new id."""
    tomorrow = (populated.today() + dt.timedelta(days=1)).isoformat()
    body = {
        "client_id": populated.a.client_id,
        "practitioner_id": populated.users["practitioner"],
        "kind": kind,
        "starts_at": f"{tomorrow}T{at}",
        "minutes": minutes,
        **more,
    }
    booked = c.post("/api/v1/appointments", json=body)
    assert booked.status_code == 201, booked.text
    return int(booked.json()["id"])


def test_a_follow_up_calls_outcome_is_recorded_from_its_appointment(populated: Populated) -> None:
    desk = populated.cookie("front-desk")
    ident = _book_tomorrow(
        populated, desk, kind="follow-up-call", at="11:00", minutes=15, followup_id=populated.a.followup_id
    )
    assert "The call's outcome" not in text_of(desk.get(f"/calendar/appointments/{ident}"))  # not yet
    days_later(populated.app, 2)
    desk = populated.cookie("front-desk")
    assert "The call's outcome" in text_of(desk.get(f"/calendar/appointments/{ident}"))
    empty = desk.post(f"/calendar/appointments/{ident}/call-outcome", data={"outcome": "  "})
    assert empty.status_code == 422 and "Field: outcome" in text_of(empty)
    done = desk.post(f"/calendar/appointments/{ident}/call-outcome", data={"outcome": "Phoned: all healed."})
    assert done.status_code == 303 and done.headers["location"].endswith("?done=call")
    detail = registers.followup_detail(
        ctx_for(populated.store, populated.users["owner"]),
        registers.FollowUpRequest.of(followup_id=populated.a.followup_id),
    )
    assert detail.done_at is not None and detail.outcome == "Phoned: all healed."


def test_a_call_outcome_on_another_kind_of_appointment_is_refused(populated: Populated) -> None:
    desk = populated.cookie("front-desk")
    ident = _book_tomorrow(populated, desk, kind="consultation", at="12:00", minutes=30)
    answer = desk.post(f"/calendar/appointments/{ident}/call-outcome", data={"outcome": "Phoned."})
    assert answer.status_code == 422 and "not booked for a follow-up" in text_of(answer)
