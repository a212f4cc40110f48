"""Sessions and what they draw on: lots and stock, the checks before a session, sterilisation, recalls,
follow-ups, symptom reports, adverse events, touch-up reminders and the clinic's daily registers.

Same conventions as :mod:`smpstudio.services.records`: one transaction per call, role checks, an audit
entry per read or write of client data, plain dict results.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session as Db

from smpstudio.care.compliance import check_product, parse_product
from smpstudio.care.rules import load_rules
from smpstudio.care.triage import triage
from smpstudio.errors import InputError, check_choice, check_range, parse_date, read_json_file
from smpstudio.records.checks import LotFacts, SessionFacts, session_reasons
from smpstudio.records.deadlines import add_business_days, add_years
from smpstudio.records.models import (
    LOT_KINDS,
    AdverseEvent,
    Certification,
    Client,
    Consent,
    CorrectiveAction,
    Design,
    FollowUp,
    Lot,
    PatchTest,
    Reminder,
    Screening,
    Session,
    SporeTest,
    SterilisationCycle,
    StockMove,
    SymptomReport,
    TreatmentPlan,
    User,
    utc_now,
)
from smpstudio.records.store import Store
from smpstudio.services.records import (
    Actor,
    _datetime,
    _iso,
    care_rules,
    client_session,
    get_client,
    get_user,
    log,
    text_field,
    transact,
)

__all__ = [
    "add_adverse_event",
    "add_cycle",
    "add_lot",
    "adverse_events_due",
    "followups_due",
    "lot_clients",
    "lots_expiring",
    "record_session",
    "record_spore_test",
    "report_symptoms",
    "sessions_for_cycle",
    "touch_ups_due",
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
SERIOUS_CRITERIA = (
    "death",
    "life-threatening",
    "hospitalisation",
    "disability",
    "congenital-anomaly",
    "infection",
    "significant-disfigurement",
    "intervention-to-prevent",
)

# ---------------------------------------------------------------------------------------------- lots


def add_lot(
    store: Store,
    actor_id: int | None,
    *,
    kind: str,
    product: str,
    lot: str,
    expires: str,
    quantity: int,
    product_file: str | Path | None = None,
) -> dict[str, Any]:
    """Receive a lot into stock; with a product file the pigment compliance rules are run and kept."""
    check_choice("kind", kind, LOT_KINDS)
    product_name = text_field(product, "product")
    code = text_field(lot, "lot", max_len=80)
    expires_on = parse_date(expires, "expires")
    if not 0 <= quantity <= 1_000_000:
        raise InputError(f"{quantity}", field="quantity", allowed="0 to 1000000 units")
    compliance, report = "unchecked", None
    if product_file is not None:
        rules = load_rules("pigments")
        result = check_product(parse_product(read_json_file(product_file, "product-file"), rules), rules)
        report = result.to_dict()
        compliance = "pass" if result.compliant else "fail"

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("lot.write")
        exists = db.scalar(
            select(Lot.id).where(
                Lot.clinic_id == actor.clinic_id,
                Lot.kind == kind,
                Lot.product == product_name,
                Lot.lot_code == code,
            )
        )
        if exists is not None:
            raise InputError(
                f"lot {code} of {product_name} is already in stock (id {exists})",
                field="lot",
                allowed="a new lot, or `smp lot adjust` to change its quantity",
            )
        row = Lot(
            clinic_id=actor.clinic_id,
            kind=kind,
            product=product_name,
            lot_code=code,
            expires_on=expires_on,
            quantity=quantity,
            compliance=compliance,
            compliance_report=report,
        )
        db.add(row)
        db.flush()
        db.add(StockMove(lot_id=row.id, delta=quantity, reason="received"))
        log(db, actor, "create", "lot", row.id, quantity=quantity, compliance=compliance)
        warnings = []
        if expires_on < dt.date.today():
            warnings.append(f"lot {code} expired on {expires_on}")
        if compliance == "unchecked" and kind != "needle":
            warnings.append("no compliance check: pass --product-file with the label and certificate data")
        return {"id": row.id, "compliance": compliance, "warnings": warnings, "report": report}

    return transact(store, actor_id, action)


def adjust_lot(store: Store, actor_id: int | None, *, lot_id: int, delta: int, reason: str) -> dict[str, Any]:
    why = text_field(reason, "reason", max_len=200)

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("lot.write")
        row = db.get(Lot, lot_id, with_for_update=True)
        if row is None or row.clinic_id != actor.clinic_id:
            raise InputError(f"no lot {lot_id}", field="lot", allowed="a lot id")
        if row.quantity + delta < 0:
            raise InputError(f"{row.quantity} in stock", field="delta", allowed=f"at least {-row.quantity}")
        row.quantity += delta
        db.add(StockMove(lot_id=row.id, delta=delta, reason=f"adjust: {why}"[:40]))
        log(db, actor, "update", "lot", row.id, delta=delta)
        return {"id": row.id, "quantity": row.quantity}

    return transact(store, actor_id, action)


def _lot_by_code(db: Db, actor: Actor, code: str, role: str) -> Lot:
    rows = db.scalars(select(Lot).where(Lot.clinic_id == actor.clinic_id, Lot.lot_code == code)).all()
    if not rows:
        known = db.scalars(
            select(Lot.lot_code).where(Lot.clinic_id == actor.clinic_id, Lot.kind == role).limit(20)
        )
        raise InputError(
            f"no lot {code!r}", field=f"{role}-lot", allowed=", ".join(known) or "a lot added first"
        )
    of_kind = [r for r in rows if r.kind == role] or rows
    if len(of_kind) > 1:
        raise InputError(
            f"lot {code!r} names {len(of_kind)} products",
            field=f"{role}-lot",
            allowed="ask for the lot by id: #" + ", #".join(str(r.id) for r in of_kind),
        )
    return of_kind[0]


def _resolve_lot(db: Db, actor: Actor, ref: str, role: str) -> Lot:
    if ref.startswith("#") and ref[1:].isdigit():
        row = db.get(Lot, int(ref[1:]))
        if row is None or row.clinic_id != actor.clinic_id:
            raise InputError(f"no lot {ref}", field=f"{role}-lot", allowed="a lot code or #id")
        return row
    return _lot_by_code(db, actor, ref, role)


def _exposed_entry(
    cid: int, name: str, email: str | None, phone: str | None, address: str | None, erased: object
) -> dict[str, Any]:
    return {
        "id": cid,
        "name": name,
        "contact": {"email": email, "phone": phone, "address": address},
        "erased": erased is not None,
        "sessions": [],
        "patch_tests": [],
    }


def _exposed(db: Db, clinic_id: int, lots: list[Lot]) -> list[dict[str, Any]]:
    """Clients who received any of ``lots``: one indexed lookup per lot kind, on that kind's column."""
    column = {
        "pigment": Session.pigment_lot_id,
        "needle": Session.needle_lot_id,
        "diluent": Session.diluent_lot_id,
    }
    by_kind: dict[str, list[int]] = {}
    for lot in lots:
        by_kind.setdefault(lot.kind, []).append(lot.id)
    lot_ids = [lot.id for lot in lots]
    hits: list[Any] = []
    for kind, ids in by_kind.items():  # sessions first, through the lot column's index
        hits += db.execute(
            select(Session.client_id, Session.id, Session.started_at).where(
                column[kind].in_(ids), Session.clinic_id == clinic_id
            )
        ).all()
    people = {
        r[0]: r
        for r in db.execute(
            select(
                Client.id, Client.name, Client.email, Client.phone, Client.address, Client.erased_at
            ).where(Client.id.in_({h[0] for h in hits}))
        )
    }
    rows = [(*people[cid], sid, started) for cid, sid, started in hits]
    rows.sort(key=lambda r: (r[0], r[7], r[6]))
    clients: dict[int, dict[str, Any]] = {}
    for cid, name, email, phone, address, erased, sid, started in rows:
        entry = clients.setdefault(cid, _exposed_entry(cid, name, email, phone, address, erased))
        entry["sessions"].append({"id": sid, "date": started.date().isoformat()})
    for cid, name, email, phone, address, erased, pid in db.execute(
        select(
            Client.id, Client.name, Client.email, Client.phone, Client.address, Client.erased_at, PatchTest.id
        )
        .join(PatchTest, PatchTest.client_id == Client.id)
        .where(Client.clinic_id == clinic_id, PatchTest.lot_id.in_(lot_ids))
    ):
        entry = clients.setdefault(cid, _exposed_entry(cid, name, email, phone, address, erased))
        entry["patch_tests"].append(pid)
    return list(clients.values())


