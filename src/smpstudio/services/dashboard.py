"""The dashboard: today's sessions, the follow-ups due and the alerts the clinic has to act on.

One call, :func:`dashboard`, reads in one transaction what the acting user's role may read of their own
clinic and audits that read once (the ids of the clients it names). Alerts: a recall (with the clients the
lot reached); a lot expired or expiring; a patch test whose next read (the care rules' ``read_at_hours``)
fell before today with none recorded since; a serious adverse event's reporting deadline; a failed spore
test's open corrective action and a failed cycle; a staff certificate expired or expiring (owners see the
whole staff's, anyone else their own); a follow-up overdue; a report a client sent through their own link
that no member of staff has reviewed yet (an urgent one at the very top). A recall, a failed cycle and a
missed read have no closing step in the records, so they show for ``horizon_days`` after they happened.
Each alert names what its fix is about (``target``, ``target_id``); the face builds the link.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field
from sqlalchemy.orm import Session as Db

from smpstudio.records.repositories import clinics as clinic_rows
from smpstudio.records.repositories import dashboard as repo
from smpstudio.records.repositories import lots as lot_rows
from smpstudio.records.repositories import registers as register_rows
from smpstudio.records.repositories import sterilisation as steril_rows
from smpstudio.services.access import PERMISSIONS, Actor, log, rules_for, transact
from smpstudio.services.adverse_events import AdverseEventsDueRequest, ClientName
from smpstudio.services.client_links import client_report_alerts
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import in_range
from smpstudio.services.models import Request, Result
from smpstudio.services.registers import ClientContact, FollowUpItem, Timestamp
from smpstudio.services.sterilisation import CORRECTIVE_STEPS

__all__ = ["Alert", "Dashboard", "DashboardRequest", "SessionToday", "dashboard"]

AlertKind = Literal[
    "recall",
    "lot_expiring",
    "patch_test_read_overdue",
    "adverse_event_deadline",
    "sterilisation_failed",
    "certificate_expiring",
    "followup_overdue",
    "client_report",
    "client_report_urgent",
]
Severity = Literal["danger", "warning", "info"]
Target = Literal["lot", "client", "cycle", "adverse_event", "user", "followup"]

_SEVERITY_ORDER = {"danger": 0, "warning": 1, "info": 2}
_CERTIFICATES = {"smp-training": "SMP training", "bloodborne-pathogens": "bloodborne-pathogens"}


class Alert(Result):
    """Something the clinic has to act on, in plain words, and what the fix is about."""

    kind: AlertKind
    severity: Severity
    title: str = Field(description="One line for a practitioner.")
    detail: str
    due: dt.date | None = Field(description="When it fell or falls due (None: no date).")
    target: Target = Field(description="What the fix is about; the face builds the link.")
    target_id: int | str = Field(description="The id of the target (a lot's, a client's ...).")
    source: str | None = Field(
        default=None, description="Where the date or the rule behind the alert comes from."
    )


class DashboardRequest(Request):
    """How far ahead to look for expiries and deadlines, and back for events with no closing step."""

    horizon_days: Annotated[int, in_range(1, 365, "days")] = Field(default=30, description="Window. [days]")


class SessionToday(Result):
    """A session of the clinic started today."""

    id: int
    client: ClientName
    practitioner: str
    started_at: Timestamp = Field(description="When it started, in the clinic's time.")
    ended_at: Timestamp | None


class Dashboard(Result):
    """The clinic's today: sessions, follow-ups due (overdue ones too) and alerts, danger first, then by
    date. A part the acting user's role may not read is left empty."""

    today: dt.date
    horizon_days: int
    sessions_today: list[SessionToday]
    followups_due: list[FollowUpItem]
    alerts: list[Alert]


def _may(actor: Actor, permission: str) -> bool:
    """Whether the actor's role grants ``permission`` (owners have all)."""
    return actor.role == "owner" or permission in PERMISSIONS.get(actor.role, frozenset())


def _midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The start of ``day`` in the clinic's timezone (aware)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=tz)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _sentence(text: str) -> str:
    """``text`` with its first letter in capitals (the rest as it is: units keep their case)."""
    return text[:1].upper() + text[1:]


