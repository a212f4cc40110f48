"""The SMTP sender: a clinic's own mail server over STARTTLS, implicit TLS (SMTPS) or a plain connection.

:class:`SmtpMailer` opens one connection per message (a clinic sends a handful an hour), with a timeout on
every step, and turns each way a server can fail into a :class:`MailError` in plain words: the server
cannot be reached, refuses the login, cannot start TLS, or refuses the message. No error and no log line
carries the password or the server's own reply text (which can echo what was sent); no login is sent over
a connection without TLS.

Anything with ``send(message)`` is a :class:`Mailer` (the tests pass their own).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

from smpstudio.errors import ConflictError

__all__ = ["DEFAULT_TIMEOUT_S", "SECURITY", "MailConfig", "MailError", "Mailer", "SmtpMailer"]

#: How the connection is protected: STARTTLS on a plain port (587), TLS from the first byte (465), none.
SECURITY = ("starttls", "tls", "none")
#: The longest wait for the server at each step (connect, each command). [s]
DEFAULT_TIMEOUT_S = 20.0


class MailError(ConflictError):
    """The mail server could not take the message: ``code`` says why (``mail_unreachable``,
    ``mail_tls_failed``, ``mail_login_refused``, ``mail_refused``); the message is plain words."""

    default_code = "mail_failed"


@dataclass(frozen=True)
class MailConfig:
    """Where and how to send: the server, its protection, the login and the sender's address.

    ``ssl_context`` is the trust used for TLS (None: the system's trusted authorities, hostname checked);
    tests give one that trusts their own certificate.
    """

    host: str
    port: int
    security: str = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    from_address: str = ""
    timeout_s: float = DEFAULT_TIMEOUT_S
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)


class Mailer(Protocol):
    """Something that delivers an e-mail (raises :class:`MailError` when it cannot)."""

    def send(self, message: EmailMessage) -> None: ...


class SmtpMailer:
    """Send each message over a new SMTP connection as the configuration says."""

    def __init__(self, config: MailConfig) -> None:
        if config.security not in SECURITY:
            raise ValueError(f"unknown security {config.security!r}")
        self.config = config

    @classmethod
    def from_settings(cls, mail_config: MailConfig) -> SmtpMailer:
        """The mailer of a clinic's mail settings (see :func:`smpstudio.services.mail_settings`)."""
        return cls(mail_config)

    @property
    def _where(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    def _tls(self) -> ssl.SSLContext:
        return self.config.ssl_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        try:
            if c.security == "tls":
                return smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout_s, context=self._tls())
            return smtplib.SMTP(c.host, c.port, timeout=c.timeout_s)
        except ssl.SSLError:
            raise MailError(
                f"the mail server at {self._where} did not complete a secure (TLS) connection",
                field="security",
                allowed="the protection the server offers: starttls (usually port 587), tls (465)",
                code="mail_tls_failed",
            ) from None
        except (OSError, smtplib.SMTPException):
            raise self._unreachable() from None

    def _unreachable(self) -> MailError:
        return MailError(
            f"the mail server at {self._where} could not be reached",
            field="host",
            allowed="the host and port of a running mail server",
            code="mail_unreachable",
        )

    def _start_tls(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise MailError(
                    f"the mail server at {self._where} does not offer STARTTLS",
                    field="security",
                    allowed="tls or none where the server does not offer STARTTLS",
                    code="mail_tls_failed",
                )
            smtp.starttls(context=self._tls())
            smtp.ehlo()
        except (ssl.SSLError, ssl.CertificateError, smtplib.SMTPException):
            raise MailError(
                f"the mail server at {self._where} could not start a secure connection (STARTTLS failed)",
                field="security",
                allowed="a server certificate the studio trusts, or another protection",
                code="mail_tls_failed",
            ) from None

    def _login(self, smtp: smtplib.SMTP) -> None:
        c = self.config
        if not c.username:
            return
        if c.security == "none":
            raise MailError(
                "the studio sends no login over a connection without TLS: the password would travel in clear",
                field="security",
                allowed="starttls or tls when the server needs a login",
                code="mail_login_refused",
            )
        try:
            smtp.login(c.username, c.password or "")
        except smtplib.SMTPAuthenticationError:
            raise MailError(
                "the mail server refused the login: check the user name and password",
                field="password",
                allowed="the mail account's user name and password",
                code="mail_login_refused",
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise MailError(
                "the mail server does not accept a login on this connection",
                field="security",
                allowed="starttls or tls (servers accept a login only over a secure connection)",
                code="mail_login_refused",
            ) from None

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` (its From is the configured sender when it has none)."""
        if "From" not in message and self.config.from_address:
            message["From"] = self.config.from_address
        smtp = self._connect()
        try:
            if self.config.security == "starttls":
                self._start_tls(smtp)
            self._login(smtp)
            try:
                refused = smtp.send_message(message)
            except smtplib.SMTPRecipientsRefused:
                raise MailError(
                    "the mail server refused the recipient's address",
                    field="to",
                    allowed="an address the server accepts",
                    code="mail_refused",
                ) from None
            except smtplib.SMTPSenderRefused:
                raise MailError(
                    "the mail server refused the sender's address",
                    field="from_address",
                    allowed="an address the mail account may send from",
                    code="mail_refused",
                ) from None
            except smtplib.SMTPDataError:
                raise MailError(
                    "the mail server refused the message", field="message", code="mail_refused"
                ) from None
            if refused:
                raise MailError(
                    "the mail server refused the recipient's address",
                    field="to",
                    allowed="an address the server accepts",
                    code="mail_refused",
                )
        except MailError:
            raise
        except (OSError, smtplib.SMTPException):
            raise self._unreachable() from None
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