def lot_clients(
    store: Store, actor_id: int | None, lot: str, *, recall: bool = False, reason: str | None = None
) -> dict[str, Any]:
    """Every client who received lot ``lot`` (sessions and patch tests), with contact details.

    With ``recall`` the lot is also marked recalled, so no further session can use it.
    """
    code = text_field(lot, "lot", max_len=80)

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("lot.recall" if recall else "lot.read")
        lots = db.scalars(select(Lot).where(Lot.clinic_id == actor.clinic_id, Lot.lot_code == code)).all()
        if not lots:
            raise InputError(
                f"no lot {code!r} in this clinic", field="lot", allowed="a lot code in stock records"
            )
        if recall:
            now = utc_now()
            for row in lots:
                if row.recalled_at is None:
                    row.recalled_at, row.recall_reason = now, text_field(reason, "reason", required=False)
                    log(db, actor, "update", "lot", row.id, recalled=True)
        clients = _exposed(db, actor.clinic_id, list(lots))
        log(
            db,
            actor,
            "read",
            "client",
            None,
            via="lot",
            lot_ids=[r.id for r in lots],
            clients=[c["id"] for c in clients],
        )
        return {
            "lot": code,
            "lots": [
                {"id": r.id, "kind": r.kind, "product": r.product, "recalled": r.recalled_at is not None}
                for r in lots
            ],
            "clients": clients,
        }

    return transact(store, actor_id, action)


