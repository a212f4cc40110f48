"""What a reminder e-mail is made of: the reminder due (its subject and paragraphs), the words the
paragraphs use for a time, a day and how to reach the clinic, and the message built from them (plain text:
the client's first name, the paragraphs, the clinic's contact details, the unsubscribe link, and a
``List-Unsubscribe`` header).
"""

from __future__ import annotations

import datetime as dt
import email.policy
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from smpstudio.records.clinic_day import ClinicMail
from smpstudio.records.models import Client, Clinic

__all__ = ["APPOINTMENT_WORDS", "Due", "compose", "contact_us", "spoken_day", "spoken_time"]

#: How reminders are written: headers folded only where they must be (998 characters, RFC 5322), so the
#: ``List-Unsubscribe`` link stays one readable ``<url>`` rather than encoded words.
_POLICY = email.policy.SMTP.clone(max_line_length=998)
#: The appointment kinds in the client's words (the body may say what the appointment is).
APPOINTMENT_WORDS = {
    "consultation": "consultation",
    "session": "treatment session",
    "touch-up": "touch-up session",
    "follow-up-call": "follow-up call",
    "patch-test-read": "patch test reading",
}


@dataclass(frozen=True)
class Due:
    """One reminder due: its kind, key, client, subject and the paragraphs about it."""

    kind: str
    source_key: str
    client: Client
    subject: str
    paragraphs: tuple[str, ...]


def spoken_time(value: dt.datetime) -> str:
    """A time as the e-mail writes it: "Tuesday 3 June 2025 at 14:30"."""
    return f"{value:%A} {value.day} {value:%B %Y} at {value:%H:%M}"


def spoken_day(value: dt.date) -> str:
    """A day as the e-mail writes it: "Tuesday 3 June 2025"."""
    return f"{value:%A} {value.day} {value:%B %Y}"


def contact_us(clinic: Clinic) -> str:
    """How the client gets in touch: the clinic's phone, or a reply."""
    return f"call us on {clinic.phone}" if clinic.phone else "reply to this e-mail"


def compose(
    clinic: Clinic, mail: ClinicMail, due: Due, to: str, public_url: str
) -> Callable[[str], EmailMessage]:
    """The e-mail of a reminder, given its unsubscribe token (plain text: first name, the time, the
    clinic's contact details, the unsubscribe link, and a ``List-Unsubscribe`` header)."""
    first = (due.client.name.split() or ["there"])[0]
    contact = [
        clinic.name,
        *(clinic.address or "").splitlines(),
        *([f"Phone: {clinic.phone}"] if clinic.phone else []),
    ]
    domain = mail.from_address.rpartition("@")[2] or None

    def build(token: str) -> EmailMessage:
        url = f"{public_url}/unsubscribe/{token}"
        message = EmailMessage(policy=_POLICY)
        message["Subject"] = due.subject
        message["From"] = mail.from_address
        message["To"] = to
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=domain)
        message["Auto-Submitted"] = "auto-generated"
        message["List-Unsubscribe"] = f"<{url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        body = [
            f"Hello {first},",
            *due.paragraphs,
            "\n".join(line.strip() for line in contact if line.strip()),
        ]
        body.append(f"You receive these reminders as a client of {clinic.name}. To stop them: {url}")
        message.set_content("\n\n".join(body) + "\n")
        return message

    return build
