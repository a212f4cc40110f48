"""The clinic's mail server settings, on SQLite and PostgreSQL: owner only, the password sealed and never
read back, the environment's password when none is stored, and the test message over STARTTLS."""

from __future__ import annotations

import ssl
from typing import Any

import pytest
from sqlalchemy import select

from smpstudio.errors import AccessError, ConflictError, InputError
from smpstudio.mail.transport import MailError
from smpstudio.records.clinic_day import ClinicMail
from smpstudio.records.models import AuditEntry
from smpstudio.records.store import Store
from smpstudio.services import clinics, mail_settings
from smpstudio.services.mail_settings import MailTestRequest, SetMailSettingsRequest, send_test_message
from tests.mail.clinic import Clinic, make_clinic
from tests.mail.conftest import PASSWORD, USERNAME, Server


@pytest.fixture
def clinic(store: Store) -> Clinic:
    return make_clinic(store)


def stored(clinic: Clinic) -> ClinicMail:
    def read(db: Any) -> ClinicMail:
        row = db.get(ClinicMail, clinic.clinic_id)
        db.expunge(row)
        return row  # type: ignore[no-any-return]

    return clinic.store.read(read)


def audit_text(clinic: Clinic) -> str:
    return "\n".join(clinic.store.read(lambda db: [e.detail for e in db.scalars(select(AuditEntry))]))


def test_the_password_is_sealed_never_read_back_and_opens_only_with_the_secret(clinic: Clinic) -> None:
    saved = clinic.set_mail(
        "smtp.example.org", 587, security="starttls", username=USERNAME, password=PASSWORD
    )
    assert saved.password == "stored"
    shown = mail_settings.show_mail_settings(clinic.ctx(clinic.owner))
    assert PASSWORD not in shown.model_dump_json() and shown.password == "stored"
    assert (shown.host, shown.port, shown.security, shown.username) == (
        "smtp.example.org",
        587,
        "starttls",
        USERNAME,
    )
    row = stored(clinic)
    assert row.password_sealed is not None and row.password_sealed.startswith("v1.")
    assert PASSWORD not in row.password_sealed and PASSWORD.encode().hex() not in row.password_sealed
    assert mail_settings.open_password(b"s" * 32, clinic.clinic_id, row.password_sealed) == PASSWORD
    with pytest.raises(ConflictError) as other_key:
        mail_settings.open_password(b"t" * 32, clinic.clinic_id, row.password_sealed)
    assert other_key.value.code == "mail_password_unreadable"
    with pytest.raises(ConflictError):  # bound to the clinic: another clinic's row cannot take it
        mail_settings.open_password(b"s" * 32, clinic.other_clinic, row.password_sealed)
    assert PASSWORD not in audit_text(clinic)
    again = clinic.set_mail("smtp.example.org", 587, security="starttls", username=USERNAME)
    assert again.password == "stored" and stored(clinic).password_sealed == row.password_sealed  # kept
    cleared = clinic.set_mail("smtp.example.org", 587, clear_password=True)
    assert cleared.password == "none" and stored(clinic).password_sealed is None


def test_two_seals_of_one_password_differ(clinic: Clinic) -> None:
    a = mail_settings.seal_password(b"s" * 32, 1, PASSWORD)
    b = mail_settings.seal_password(b"s" * 32, 1, PASSWORD)
    assert a != b


