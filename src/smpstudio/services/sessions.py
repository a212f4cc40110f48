"""Treatment sessions: the checks before one, recording it with its lots, follow-ups and touch-up reminder.

:func:`record_session` is one call ``record_session(ctx, SessionRequest) -> SessionRecorded |
SessionRefused``: a refusal is a typed result (audited like the rest), not an error, so every face shows
every reason at once. The queries are in :mod:`smpstudio.records.repositories.sessions`; the checks are
the pure :func:`smpstudio.records.checks.session_reasons`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from sqlalchemy.orm import Session as Db

from smpstudio.care.floors import minimum_age_years
from smpstudio.care.rules import RuleSet
from smpstudio.errors import AccessError, InputError, check_choice, check_range
from smpstudio.records.checks import CycleFacts, SessionFacts, session_reasons
from smpstudio.records.deadlines import add_years
from smpstudio.records.models import Client, Design, Lot, User
from smpstudio.records.repositories import lots as lot_repo
from smpstudio.records.repositories import sessions as repo
from smpstudio.records.repositories import sterilisation as steril_repo
from smpstudio.services.access import Actor, get_client, get_user, log, rules_for, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import Id, LocalDateTime, OptionalId
from smpstudio.services.lots import resolve_lot
from smpstudio.services.models import Request, Result
from smpstudio.services.sterilisation import cycle_failure

__all__ = [
    "ZONES",
    "FollowUpBooked",
    "PreparedSession",
    "RefusalReason",
    "SessionRecorded",
    "SessionRefused",
    "SessionRequest",
    "TouchUpDue",
    "forecast_touch_up_years",
    "prepare_session",
    "record_session",
]


ZONES = (
    "hairline",
    "temples",
    "frontal",
    "mid-scalp",
    "crown",
    "sides",
    "back",
    "donor-scar",
    "scar",
    "full",
)


class SessionRequest(Request):
    """A session as the practitioner records it: who, which lots, the ink, the zones and when.

    Lots are named by code or ``#id``. ``started``/``ended`` are ISO date-times (without an offset they
    are the clinic's local time); ``started`` is now by default. A session before the clinic's today is
    recorded only as ``historical``, by an owner (it takes no stock and books nothing in the past); a
    session after the clinic's now is an appointment and is refused. ``override_reason`` is an owner's
    written justification for recording despite overridable refusals; ``touch_up_years`` (or
    ``forecast``, the healing model) sets the touch-up reminder instead of the rules' default.
    """

    client_id: Id
    practitioner_id: Id
    pigment_lot: str = Field(min_length=1, max_length=80)
    needle_lot: str = Field(min_length=1, max_length=80)
    diluent_lot: str | None = Field(None, min_length=1, max_length=80)
    ink_fraction: float = Field(1.0, description="Fraction of undiluted ink (0.5 = diluted 50 %). [0.02-1]")
    zones: list[str] = Field(default_factory=lambda: ["full"], description="Zones treated.")
    started: LocalDateTime | None = None
    ended: LocalDateTime | None = None
    design_version: OptionalId = None
    anaesthetic: str | None = Field(None, max_length=200)
    anaesthetic_strength_pct: float | None = Field(None, description="Anaesthetic strength. [%]")
    sterilisation_cycle: OptionalId = None
    notes: str | None = Field(None, max_length=5000)
    override_reason: str | None = Field(None, max_length=2000)
    touch_up_years: float | None = Field(None, description="Touch-up forecast. [years]")
    forecast: bool = False
    historical: bool = Field(False, description="A past session recorded after the fact (owner only).")

    @field_validator("anaesthetic", "notes", "override_reason", "diluent_lot", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("zones", mode="before")
    @classmethod
    def _zones(cls, value: object) -> object:
        if value is None or value == []:
            return ["full"]
        if isinstance(value, list | tuple):
            return [check_choice("zones", z, ZONES) if isinstance(z, str) else z for z in value]
        return value

    @field_validator("ink_fraction")
    @classmethod
    def _ink(cls, value: float) -> float:
        return check_range("ink_fraction", value, 0.02, 1.0)

    @field_validator("anaesthetic_strength_pct")
    @classmethod
    def _strength(cls, value: float | None) -> float | None:
        return None if value is None else check_range("anaesthetic_strength_pct", value, 0.0, 30.0, "%")

    @model_validator(mode="after")
    def _consistent(self) -> SessionRequest:
        if self.ink_fraction < 1.0 and self.diluent_lot is None:
            raise InputError(
                "a diluted ink needs its diluent lot", field="diluent_lot", allowed="the diluent's lot code"
            )
        start, end = self.started, self.ended
        same_kind = start is not None and end is not None and (start.tzinfo is None) == (end.tzinfo is None)
        if same_kind and end is not None and start is not None and end <= start:  # else the service checks
            raise InputError("ends before it starts", field="ended", allowed="a time after the start")
        return self


class FollowUpBooked(Result):
    id: int
    due_on: dt.date


class TouchUpDue(Result):
    due_on: dt.date
    basis: str = Field(description="Where the interval comes from: given, forecast or the rules' default.")


class SessionRecorded(Result):
    """A recorded session: what was overridden, the needle stock left, the follow-ups and touch-up booked."""

    id: int
    refused: Literal[False] = False
    overridden: list[str]
    historical: bool = Field(
        description="Recorded after the fact: no stock taken, nothing booked in the past."
    )
    needle_lot_left: int
    follow_ups: list[FollowUpBooked]
    touch_up: TouchUpDue | None = Field(description="The touch-up reminder (None: it would be in the past).")
    warnings: list[str]
    rules_version: str = Field(description="The rules applied: the packaged version and the clinic's.")


class RefusalReason(Result):
    """One check that failed, with its stable code; ``overridable`` says whether an owner may override it."""

    code: str
    message: str
    overridable: bool


class SessionRefused(Result):
    """The session was not recorded: every reason at once, and why an override was not accepted."""

    refused: Literal[True] = True
    reasons: list[RefusalReason]
    override: str | None = Field(description="Why a justification given was not enough (None if none).")


def forecast_touch_up_years(skin_type: str, ink_fraction: float) -> float | None:
    """The healing and ageing model's touch-up forecast for the SMP technique at this ink fraction."""
    from smpstudio.skin.touch_ups import design_impression, touch_up_due_years

    return touch_up_due_years(design_impression([ink_fraction]), skin_type)