def lots_expiring(
    store: Store, actor_id: int | None, *, within_days: int = 30, on: dt.date | None = None
) -> list[dict[str, Any]]:
    today = on or dt.date.today()
    check_range("days", within_days, 0, 3650, "days")

    def action(db: Db, actor: Actor) -> list[dict[str, Any]]:
        actor.require("lot.read")
        rows = db.scalars(
            select(Lot)
            .where(Lot.clinic_id == actor.clinic_id, Lot.quantity > 0, Lot.recalled_at.is_(None))
            .where(Lot.expires_on <= today + dt.timedelta(days=within_days))
            .order_by(Lot.expires_on)
        ).all()
        return [_lot_dict(r, today) for r in rows]

    return transact(store, actor_id, action)


def _lot_dict(r: Lot, today: dt.date) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind,
        "product": r.product,
        "lot": r.lot_code,
        "expires_on": r.expires_on.isoformat(),
        "expired": r.expires_on < today,
        "quantity": r.quantity,
        "compliance": r.compliance,
        "recalled": r.recalled_at is not None,
    }


def list_lots(store: Store, actor_id: int | None) -> list[dict[str, Any]]:
    def action(db: Db, actor: Actor) -> list[dict[str, Any]]:
        actor.require("lot.read")
        rows = db.scalars(
            select(Lot).where(Lot.clinic_id == actor.clinic_id).order_by(Lot.kind, Lot.expires_on)
        )
        return [_lot_dict(r, dt.date.today()) for r in rows]

    return transact(store, actor_id, action)


# ------------------------------------------------------------------------------------------ sessions


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
    store: Store,
    actor_id: int | None,
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
    rules = care_rules()
    cfg = rules.data["records"]
    check_range("dilution", dilution, 0.02, 1.0)
    if dilution < 1.0 and diluent_lot is None:
        raise InputError(
            "a diluted ink needs its diluent lot", field="diluent-lot", allowed="the diluent's lot code"
        )
    zone_list = [check_choice("zones", z, ZONES) for z in (zones or ["full"])]
    start = _datetime(started, "started").replace(tzinfo=dt.UTC) if started else utc_now()
    end = _datetime(ended, "ended").replace(tzinfo=dt.UTC) if ended else None
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

    return transact(store, actor_id, action)


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


# ------------------------------------------------------------------------------------------ sterilisation


