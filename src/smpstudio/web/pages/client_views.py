"""What the client pages show, worked out from a client's record: the next steps before a session and the
timeline, in plain words.

Pure functions over :class:`~smpstudio.services.client_record.ClientRecord` (no store, no request), so the
record page and its tests share them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from smpstudio.services.client_messages import MessageEntry
from smpstudio.services.client_record import ClientRecord, LotRef, SessionEntry

__all__ = [
    "OUTCOME_WORDS",
    "Step",
    "TextBlock",
    "TimelineItem",
    "lot_words",
    "message_items",
    "next_steps",
    "staff_name",
    "text_blocks",
    "timeline",
    "upcoming",
    "when_words",
]

#: The screening outcomes in plain words (the care rules' outcome names are internal).
OUTCOME_WORDS: dict[str, str] = {
    "proceed": "may go ahead",
    "counsel": "may go ahead after counselling",
    "doctor_clearance": "needs a doctor's clearance first",
    "defer": "deferred",
    "stop": "must not be treated",
}
#: The badge tone of each screening outcome.
OUTCOME_TONES: dict[str, str] = {
    "proceed": "ok",
    "counsel": "info",
    "doctor_clearance": "warning",
    "defer": "warning",
    "stop": "danger",
}


@dataclass(frozen=True)
class Step:
    """Something to do (or a fact that blocks) before the client's next session."""

    text: str
    tone: str  # ok, info, warning or danger
    link: str | None = None
    link_text: str | None = None
    who: str | None = None  # who does it, in place of a link the signed-in user may not open


@dataclass(frozen=True)
class TimelineItem:
    """One dated entry of a client's timeline."""

    at: dt.datetime  # for ordering (a date is taken at midnight)
    what: str  # the kind of entry, e.g. "Screening"
    title: str
    details: list[str] = field(default_factory=list)
    tone: str = "info"
    link: str | None = None
    link_text: str | None = None

    day_only: bool = False  # a date without a time (a due date): shown without the time

    @property
    def when(self) -> str:
        return when_words(self.at.date() if self.day_only else self.at)


def _moment(value: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)


def _item(value: dt.date | dt.datetime, *args: Any, **kwargs: Any) -> TimelineItem:
    """A timeline entry at ``value``: a date alone (a due date, a day screened) is shown without a time."""
    item = TimelineItem(_moment(value), *args, **kwargs)
    return dataclasses.replace(item, day_only=not isinstance(value, dt.datetime))


def when_words(value: dt.date | dt.datetime | None) -> str:
    """A date as ``12 Mar 2031``, a time as ``12 Mar 2031, 14:05`` (as stored: the clinic's offset)."""
    if value is None:
        return "not set"
    if isinstance(value, dt.datetime):
        return f"{value.day} {value:%b %Y, %H:%M}"
    return f"{value.day} {value:%b %Y}"


def staff_name(staff: Mapping[int, str], user_id: int | None) -> str:
    """A user's name from the clinic's staff list (a user of another era: their id)."""
    if user_id is None:
        return "nobody"
    return staff.get(user_id, f"user {user_id}")


def lot_words(lot: LotRef | None) -> str:
    """A lot as the practitioner reads it: product and lot code."""
    return "none" if lot is None else f"{lot.product}, lot {lot.lot}"


