"""A clinic for the mail tests: an owner with an e-mail, a second clinic, clients, and rows of what falls
due (appointments, follow-ups, touch-ups, patch tests) put straight in the store, at a fixed time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from smpstudio.records.clinic_day import Appointment
from smpstudio.records.models import Client, FollowUp, PatchTest, Reminder
from smpstudio.records.store import Store
from smpstudio.services import clients, clinic_settings, clinics, mail_settings
from smpstudio.services.context import Clock, ServiceContext

#: The fixed moment of the tests: 1 December 2026, 10:00 in London (UTC+0 in winter).
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
SECRET = b"s" * 32
TZ = "Europe/London"


@dataclass
class Clinic:
    store: Store
    clinic_id: int
    owner: int
    client: int
    other_clinic: int
    other_owner: int

    def ctx(self, user_id: int | None = None, now: dt.datetime = NOW, **kw: Any) -> ServiceContext:
        """A context at ``now``: acting as ``user_id``, or as nobody (the worker)."""
        values: dict[str, Any] = {"secret": SECRET, **kw}
        return ServiceContext(store=self.store, user_id=user_id, clock=Clock.fixed(now, TZ), **values)

    def add(self, row: Any) -> int:
        def write(db: Any) -> int:
            db.add(row)
            db.flush()
            return int(row.id)

        return self.store.write(write)

    def appointment(self, starts_at: dt.datetime, client: int | None = None, **kw: Any) -> int:
        values: dict[str, Any] = {
            "clinic_id": self.clinic_id,
            "client_id": client or self.client,
            "practitioner_id": self.owner,
            "kind": "session",
            "starts_at": starts_at,
            "ends_at": starts_at + dt.timedelta(minutes=90),
            "minutes": 90,
            "created_by": self.owner,
        }
        values.update(kw)
        return self.add(Appointment(**values))

    def followup(self, due_on: dt.date, client: int | None = None) -> int:
        return self.add(FollowUp(client_id=client or self.client, due_on=due_on, purpose="Scab check: day 7"))

    def touch_up(self, due_on: dt.date, client: int | None = None) -> int:
        return self.add(
            Reminder(
                client_id=client or self.client, kind="touch-up", due_on=due_on, basis="session 1 + 4 weeks"
            )
        )

    def patch_test(self, applied_at: dt.datetime, client: int | None = None) -> int:
        return self.add(
            PatchTest(
                client_id=client or self.client,
                lot_code="P-1",
                site="behind the ear",
                applied_at=applied_at,
                record={},
                rules_version="care-test",
            )
        )

    def new_client(self, name: str, email: str | None) -> int:
        return clients.add_client(
            self.ctx(self.owner),
            clients.AddClientRequest.of(name=name, date_of_birth="1980-01-02", email=email),
        ).id

    def client_row(self, client_id: int) -> Client:
        def read(db: Any) -> Client:
            row = db.get(Client, client_id)
            db.expunge(row)
            return row  # type: ignore[no-any-return]

        return self.store.read(read)

    def set_mail(self, host: str, port: int, **kw: Any) -> mail_settings.MailSettings:
        values: dict[str, Any] = {
            "host": host,
            "port": port,
            "security": "none",
            "from_address": "desk@clinic-a.example.org",
            "send_hour": 9,
        }
        values.update(kw)
        return mail_settings.set_mail_settings(
            self.ctx(self.owner), mail_settings.SetMailSettingsRequest.of(**values)
        )


def make_clinic(store: Store) -> Clinic:
    first = clinics.init_clinic(
        ServiceContext(store=store, clock=Clock.fixed(NOW, TZ)),
        clinics.InitClinicRequest.of(name="Clinic A", owner_email="owner@clinic-a.example.org", timezone=TZ),
    )
    ctx = ServiceContext(store=store, user_id=first.owner_id, clock=Clock.fixed(NOW, TZ))
    clinic_settings.update_clinic(
        ctx,
        clinic_settings.UpdateClinicRequest.of(phone="+44 20 7946 0000", address="1 High Street\nLondon"),
    )
    other = clinics.init_clinic(
        ctx,
        clinics.InitClinicRequest.of(name="Clinic B", owner_email="owner@clinic-b.example.org", timezone=TZ),
    )
    client = clients.add_client(
        ctx,
        clients.AddClientRequest.of(name="Alex Doe", date_of_birth="1980-01-02", email="alex@example.org"),
    ).id
    return Clinic(store, first.clinic_id, first.owner_id, client, other.clinic_id, other.owner_id)
