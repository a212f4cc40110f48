"""The mail password goes only where it belongs: no login over a connection without TLS, a stored password
forgotten when the server or account changes, and the environment's password only for the host the
operator named (SMP_SMTP_HOST), so another clinic's owner cannot point their settings at a server of their
own and receive it."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from smpstudio.errors import InputError
from smpstudio.mail.transport import MailConfig, MailError, SmtpMailer
from smpstudio.records.clinic_day import ClinicMail
from smpstudio.records.store import Store
from smpstudio.services import mail_settings
from smpstudio.services.context import ServiceContext
from smpstudio.services.mail_settings import MailTestRequest, SetMailSettingsRequest
from smpstudio.settings import Settings
from tests.mail.clinic import Clinic, make_clinic
from tests.mail.conftest import USERNAME, free_port

ENV_PASSWORD = "operator-only smtp secret"


class Catcher:
    """A mail server that accepts any login over a plain connection and keeps what it was sent."""

    def __init__(self) -> None:
        self.captured: list[tuple[str, str]] = []
        self.delivered = 0

    def auth(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.captured.append((data.login.decode(), data.password.decode()))
        return AuthResult(success=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.delivered += 1
        return "250 OK"


@pytest.fixture
def catcher() -> Iterator[tuple[int, Catcher]]:
    caught = Catcher()
    controller = Controller(
        caught, hostname="127.0.0.1", port=free_port(), authenticator=caught.auth, auth_require_tls=False
    )
    controller.start()
    try:
        yield controller.port, caught
    finally:
        controller.stop()


@pytest.fixture
def clinic(store: Store) -> Clinic:
    return make_clinic(store)


def _row(clinic: Clinic) -> ClinicMail:
    def read(db: Any) -> ClinicMail:
        row = db.scalar(select(ClinicMail).where(ClinicMail.clinic_id == clinic.clinic_id))
        db.expunge(row)
        return row  # type: ignore[no-any-return]

    return clinic.store.read(read)


@pytest.mark.parametrize(
    "login", [{"username": "u", "password": "pw"}, {"username": "u"}, {"password": "pw"}]
)
def test_a_login_without_tls_is_refused_naming_security(clinic: Clinic, login: dict[str, str]) -> None:
    with pytest.raises(InputError) as caught:
        clinic.set_mail("smtp.example.org", 25, security="none", **login)
    assert caught.value.field == "security"
    assert caught.value.allowed == "starttls or tls when the server needs a login"
    assert clinic.store.read(lambda db: db.scalar(select(ClinicMail.clinic_id))) is None


def test_the_transport_sends_no_login_over_a_plain_connection(catcher: tuple[int, Catcher]) -> None:
    port, caught = catcher
    config = MailConfig(
        host="127.0.0.1",
        port=port,
        security="none",
        username="anything",
        password=ENV_PASSWORD,
        from_address="a@b.example",
        timeout_s=5,
    )
    message = EmailMessage()
    message["To"] = "b@clinic-b.example.org"
    message["Subject"] = "test"
    message.set_content("test")
    with pytest.raises(MailError) as refused:
        SmtpMailer(config).send(message)
    assert refused.value.code == "mail_login_refused" and refused.value.field == "security"
    assert caught.captured == [] and caught.delivered == 0


def test_the_stored_password_is_forgotten_when_the_server_or_account_changes(clinic: Clinic) -> None:
    first = dict(security="starttls", username=USERNAME, password="pw-1")
    saved = clinic.set_mail("smtp.example.org", 587, **first)
    assert saved.password == "stored"
    kept = clinic.set_mail("smtp.example.org", 587, security="tls", username=USERNAME, send_hour=7)
    assert kept.password == "stored"  # the same server and account: kept
    for change in (
        {"host": "smtp.other.example", "port": 587, "username": USERNAME},
        {"host": "smtp.example.org", "port": 2525, "username": USERNAME},
        {"host": "smtp.example.org", "port": 587, "username": "someone-else"},
    ):
        clinic.set_mail("smtp.example.org", 587, **first)
        moved = clinic.set_mail(change.pop("host"), change.pop("port"), security="starttls", **change)
        assert moved.password == "none" and _row(clinic).password_sealed is None, change
    clinic.set_mail("smtp.example.org", 587, **first)
    replaced = clinic.set_mail(
        "smtp.other.example", 587, security="starttls", username=USERNAME, password="pw-2"
    )
    assert replaced.password == "stored"
    assert (
        mail_settings.open_password(b"s" * 32, clinic.clinic_id, _row(clinic).password_sealed or "") == "pw-2"
    )


def test_the_environments_password_is_only_for_the_host_the_operator_named(clinic: Clinic) -> None:
    clinic.set_mail("Smtp.Clinic-Mail.example", 587, security="starttls", username=USERNAME)
    row = _row(clinic)
    unnamed = clinic.ctx(clinic.owner, smtp_password=ENV_PASSWORD)
    assert mail_settings.mail_config(row, unnamed).password is None
    assert mail_settings.show_mail_settings(unnamed).password == "none"
    elsewhere = clinic.ctx(clinic.owner, smtp_password=ENV_PASSWORD, smtp_host="smtp.provider.example")
    assert mail_settings.mail_config(row, elsewhere).password is None
    named = clinic.ctx(clinic.owner, smtp_password=ENV_PASSWORD, smtp_host="SMTP.clinic-mail.EXAMPLE")
    assert mail_settings.mail_config(row, named).password == ENV_PASSWORD
    assert mail_settings.show_mail_settings(named).password == "environment"


def test_another_clinics_owner_cannot_collect_the_environments_password(
    clinic: Clinic, catcher: tuple[int, Catcher]
) -> None:
    port, caught = catcher
    ctx = clinic.ctx(clinic.other_owner, smtp_password=ENV_PASSWORD, smtp_host="smtp.provider.example")
    with pytest.raises(InputError):  # a plain connection with a login: refused
        mail_settings.set_mail_settings(
            ctx,
            SetMailSettingsRequest.of(
                host="127.0.0.1", port=port, security="none", username="anything", from_address="b@b.example"
            ),
        )
    saved = mail_settings.set_mail_settings(
        ctx,
        SetMailSettingsRequest.of(
            host="127.0.0.1", port=port, security="tls", username="anything", from_address="b@b.example"
        ),
    )
    assert saved.password == "none"  # not the provider's host: the environment's password is not theirs
    with pytest.raises(MailError):  # no TLS on that server: nothing is sent, no password either
        mail_settings.send_test_message(ctx, MailTestRequest.of(to="b@clinic-b.example.org"))
    assert caught.captured == []


def test_the_setting_reaches_the_context() -> None:
    settings = Settings(smtp_password=ENV_PASSWORD, smtp_host="smtp.provider.example")
    ctx = ServiceContext.from_settings(settings)
    assert (ctx.smtp_password, ctx.smtp_host) == (ENV_PASSWORD, "smtp.provider.example")