def _aware(when: dt.datetime | None, tz: dt.tzinfo) -> dt.datetime | None:
    """A time given without an offset is the clinic's local time."""
    return when if when is None or when.tzinfo is not None else when.replace(tzinfo=tz)


@dataclasses.dataclass(frozen=True)
class PreparedSession:
    """What the checks before a session read: the rows the request names and the facts on file.

    ``unresolved`` holds, per lot slot (``pigment``, ``needle``, ``diluent``), why a lot named could not
    be found (only for a dry run, which lists it as a failed check instead of refusing the request).
    """

    client: Client
    practitioner: User
    lots: list[tuple[str, Lot]]
    design: Design | None
    rules: RuleSet
    start: dt.datetime
    ended: dt.datetime | None
    facts: SessionFacts
    unresolved: dict[str, str] = dataclasses.field(default_factory=dict)


def prepare_session(
    db: Db, actor: Actor, ctx: ServiceContext, r: SessionRequest, *, lock: bool, dry_run: bool = False
) -> PreparedSession:
    """Read everything the checks before the session ``r`` need, in the actor's clinic.

    The same reading serves recording (``lock``: the client's row and the lots are locked, so the checks
    and the insert are atomic per client) and the dry run (``dry_run``: a lot that cannot be found is
    kept in ``unresolved`` rather than refused). A request that cannot describe a session (a historical
    one by a non-owner, an end before the start, a missing design version or cycle) is refused either way.
    """
    if r.historical and actor.role != "owner":
        raise AccessError(
            "only an owner may record a historical session",
            field="historical",
            allowed="an owner",
            code="historical_owner_only",
        )
    rules = rules_for(db, actor, ctx)
    cfg = rules.data["records"]
    if r.touch_up_years is not None:
        lo, hi = cfg["touch_up_years_range"]
        check_range("touch_up_years", r.touch_up_years, lo, hi, "years")
    now = actor.clock.now()
    start = _aware(r.started, actor.clock.tz) or now
    ended = _aware(r.ended, actor.clock.tz)
    if ended is not None and ended <= start:
        raise InputError("ends before it starts", field="ended", allowed="a time after the start")
    client = get_client(db, actor, r.client_id, for_update=True)
    if lock:
        repo.lock_client(db, client)  # the checks and the insert are atomic per client
    practitioner = get_user(db, actor, r.practitioner_id, field="practitioner")
    named = [("pigment", r.pigment_lot), ("needle", r.needle_lot)]
    if r.diluent_lot is not None:
        named.append(("diluent", r.diluent_lot))
    lots: list[tuple[str, Lot]] = []
    unresolved: dict[str, str] = {}
    for role, ref in named:
        try:
            lots.append((role, resolve_lot(db, actor, ref, role)))
        except InputError as exc:
            if not dry_run:
                raise
            unresolved[role] = exc.message
    if lock:
        repo.lock(db, [row for _, row in lots])
    design = None
    if r.design_version is not None:
        design = repo.design_of_version(db, client.id, r.design_version)
        if design is None:
            raise InputError(
                f"no design version {r.design_version}",
                field="design_version",
                allowed="a design version of this client",
            )
    facts = repo.session_facts(
        db,
        client,
        practitioner,
        lots,
        started=start,
        now=now,
        historical=r.historical,
        minimum_interval_days=int(cfg["minimum_interval_days"]),
        minimum_age_years=minimum_age_years(
            int(rules.data["screening"]["minimum_age_years"]),
            repo.clinic_jurisdiction(db, actor.clinic_id),
        ),
        cycle=_cycle_facts(db, actor, rules.data, r.sterilisation_cycle),
    )
    return PreparedSession(client, practitioner, lots, design, rules, start, ended, facts, unresolved)


