"""The clinic day as SQLAlchemy models: appointments, the clinic's mail server, the messages sent to
clients, the clients' own links, and the background jobs of the worker.

Like :mod:`smpstudio.records.models`, every table belongs to a clinic and times are UTC-aware
(``UtcDateTime``). Messages keep no body and no health data: what was sent, to which address, when, and why
(``source_key``, unique in the clinic, so one reminder is sent once).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smpstudio.records.models import Base, fk_column, utc_now

__all__ = [
    "APPOINTMENT_KINDS",
    "APPOINTMENT_STATUSES",
    "JOB_KINDS",
    "JOB_STATUSES",
    "MAIL_SECURITY",
    "MESSAGE_KINDS",
    "MESSAGE_STATUSES",
    "Appointment",
    "ClientLink",
    "ClinicMail",
    "Job",
    "Message",
]

APPOINTMENT_KINDS = ("consultation", "session", "touch-up", "follow-up-call", "patch-test-read")
APPOINTMENT_STATUSES = ("booked", "cancelled", "attended", "no-show")
MAIL_SECURITY = ("starttls", "tls", "none")
MESSAGE_KINDS = ("appointment", "follow-up", "touch-up", "patch-test-read")
#: queued -> sending -> sent | failed; or, never sent: unsubscribed, no-address.
MESSAGE_STATUSES = ("queued", "sending", "sent", "failed", "unsubscribed", "no-address")
JOB_KINDS = ("reminders", "backup", "export", "render")
JOB_STATUSES = ("queued", "running", "done", "failed")


class Appointment(Base):
    """A booked slot: a practitioner, a client, a kind, its start and length (``ends_at`` is kept for the
    clash query). A follow-up, touch-up reminder or patch test it was booked from is named."""

    __tablename__ = "appointments"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = fk_column("clinics.id")
    client_id: Mapped[int] = fk_column("clients.id")
    practitioner_id: Mapped[int] = fk_column("users.id", index=False)
    kind: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[dt.datetime] = mapped_column()
    ends_at: Mapped[dt.datetime] = mapped_column()
    minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="booked", server_default="booked")
    notes: Mapped[str | None] = mapped_column(Text)
    followup_id: Mapped[int | None] = fk_column("followups.id", nullable=True)
    reminder_id: Mapped[int | None] = fk_column("reminders.id", nullable=True)
    patch_test_id: Mapped[int | None] = fk_column("patch_tests.id", nullable=True)
    created_by: Mapped[int] = fk_column("users.id", index=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column()
    cancelled_by: Mapped[int | None] = fk_column("users.id", nullable=True, index=False)


Index("ix_appointments_practitioner_starts", Appointment.practitioner_id, Appointment.starts_at)
Index("ix_appointments_clinic_starts", Appointment.clinic_id, Appointment.starts_at)


class ClinicMail(Base):
    """The clinic's outgoing mail server. The password is sealed (AES-256-GCM under a key derived from
    the studio's secret key) or, when ``password_sealed`` is empty, taken from the environment
    (``SMP_SMTP_PASSWORD``)."""

    __tablename__ = "clinic_mail"
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="RESTRICT"), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer)
    security: Mapped[str] = mapped_column(String(10))
    username: Mapped[str | None] = mapped_column(String(255))
    password_sealed: Mapped[str | None] = mapped_column(Text)
    from_address: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The clinic's local hour from which the day-before reminders go out (0-23).
    send_hour: Mapped[int] = mapped_column(Integer, default=9, server_default="9")
    updated_by: Mapped[int] = fk_column("users.id", index=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class Message(Base):
    """One e-mail to a client: why (``kind``, ``source_key`` such as ``appointment:12``), where to, its
    subject (no health data), and what became of it. The body is not kept."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("clinic_id", "source_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = fk_column("clinics.id")
    client_id: Mapped[int] = fk_column("clients.id")
    kind: Mapped[str] = mapped_column(String(20))
    source_key: Mapped[str] = mapped_column(String(80))
    to_address: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(300))
    #: The SHA-256 of the unsubscribe token the message carries (never the token).
    unsubscribe_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    queued_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    sent_at: Mapped[dt.datetime | None] = mapped_column()


class ClientLink(Base):
    """A client's own link (no account): the SHA-256 of its token, when it expires, whether revoked."""

    __tablename__ = "client_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = fk_column("clinics.id")
    client_id: Mapped[int] = fk_column("clients.id")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int] = fk_column("users.id", index=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[dt.datetime] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    last_used_at: Mapped[dt.datetime | None] = mapped_column()


class Job(Base):
    """A piece of background work the worker runs once: who asked, its parameters (ids and choices, no
    client data), its state and, when done, the name of what it made."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = fk_column("clinics.id")
    requested_by: Mapped[int | None] = fk_column("users.id", nullable=True, index=False)
    kind: Mapped[str] = mapped_column(String(20))
    params: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(12), default="queued")
    result_name: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(300))
    queued_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    started_at: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()