def test_no_secret_key_refuses_to_store_a_password(clinic: Clinic) -> None:
    ctx = clinic.ctx(clinic.owner, secret=None)
    request = SetMailSettingsRequest.of(host="smtp.example.org", from_address="a@b.example", password="x")
    with pytest.raises(ConflictError) as caught:
        mail_settings.set_mail_settings(ctx, request)
    assert caught.value.code == "no_secret_key"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"host": "smtp example.org"}, "host"),
        ({"host": "http://smtp.example.org"}, "host"),
        ({"port": 0}, "port"),
        ({"port": 70000}, "port"),
        ({"security": "ssl"}, "security"),
        ({"send_hour": 24}, "send_hour"),
        ({"from_address": "not an address"}, "from_address"),
        ({"password": "x", "clear_password": True}, "clear_password"),
    ],
)
def test_bad_settings_name_their_field(clinic: Clinic, values: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        clinic.set_mail(**{"host": "smtp.example.org", "port": 587, **values})
    assert caught.value.field == field


def test_only_an_owner_reads_or_sets_the_mail_server(clinic: Clinic) -> None:
    owner = clinic.ctx(clinic.owner)
    for role in ("practitioner", "front-desk"):
        uid = clinics.add_user(owner, clinics.AddUserRequest.of(name=role, role=role)).id
        with pytest.raises(AccessError):
            mail_settings.show_mail_settings(clinic.ctx(uid))
        with pytest.raises(AccessError):
            mail_settings.set_mail_settings(
                clinic.ctx(uid),
                SetMailSettingsRequest.of(host="smtp.example.org", from_address="a@b.example"),
            )
        with pytest.raises(AccessError):
            send_test_message(clinic.ctx(uid))
    clinic.set_mail("smtp.example.org", 587)
    theirs = mail_settings.show_mail_settings(clinic.ctx(clinic.other_owner))
    assert theirs.configured is False  # each clinic sees its own


def test_the_test_message_goes_to_the_owner_over_starttls(
    clinic: Clinic, starttls_server: Server, tls_trust: ssl.SSLContext
) -> None:
    clinic.set_mail(
        starttls_server.host, starttls_server.port, security="starttls", username=USERNAME, password=PASSWORD
    )
    sent = send_test_message(clinic.ctx(clinic.owner), ssl_context=tls_trust)
    assert sent.to == "owner@clinic-a.example.org"
    [got] = starttls_server.messages
    assert got["Subject"] == "Clinic A: test message" and got["To"] == "owner@clinic-a.example.org"
    assert starttls_server.inbox.logins == [USERNAME]
    other = send_test_message(
        clinic.ctx(clinic.owner), MailTestRequest.of(to="Desk@Example.org"), ssl_context=tls_trust
    )
    assert other.to == "desk@example.org"


def test_the_environments_password_is_used_when_none_is_stored(
    clinic: Clinic, starttls_server: Server, tls_trust: ssl.SSLContext
) -> None:
    clinic.set_mail(starttls_server.host, starttls_server.port, security="starttls", username=USERNAME)
    ctx = clinic.ctx(clinic.owner, smtp_password=PASSWORD, smtp_host=starttls_server.host.upper())
    assert mail_settings.show_mail_settings(ctx).password == "environment"
    send_test_message(ctx, ssl_context=tls_trust)
    assert len(starttls_server.messages) == 1


def test_a_wrong_password_is_a_plain_error_never_carrying_the_password(
    clinic: Clinic, starttls_server: Server, tls_trust: ssl.SSLContext
) -> None:
    wrong = "wrong-pass-7781"
    clinic.set_mail(
        starttls_server.host, starttls_server.port, security="starttls", username=USERNAME, password=wrong
    )
    with pytest.raises(MailError) as caught:
        send_test_message(clinic.ctx(clinic.owner), ssl_context=tls_trust)
    assert caught.value.code == "mail_login_refused"
    assert (
        caught.value.to_dict()["error"]
        == "the mail server refused the login: check the user name and password"
    )
    assert wrong not in str(caught.value.to_dict())
    trail = audit_text(clinic)
    assert wrong not in trail and "mail_login_refused" in trail
    assert starttls_server.messages == []


def test_an_unreachable_server_and_settings_not_saved(clinic: Clinic, closed_port: int) -> None:
    with pytest.raises(ConflictError) as missing:
        send_test_message(clinic.ctx(clinic.owner))
    assert missing.value.code == "mail_not_set_up"
    clinic.set_mail("127.0.0.1", closed_port)
    with pytest.raises(MailError) as down:
        send_test_message(clinic.ctx(clinic.owner))
    assert down.value.code == "mail_unreachable" and down.value.kind == "conflict"