def _ago(days: int) -> str:
    return (
        "today" if days == 0 else f"{_plural(days, 'day')} ago" if days > 0 else f"in {_plural(-days, 'day')}"
    )


# --- today and the follow-ups -----------------------------------------------------------------------------


def _sessions_today(db: Db, actor: Actor, today: dt.date, seen: set[int]) -> list[SessionToday]:
    tz = actor.clock.tz
    rows = repo.sessions_between(
        db, actor.clinic_id, _midnight(today, tz), _midnight(today + dt.timedelta(days=1), tz)
    )
    seen.update(s.client_id for s, _, _ in rows)
    return [
        SessionToday(
            id=s.id,
            client=ClientName(id=s.client_id, name=client),
            practitioner=practitioner,
            started_at=s.started_at.astimezone(tz),
            ended_at=s.ended_at.astimezone(tz) if s.ended_at else None,
        )
        for s, client, practitioner in rows
    ]


def _followups(
    db: Db, actor: Actor, today: dt.date, seen: set[int]
) -> tuple[list[FollowUpItem], list[Alert]]:
    rows = register_rows.followups_due(db, actor.clinic_id, today)
    seen.update(f.client_id for f, _, _, _ in rows)
    items = [
        FollowUpItem(
            id=f.id,
            client=ClientContact(id=f.client_id, name=name, phone=phone, email=email),
            due_on=f.due_on,
            overdue_days=(today - f.due_on).days,
            purpose=f.purpose,
            session=f.session_id,
        )
        for f, name, phone, email in rows
    ]
    alerts = [
        Alert(
            kind="followup_overdue",
            severity="warning",
            title=f"Follow-up overdue: {i.client.name}, due {_ago(i.overdue_days)}",
            detail=f"Due on {i.due_on}: {i.purpose}",
            due=i.due_on,
            target="followup",
            target_id=i.id,
        )
        for i in items
        if i.overdue_days > 0
    ]
    return items, alerts


# --- lots -------------------------------------------------------------------------------------------------


def _recalls(db: Db, actor: Actor, today: dt.date, horizon: int) -> list[Alert]:
    tz = actor.clock.tz
    alerts = []
    for lot in repo.recalled_lots_since(
        db, actor.clinic_id, _midnight(today - dt.timedelta(days=horizon), tz)
    ):
        assert lot.recalled_at is not None
        reached = len(lot_rows.exposed_clients(db, actor.clinic_id, [lot]))
        on = lot.recalled_at.astimezone(tz).date()
        why = f": {lot.recall_reason}" if lot.recall_reason else ""
        stock = f" {lot.quantity} still in stock: keep it apart and return it." if lot.quantity > 0 else ""
        alerts.append(
            Alert(
                kind="recall",
                severity="danger" if reached else "warning",
                title=f"Lot {lot.lot_code} recalled: {_plural(reached, 'client')} to contact",
                detail=f"{lot.product} ({lot.kind}), recalled on {on}{why}.{stock}",
                due=on,
                target="lot",
                target_id=lot.id,
            )
        )
    return alerts


def _expiring(db: Db, actor: Actor, today: dt.date, horizon: int) -> list[Alert]:
    alerts = []
    for lot in lot_rows.lots_expiring(db, actor.clinic_id, today + dt.timedelta(days=horizon)):
        expired, when = lot.expires_on < today, _ago((today - lot.expires_on).days)
        alerts.append(
            Alert(
                kind="lot_expiring",
                severity="danger" if expired else "warning",
                title=(
                    f"Lot {lot.lot_code} expired on {lot.expires_on}: take it out of use"
                    if expired
                    else f"Lot {lot.lot_code} expires {when} ({lot.expires_on})"
                ),
                detail=f"{lot.product} ({lot.kind}), {lot.quantity} in stock.",
                due=lot.expires_on,
                target="lot",
                target_id=lot.id,
            )
        )
    return alerts


# --- patch tests ------------------------------------------------------------------------------------------


