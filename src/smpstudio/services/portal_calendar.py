"""The calendar file of a client's own page (iCalendar): the aftercare rules of the last session still
running (all day, from the session's day to the day each ends), the clinic's follow-up calls and the
touch-up due, and the booked appointments (in the clinic's timezone). Titles are discreet: the clinic's
name and "Scalp appointment", "Call from" or "Aftercare: no washing", never a symptom. A follow-up call or a
touch-up booked as an appointment shows as the appointment alone (not also as the all-day date it fell due).
"""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session as Db

from smpstudio.care.aftercare import AftercarePlan
from smpstudio.records.models import Clinic
from smpstudio.records.repositories import client_links as repo
from smpstudio.services.context import Clock

__all__ = ["client_calendar"]

#: Short, discreet calendar titles for the aftercare rules (the full wording goes in the description).
_AFTERCARE_TITLES = {
    "washing": "no washing",
    "shampoo": "no shampoo",
    "sweating": "no gym",
    "sun": "keep out of the sun",
    "swimming": "no swimming or sauna",
    "shaving": "no razor",
    "picking": "hands off",
    "moisturiser": "no creams",
    "exfoliants": "no exfoliants",
}


def _uid(clinic_id: int, what: str) -> str:
    return f"{uuid.uuid5(uuid.NAMESPACE_URL, f'smpstudio/clinic/{clinic_id}/{what}')}@smpstudio"


def client_calendar(
    db: Db,
    clinic: Clinic,
    client_id: int,
    clock: Clock,
    plan: AftercarePlan | None,
    session_id: int | None,
) -> bytes:
    """The client's calendar file: the rules of ``plan`` (the last session's, ``session_id``) still
    running and that session's open follow-ups, the open touch-up reminders, and the booked appointments
    from now on."""
    from icalendar import Calendar, Event

    today, now = clock.today(), clock.now()
    cal = Calendar()
    cal.add("prodid", "-//smpstudio//client calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", clinic.name)
    phone = f" Call {clinic.phone}." if clinic.phone else ""
    booked = repo.booked_appointments(db, clinic.id, client_id, clock.now_utc())
    booked_followups = {a.followup_id for a in booked if a.followup_id is not None}
    booked_reminders = {a.reminder_id for a in booked if a.reminder_id is not None}

    def event(
        uid: str, title: str, start: dt.date | dt.datetime, end: dt.date | dt.datetime, text: str
    ) -> Event:
        ev = Event()
        ev.add("uid", _uid(clinic.id, uid))
        ev.add("dtstamp", now.astimezone(dt.UTC))
        ev.add("dtstart", start)
        ev.add("dtend", end)
        ev.add("summary", title)
        ev.add("description", text)
        cal.add_component(ev)
        return ev

    if plan is not None and session_id is not None:
        for rule in plan.rules:
            until = dt.date.fromisoformat(rule["until_date"])
            if until <= today:
                continue
            title = _AFTERCARE_TITLES.get(rule["key"], "what to avoid")
            ev = event(
                f"session/{session_id}/aftercare/{rule['key']}",
                f"Aftercare: {title}",
                plan.session_date,
                until,
                f"{rule['avoid']} From {until:%A %d %B}: {rule['then']}",
            )
            ev.add("transp", "TRANSPARENT")
        for f in repo.open_followups(db, client_id, session_id, today):
            if f.id in booked_followups:
                continue
            event(
                f"followup/{f.id}",
                f"Call from {clinic.name}",
                f.due_on,
                f.due_on + dt.timedelta(days=1),
                f"{clinic.name} will call you to ask how it is going.",
            )
    for rem in repo.open_reminders(db, client_id, today):
        if rem.id in booked_reminders:
            continue
        event(
            f"reminder/{rem.id}",
            f"Book your next visit at {clinic.name}",
            rem.due_on,
            rem.due_on + dt.timedelta(days=1),
            f"Your touch-up is due around now.{phone}",
        )
    for a in booked:
        starts = a.starts_at.astimezone(clock.tz)
        ends = a.ends_at.astimezone(clock.tz)
        if a.kind == "follow-up-call":  # the clinic calls: no place to go
            text = f"{clinic.name} will call you to ask how it is going."
            event(f"appointment/{a.id}", f"Call from {clinic.name}", starts, ends, text)
            continue
        text = f"Your appointment at {clinic.name}.{phone}"
        ev = event(f"appointment/{a.id}", f"Scalp appointment at {clinic.name}", starts, ends, text)
        if clinic.address:
            ev.add("location", " ".join(clinic.address.split()))
    if isinstance(clock.tz, ZoneInfo):
        cal.add_missing_timezones()
    return bytes(cal.to_ical())
