"""Treatment sessions: the checks before one, recording it with its lots, follow-ups and touch-up reminder."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session as Db

from smpstudio.errors import InputError, check_choice, check_range
from smpstudio.records.checks import LotFacts, SessionFacts, session_reasons
from smpstudio.records.deadlines import add_years
from smpstudio.records.models import (
    Certification,
    Client,
    Consent,
    Design,
    FollowUp,
    Lot,
    PatchTest,
    Reminder,
    Screening,
    Session,
    SterilisationCycle,
    StockMove,
    TreatmentPlan,
    User,
    utc_now,
)
from smpstudio.services.access import Actor, get_client, get_user, log, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import parse_datetime, text_field
from smpstudio.services.lots import _resolve_lot

__all__ = ["ZONES", "forecast_touch_up_years", "record_session"]


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


def _session_facts(
    db: Db,
    client: Client,
    practitioner: User,
    on: dt.date,
    lots: list[tuple[str, Lot]],
    minimum_interval_days: int,
) -> SessionFacts:
    screening = db.scalars(
        select(Screening).where(Screening.client_id == client.id).order_by(Screening.id.desc()).limit(1)
    ).first()
    consents = db.scalars(
        select(Consent).where(Consent.client_id == client.id, Consent.kind == "treatment")
    ).all()
    patch = db.scalars(
        select(PatchTest).where(PatchTest.client_id == client.id).order_by(PatchTest.read_at.desc()).limit(1)
    ).first()
    certs = db.execute(
        select(Certification.kind, func.max(Certification.expires_on))
        .where(Certification.user_id == practitioner.id)
        .group_by(Certification.kind)
    ).all()
    last = db.scalar(
        select(func.max(Session.started_at)).where(
            Session.client_id == client.id, Session.started_at < dt.datetime.combine(on, dt.time.max, dt.UTC)
        )
    )
    return SessionFacts(
        on=on,
        screening_outcome=screening.outcome if screening else None,
        screening_defer_until=screening.defer_until if screening else None,
        consent_valid=any(c.withdrawn_at is None for c in consents),
        consent_withdrawn=bool(consents),
        patch_test_required=bool(screening and screening.patch_test_recommended),
        patch_test_result=patch.result if patch else None,
        practitioner_role=practitioner.role,
        certifications=[(k, d) for k, d in certs],
        last_session_on=last.date() if last else None,
        minimum_interval_days=minimum_interval_days,
        lots=[
            LotFacts(
                role, r.lot_code, r.kind, r.expires_on, r.quantity, r.compliance, r.recalled_at is not None
            )
            for role, r in lots
        ],
    )


def forecast_touch_up_years(skin_type: str, dilution: float) -> float | None:
    """The healing and ageing model's touch-up forecast for the SMP technique at this dilution."""
    from smpstudio.skin.impression import TECHNIQUES
    from smpstudio.skin.technique import simulate_impression

    impression = dataclasses.replace(TECHNIQUES["smp"], dilution=max(0.02, dilution))
    return simulate_impression(impression, skin_type).touch_up_due_years