def add_cycle(
    store: Store,
    actor_id: int | None,
    *,
    load: str,
    temperature_c: float,
    pressure_kpa: float,
    minutes: float,
    indicator: str,
    run_at: str | None = None,
    items: str | None = None,
) -> dict[str, Any]:
    """Log an autoclave cycle; a failed chemical indicator is kept and flagged (reprocess the load)."""
    load_name = text_field(load, "load", max_len=80)
    check_range("temperature", temperature_c, 20.0, 200.0, "°C")
    check_range("pressure", pressure_kpa, 0.0, 400.0, "kPa")
    check_range("minutes", minutes, 0.0, 600.0, "min")
    check_choice("indicator", indicator, ("pass", "fail"))
    at = _datetime(run_at, "run-at").replace(tzinfo=dt.UTC) if run_at else utc_now()

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("sterilisation")
        cycle = SterilisationCycle(
            clinic_id=actor.clinic_id,
            load=load_name,
            run_at=at,
            temperature_c=temperature_c,
            pressure_kpa=pressure_kpa,
            hold_minutes=minutes,
            indicator=indicator,
            items=text_field(items, "items", required=False, max_len=2000),
            operator_id=actor.id,
        )
        db.add(cycle)
        db.flush()
        log(db, actor, "create", "sterilisation_cycle", cycle.id, indicator=indicator)
        warnings = [] if indicator == "pass" else ["indicator failed: do not use this load; reprocess it"]
        return {"id": cycle.id, "warnings": warnings}

    return transact(store, actor_id, action)


def record_spore_test(
    store: Store, actor_id: int | None, *, result: str, tested_on: str | None = None, notes: str | None = None
) -> dict[str, Any]:
    """Log a spore (biological indicator) test. A failure opens a corrective action over every cycle run
    since the last passed test, with the sessions and clients those loads reached."""
    check_choice("result", result, ("pass", "fail"))
    day = parse_date(tested_on, "date") if tested_on else dt.date.today()

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("sterilisation")
        test = SporeTest(
            clinic_id=actor.clinic_id,
            tested_on=day,
            result=result,
            notes=text_field(notes, "notes", required=False, max_len=2000),
        )
        db.add(test)
        db.flush()
        log(db, actor, "create", "spore_test", test.id, result=result)
        if result == "pass":
            return {"id": test.id, "result": result, "corrective_action": None}
        last_pass = db.scalar(
            select(func.max(SporeTest.tested_on)).where(
                SporeTest.clinic_id == actor.clinic_id, SporeTest.result == "pass", SporeTest.tested_on <= day
            )
        )
        since = dt.datetime.combine(last_pass, dt.time.max, dt.UTC) if last_pass else None
        q = select(SterilisationCycle).where(
            SterilisationCycle.clinic_id == actor.clinic_id,
            SterilisationCycle.run_at <= dt.datetime.combine(day, dt.time.max, dt.UTC),
        )
        if since is not None:
            q = q.where(SterilisationCycle.run_at > since)
        cycles = db.scalars(q.order_by(SterilisationCycle.run_at)).all()
        scope = _cycle_scope(db, [c.id for c in cycles])
        scope["since_last_pass"] = last_pass.isoformat() if last_pass else None
        action_row = CorrectiveAction(clinic_id=actor.clinic_id, spore_test_id=test.id, scope=scope)
        db.add(action_row)
        db.flush()
        log(
            db,
            actor,
            "create",
            "corrective_action",
            action_row.id,
            cycles=scope["cycles"],
            clients=[c["id"] for c in scope["clients"]],
        )
        return {
            "id": test.id,
            "result": result,
            "corrective_action": {
                "id": action_row.id,
                **scope,
                "steps": [
                    "stop using the steriliser until a repeat spore test passes",
                    "reprocess every load listed",
                    "assess and contact the clients listed",
                ],
            },
        }

    return transact(store, actor_id, action)


def _cycle_scope(db: Db, cycle_ids: list[int]) -> dict[str, Any]:
    rows = db.execute(
        select(
            Session.id,
            Session.started_at,
            Session.client_id,
            Session.sterilisation_cycle_id,
            Client.name,
            Client.phone,
            Client.email,
        )
        .join(Client, Client.id == Session.client_id)
        .where(Session.sterilisation_cycle_id.in_(cycle_ids))
        .order_by(Session.started_at)
    ).all()
    clients: dict[int, dict[str, Any]] = {}
    for _sid, _started, cid, _cyc, name, phone, email in rows:
        clients.setdefault(cid, {"id": cid, "name": name, "contact": {"phone": phone, "email": email}})
    return {
        "cycles": cycle_ids,
        "sessions": [
            {"id": r[0], "date": r[1].date().isoformat(), "client": r[2], "cycle": r[3]} for r in rows
        ],
        "clients": list(clients.values()),
    }


