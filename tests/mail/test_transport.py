"""The SMTP sender against a local server: plain, STARTTLS and TLS, a login, and each way it fails in
plain words (never the password)."""

from __future__ import annotations

import ssl
from email.message import EmailMessage

import pytest

from smpstudio.mail.transport import MailConfig, MailError, SmtpMailer
from tests.mail.conftest import PASSWORD, USERNAME, Server

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def _message(to: str = "alex@example.org") -> EmailMessage:
    m = EmailMessage()
    m["Subject"] = "Clinic A: hello"
    m["To"] = to
    m.set_content("Hello Alex")
    return m


def _config(server: Server, **kw: object) -> MailConfig:
    values: dict[str, object] = {
        "host": server.host,
        "port": server.port,
        "security": "none",
        "from_address": "desk@clinic-a.example.org",
        "timeout_s": 5.0,
    }
    values.update(kw)
    return MailConfig(**values)  # type: ignore[arg-type]


def test_a_plain_server_receives_the_message_from_the_clinics_address(smtp_server: Server) -> None:
    SmtpMailer.from_settings(_config(smtp_server)).send(_message())
    [got] = smtp_server.messages
    assert got["From"] == "desk@clinic-a.example.org"
    assert got["To"] == "alex@example.org"
    assert got.get_content().strip() == "Hello Alex"


def test_starttls_with_a_login_delivers(starttls_server: Server, tls_trust: ssl.SSLContext) -> None:
    config = _config(
        starttls_server, security="starttls", username=USERNAME, password=PASSWORD, ssl_context=tls_trust
    )
    SmtpMailer.from_settings(config).send(_message())
    assert len(starttls_server.messages) == 1
    assert starttls_server.inbox.logins == [USERNAME]


def test_implicit_tls_with_a_login_delivers(tls_server: Server, tls_trust: ssl.SSLContext) -> None:
    config = _config(tls_server, security="tls", username=USERNAME, password=PASSWORD, ssl_context=tls_trust)
    SmtpMailer.from_settings(config).send(_message())
    assert len(tls_server.messages) == 1


def test_a_wrong_password_is_a_plain_error_without_the_password(
    starttls_server: Server, tls_trust: ssl.SSLContext
) -> None:
    wrong = "not-the-password-123"
    config = _config(
        starttls_server, security="starttls", username=USERNAME, password=wrong, ssl_context=tls_trust
    )
    with pytest.raises(MailError) as caught:
        SmtpMailer.from_settings(config).send(_message())
    assert caught.value.code == "mail_login_refused"
    assert caught.value.kind == "conflict"
    assert "refused the login" in caught.value.message
    assert wrong not in str(caught.value) and wrong not in repr(caught.value.to_dict())
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert starttls_server.messages == []


def test_a_certificate_not_trusted_fails_starttls_in_plain_words(starttls_server: Server) -> None:
    config = _config(starttls_server, security="starttls", username=USERNAME, password=PASSWORD)
    with pytest.raises(MailError) as caught:
        SmtpMailer.from_settings(config).send(
            _message()
        )  # the system's trust: the self-signed one is not in it
    assert caught.value.code == "mail_tls_failed"
    assert "STARTTLS failed" in caught.value.message
    assert starttls_server.messages == []


def test_starttls_asked_of_a_server_without_it_is_refused(smtp_server: Server) -> None:
    with pytest.raises(MailError) as caught:
        SmtpMailer.from_settings(_config(smtp_server, security="starttls")).send(_message())
    assert caught.value.code == "mail_tls_failed"
    assert "does not offer STARTTLS" in caught.value.message


def test_a_server_that_requires_starttls_refuses_a_plain_send(starttls_server: Server) -> None:
    with pytest.raises(MailError):
        SmtpMailer.from_settings(_config(starttls_server)).send(_message())
    assert starttls_server.messages == []


def test_a_server_that_is_down_cannot_be_reached(closed_port: int) -> None:
    config = MailConfig(
        host="127.0.0.1", port=closed_port, security="none", from_address="a@b.example", timeout_s=2
    )
    with pytest.raises(MailError) as caught:
        SmtpMailer.from_settings(config).send(_message())
    assert caught.value.code == "mail_unreachable"
    assert caught.value.message == f"the mail server at 127.0.0.1:{closed_port} could not be reached"


def test_tls_spoken_to_a_plain_server_fails_without_a_traceback(
    smtp_server: Server, tls_trust: ssl.SSLContext
) -> None:
    config = _config(smtp_server, security="tls", ssl_context=tls_trust, timeout_s=3.0)
    with pytest.raises(MailError) as caught:
        SmtpMailer.from_settings(config).send(_message())
    assert caught.value.code in ("mail_tls_failed", "mail_unreachable")


def test_the_password_is_not_in_the_configs_repr() -> None:
    config = MailConfig(host="h.example", port=587, password="hunter2-secret")
    assert "hunter2-secret" not in repr(config)


def test_an_unknown_security_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown security"):
        SmtpMailer(MailConfig(host="h.example", port=25, security="ssl3"))
