"""A local SMTP server for the mail tests (aiosmtpd on 127.0.0.1, a free port), keeping what it receives.

``smtp_server``: plain, no login. ``starttls_server``: STARTTLS required, with a self-signed certificate
made at test time (``tls_trust`` is the client side's SSL context trusting it) and a login
(:data:`USERNAME` / :data:`PASSWORD`) accepted only over TLS. ``tls_server``: TLS from the first byte.
``closed_port``: a port nothing listens on (a server that is down).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.records.conftest import pg_store_url, pg_template, sqlite_template, store  # noqa: F401 (fixtures)

USERNAME = "clinic@mail.example.org"
PASSWORD = "s3cret mail pass"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    """The messages the server accepted, parsed, with their envelopes' recipients."""

    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.raw.append(raw)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@dataclass
class Server:
    host: str
    port: int
    inbox: Inbox

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages


def _authenticator(inbox: Inbox) -> Any:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == USERNAME
            and auth_data.password.decode() == PASSWORD
        )
        if ok:
            inbox.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)

    return check


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * 30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


@pytest.fixture(scope="session")
def tls_trust(tls_files: tuple[Path, Path]) -> ssl.SSLContext:
    """The client's TLS context: trusts the test certificate alone, hostname checked."""
    return ssl.create_default_context(cafile=str(tls_files[0]))


def _server_tls(tls_files: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(tls_files[0]), str(tls_files[1]))
    return context


def _run(controller: Controller, inbox: Inbox) -> Iterator[Server]:
    controller.start()
    try:
        yield Server(controller.hostname, controller.port, inbox)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[Server]:
    inbox = Inbox()
    yield from _run(Controller(inbox, hostname="127.0.0.1", port=free_port()), inbox)


@pytest.fixture
def starttls_server(tls_files: tuple[Path, Path]) -> Iterator[Server]:
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=_server_tls(tls_files),
        require_starttls=True,
        authenticator=_authenticator(inbox),
        auth_required=True,
    )
    yield from _run(controller, inbox)


@pytest.fixture
def tls_server(tls_files: tuple[Path, Path]) -> Iterator[Server]:
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        ssl_context=_server_tls(tls_files),
        authenticator=_authenticator(inbox),
        auth_required=True,
        auth_require_tls=False,  # aiosmtpd counts only STARTTLS as TLS; this connection is TLS throughout
    )
    yield from _run(controller, inbox)


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on."""
    return free_port()