def sessions_for_cycle(store: Store, actor_id: int | None, cycle_id: int) -> dict[str, Any]:
    """The sessions and clients one sterilisation load reached."""

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("sterilisation")
        cycle = db.get(SterilisationCycle, cycle_id)
        if cycle is None or cycle.clinic_id != actor.clinic_id:
            raise InputError(f"no cycle {cycle_id}", field="cycle", allowed="a cycle id")
        scope = _cycle_scope(db, [cycle_id])
        log(
            db,
            actor,
            "read",
            "client",
            None,
            via="sterilisation_cycle",
            cycle=cycle_id,
            clients=[c["id"] for c in scope["clients"]],
        )
        return {
            "cycle": {
                "id": cycle.id,
                "load": cycle.load,
                "run_at": _iso(cycle.run_at),
                "indicator": cycle.indicator,
            },
            **scope,
        }

    return transact(store, actor_id, action)


# ---------------------------------------------------------------------- follow-ups, symptoms, events


def _open_items(db: Db, actor: Actor, via: str, model: Any, *where: Any) -> list[Any]:
    """Open (not done) follow-ups or reminders of the clinic's clients on record, oldest due first, with
    the client's name and contacts; the read of those clients is audited."""
    rows = db.execute(
        select(model, Client.name, Client.phone, Client.email)
        .join(Client, Client.id == model.client_id)
        .where(
            Client.clinic_id == actor.clinic_id, Client.erased_at.is_(None), model.done_at.is_(None), *where
        )
        .order_by(model.due_on, model.id)
    ).all()
    log(db, actor, "read", "client", None, via=via, clients=sorted({r[0].client_id for r in rows}))
    return list(rows)


def followups_due(store: Store, actor_id: int | None, *, on: str | None = None) -> list[dict[str, Any]]:
    """Open follow-ups due on or before ``on`` (today by default), oldest first."""
    day = parse_date(on, "date") if on else dt.date.today()

    def action(db: Db, actor: Actor) -> list[dict[str, Any]]:
        actor.require("followup")
        rows = _open_items(db, actor, "followups", FollowUp, FollowUp.due_on <= day)
        return [
            {
                "id": f.id,
                "client": {"id": f.client_id, "name": n, "phone": p, "email": e},
                "due_on": f.due_on.isoformat(),
                "overdue_days": (day - f.due_on).days,
                "purpose": f.purpose,
                "session": f.session_id,
            }
            for f, n, p, e in rows
        ]

    return transact(store, actor_id, action)


def complete_followup(store: Store, actor_id: int | None, followup_id: int, outcome: str) -> dict[str, Any]:
    text = text_field(outcome, "outcome", max_len=2000)

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("followup")
        fu = db.get(FollowUp, followup_id)
        if fu is None or get_client(db, actor, fu.client_id) is None:
            raise InputError(f"no follow-up {followup_id}", field="followup", allowed="an open follow-up id")
        fu.done_at, fu.outcome = utc_now(), text
        log(db, actor, "update", "followup", fu.id, client=fu.client_id)
        return {"id": fu.id, "done": True}

    return transact(store, actor_id, action)


def report_symptoms(
    store: Store,
    actor_id: int | None,
    *,
    client_id: int,
    day: float,
    symptoms: list[str],
    session_id: int | None = None,
    spreading: bool = False,
    worsening: bool = False,
    size_cm: float | None = None,
    duration_days: float | None = None,
) -> dict[str, Any]:
    """Triage a client's symptom report with the care rules and keep the report with its result."""
    rules = care_rules()
    result = triage(
        day,
        symptoms,
        rules,
        spreading=spreading,
        worsening=worsening,
        size_cm=size_cm,
        duration_days=duration_days,
    ).to_dict()
    reported = {
        "day": day,
        "symptoms": symptoms,
        "spreading": spreading,
        "worsening": worsening,
        "size_cm": size_cm,
        "duration_days": duration_days,
    }

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("symptom")
        client = get_client(db, actor, client_id, for_update=True)
        client_session(db, client, session_id)
        row = SymptomReport(
            client_id=client.id,
            session_id=session_id,
            symptoms=reported,
            disposition=result["disposition"],
            triage=result,
            rules_version=rules.version,
        )
        db.add(row)
        db.flush()
        log(
            db, actor, "create", "symptom_report", row.id, client=client.id, disposition=result["disposition"]
        )
        return {"id": row.id, **result}

    return transact(store, actor_id, action)