def record_session(
    ctx: ServiceContext,
    *,
    client_id: int,
    practitioner_id: int,
    pigment_lot: str,
    needle_lot: str,
    diluent_lot: str | None = None,
    dilution: float = 1.0,
    zones: list[str] | None = None,
    started: str | None = None,
    ended: str | None = None,
    design_version: int | None = None,
    anaesthetic: str | None = None,
    anaesthetic_strength_pct: float | None = None,
    sterilisation_cycle: int | None = None,
    notes: str | None = None,
    override_reason: str | None = None,
    touch_up_years: float | None = None,
    forecast: bool = False,
) -> dict[str, Any]:
    """Record a session after every check; a refusal is a result (``refused``), audited like the rest."""
    rules = ctx.care_rules
    cfg = rules.data["records"]
    check_range("dilution", dilution, 0.02, 1.0)
    if dilution < 1.0 and diluent_lot is None:
        raise InputError(
            "a diluted ink needs its diluent lot", field="diluent-lot", allowed="the diluent's lot code"
        )
    zone_list = [check_choice("zones", z, ZONES) for z in (zones or ["full"])]
    start = parse_datetime(started, "started").replace(tzinfo=dt.UTC) if started else utc_now()
    end = parse_datetime(ended, "ended").replace(tzinfo=dt.UTC) if ended else None
    if end is not None and end <= start:
        raise InputError("ends before it starts", field="ended", allowed="a time after --started")
    if anaesthetic_strength_pct is not None:
        check_range("anaesthetic-strength", anaesthetic_strength_pct, 0.0, 30.0, "%")
    if touch_up_years is not None:
        lo, hi = cfg["touch_up_years_range"]
        check_range("touch-up-years", touch_up_years, lo, hi, "years")
    reason_text = text_field(override_reason, "override-reason", required=False, max_len=2000)
    on = start.date()

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("session")
        client = get_client(db, actor, client_id, for_update=True)
        practitioner = get_user(db, actor, practitioner_id, field="practitioner")
        lots = [
            ("pigment", _resolve_lot(db, actor, pigment_lot, "pigment")),
            ("needle", _resolve_lot(db, actor, needle_lot, "needle")),
        ]
        if diluent_lot is not None:
            lots.append(("diluent", _resolve_lot(db, actor, diluent_lot, "diluent")))
        for _, row in lots:
            db.refresh(row, with_for_update=True)
        design = None
        if design_version is not None:
            design = db.scalars(
                select(Design).where(Design.client_id == client.id, Design.version == design_version)
            ).first()
            if design is None:
                raise InputError(
                    f"no design version {design_version}",
                    field="design-version",
                    allowed="a version from `smp client show`",
                )
        if sterilisation_cycle is not None:
            cycle = db.get(SterilisationCycle, sterilisation_cycle)
            if cycle is None or cycle.clinic_id != actor.clinic_id:
                raise InputError(
                    f"no sterilisation cycle {sterilisation_cycle}",
                    field="sterilisation-cycle",
                    allowed="a cycle id from `smp sterilisation add`",
                )
        facts = _session_facts(db, client, practitioner, on, lots, int(cfg["minimum_interval_days"]))
        reasons = session_reasons(facts)
        overridden: list[str] | None = None
        if reasons:
            can_override = (
                actor.role == "owner" and reason_text is not None and all(r.overridable for r in reasons)
            )
            if not can_override:
                log(db, actor, "refuse", "session", None, client=client.id, codes=[r.code for r in reasons])
                note = None
                if reason_text is not None and actor.role != "owner":
                    note = "only an owner may override"
                elif reason_text is not None:
                    note = "some reasons cannot be overridden"
                return {
                    "refused": True,
                    "reasons": [r.to_dict() for r in reasons],
                    "override": note,
                    "rules_version": rules.version,
                }
            overridden = [r.code for r in reasons]
        plan_id = db.scalar(
            select(TreatmentPlan.id)
            .where(TreatmentPlan.client_id == client.id)
            .order_by(TreatmentPlan.id.desc())
        )
        sess = Session(
            plan_id=plan_id,
            clinic_id=actor.clinic_id,
            client_id=client.id,
            practitioner_id=practitioner.id,
            design_id=design.id if design else None,
            started_at=start,
            ended_at=end,
            zones=zone_list,
            pigment_lot_id=lots[0][1].id,
            needle_lot_id=lots[1][1].id,
            diluent_lot_id=lots[2][1].id if len(lots) > 2 else None,
            dilution=dilution,
            anaesthetic_product=text_field(anaesthetic, "anaesthetic", required=False),
            anaesthetic_strength_pct=anaesthetic_strength_pct,
            sterilisation_cycle_id=sterilisation_cycle,
            notes=text_field(notes, "notes", required=False, max_len=5000),
            override_reason=reason_text if overridden else None,
            overridden_checks=overridden,
            rules_version=rules.version,
        )
        db.add(sess)
        db.flush()
        needle = lots[1][1]
        needle.quantity -= 1  # single-use cartridges leave stock with every session
        db.add(StockMove(lot_id=needle.id, delta=-1, reason="session", session_id=sess.id))
        log(
            db,
            actor,
            "create",
            "session",
            sess.id,
            client=client.id,
            lots=[r.id for _, r in lots],
            needle_quantity=needle.quantity,
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
                justification_chars=len(reason_text or ""),
            )
        followups = []
        for item in cfg["follow_ups"]:
            fu = FollowUp(
                client_id=client.id,
                session_id=sess.id,
                due_on=on + dt.timedelta(days=int(item["day"])),
                purpose=item["purpose"],
            )
            db.add(fu)
            followups.append(fu)
        years, basis = _touch_up(cfg, client, dilution, touch_up_years, forecast)
        for old in db.scalars(
            select(Reminder).where(
                Reminder.client_id == client.id, Reminder.kind == "touch-up", Reminder.done_at.is_(None)
            )
        ):
            old.done_at = utc_now()  # superseded by this session's reminder
        reminder = Reminder(
            client_id=client.id, session_id=sess.id, kind="touch-up", due_on=add_years(on, years), basis=basis
        )
        db.add(reminder)
        db.flush()
        return {
            "id": sess.id,
            "refused": False,
            "overridden": overridden or [],
            "needle_lot_left": needle.quantity,
            "follow_ups": [{"id": f.id, "due_on": f.due_on.isoformat()} for f in followups],
            "touch_up": {"due_on": reminder.due_on.isoformat(), "basis": basis},
            "warnings": _session_warnings(lots, anaesthetic_strength_pct),
            "rules_version": rules.version,
        }

    return transact(ctx, action)


def _touch_up(
    cfg: dict[str, Any], client: Client, dilution: float, given: float | None, forecast: bool
) -> tuple[float, str]:
    if given is not None:
        return given, f"{given:g} years: the forecast given with the session"
    if forecast:
        if client.skin_type is None:
            raise InputError(
                "the forecast needs the client's skin type",
                field="forecast",
                allowed="set the skin type, or give --touch-up-years",
            )
        years = forecast_touch_up_years(client.skin_type, dilution)
        if years is not None:
            return years, (
                f"{years:.1f} years: healing and ageing model, SMP technique, skin type "
                f"{client.skin_type}, dilution {dilution:g}"
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
            f"topical anaesthetic at {strength:g} %: above the 4 % US OTC lidocaine cap (FDA; domain.md §7)"
        )
    return out
