"""The mail routes: the owner's mail server (never the password back), the test message through a local
SMTP server, the public unsubscribe page, and a client's reminders on their record."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import select

from smpstudio.records.clinic_day import Appointment, ClinicMail
from smpstudio.records.models import Client
from smpstudio.services import reminders
from smpstudio.services.context import Clock, ServiceContext
from tests.mail.conftest import Server, closed_port, smtp_server  # noqa: F401 (fixtures)
from tests.web.conftest import World

SECRET = b"k" * 32
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
PASSWORD = "mail-account-pass-991"


@pytest.fixture
def mail_world(world: World) -> Iterator[World]:
    """The world with the studio's secret key and a fixed clock in the services' context."""
    studio = world.app.state.studio
    ctx = dataclasses.replace(studio.context, secret=SECRET, clock=Clock.fixed(NOW))
    world.app.state.studio = dataclasses.replace(studio, context=ctx)
    yield world


class Recorder:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


def _settings(host: str = "smtp.example.org", port: int = 587, **kw: Any) -> dict[str, Any]:
    return {"host": host, "port": port, "security": "none", "from_address": "desk@clinic-a.example.org", **kw}


def _reminder_token(world: World) -> str:
    """Book the client tomorrow and send the reminder (through a recorder): the unsubscribe token."""
    owner = world.signed_in("owner")
    assert owner.put("/api/v1/clinic/mail", json=_settings()).status_code == 200

    def book(db: Any) -> None:
        start = NOW + dt.timedelta(days=1, hours=4)
        db.add(
            Appointment(
                clinic_id=world.clinic,
                client_id=world.client,
                practitioner_id=world.users["practitioner"],
                kind="consultation",
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=30),
                minutes=30,
                created_by=world.users["front-desk"],
            )
        )

    world.store.write(book)
    mailer = Recorder()
    ctx = ServiceContext(store=world.store, clock=Clock.fixed(NOW), secret=SECRET)
    sent = reminders.send_due_reminders(ctx, reminders.SendRemindersRequest(clinic_id=world.clinic), mailer)
    assert sent.counts == {"appointment": {"sent": 1}}
    found = re.search(r"/unsubscribe/([A-Za-z0-9_-]{43})", mailer.sent[0].get_content())
    assert found
    return found.group(1)


def test_the_owner_sets_the_mail_server_and_never_reads_the_password_back(mail_world: World) -> None:
    owner = mail_world.signed_in("owner")
    assert owner.get("/api/v1/clinic/mail").json()["configured"] is False
    saved = owner.put(
        "/api/v1/clinic/mail",
        json=_settings(security="starttls", username="desk", password=PASSWORD, send_hour=8),
    )
    assert saved.status_code == 200, saved.text
    assert PASSWORD not in saved.text and saved.json()["password"] == "stored"
    shown = owner.get("/api/v1/clinic/mail")
    assert PASSWORD not in shown.text
    assert {k: shown.json()[k] for k in ("host", "port", "security", "username", "send_hour")} == {
        "host": "smtp.example.org",
        "port": 587,
        "security": "starttls",
        "username": "desk",
        "send_hour": 8,
    }
    sealed = mail_world.store.read(lambda db: db.scalar(select(ClinicMail.password_sealed)))
    assert sealed and PASSWORD not in sealed
    page = owner.get("/settings/mail")
    assert page.status_code == 200 and PASSWORD not in page.text and 'value="smtp.example.org"' in page.text
    bad = owner.put("/api/v1/clinic/mail", json=_settings(port=0))
    assert bad.status_code == 422 and bad.json()["field"] == "port"


@pytest.mark.parametrize("role", ["practitioner", "front-desk"])
def test_only_the_owner_reaches_the_mail_server(mail_world: World, role: str) -> None:
    c = mail_world.signed_in(role)
    assert c.get("/api/v1/clinic/mail").status_code == 403
    assert c.put("/api/v1/clinic/mail", json=_settings()).status_code == 403
    assert c.post("/api/v1/clinic/mail/test", json={}).status_code == 403
    assert c.get("/settings/mail").status_code == 403


def test_the_test_message_arrives_and_a_server_down_is_a_plain_409(
    mail_world: World,
    smtp_server: Server,  # noqa: F811
    closed_port: int,  # noqa: F811
) -> None:
    owner = mail_world.signed_in("owner")
    owner.put("/api/v1/clinic/mail", json=_settings(smtp_server.host, smtp_server.port))
    sent = owner.post("/api/v1/clinic/mail/test", json={})
    assert sent.status_code == 200, sent.text
    assert sent.json()["to"] == "owner@clinic-a.example.org"
    [got] = smtp_server.messages
    assert got["Subject"] == "Clinic A: test message"
    owner.put("/api/v1/clinic/mail", json=_settings("127.0.0.1", closed_port))
    down = owner.post("/api/v1/clinic/mail/test", json={"to": "someone@example.org"})
    assert down.status_code == 409
    body = down.json()
    assert body["code"] == "mail_unreachable" and body["kind"] == "conflict"
    assert body["error"] == f"the mail server at 127.0.0.1:{closed_port} could not be reached"
    form = owner.post("/settings/mail/test", data={"to": "", "csrf_token": owner.headers["X-CSRF-Token"]})
    assert form.status_code == 409 and "could not be reached" in form.text and "Traceback" not in form.text


def test_the_settings_page_saves_the_server(mail_world: World) -> None:
    owner = mail_world.signed_in("owner")
    form = {
        "host": "smtp.example.org",
        "port": "465",
        "security": "tls",
        "from_address": "desk@clinic-a.example.org",
        "send_hour": "7",
        "enabled": "on",
        "csrf_token": owner.headers["X-CSRF-Token"],
    }
    saved = owner.post("/settings/mail", data=form)
    assert saved.status_code == 303 and saved.headers["location"] == "/settings/mail?done=saved"
    assert owner.get("/api/v1/clinic/mail").json()["send_hour"] == 7
    bad = owner.post("/settings/mail", data={**form, "host": "not a host"})
    assert bad.status_code == 422 and "is not a host name" in bad.text
    assert 'href="/settings/mail"' in owner.get("/settings").text


def test_the_unsubscribe_page_asks_then_stops_reminders_and_shows_no_client_data(mail_world: World) -> None:
    token = _reminder_token(mail_world)
    anyone = mail_world.anonymous()
    ask = anyone.get(f"/unsubscribe/{token}")
    assert ask.status_code == 200
    assert "Clinic A" in ask.text and "Stop e-mail reminders" in ask.text
    assert "Alex" not in ask.text and "alex@example.org" not in ask.text
    done = anyone.post(f"/unsubscribe/{token}")
    assert done.status_code == 200 and "No more e-mail reminders" in done.text
    opted = mail_world.store.read(lambda db: db.get(Client, mail_world.client).email_opt_out_at)
    assert opted == NOW
    assert anyone.post(f"/unsubscribe/{token}").status_code == 200  # idempotent
    for bad in ("nothing", "x" * 43, token[:-1] + ("A" if token[-1] != "A" else "B")):
        unknown = anyone.get(f"/unsubscribe/{bad}")
        assert unknown.status_code == 404 and "Link not found" in unknown.text
        assert anyone.post(f"/unsubscribe/{bad}").status_code == 404
    cross = anyone.post(f"/unsubscribe/{token}", headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403


def test_the_unsubscribe_page_is_the_clinics_not_the_studios(mail_world: World) -> None:
    token = _reminder_token(mail_world)
    anyone = mail_world.anonymous()
    for answer in (anyone.get(f"/unsubscribe/{token}"), anyone.post(f"/unsubscribe/{token}")):
        assert (
            '<span class="brand">Clinic A</span>' in answer.text
            and "<title>E-mail reminders · Clinic A" in answer.text
        )
        assert "smpstudio" not in answer.text.split("<main", 1)[0].split("</title>", 1)[1]
        assert re.search(r"<h1>[^<]*from Clinic A\??</h1>", answer.text)


def test_the_record_shows_the_reminder_and_staff_turn_reminders_back_on_with_the_clients_say_so(
    mail_world: World,
) -> None:
    token = _reminder_token(mail_world)
    mail_world.anonymous().post(f"/unsubscribe/{token}")
    desk = mail_world.signed_in("front-desk")
    page = desk.get(f"/clients/{mail_world.client}")
    assert page.status_code == 200
    assert "No e-mail reminders</strong> (unsubscribed on 1 Dec 2026)" in page.text
    assert "Reminder e-mail sent 1 Dec 2026: appointment tomorrow" in page.text
    listed = desk.get(f"/api/v1/clients/{mail_world.client}/messages").json()
    assert [m["status"] for m in listed["messages"]] == ["sent"] and listed["email_opt_out_at"]
    csrf = desk.headers["X-CSRF-Token"]
    refused = desk.post(f"/clients/{mail_world.client}/email-reminders", data={"csrf_token": csrf})
    assert refused.status_code == 422
    on = desk.post(
        f"/clients/{mail_world.client}/email-reminders", data={"csrf_token": csrf, "client_agreed": "on"}
    )
    assert on.status_code == 303
    assert mail_world.store.read(lambda db: db.get(Client, mail_world.client).email_opt_out_at) is None
    assert "E-mail reminders: on." in desk.get(f"/clients/{mail_world.client}").text
    api = desk.post(f"/api/v1/clients/{mail_world.client}/email-reminders", json={"client_agreed": True})
    assert api.status_code == 200 and api.json() == {"client_id": mail_world.client, "email_reminders": True}
    theirs = desk.get(f"/api/v1/clients/{mail_world.other_client}/messages")
    assert theirs.status_code == 404