def add_adverse_event(
    store: Store,
    actor_id: int | None,
    *,
    client_id: int,
    description: str,
    received_on: str | None = None,
    serious: list[str] | None = None,
    session_id: int | None = None,
    brand_notified_on: str | None = None,
) -> dict[str, Any]:
    """Log an adverse event; a serious one gets the brand's reporting deadline (15 business days)."""
    criteria = [check_choice("serious", c, SERIOUS_CRITERIA) for c in (serious or [])]
    text = text_field(description, "description", max_len=5000)
    received = parse_date(received_on, "received") if received_on else dt.date.today()
    notified = parse_date(brand_notified_on, "brand-notified") if brand_notified_on else None
    days = int(care_rules().data["records"]["serious_event_report_business_days"])

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("adverse_event")
        client = get_client(db, actor, client_id, for_update=True)
        sess = client_session(db, client, session_id)
        deadline = add_business_days(received, days) if criteria else None
        row = AdverseEvent(
            client_id=client.id,
            session_id=session_id,
            received_on=received,
            description=text,
            serious=bool(criteria),
            serious_criteria=criteria,
            report_deadline_on=deadline,
            brand_notified_on=notified,
        )
        db.add(row)
        db.flush()
        log(db, actor, "create", "adverse_event", row.id, client=client.id, serious=bool(criteria))
        lots = []
        if sess is not None:
            for lot_id in (sess.pigment_lot_id, sess.diluent_lot_id, sess.needle_lot_id):
                if lot_id is not None:
                    lot = db.get(Lot, lot_id)
                    assert lot is not None
                    lots.append({"kind": lot.kind, "product": lot.product, "lot": lot.lot_code})
        return {
            "id": row.id,
            "serious": row.serious,
            "report_deadline_on": _iso(deadline),
            "lots": lots,
            "next_steps": [
                "send the event and its pigment and diluent lots to the ink's responsible person (the brand)",
                "offer the client a voluntary MedWatch report",
                "keep this record at least 6 years",
            ],
            "source": "MoCRA serious adverse event reporting (domain.md §6.3, 8.2 rule 6) [A/B]",
        }

    return transact(store, actor_id, action)


def adverse_events_due(
    store: Store, actor_id: int | None, *, within_days: int = 7, on: str | None = None
) -> list[dict[str, Any]]:
    """Serious events not yet sent to the brand, their deadline within the window (or passed)."""
    day = parse_date(on, "date") if on else dt.date.today()

    def action(db: Db, actor: Actor) -> list[dict[str, Any]]:
        actor.require("adverse_event")
        rows = db.execute(
            select(AdverseEvent, Client.name)
            .join(Client, Client.id == AdverseEvent.client_id)
            .where(
                Client.clinic_id == actor.clinic_id,
                AdverseEvent.serious,
                AdverseEvent.brand_notified_on.is_(None),
                AdverseEvent.report_deadline_on <= day + dt.timedelta(days=within_days),
            )
            .order_by(AdverseEvent.report_deadline_on)
        ).all()
        log(
            db,
            actor,
            "read",
            "client",
            None,
            via="adverse_events",
            clients=sorted({r[0].client_id for r in rows}),
        )
        return [
            {
                "id": a.id,
                "client": {"id": a.client_id, "name": n},
                "received_on": a.received_on.isoformat(),
                "report_deadline_on": _iso(a.report_deadline_on),
                "days_left": (a.report_deadline_on - day).days if a.report_deadline_on else None,
                "serious_criteria": a.serious_criteria,
            }
            for a, n in rows
        ]

    return transact(store, actor_id, action)


def touch_ups_due(store: Store, actor_id: int | None, *, month: str | None = None) -> list[dict[str, Any]]:
    """Open touch-up reminders falling in ``month`` (YYYY-MM, this month by default) or earlier."""
    today = dt.date.today()
    if month:
        try:
            first = dt.date.fromisoformat(f"{month}-01")
        except ValueError as exc:
            raise InputError(f"{month!r}", field="month", allowed="YYYY-MM") from exc
    else:
        first = today.replace(day=1)
    end = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)

    def action(db: Db, actor: Actor) -> list[dict[str, Any]]:
        actor.require("registers")
        rows = _open_items(
            db, actor, "touch_ups", Reminder, Reminder.kind == "touch-up", Reminder.due_on < end
        )
        return [
            {
                "id": r.id,
                "client": {"id": r.client_id, "name": n, "phone": p, "email": e},
                "due_on": r.due_on.isoformat(),
                "basis": r.basis,
            }
            for r, n, p, e in rows
        ]

    return transact(store, actor_id, action)