def next_steps(
    record: ClientRecord, client_path: str, *, today: dt.date, minimum_interval_days: int
) -> list[Step]:
    """What stands before the client's next session, in the order it is done; one "ready" step when
    nothing does. Mirrors the session checks on the facts of the record (the rules' minimum interval
    between two sessions among them); the session form's checklist has the last word."""
    if record.client.erased_at is not None:
        return [Step("This record was erased: nothing more can be recorded.", "danger")]
    steps: list[Step] = []
    latest = record.screenings[-1] if record.screenings else None
    if latest is None:
        steps.append(Step("No screening yet.", "danger", f"{client_path}/screening", "Screen the client"))
    else:
        words = OUTCOME_WORDS.get(latest.outcome, latest.outcome)
        text = f"Screened {when_words(latest.answered_on)}: the client {words}"
        if latest.outcome == "defer" and latest.defer_until is not None:
            text += f" until {when_words(latest.defer_until)}"
        tone = OUTCOME_TONES.get(latest.outcome, "info")
        if latest.unanswered:
            text = (
                f"The screening of {when_words(latest.answered_on)} left {len(latest.unanswered)} "
                "question(s) unanswered: no session until it is finished"
            )
            tone = "danger"
        if tone == "ok":
            steps.append(Step(text + ".", "ok"))
        else:
            steps.append(Step(text + ".", tone, f"{client_path}/screening", "Screen again"))
    treatment = [c for c in record.consents if c.kind == "treatment"]
    if not any(c.withdrawn_at is None for c in treatment):
        text = "The treatment consent was withdrawn." if treatment else "No treatment consent signed."
        steps.append(Step(text, "danger", f"{client_path}/consent", "Sign the treatment consent"))
    patch = record.patch_tests[-1] if record.patch_tests else None
    if patch is not None and patch.result is None:
        steps.append(
            Step(
                f"The patch test applied {when_words(patch.applied_at)} is not read yet"
                + (": no session until it is read." if latest and latest.patch_test_recommended else "."),
                "warning",
                f"{client_path}/patch-tests#pending-{patch.id}",
                "Record the reading",
            )
        )
    elif patch is not None and patch.result != "negative":
        steps.append(
            Step(
                f"The patch test was read {patch.result}: no session.", "danger", f"{client_path}/patch-tests"
            )
        )
    elif patch is None and latest is not None and latest.patch_test_recommended:
        steps.append(
            Step(
                "The screening calls for a patch test, and none is on file.",
                "warning",
                f"{client_path}/patch-tests",
                "Plan and record the patch test",
            )
        )
    if not any(c.kind == "photography" and c.withdrawn_at is None for c in record.consents):
        steps.append(
            Step(
                "No photography consent: no photos may be taken.",
                "info",
                f"{client_path}/consent#photography",
                "Ask for photography consent",
            )
        )
    started = [s.started_at for s in record.sessions if s.started_at is not None]
    earliest = max(started).date() + dt.timedelta(days=minimum_interval_days) if started else today
    if earliest > today:
        steps.append(
            Step(
                f"The last session was {when_words(max(started).date())}: the next one from "
                f"{when_words(earliest)} (at least {minimum_interval_days} days apart, the care rules).",
                "warning",
            )
        )
    if not any(s.tone in ("danger", "warning") for s in steps) and latest is not None and earliest <= today:
        steps.append(Step("Ready for a session.", "ok", f"{client_path}/sessions/new", "Record the session"))
    return steps


def _session_item(s: SessionEntry, staff: Mapping[int, str], client_path: str) -> TimelineItem:
    details = [
        f"By {staff_name(staff, s.practitioner)}; zones: {', '.join(str(z) for z in s.zones) or 'none'}",
        f"Pigment: {lot_words(s.pigment_lot)}; needle: {lot_words(s.needle_lot)}"
        + (f"; diluent: {lot_words(s.diluent_lot)}" if s.diluent_lot else ""),
        f"Ink at {s.ink_fraction:.0%} strength",
    ]
    if s.overridden_checks:
        details.append(f"Recorded over refusals by the owner: {s.override_reason or 'no reason kept'}")
    return _item(
        s.started_at or dt.datetime.min,
        "Session",
        "Treatment session",
        details,
        "warning" if s.overridden_checks else "ok",
        f"{client_path}/sessions/{s.id}",
        "Open the session",
    )


#: What became of a reminder e-mail not sent, in plain words.
_NOT_SENT = {
    "failed": "the mail server did not take it",
    "unsubscribed": "the client unsubscribed",
    "no-address": "no e-mail address on file",
    "queued": "waiting to be sent",
    "sending": "sending was interrupted",
}


def message_items(messages: Sequence[MessageEntry]) -> list[TimelineItem]:
    """The reminder e-mails of the client as timeline entries ("Reminder e-mail sent 2 Dec 2026: ...")."""
    items = []
    for m in messages:
        if m.status == "sent" and m.sent_at is not None:
            title = f"Reminder e-mail sent {when_words(m.sent_at.date())}: {m.about}"
            to = [f"To {m.to_address}"] if m.to_address else []
            items.append(_item(m.sent_at, "E-mail", title, to, "ok"))
        else:
            details = [m.error] if m.status == "failed" and m.error else []
            title = f"Reminder e-mail not sent ({_NOT_SENT.get(m.status, m.status)}): {m.about}"
            tone = "warning" if m.status == "failed" else "info"
            items.append(_item(m.queued_at, "E-mail", title, details, tone))
    return items


