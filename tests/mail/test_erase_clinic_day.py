"""Erasure reaches the clinic day: the address reminders went to, appointment notes, and the client's own
links (revoked); the client's export holds their appointments, messages and links, never a token."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

import pytest
from sqlalchemy import select

from smpstudio.records.clinic_day import Appointment, ClientLink, Message
from smpstudio.records.store import Store
from smpstudio.services import client_links, protection
from smpstudio.services.reminders import SendRemindersRequest, send_due_reminders
from tests.mail.clinic import NOW, Clinic, make_clinic
from tests.mail.conftest import Server

NOTES = "Anxious; scalp psoriasis flare"


@pytest.fixture
def clinic(store: Store) -> Clinic:
    return make_clinic(store)


def _day(clinic: Clinic, smtp_server: Server) -> str:
    """An appointment with notes, its reminder sent, and a link for the client; returns the link's token."""
    clinic.set_mail(smtp_server.host, smtp_server.port)
    clinic.appointment(dt.datetime(2026, 12, 2, 14, 30, tzinfo=dt.UTC), notes=NOTES)
    sent = send_due_reminders(clinic.ctx(now=NOW), SendRemindersRequest(clinic_id=clinic.clinic_id, now=NOW))
    assert sent.counts == {"appointment": {"sent": 1}}
    issued = client_links.issue_client_link(
        clinic.ctx(clinic.owner), client_links.IssueLinkRequest.of(client_id=clinic.client)
    )
    return issued.token


def _rows(clinic: Clinic) -> tuple[list[Any], list[Any], list[Any]]:
    def read(db: Any) -> tuple[list[Any], list[Any], list[Any]]:
        msgs = [(m.to_address, m.subject) for m in db.scalars(select(Message))]
        notes = [a.notes for a in db.scalars(select(Appointment))]
        links = [link.revoked_at for link in db.scalars(select(ClientLink))]
        return msgs, notes, links

    return clinic.store.read(read)


def test_erasure_blanks_address_and_notes_and_revokes_links(clinic: Clinic, smtp_server: Server) -> None:
    _day(clinic, smtp_server)
    msgs, notes, links = _rows(clinic)
    assert msgs == [("alex@example.org", "Clinic A: your appointment tomorrow")] and notes == [NOTES]
    assert links == [None]
    protection.erase_client(clinic.ctx(clinic.owner), protection.EraseRequest.of(client_id=clinic.client))
    msgs, notes, links = _rows(clinic)
    assert msgs == [(None, "Clinic A: your appointment tomorrow")]
    assert notes == [None]
    assert len(links) == 1 and links[0] is not None


def test_the_export_holds_the_clinic_day_without_tokens(clinic: Clinic, smtp_server: Server) -> None:
    token = _day(clinic, smtp_server)
    out = io.BytesIO()
    protection.export_client(clinic.ctx(clinic.owner), clinic.client, out)
    with zipfile.ZipFile(out) as archive:
        raw = archive.read("record.json").decode()
    record = json.loads(raw)
    [appointment] = record["appointments"]
    assert appointment["notes"] == NOTES and appointment["minutes"] == 90
    [message] = record["messages"]
    assert message["to_address"] == "alex@example.org" and message["status"] == "sent"
    [link] = record["links"]
    assert link["revoked_at"] is None and link["expires_at"]
    hashes = clinic.store.read(
        lambda db: (
            [h for m in db.scalars(select(Message)) for h in (m.unsubscribe_hash,) if h]
            + [link.token_hash for link in db.scalars(select(ClientLink))]
        )
    )
    assert token not in raw and hashes and not any(h in raw for h in hashes)