def _patch_reads(
    db: Db, actor: Actor, cfg: dict[str, Any], today: dt.date, horizon: int, seen: set[int]
) -> list[Alert]:
    """Patch tests whose next scheduled read fell on a day from ``horizon`` days ago to yesterday, with no
    read recorded on or after that day. Each read is a row of its own (same client, lot and application)."""
    tz = actor.clock.tz
    hours = sorted(float(h) for h in cfg["read_at_hours"])
    earliest = today - dt.timedelta(days=horizon)
    since = _midnight(earliest, tz) - dt.timedelta(hours=hours[-1])
    series: dict[tuple[int, str, dt.datetime], list[Any]] = {}
    for test, name in repo.patch_tests_applied_since(db, actor.clinic_id, since):
        series.setdefault((test.client_id, test.lot_code, test.applied_at), []).append((test, name))
    alerts = []
    for (client_id, lot, applied), reads in series.items():
        last = max(t.read_at for t, _ in reads)
        last_day = last.astimezone(tz).date()
        due_days = [(h, (applied + dt.timedelta(hours=h)).astimezone(tz).date()) for h in hours]
        pending = [(h, day) for h, day in due_days if day > last_day]
        if not pending:
            continue
        h, due = pending[0]
        if not earliest <= due < today:
            continue
        seen.add(client_id)
        name = reads[0][1]
        read_h, ago = (last - applied).total_seconds() / 3600, _ago((today - due).days)
        alerts.append(
            Alert(
                kind="patch_test_read_overdue",
                severity="warning",
                title=f"Patch test read overdue: {name}, the {h:g}-hour read was due {ago}",
                detail=(
                    f"Lot {lot} applied on {applied.astimezone(tz).date()}; the last read recorded was at "
                    f"{read_h:.0f} h ({last_day}). Reads are due at "
                    + ", ".join(f"{x:g} h" for x in hours)
                    + ": record this read with its result."
                ),
                due=due,
                target="client",
                target_id=client_id,
                source=f"{cfg['source']} [{cfg['grade']}]",
            )
        )
    return alerts


# --- adverse events, sterilisation, certificates ----------------------------------------------------------


def _adverse_events(
    db: Db, actor: Actor, cfg: dict[str, Any], today: dt.date, horizon: int, seen: set[int]
) -> list[Alert]:
    near = AdverseEventsDueRequest().within_days  # the register's own window for "due soon"
    alerts = []
    for event, name in register_rows.adverse_events_due(
        db, actor.clinic_id, today + dt.timedelta(days=horizon)
    ):
        deadline = event.report_deadline_on
        assert deadline is not None
        left = (deadline - today).days
        seen.add(event.client_id)
        when = f"the deadline passed {_ago(-left)}" if left < 0 else f"report by {deadline} ({_ago(-left)})"
        alerts.append(
            Alert(
                kind="adverse_event_deadline",
                severity="danger" if left <= near else "warning",
                title=f"Serious adverse event of {name}: {when}",
                detail=(
                    f"Received on {event.received_on} ("
                    + ", ".join(str(c) for c in event.serious_criteria or [])
                    + "). Send the event and its pigment and diluent lots to the ink's brand, then record "
                    "the day the brand was notified."
                ),
                due=deadline,
                target="adverse_event",
                target_id=event.id,
                source=f"{cfg['serious_event_source']} [{cfg['serious_event_grade']}]",
            )
        )
    return alerts


def _sterilisation(db: Db, actor: Actor, source: str, today: dt.date, horizon: int) -> list[Alert]:
    tz = actor.clock.tz
    alerts = []
    for action, tested_on in repo.open_corrective_actions(db, actor.clinic_id):
        scope = action.scope
        cycles = [int(c) for c in scope.get("cycles", [])]
        repeat = steril_rows.last_pass_on(db, actor.clinic_id, today)
        cleared = repeat is not None and repeat > tested_on
        reach = (
            f"{_plural(len(cycles), 'load')} since the last passed test reached "
            f"{_plural(len(scope.get('sessions', [])), 'session')} of "
            f"{_plural(len(scope.get('clients', [])), 'client')}. "
        )
        steps = CORRECTIVE_STEPS[1:] if cleared else CORRECTIVE_STEPS
        alerts.append(
            Alert(
                kind="sterilisation_failed",
                severity="warning" if cleared else "danger",
                title=f"Spore test failed on {tested_on}: corrective action open"
                + (f" (a repeat passed on {repeat})" if cleared else ""),
                detail=reach + _sentence("; ".join(steps)) + ".",
                due=tested_on,
                target="cycle",
                target_id=cycles[0] if cycles else f"spore-test-{action.spore_test_id}",
                source=source,
            )
        )
    for cycle in repo.failed_cycles_since(
        db, actor.clinic_id, _midnight(today - dt.timedelta(days=horizon), tz)
    ):
        on = cycle.run_at.astimezone(tz).date()
        alerts.append(
            Alert(
                kind="sterilisation_failed",
                severity="warning",
                title=f"Sterilisation load {cycle.load} failed on {on}: do not use it",
                detail=f"{_sentence(str(cycle.failure_reason))}. Reprocess the load; no session may use it.",
                due=on,
                target="cycle",
                target_id=cycle.id,
                source=source,
            )
        )
    return alerts