def timeline(
    record: ClientRecord,
    staff: Mapping[int, str],
    client_path: str,
    messages: Sequence[MessageEntry] = (),
) -> list[TimelineItem]:
    """Everything that happened in the client's record (and the reminder e-mails sent), newest first."""
    items: list[TimelineItem] = message_items(messages)
    for sc in record.screenings:
        if sc.answered_on is None:
            continue
        yes = sorted(k.replace("_", " ") for k, v in sc.answers.items() if v)
        items.append(
            _item(
                sc.answered_on,
                "Screening",
                f"Screened: the client {OUTCOME_WORDS.get(sc.outcome, sc.outcome)}",
                [f"By {staff_name(staff, sc.by)}", "Answered yes: " + (", ".join(yes) or "nothing")]
                + (["A patch test is advised"] if sc.patch_test_recommended else []),
                OUTCOME_TONES.get(sc.outcome, "info"),
            )
        )
    for c in record.consents:
        if c.signed_at is not None:
            how = "a drawn signature" if c.signature == "drawn" else "a typed name"
            items.append(
                _item(
                    c.signed_at,
                    "Consent",
                    f"{c.kind.capitalize()} consent signed (text version {c.text_version})",
                    [f"Signed as {c.signed_name} with {how}; witnessed by {staff_name(staff, c.witness)}"],
                    "ok",
                )
            )
        if c.withdrawn_at is not None:
            items.append(
                _item(
                    c.withdrawn_at,
                    "Consent",
                    f"{c.kind.capitalize()} consent withdrawn",
                    [],
                    "warning",
                )
            )
    for p in record.patch_tests:
        if p.read_at is not None:
            items.append(
                _item(
                    p.read_at,
                    "Patch test",
                    f"Patch test read {p.result}",
                    [f"Lot {p.lot}, {p.site}; applied {when_words(p.applied_at)}"],
                    "ok" if p.result == "negative" else "danger",
                )
            )
    for d in record.designs:
        if d.created_at is not None:
            items.append(_item(d.created_at, "Design", f"Design version {d.version} kept"))
    for ph in record.photos:
        if ph.created_at is not None:
            items.append(_item(ph.created_at, "Photo", f"Photo ({ph.kind}, {ph.view} view)"))
    items.extend(_session_item(s, staff, client_path) for s in record.sessions if s.started_at is not None)
    for f in record.follow_ups:
        if f.done_at is not None:
            items.append(
                _item(
                    f.done_at,
                    "Follow-up",
                    f"Follow-up done: {f.purpose}",
                    [f.outcome] if f.outcome else [],
                    "ok",
                )
            )
    for r in record.symptom_reports:
        if r.reported_at is not None:
            reported = r.symptoms.get("symptoms", []) if isinstance(r.symptoms, dict) else r.symptoms
            symptoms = reported if isinstance(reported, list) else [reported]
            items.append(
                _item(
                    r.reported_at,
                    "Symptoms",
                    f"Symptoms reported: {', '.join(str(s) for s in symptoms)}",
                    [f"Advice given: {r.disposition.replace('_', ' ')}"],
                    "warning",
                )
            )
    for a in record.adverse_events:
        if a.received_on is not None:
            details = [a.description]
            if a.serious and a.report_deadline_on is not None:
                notified = a.brand_notified_on
                details.append(
                    f"Brand notified {when_words(notified)}"
                    if notified
                    else f"Serious: the brand must be told by {when_words(a.report_deadline_on)}"
                )
            items.append(
                _item(
                    a.received_on,
                    "Adverse event",
                    "Serious adverse event" if a.serious else "Adverse event",
                    details,
                    "danger" if a.serious else "warning",
                )
            )
    return sorted(items, key=lambda item: item.at, reverse=True)


def upcoming(record: ClientRecord) -> list[TimelineItem]:
    """Follow-ups and reminders not done yet, soonest first."""
    items = [
        _item(f.due_on, "Follow-up", f"Follow-up: {f.purpose}", [], "info")
        for f in record.follow_ups
        if f.done_at is None and f.due_on is not None
    ]
    items.extend(
        _item(r.due_on, "Reminder", f"{r.kind.replace('_', ' ').capitalize()} reminder", [r.basis])
        for r in record.reminders
        if r.done_at is None and r.due_on is not None
    )
    return sorted(items, key=lambda item: item.at)


@dataclass(frozen=True)
class TextBlock:
    """A block of a consent text: a heading, a paragraph or a list (its items)."""

    kind: str  # heading, paragraph or list
    lines: list[str]


def text_blocks(body: str) -> list[TextBlock]:
    """A consent text (the small Markdown the texts use: ``#`` headings, ``-`` lists, paragraphs) as
    blocks the page shows in full; everything is shown as text, no markup is passed through."""
    blocks: list[TextBlock] = []
    for chunk in body.replace("\r\n", "\n").split("\n\n"):
        lines = [line.rstrip() for line in chunk.strip("\n").split("\n") if line.strip()]
        if not lines:
            continue
        if lines[0].startswith("#"):
            blocks.append(TextBlock("heading", [lines[0].lstrip("#").strip()]))
            lines = lines[1:]
            if not lines:
                continue
        if all(line.lstrip().startswith(("- ", "* ")) or line.startswith("  ") for line in lines):
            items: list[str] = []
            for line in lines:
                if line.lstrip().startswith(("- ", "* ")):
                    items.append(line.lstrip()[2:].strip())
                elif items:
                    items[-1] += " " + line.strip()
            blocks.append(TextBlock("list", items))
        else:
            blocks.append(TextBlock("paragraph", [" ".join(line.strip() for line in lines)]))
    return blocks