def record_session(ctx: ServiceContext, request: SessionRequest) -> SessionRecorded | SessionRefused:
    """Record a session after every check; a refusal is a result (:class:`SessionRefused`), audited.

    The checks and the insert are atomic per client (the client's row is locked first), the rules are the
    clinic's (:func:`~smpstudio.services.access.rules_for`) and the dates are the clinic's.
    """
    r = request

    def action(db: Db, actor: Actor) -> SessionRecorded | SessionRefused:
        actor.require("session")
        p = prepare_session(db, actor, ctx, r, lock=True)
        client, lots, rules, facts = p.client, p.lots, p.rules, p.facts
        cfg, now, on = rules.data["records"], facts.now, facts.on
        reasons = session_reasons(facts)
        overridden: list[str] | None = None
        if reasons:
            justified = r.override_reason is not None
            if not (actor.role == "owner" and justified and all(x.overridable for x in reasons)):
                log(db, actor, "refuse", "session", None, client=client.id, codes=[x.code for x in reasons])
                note = None
                if justified and actor.role != "owner":
                    note = "only an owner may override"
                elif justified:
                    note = "some reasons cannot be overridden"
                return SessionRefused(
                    reasons=[RefusalReason.model_validate(x.to_dict()) for x in reasons], override=note
                )
            overridden = list(dict.fromkeys(x.code for x in reasons))
        sess = repo.add_session(
            db,
            plan_id=repo.latest_plan_id(db, client.id),
            clinic_id=actor.clinic_id,
            client_id=client.id,
            practitioner_id=p.practitioner.id,
            design_id=p.design.id if p.design else None,
            started_at=p.start,
            ended_at=p.ended,
            zones=list(r.zones),
            pigment_lot_id=lots[0][1].id,
            needle_lot_id=lots[1][1].id,
            diluent_lot_id=lots[2][1].id if len(lots) > 2 else None,
            ink_fraction=r.ink_fraction,
            historical=r.historical,
            anaesthetic_product=r.anaesthetic,
            anaesthetic_strength_pct=r.anaesthetic_strength_pct,
            sterilisation_cycle_id=r.sterilisation_cycle,
            notes=r.notes,
            override_reason=r.override_reason if overridden else None,
            overridden_checks=overridden,
            rules_version=rules.version,
        )
        needle = lots[1][1]
        if not r.historical:  # a historical session's cartridge left the stock when it was used
            lot_repo.move_stock(db, needle, -1, "session", session_id=sess.id)  # single-use cartridges
        log(
            db,
            actor,
            "create",
            "session",
            sess.id,
            client=client.id,
            lots=[row.id for _, row in lots],
            needle_quantity=needle.quantity,
            historical=r.historical,
            rules_version=rules.version,
        )
        if overridden:
            log(
                db,
                actor,
                "override",
                "session",
                sess.id,
                client=client.id,
                codes=overridden,
                justification_chars=len(r.override_reason or ""),
            )
        today = actor.today()
        followups = [
            repo.add_follow_up(db, sess, due, item["purpose"])
            for item in cfg["follow_ups"]
            if (due := on + dt.timedelta(days=int(item["day"]))) >= today  # none booked in the past
        ]
        years, basis = _touch_up(cfg, client, r)
        touch_up = None
        due_on = add_years(on, years)
        if not r.historical or (due_on >= today and not repo.later_session_exists(db, client.id, p.start)):
            reminder = repo.add_touch_up_reminder(db, sess, due_on, basis, now)
            touch_up = TouchUpDue(due_on=reminder.due_on, basis=basis)
        return SessionRecorded(
            id=sess.id,
            overridden=overridden or [],
            historical=r.historical,
            needle_lot_left=needle.quantity,
            follow_ups=[FollowUpBooked(id=f.id, due_on=f.due_on) for f in followups],
            touch_up=touch_up,
            warnings=_session_warnings(lots, r.anaesthetic_strength_pct),
            rules_version=rules.version,
        )

    return transact(ctx, action)


