"""The clinic's outgoing mail server: the owner sets and reads it, and sends a test message.

The password is write-only: it is sealed with AES-256-GCM under a key derived (HKDF-SHA256, info
``b"smtp-password"``) from the studio's secret key, bound to the clinic by the associated data, and never
returned by any read, written to a log or put in an error. A clinic that keeps none in the store uses the
password of the environment (``ctx.smtp_password``) only when its host is the one the operator named for it
(``ctx.smtp_host``), so an owner cannot have it sent to a server of their own. A stored password is
forgotten when the host, port or user name change without a new one (it belongs to that account), and no
login goes over a connection without TLS.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Annotated, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BeforeValidator, Field, StringConstraints, ValidationInfo
from sqlalchemy.orm import Session as Db

from smpstudio.errors import ConflictError, InputError, SmpError, echo
from smpstudio.mail.transport import DEFAULT_TIMEOUT_S, MailConfig, Mailer, MailError, SmtpMailer
from smpstudio.records.clinic_day import MAIL_SECURITY, ClinicMail
from smpstudio.records.repositories import clinics as clinic_rows
from smpstudio.records.repositories import messages as repo
from smpstudio.services.access import Actor, log, transact
from smpstudio.services.clinic_settings import Email, check_email
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import choice, in_range, optional_text
from smpstudio.services.models import Request, Result

__all__ = [
    "MailSettings",
    "MailTestRequest",
    "MailTestSent",
    "SetMailSettingsRequest",
    "environment_password",
    "mail_config",
    "open_password",
    "seal_password",
    "send_test_message",
    "set_mail_settings",
    "show_mail_settings",
]

_INFO = b"smtp-password"
_VERSION = "v1"
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.\-]{0,252}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\]")


def _key(secret: bytes | None) -> bytes:
    if not secret:
        raise ConflictError(
            "the studio has no secret key to seal the mail password with",
            field="password",
            allowed="leave the password empty and set SMP_SMTP_PASSWORD in the environment",
            code="no_secret_key",
        )
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret)


def _aad(clinic_id: int) -> bytes:
    return f"smp-clinic-mail:{clinic_id}".encode()


def seal_password(secret: bytes | None, clinic_id: int, password: str) -> str:
    """``password`` sealed for the clinic: ``v1.`` + base64url(12-byte nonce + AES-256-GCM ciphertext)."""
    nonce = os.urandom(12)
    sealed = AESGCM(_key(secret)).encrypt(nonce, password.encode("utf-8"), _aad(clinic_id))
    return f"{_VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"


def open_password(secret: bytes | None, clinic_id: int, sealed: str) -> str:
    """The password sealed by :func:`seal_password`; a :class:`ConflictError` when it cannot be opened
    (another studio's secret key, or a changed value)."""
    version, _, body = sealed.partition(".")
    try:
        raw = base64.urlsafe_b64decode(body.encode("ascii"))
        if version != _VERSION or len(raw) < 12 + 16:
            raise ValueError(version)
        return AESGCM(_key(secret)).decrypt(raw[:12], raw[12:], _aad(clinic_id)).decode("utf-8")
    except (InvalidTag, ValueError, UnicodeError):
        raise ConflictError(
            "the stored mail password cannot be opened with this studio's secret key: enter it again",
            field="password",
            allowed="the mail account's password, entered again",
            code="mail_password_unreadable",
        ) from None


def environment_password(ctx: ServiceContext, host: str | None) -> str | None:
    """The environment's mail password for a clinic whose server is ``host``: only when the operator named
    that host for it (``ctx.smtp_host``, compared without regard to case); else None."""
    if not ctx.smtp_password or not ctx.smtp_host or host is None:
        return None
    return ctx.smtp_password if host.strip().lower() == ctx.smtp_host.strip().lower() else None


def mail_config(
    row: ClinicMail, ctx: ServiceContext, *, ssl_context: ssl.SSLContext | None = None
) -> MailConfig:
    """What the transport needs to send as the clinic (the stored password opened, or the one from the
    environment when none is stored and the clinic's host is the one it belongs to)."""
    password = (
        open_password(ctx.secret, row.clinic_id, row.password_sealed)
        if row.password_sealed
        else environment_password(ctx, row.host)
    )
    return MailConfig(
        host=row.host,
        port=row.port,
        security=row.security,
        username=row.username,
        password=password,
        from_address=row.from_address,
        timeout_s=DEFAULT_TIMEOUT_S,
        ssl_context=ssl_context,
    )


# --- reading and setting -----------------------------------------------------------------------------------


def _host(value: object, info: ValidationInfo) -> object:
    name = value.strip() if isinstance(value, str) else value
    if not isinstance(name, str) or not _HOST.fullmatch(name):
        raise InputError(
            f"{echo(value)} is not a host name",
            field=info.field_name or "host",
            allowed="a host name such as smtp.example.org, or an IP address",
        )
    return name.lower()


def _address(value: object, info: ValidationInfo) -> object:
    return check_email(value, info.field_name or "from_address")


class SetMailSettingsRequest(Request):
    """The clinic's mail server. The password is write-only: none keeps the stored one (or the
    environment's) while host, port and user name stay the same, a text replaces it, ``clear_password``
    removes it. A login (user name or password) needs ``starttls`` or ``tls``."""

    host: Annotated[str, BeforeValidator(_host)] = Field(description="The SMTP server's host name.")
    port: Annotated[int, in_range(1, 65535)] = Field(587, description="587 for STARTTLS, 465 for TLS.")
    security: Annotated[str, choice(MAIL_SECURITY)] = Field(
        "starttls", description="starttls, tls (from the first byte) or none."
    )
    username: Annotated[str | None, optional_text(255)] = None
    password: Annotated[str, StringConstraints(strip_whitespace=False, max_length=1024)] | None = Field(
        None, repr=False, description="Write-only; kept sealed."
    )
    clear_password: bool = False
    from_address: Annotated[str, BeforeValidator(_address)] = Field(description="The sender's address.")
    enabled: bool = True
    send_hour: Annotated[int, in_range(0, 23)] = Field(
        9, description="The clinic-local hour from which reminders go out. [h]"
    )


PasswordSource = Literal["stored", "environment", "none"]


class MailSettings(Result):
    """The clinic's mail server as the owner reads it: never the password, only where it comes from."""

    configured: bool
    host: str | None = None
    port: int | None = None
    security: str | None = None
    username: str | None = None
    from_address: str | None = None
    enabled: bool = False
    send_hour: int = 9
    password: PasswordSource = Field(
        "none", description="Where the password comes from (never the password)."
    )
    updated_at: dt.datetime | None = None


def _settings(row: ClinicMail | None, ctx: ServiceContext) -> MailSettings:
    if row is None:
        return MailSettings(configured=False, password="none")
    env: PasswordSource = "environment" if environment_password(ctx, row.host) else "none"
    return MailSettings(
        configured=True,
        host=row.host,
        port=row.port,
        security=row.security,
        username=row.username,
        from_address=row.from_address,
        enabled=row.enabled,
        send_hour=row.send_hour,
        password="stored" if row.password_sealed else env,
        updated_at=row.updated_at,
    )


def show_mail_settings(ctx: ServiceContext) -> MailSettings:
    """The clinic's mail server settings (owner), without the password."""

    def action(db: Db, actor: Actor) -> MailSettings:
        actor.require("mail.settings")
        row = repo.get_mail(db, actor.clinic_id)
        log(db, actor, "read", "clinic_mail", actor.clinic_id)
        return _settings(row, ctx)

    return transact(ctx, action)


def set_mail_settings(ctx: ServiceContext, request: SetMailSettingsRequest) -> MailSettings:
    """Save the clinic's mail server (owner); the password is sealed, and the audit entry names the
    fields set and whether the password changed (never the password)."""
    r = request

    def action(db: Db, actor: Actor) -> MailSettings:
        actor.require("mail.settings")
        if r.password is not None and r.clear_password:
            raise InputError(
                "give a new password or clear it, not both", field="clear_password", allowed="one of the two"
            )
        if r.security == "none" and (r.username or r.password):
            raise InputError(
                "a login to the mail server needs a secure connection: the password would travel in clear",
                field="security",
                allowed="starttls or tls when the server needs a login",
            )
        before = repo.get_mail(db, actor.clinic_id)
        moved = before is not None and (before.host, before.port, before.username) != (
            r.host,
            r.port,
            r.username,
        )
        values: dict[str, object] = {
            "host": r.host,
            "port": r.port,
            "security": r.security,
            "username": r.username,
            "from_address": r.from_address,
            "enabled": r.enabled,
            "send_hour": r.send_hour,
            "updated_by": actor.id,
            "updated_at": actor.clock.now_utc(),
        }
        password = "kept"
        if r.password:
            values["password_sealed"] = seal_password(ctx.secret, actor.clinic_id, r.password)
            password = "set"
        elif r.clear_password or r.password == "":
            values["password_sealed"] = None
            password = "cleared"
        elif moved and before is not None and before.password_sealed:
            values["password_sealed"] = None  # the password belongs to the old server and account
            password = "forgotten"
        row = repo.save_mail(db, actor.clinic_id, **values)
        log(
            db,
            actor,
            "update",
            "clinic_mail",
            actor.clinic_id,
            fields=sorted(k for k in values if k not in ("updated_by", "updated_at", "password_sealed")),
            password=password,
        )
        return _settings(row, ctx)

    return transact(ctx, action)


# --- the test message --------------------------------------------------------------------------------------


class MailTestRequest(Request):
    """Where the test message goes (the acting owner's own e-mail when none is given)."""

    to: Email = None


class MailTestSent(Result):
    """The test message went to ``to`` through the clinic's server."""

    to: str
    sent_at: dt.datetime
    server: str


def send_test_message(
    ctx: ServiceContext,
    request: MailTestRequest | None = None,
    mailer: Mailer | None = None,
    *,
    ssl_context: ssl.SSLContext | None = None,
) -> MailTestSent:
    """Send a short test message through the clinic's mail server (owner), so the settings are known to
    work; a server that cannot be reached, refuses the login or cannot start TLS is a
    :class:`~smpstudio.mail.transport.MailError` in plain words. The attempt and its outcome are audited.

    ``mailer`` replaces the SMTP sender (tests); ``ssl_context`` is the TLS trust (None: the system's).
    """
    r = request or MailTestRequest()

    def prepare(db: Db, actor: Actor) -> tuple[EmailMessage, Mailer, str]:
        actor.require("mail.settings")
        row = repo.get_mail(db, actor.clinic_id)
        if row is None:
            raise ConflictError(
                "the clinic's mail server is not set up yet",
                field="host",
                allowed="the mail server's settings, saved first",
                code="mail_not_set_up",
            )
        user = clinic_rows.get_user(db, actor.id)
        to = r.to or (user.email if user is not None else None)
        if not to:
            raise InputError(
                "your account has no e-mail address to send the test to",
                field="to",
                allowed="an e-mail address",
            )
        clinic = clinic_rows.get_clinic(db, actor.clinic_id)
        name = clinic.name if clinic is not None else "The clinic"
        message = EmailMessage()
        try:
            message["Subject"] = f"{name}: test message"
            message["From"] = row.from_address
            message["To"] = to
        except ValueError:  # a value stored before names were held to one line
            raise ConflictError(
                "the clinic's name or mail sender cannot go in an e-mail header",
                field="name",
                allowed="a clinic name and sender address of one line each",
                code="mail_invalid",
            ) from None
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=row.from_address.rpartition("@")[2] or None)
        message.set_content(
            f"This is a test message from {name}'s studio.\n\n"
            "It shows the clinic's mail server settings work: reminders to clients will go out this way.\n"
        )
        sender = mailer or SmtpMailer.from_settings(mail_config(row, ctx, ssl_context=ssl_context))
        return message, sender, f"{row.host}:{row.port}"

    message, sender, server = transact(ctx, prepare)
    error: SmpError | None = None
    try:
        sender.send(message)
    except MailError as exc:
        error = exc
    sent_at = ctx.clock.now_utc()

    def record(db: Db, actor: Actor) -> None:
        outcome = {"ok": error is None, **({"code": error.code} if error is not None else {})}
        log(db, actor, "read", "clinic_mail", actor.clinic_id, purpose="test_message", **outcome)

    transact(ctx, record)
    if error is not None:
        raise error
    return MailTestSent(to=str(message["To"]), sent_at=sent_at, server=server)
