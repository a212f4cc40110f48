"""Reminders through a local SMTP server, on SQLite and PostgreSQL: what arrives (to whom, a subject with
the clinic's name and no health word, the time in the clinic's timezone, the unsubscribe link), each sent
once, the unsubscribe honoured, a server that is down retried later and never duplicated."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
import time
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import select, update

from smpstudio.errors import AccessError, InputError, NotFoundError
from smpstudio.mail.transport import MailError
from smpstudio.records.clinic_day import Message
from smpstudio.records.models import AuditEntry, Client
from smpstudio.records.store import Store
from smpstudio.services import client_messages, clinic_settings, clinics, reminders
from smpstudio.services.reminders import SendRemindersRequest, send_due_reminders
from tests.mail.clinic import NOW, Clinic, make_clinic
from tests.mail.conftest import Server

HEALTH_WORDS = ("patch test", "scab", "reaction", "smp", "treatment", "infection", "allerg")
TOMORROW_2PM = dt.datetime(2026, 12, 2, 14, 30, tzinfo=dt.UTC)


@pytest.fixture
def clinic(store: Store) -> Clinic:
    return make_clinic(store)


def run(clinic: Clinic, now: dt.datetime = NOW, **kw: Any) -> reminders.RemindersSent:
    return send_due_reminders(
        clinic.ctx(now=now), SendRemindersRequest(clinic_id=clinic.clinic_id, now=now), **kw
    )


def messages(clinic: Clinic) -> list[Message]:
    def read(db: Any) -> list[Message]:
        rows = list(db.scalars(select(Message).order_by(Message.id)))
        db.expunge_all()
        return rows

    return clinic.store.read(read)


def link_of(message: EmailMessage) -> str:
    found = re.search(r"http://127\.0\.0\.1:8000/unsubscribe/([A-Za-z0-9_-]{43})", message.get_content())
    assert found, message.get_content()
    return found.group(1)


class Recorder:
    """A mailer keeping what it was given; ``fail`` makes it refuse like a server that is down."""

    def __init__(self, fail: bool = False, pause_s: float = 0.0) -> None:
        self.sent: list[EmailMessage] = []
        self.fail = fail
        self.pause_s = pause_s
        self.lock = threading.Lock()

    def send(self, message: EmailMessage) -> None:
        if self.fail:
            raise MailError("the mail server at test:25 could not be reached", code="mail_unreachable")
        time.sleep(self.pause_s)
        with self.lock:
            self.sent.append(message)


def test_tomorrows_appointment_arrives_once_with_the_time_and_an_unsubscribe_link(
    clinic: Clinic, smtp_server: Server
) -> None:
    clinic.set_mail(smtp_server.host, smtp_server.port)
    appt = clinic.appointment(TOMORROW_2PM)
    result = run(clinic)
    assert result.counts == {"appointment": {"sent": 1}}
    [got] = smtp_server.messages
    assert got["To"] == "alex@example.org"
    assert got["From"] == "desk@clinic-a.example.org"
    assert got["Subject"] == "Clinic A: your appointment tomorrow"
    assert not any(word in got["Subject"].lower() for word in HEALTH_WORDS)
    body = got.get_content()
    assert "Hello Alex," in body
    assert "Wednesday 2 December 2026 at 14:30" in body  # London time (UTC+0 in December)
    assert "+44 20 7946 0000" in body and "1 High Street" in body
    token = link_of(got)
    assert got["List-Unsubscribe"] == f"<http://127.0.0.1:8000/unsubscribe/{token}>"
    raw = smtp_server.inbox.raw[0]
    assert f"List-Unsubscribe: <http://127.0.0.1:8000/unsubscribe/{token}>".encode() in raw  # as written
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw
    [row] = messages(clinic)
    assert (row.source_key, row.status, row.attempts) == (f"appointment:{appt}", "sent", 1)
    assert row.unsubscribe_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.sent_at == NOW and row.to_address == "alex@example.org"
    assert token not in (row.unsubscribe_hash or "")
    again = run(clinic, NOW + dt.timedelta(minutes=5))
    assert again.counts == {} and again.message_ids == []
    assert len(smtp_server.messages) == 1


def test_the_clinics_local_time_and_send_hour_decide_what_is_due(clinic: Clinic) -> None:
    """In Sydney (UTC+11 in December) 1 December 22:00 UTC is 2 December 09:00: "tomorrow" is the 3rd."""
    clinic_settings.update_clinic(
        clinic.ctx(clinic.owner), clinic_settings.UpdateClinicRequest.of(timezone="Australia/Sydney")
    )
    clinic.set_mail("127.0.0.1", 25, send_hour=10)
    third = clinic.appointment(dt.datetime(2026, 12, 3, 1, 0, tzinfo=dt.UTC))  # 3 Dec 12:00 in Sydney
    clinic.appointment(dt.datetime(2026, 12, 1, 23, 0, tzinfo=dt.UTC))  # 2 Dec 10:00 in Sydney: today
    mailer = Recorder()
    early = run(clinic, dt.datetime(2026, 12, 1, 22, 0, tzinfo=dt.UTC), mailer=mailer)  # 09:00 local
    assert early.skipped == "reminders go out from 10:00, the clinic's time" and mailer.sent == []
    on_time = run(clinic, dt.datetime(2026, 12, 1, 23, 0, tzinfo=dt.UTC), mailer=mailer)  # 10:00 local
    assert on_time.counts == {"appointment": {"sent": 1}}
    [row] = messages(clinic)
    assert row.source_key == f"appointment:{third}"
    assert "Thursday 3 December 2026 at 12:00" in mailer.sent[0].get_content()


def test_each_kind_of_reminder_goes_out_with_the_clinics_name_and_no_health_word(clinic: Clinic) -> None:
    clinic.set_mail("127.0.0.1", 25)
    clinic.appointment(TOMORROW_2PM, kind="patch-test-read", minutes=15)
    clinic.appointment(dt.datetime(2026, 12, 3, 10, tzinfo=dt.UTC))  # the day after tomorrow: not yet
    clinic.appointment(TOMORROW_2PM + dt.timedelta(hours=2), status="cancelled")
    clinic.followup(dt.date(2026, 12, 2))
    clinic.followup(dt.date(2026, 12, 5))  # not yet
    clinic.touch_up(dt.date(2026, 12, 14))
    clinic.touch_up(dt.date(2026, 12, 20))  # beyond 14 days
    clinic.patch_test(NOW - dt.timedelta(hours=40))  # first reading (48 h) in 8 hours
    clinic.patch_test(NOW - dt.timedelta(hours=100))  # its first reading was 52 h ago: too late to remind
    mailer = Recorder()
    result = run(clinic, mailer=mailer)
    assert result.counts == {
        "appointment": {"sent": 1},
        "follow-up": {"sent": 1},
        "touch-up": {"sent": 1},
        "patch-test-read": {"sent": 1},
    }
    subjects = sorted(str(m["Subject"]) for m in mailer.sent)
    assert subjects == [
        "Clinic A: please come back to see us",
        "Clinic A: time to book your next visit",
        "Clinic A: we will be in touch",
        "Clinic A: your appointment tomorrow",
    ]
    for m in mailer.sent:
        assert not any(word in str(m["Subject"]).lower() for word in HEALTH_WORDS)
        assert "Scab" not in m.get_content()  # the follow-up's purpose stays in the clinic
    bodies = "\n".join(m.get_content() for m in mailer.sent)
    assert "patch test reading at Clinic A tomorrow, Wednesday 2 December 2026 at 14:30" in bodies
    assert "ready to be read from Tuesday 1 December 2026 at 18:00" in bodies
    assert "We will call you on Wednesday 2 December 2026" in bodies
    assert "due around Monday 14 December 2026" in bodies
    keys = sorted(m.source_key.split(":")[0] for m in messages(clinic))
    assert keys == ["appointment", "followup", "patch-test", "touch-up"]


def test_an_item_booked_as_an_appointment_is_left_to_the_appointments_reminder(clinic: Clinic) -> None:
    clinic.set_mail("127.0.0.1", 25)
    followup = clinic.followup(dt.date(2026, 12, 2))
    clinic.appointment(TOMORROW_2PM, kind="follow-up-call", followup_id=followup, minutes=15)
    result = run(clinic, mailer=Recorder())
    assert result.counts == {"appointment": {"sent": 1}}


def test_unsubscribing_stops_the_next_reminder(clinic: Clinic, smtp_server: Server) -> None:
    clinic.set_mail(smtp_server.host, smtp_server.port)
    clinic.appointment(TOMORROW_2PM)
    run(clinic)
    token = link_of(smtp_server.messages[0])
    anyone = clinic.ctx()
    page = client_messages.unsubscribe_page(anyone, token)
    assert page == client_messages.UnsubscribePage(clinic_name="Clinic A", unsubscribed=False)
    first = client_messages.unsubscribe(anyone, token)
    assert first.unsubscribed_at == NOW
    later = client_messages.unsubscribe(clinic.ctx(now=NOW + dt.timedelta(days=1)), token)
    assert later.unsubscribed_at == NOW  # idempotent: the first date is kept
    assert clinic.client_row(clinic.client).email_opt_out_at == NOW
    assert client_messages.unsubscribe_page(anyone, token).unsubscribed is True
    nxt = clinic.appointment(dt.datetime(2026, 12, 3, 11, 0, tzinfo=dt.UTC))
    result = run(clinic, NOW + dt.timedelta(days=1))
    assert result.counts == {"appointment": {"unsubscribed": 1}}
    assert len(smtp_server.messages) == 1
    row = next(m for m in messages(clinic) if m.source_key == f"appointment:{nxt}")
    assert (row.status, row.attempts, row.sent_at, row.unsubscribe_hash) == ("unsubscribed", 0, None, None)

    def trail(db: Any) -> list[tuple[str, str, int | None, str]]:
        q = select(AuditEntry).where(AuditEntry.entity == "client", AuditEntry.action == "update")
        return [(e.action, e.entity, e.clinic_id, e.detail) for e in db.scalars(q)]

    [(_, _, clinic_id, detail)] = clinic.store.read(trail)
    assert clinic_id == clinic.clinic_id and "unsubscribe_link" in detail and "Alex" not in detail


@pytest.mark.parametrize("token", ["", "x", "A" * 43, "../../etc/passwd" + "a" * 27, "é" * 43])
def test_an_unknown_or_garbage_unsubscribe_token_is_not_found(clinic: Clinic, token: str) -> None:
    with pytest.raises(NotFoundError):
        client_messages.unsubscribe(clinic.ctx(), token)
    with pytest.raises(NotFoundError):
        client_messages.unsubscribe_page(clinic.ctx(), token)


def test_no_address_and_erased_clients(clinic: Clinic) -> None:
    clinic.set_mail("127.0.0.1", 25)
    nomail = clinic.new_client("Sam Nomail", None)
    erased = clinic.new_client("Eve Erased", "eve@example.org")
    clinic.store.write(
        lambda db: db.execute(update(Client).where(Client.id == erased).values(erased_at=NOW, name="erased"))
    )
    clinic.appointment(TOMORROW_2PM, client=nomail)
    clinic.appointment(TOMORROW_2PM, client=erased)
    mailer = Recorder()
    result = run(clinic, mailer=mailer)
    assert result.counts == {"appointment": {"no-address": 1}}
    assert mailer.sent == []
    [row] = messages(clinic)
    assert (row.client_id, row.status, row.to_address) == (nomail, "no-address", None)


def test_a_server_that_is_down_fails_is_retried_later_and_never_duplicated(
    clinic: Clinic, smtp_server: Server, closed_port: int
) -> None:
    clinic.set_mail("127.0.0.1", closed_port)
    clinic.appointment(TOMORROW_2PM)
    first = run(clinic)
    assert first.counts == {"appointment": {"failed": 1}}
    [row] = messages(clinic)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.error == f"the mail server at 127.0.0.1:{closed_port} could not be reached"
    clinic.set_mail(smtp_server.host, smtp_server.port)
    second = run(clinic, NOW + dt.timedelta(minutes=5))
    assert second.counts == {"appointment": {"sent": 1}}
    [row] = messages(clinic)
    assert (row.status, row.attempts, row.error) == ("sent", 2, None)
    assert run(clinic, NOW + dt.timedelta(minutes=10)).counts == {}
    assert len(smtp_server.messages) == 1


def test_a_reminder_is_tried_three_times_at_most(clinic: Clinic) -> None:
    clinic.set_mail("127.0.0.1", 25)
    clinic.appointment(TOMORROW_2PM)
    down = Recorder(fail=True)
    for minutes in (0, 5, 10, 15):
        run(clinic, NOW + dt.timedelta(minutes=minutes), mailer=down)
    [row] = messages(clinic)
    assert (row.status, row.attempts) == ("failed", 3)
    up = Recorder()
    assert run(clinic, NOW + dt.timedelta(minutes=20), mailer=up).counts == {}
    assert up.sent == []


def test_a_message_left_sending_by_a_crash_is_not_sent_again(clinic: Clinic) -> None:
    clinic.set_mail("127.0.0.1", 25)
    clinic.appointment(TOMORROW_2PM)

    class Crash(BaseException):
        pass

    class Crashing:
        def send(self, message: EmailMessage) -> None:
            raise Crash  # the worker dies while talking to the server

    with pytest.raises(Crash):
        run(clinic, mailer=Crashing())
    [row] = messages(clinic)
    assert (row.status, row.attempts) == ("sending", 1)
    mailer = Recorder()
    assert run(clinic, NOW + dt.timedelta(minutes=5), mailer=mailer).counts == {}
    assert mailer.sent == []


def test_two_workers_at_once_send_each_reminder_once(clinic: Clinic) -> None:
    clinic.set_mail("127.0.0.1", 25)
    for i in range(4):
        clinic.appointment(
            TOMORROW_2PM + dt.timedelta(minutes=30 * i),
            client=clinic.new_client(f"C{i} Doe", f"c{i}@example.org"),
        )
    mailer = Recorder(pause_s=0.02)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            run(clinic, mailer=mailer)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(str(m["To"]) for m in mailer.sent) == [f"c{i}@example.org" for i in range(4)]
    assert {m.status for m in messages(clinic)} == {"sent"}


def test_turned_off_or_missing_mail_settings_send_nothing(clinic: Clinic) -> None:
    clinic.appointment(TOMORROW_2PM)
    assert run(clinic, mailer=Recorder()).skipped == "the clinic's mail server is not set up"
    assert reminders.clinic_ids_with_mail(clinic.ctx()) == []
    clinic.set_mail("127.0.0.1", 25, enabled=False)
    assert run(clinic, mailer=Recorder()).skipped == "the clinic's reminders are turned off"
    assert reminders.clinic_ids_with_mail(clinic.ctx()) == []
    clinic.set_mail("127.0.0.1", 25)
    assert reminders.clinic_ids_with_mail(clinic.ctx()) == [clinic.clinic_id]
    assert messages(clinic) == []


def test_the_worker_acts_as_the_clinics_first_owner_and_audits_ids_only(clinic: Clinic) -> None:
    clinic.set_mail("127.0.0.1", 25)
    clinic.appointment(TOMORROW_2PM)
    run(clinic, mailer=Recorder())

    def trail(db: Any) -> list[AuditEntry]:
        rows = list(db.scalars(select(AuditEntry).where(AuditEntry.entity == "message")))
        db.expunge_all()
        return rows

    entries = clinic.store.read(trail)
    assert [(e.action, e.actor_id, e.clinic_id) for e in entries] == [
        ("create", clinic.owner, clinic.clinic_id),
        ("update", clinic.owner, clinic.clinic_id),
    ]
    assert all("alex" not in e.detail.lower() and "appointment tomorrow" not in e.detail for e in entries)


def test_a_user_runs_only_their_own_clinics_reminders_and_only_as_owner(clinic: Clinic) -> None:
    clinic.set_mail("127.0.0.1", 25)
    request = SendRemindersRequest(clinic_id=clinic.clinic_id, now=NOW)
    with pytest.raises(NotFoundError):
        send_due_reminders(clinic.ctx(clinic.other_owner), request, Recorder())
    desk = clinics.add_user(
        clinic.ctx(clinic.owner), clinics.AddUserRequest.of(name="Fran", role="front-desk")
    ).id
    with pytest.raises(AccessError):
        send_due_reminders(clinic.ctx(desk), request, Recorder())
    assert send_due_reminders(clinic.ctx(clinic.owner), request, Recorder()).skipped is None


def test_the_client_record_lists_messages_and_reminders_come_back_only_with_the_clients_say_so(
    clinic: Clinic,
) -> None:
    clinic.set_mail("127.0.0.1", 25)
    clinic.appointment(TOMORROW_2PM)
    mailer = Recorder()
    run(clinic, mailer=mailer)
    client_messages.unsubscribe(clinic.ctx(), link_of(mailer.sent[0]))
    owner = clinic.ctx(clinic.owner)
    record = client_messages.client_messages(
        owner, client_messages.ClientMessagesRequest.of(client_id=clinic.client)
    )
    assert record.email_opt_out_at is not None
    [entry] = record.messages
    assert (entry.kind, entry.about, entry.status) == ("appointment", "appointment tomorrow", "sent")
    with pytest.raises(InputError) as refused:
        client_messages.resume_reminders(
            owner, client_messages.ResumeRemindersRequest.of(client_id=clinic.client)
        )
    assert refused.value.field == "client_agreed"
    client_messages.resume_reminders(
        owner, client_messages.ResumeRemindersRequest.of(client_id=clinic.client, client_agreed=True)
    )
    assert clinic.client_row(clinic.client).email_opt_out_at is None
    other = clinic.ctx(clinic.other_owner)
    with pytest.raises(NotFoundError):
        client_messages.client_messages(
            other, client_messages.ClientMessagesRequest.of(client_id=clinic.client)
        )
    with pytest.raises(NotFoundError):
        client_messages.resume_reminders(
            other, client_messages.ResumeRemindersRequest.of(client_id=clinic.client, client_agreed=True)
        )
