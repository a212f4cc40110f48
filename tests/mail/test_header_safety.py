"""What goes into a reminder's headers is one line and one mailbox: a client address that would add a
recipient or a header is refused, a clinic name with a line break is refused, and a value stored before
those checks fails its own message only (never left ``sending``, the run goes on)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, update

from smpstudio.errors import ConflictError, InputError
from smpstudio.records.clinic_day import Message
from smpstudio.records.models import Client as ClientRow
from smpstudio.records.models import Clinic as ClinicRow
from smpstudio.records.store import Store
from smpstudio.services import clients, clinic_settings, clinics, mail_settings
from smpstudio.services.context import ServiceContext
from smpstudio.services.reminders import SendRemindersRequest, send_due_reminders
from tests.mail.clinic import NOW, Clinic, make_clinic
from tests.mail.conftest import Server

TOMORROW = dt.datetime(2026, 12, 2, 14, 30, tzinfo=dt.UTC)


@pytest.fixture
def clinic(store: Store) -> Clinic:
    return make_clinic(store)


def _run(clinic: Clinic) -> Any:
    return send_due_reminders(clinic.ctx(now=NOW), SendRemindersRequest(clinic_id=clinic.clinic_id, now=NOW))


def _messages(clinic: Clinic) -> list[tuple[int, str, str | None]]:
    return clinic.store.read(
        lambda db: [
            (m.client_id, m.status, m.error) for m in db.scalars(select(Message).order_by(Message.id))
        ]
    )


@pytest.mark.parametrize(
    "address",
    [
        "eve@example.org,spy@attacker.example",
        "eve@example.org;spy@attacker.example",
        "Eve <eve@example.org>",
        '"eve"@example.org',
        "eve@example.org\r\nBcc:spy@attacker.example",
        "eve@exa\tmple.org",
        "eve@example.org\x00",
        "eve @example.org",
    ],
)
def test_a_client_address_that_is_not_one_mailbox_is_refused(clinic: Clinic, address: str) -> None:
    with pytest.raises(InputError) as caught:
        clinic.new_client("Eve Comma", address)
    assert caught.value.field == "email"


def test_a_plain_client_address_is_kept(clinic: Clinic) -> None:
    cid = clinic.new_client("Owen O'Brien", "o'brien+clinic@example.org")
    assert clinic.client_row(cid).email == "o'brien+clinic@example.org"
    with pytest.raises(InputError):
        clients.add_client(
            clinic.ctx(clinic.owner),
            clients.AddClientRequest.of(name="X", date_of_birth="1980-01-02", email="a@b.org, c@d.org"),
        )


@pytest.mark.parametrize(
    "name", ["Clinic A\r\nBcc: spy@attacker.example", "Clinic\tA", "Clinic A\n", "A\u2028B"]
)
def test_a_clinic_name_with_a_line_break_or_control_character_is_refused(clinic: Clinic, name: str) -> None:
    with pytest.raises(InputError) as caught:
        clinic_settings.update_clinic(
            clinic.ctx(clinic.owner), clinic_settings.UpdateClinicRequest.of(name=name)
        )
    assert caught.value.field == "name"
    with pytest.raises(InputError) as new:
        clinics.init_clinic(
            ServiceContext(store=clinic.store, user_id=clinic.owner),
            clinics.InitClinicRequest.of(name=name, owner_email="c@clinic-c.example.org", timezone="UTC"),
        )
    assert new.value.field == "name"


def test_an_address_stored_before_the_check_fails_its_message_and_the_run_goes_on(
    clinic: Clinic, smtp_server: Server
) -> None:
    clinic.set_mail(smtp_server.host, smtp_server.port)
    bad = clinic.new_client("Bad Newline", "bad@example.org")
    with clinic.store.session() as db:  # as a store written before addresses were checked holds it
        db.execute(
            update(ClientRow)
            .where(ClientRow.id == bad)
            .values(email="bad@example.org\r\nBcc:spy@attacker.example")
        )
    clinic.appointment(TOMORROW, client=bad)
    clinic.appointment(TOMORROW + dt.timedelta(hours=2))  # Alex, a good address, after the bad one
    sent = _run(clinic)
    assert sent.counts == {"appointment": {"failed": 1, "sent": 1}}
    statuses = _messages(clinic)
    assert (bad, "failed") in [(c, s) for c, s, _ in statuses]
    assert all(status != "sending" for _, status, _ in statuses)
    assert len(smtp_server.messages) == 1 and smtp_server.inbox.recipients == [["alex@example.org"]]
    [error] = [e for c, _, e in statuses if c == bad]
    assert error is not None and "spy" not in error and "bad@" not in error


def test_a_clinic_name_stored_before_the_check_fails_softly(clinic: Clinic, smtp_server: Server) -> None:
    clinic.set_mail(smtp_server.host, smtp_server.port)
    with clinic.store.session() as db:
        db.execute(
            update(ClinicRow)
            .where(ClinicRow.id == clinic.clinic_id)
            .values(name="Clinic A\r\nBcc: spy@attacker.example")
        )
    clinic.appointment(TOMORROW)
    sent = _run(clinic)
    assert sent.counts == {"appointment": {"failed": 1}}
    assert [s for _, s, _ in _messages(clinic)] == ["failed"] and smtp_server.messages == []
    with pytest.raises(ConflictError) as caught:
        mail_settings.send_test_message(
            clinic.ctx(clinic.owner), mail_settings.MailTestRequest.of(to="o@example.org")
        )
    assert caught.value.code == "mail_invalid" and smtp_server.messages == []