def _cycle_facts(db: Db, actor: Actor, rules: dict[str, Any], cycle_id: int | None) -> CycleFacts | None:
    """The facts of the sterilisation cycle a session names (another clinic's answers as a missing one)."""
    if cycle_id is None:
        return None
    cycle = steril_repo.get_cycle(db, actor.clinic_id, cycle_id)
    if cycle is None:
        raise InputError(
            f"no sterilisation cycle {cycle_id}",
            field="sterilisation_cycle",
            allowed="a sterilisation cycle logged by this clinic",
        )
    failure = cycle.failure_reason or cycle_failure(
        rules, cycle.temperature_c, cycle.hold_minutes, cycle.pressure_kpa, cycle.indicator
    )
    return CycleFacts(cycle.id, failure, steril_repo.spore_hold(db, actor.clinic_id, cycle.run_at))


def _touch_up(cfg: dict[str, Any], client: Client, r: SessionRequest) -> tuple[float, str]:
    if r.touch_up_years is not None:
        return r.touch_up_years, f"{r.touch_up_years:g} years: the forecast given with the session"
    if r.forecast:
        if client.skin_type is None:
            raise InputError(
                "the forecast needs the client's skin type",
                field="forecast",
                allowed="set the client's skin type, or give the touch-up forecast in years",
            )
        years = forecast_touch_up_years(client.skin_type, r.ink_fraction)
        if years is not None:
            return years, (
                f"{years:.1f} years: healing and ageing model, SMP technique, skin type "
                f"{client.skin_type}, ink fraction {r.ink_fraction:g}"
            )
    default = float(cfg["touch_up_years"])
    return default, f"{default:g} years: the rules' default (range {cfg['touch_up_years_range']}, grade C)"


def _session_warnings(lots: list[tuple[str, Lot]], strength: float | None) -> list[str]:
    out = [
        f"{role} lot {r.lot_code}: compliance not checked"
        for role, r in lots
        if r.compliance == "unchecked" and role == "pigment"
    ]
    if strength is not None and strength > 4.0:
        out.append(
            f"topical anaesthetic at {strength:g} %: above the 4 % US OTC lidocaine cap "
            "([fda-otc-lidocaine] in docs/references.md)"
        )
    return out