def _certificates(db: Db, actor: Actor, today: dt.date, horizon: int) -> list[Alert]:
    users = [u for u in clinic_rows.users_of_clinic(db, actor.clinic_id) if u.active]
    if not _may(actor, "user.add"):  # staff see their own certificates; owners everyone's
        users = [u for u in users if u.id == actor.id]
    expiries = clinic_rows.certification_expiries(db, [u.id for u in users])
    until = today + dt.timedelta(days=horizon)
    alerts = []
    for user in users:
        for kind, expires in expiries[user.id].items():
            if expires > until:
                continue
            label = _CERTIFICATES.get(kind, kind)
            expired = expires < today
            alerts.append(
                Alert(
                    kind="certificate_expiring",
                    severity="danger" if expired else "warning",
                    title=f"{user.name}'s {label} certificate "
                    + (f"expired on {expires}" if expired else f"expires {_ago((today - expires).days)}"),
                    detail=(
                        f"Expires on {expires}. A practitioner without a valid certificate cannot record a "
                        "session: renew it and record the new expiry."
                    ),
                    due=expires,
                    target="user",
                    target_id=user.id,
                )
            )
    return alerts


# --- the dashboard ----------------------------------------------------------------------------------------


def _order(alert: Alert) -> tuple[bool, int, dt.date, str]:
    """An urgent report from a client first, then by severity and date."""
    top = alert.kind == "client_report_urgent"
    return (not top, _SEVERITY_ORDER[alert.severity], alert.due or dt.date.max, alert.title)


def dashboard(ctx: ServiceContext, request: DashboardRequest | None = None) -> Dashboard:
    """The acting user's clinic today: sessions, follow-ups due and alerts, each part only where the
    user's role may read it (the read of the clients it names is audited once)."""
    horizon = (request or DashboardRequest()).horizon_days

    def action(db: Db, actor: Actor) -> Dashboard:
        today = actor.today()
        seen: set[int] = set()
        rules = rules_for(db, actor, ctx).data
        alerts: list[Alert] = []
        sessions: list[SessionToday] = []
        followups: list[FollowUpItem] = []
        if _may(actor, "client.read"):
            sessions = _sessions_today(db, actor, today, seen)
            alerts += [Alert(**a) for a in client_report_alerts(db, actor, seen)]
        if _may(actor, "followup"):
            followups, overdue = _followups(db, actor, today, seen)
            alerts += overdue
        if _may(actor, "lot.read"):
            alerts += _recalls(db, actor, today, horizon) + _expiring(db, actor, today, horizon)
        if _may(actor, "patch_test"):
            alerts += _patch_reads(db, actor, rules["patch_test"], today, horizon, seen)
        if _may(actor, "adverse_event"):
            alerts += _adverse_events(db, actor, rules["records"], today, horizon, seen)
        if _may(actor, "sterilisation"):
            source = f"{rules['sterilisation']['source']} [{rules['sterilisation']['grade']}]"
            alerts += _sterilisation(db, actor, source, today, horizon)
        alerts += _certificates(db, actor, today, horizon)
        alerts.sort(key=_order)
        log(db, actor, "read", "client", None, via="dashboard", clients=sorted(seen))
        return Dashboard(
            today=today,
            horizon_days=horizon,
            sessions_today=sessions,
            followups_due=followups,
            alerts=alerts,
        )

    return transact(ctx, action)
