"""Sessions: the checks before one, refusals, overrides, what a recorded session books."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select

from smpstudio.errors import AccessError, InputError
from smpstudio.records.models import (
    AuditEntry,
    Certification,
    Client,
    Clinic,
    ClinicRules,
    Consent,
    Lot,
    Reminder,
    Screening,
    Session,
    StockMove,
)
from smpstudio.records.repositories import sessions as session_repo
from smpstudio.records.store import Store
from smpstudio.services import clients, clinics, consent, lots, patch_tests, registers, sessions
from smpstudio.services.context import Clock, ServiceContext
from tests.records.conftest import acting
from tests.records.helpers import codes, recorded, session, setup_clinic, soon, today


def test_a_complete_session_carries_its_lots_and_books_follow_ups(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    res = recorded(
        session(
            store, ids, zones=["hairline", "crown"], anaesthetic="lidocaine", anaesthetic_strength_pct=4.0
        )
    )
    assert res.refused is False and res.needle_lot_left == 2
    assert [f.due_on for f in res.follow_ups] == [today() + dt.timedelta(days=d) for d in (2, 10, 30)]
    assert res.touch_up is not None and res.touch_up.due_on == today().replace(year=today().year + 4)
    assert res.to_json()["touch_up"]["due_on"] == today().replace(year=today().year + 4).isoformat()
    rec = clients.client_record(acting(store, ids["owner"]), ids["client"])
    s = rec.sessions[0]
    assert s.pigment_lot and s.needle_lot and s.diluent_lot
    assert (s.pigment_lot.lot, s.needle_lot.lot, s.diluent_lot.lot) == ("P1", "N1", "D1")
    assert s.zones == ["hairline", "crown"] and s.ink_fraction == 0.5
    assert (s.anaesthetic.product, s.anaesthetic.strength_pct) == ("lidocaine", 4.0)
    due = registers.followups_due(
        acting(store, ids["desk"]),
        registers.FollowUpsDueRequest.of(on=(today() + dt.timedelta(days=10)).isoformat()),
    )
    assert [f["due_on"] for f in due.to_json()["followups"]] == [
        (today() + dt.timedelta(days=d)).isoformat() for d in (2, 10)
    ]


def test_every_refusal_reason_is_listed_at_once(store: Store, tmp_path: Path) -> None:
    owner = clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="C")).owner_id
    expired = clinics.add_user(
        acting(store, owner),
        clinics.AddUserRequest.of(name="Old", role="practitioner", certified_until="2020-01-01"),
    ).id
    client = clients.add_client(
        acting(store, owner), clients.AddClientRequest.of(name="B", date_of_birth="1990-01-01")
    ).id
    lots.add_lot(
        acting(store, owner),
        lots.AddLotRequest.of(kind="pigment", product="p", lot="OLD", expires="2020-01-01", quantity=1),
    )
    lots.add_lot(
        acting(store, owner),
        lots.AddLotRequest.of(kind="needle", product="n", lot="EMPTY", expires=soon(), quantity=0),
    )
    res = sessions.record_session(
        acting(store, owner),
        sessions.SessionRequest.of(
            client_id=client, practitioner_id=expired, pigment_lot="OLD", needle_lot="EMPTY"
        ),
    )
    assert codes(res) == {
        "screening_missing",
        "consent_missing",
        "lot_expired",
        "lot_out_of_stock",
        "certification_expired",
    }


@pytest.mark.parametrize(
    ("answers", "code"),
    [({"pregnant_or_breastfeeding": True}, "screening_defer"), ({"keloid_history": True}, "screening_stop")],
)
def test_screening_stop_or_defer_refuses(
    store: Store, tmp_path: Path, answers: dict[str, bool], code: str
) -> None:
    ids = setup_clinic(store, tmp_path, **answers)
    assert code in codes(session(store, ids))


def test_patch_test_required_missing_then_positive_then_negative(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path, ink_or_anaesthetic_reaction=True)
    assert "patch_test_missing" in codes(session(store, ids))
    week_ago = (today() - dt.timedelta(days=7)).isoformat()
    patch_tests.record_patch_test(
        acting(store, ids["prac"]),
        patch_tests.PatchTestRecordRequest.of(
            client_id=ids["client"],
            lot="P1",
            applied=week_ago,
            read=(today() - dt.timedelta(days=2)).isoformat(),
            result="positive",
        ),
    )
    assert "patch_test_positive" in codes(session(store, ids))
    patch_tests.record_patch_test(
        acting(store, ids["prac"]),
        patch_tests.PatchTestRecordRequest.of(
            client_id=ids["client"],
            lot="P1",
            applied=week_ago,
            read=(today() - dt.timedelta(days=1)).isoformat(),
            result="negative",
        ),
    )
    assert session(store, ids).refused is False


def test_withdrawn_consent_refuses(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    consent.withdraw_consent(
        acting(store, ids["prac"]), consent.WithdrawConsentRequest.of(client_id=ids["client"])
    )
    assert codes(session(store, ids)) == {"consent_withdrawn"}


def test_recalled_non_compliant_and_wrong_kind_lots(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    lots.recall_lot(acting(store, ids["prac"]), lots.RecallRequest.of(lot="D1"))
    assert codes(session(store, ids)) == {"lot_recalled"}
    res = session(store, ids, diluent_lot=None, ink_fraction=1.0, pigment_lot="N1")
    assert "lot_wrong_kind" in codes(res)
    with pytest.raises(InputError, match="no lot"):
        session(store, ids, pigment_lot="NOT-A-LOT")


def test_a_non_compliant_lot_refuses(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    with store.session() as db:
        lot = db.scalars(select(Lot).where(Lot.lot_code == "P1")).one()
        lot.compliance = "fail"
    assert codes(session(store, ids)) == {"lot_non_compliant"}


def test_too_soon_and_the_owner_override_is_audited(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    assert session(store, ids).refused is False
    assert codes(session(store, ids)) == {"too_soon"}
    # A practitioner's justification is not enough; an owner's is, and it is audited.
    res = session(store, ids, override_reason="client flies home tomorrow")
    assert isinstance(res, sessions.SessionRefused)
    assert res.refused is True and res.override == "only an owner may override"
    done = recorded(session(store, ids, actor="owner", override_reason="client flies home tomorrow"))
    assert done.refused is False and done.overridden == ["too_soon"]
    with store.session() as db:
        actions = db.execute(select(AuditEntry.action, AuditEntry.actor_id).order_by(AuditEntry.seq)).all()
    assert ("override", ids["owner"]) in actions and ("refuse", ids["prac"]) in actions
    assert clients.client_record(acting(store, ids["owner"]), ids["client"]).sessions[1].override_reason


def test_out_of_stock_cannot_be_overridden(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    lots.adjust_lot(
        acting(store, ids["owner"]), lots.AdjustLotRequest.of(lot_id=2, delta=-3, reason="stock count")
    )
    res = session(store, ids, actor="owner", override_reason="I have a box somewhere")
    assert codes(res) == {"lot_out_of_stock"}
    assert isinstance(res, sessions.SessionRefused) and res.override == "some reasons cannot be overridden"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"ink_fraction": 0.01, "diluent_lot": "D1"}, "ink_fraction"),
        ({"ink_fraction": 0.5}, "diluent_lot"),
        ({"zones": ["nape"]}, "zones"),
        ({"started": "yesterday"}, "started"),
        ({"started": "2030-01-01T10:00", "ended": "2030-01-01T09:00"}, "ended"),
        ({"anaesthetic_strength_pct": 40.0}, "anaesthetic_strength_pct"),
        ({"dilution": 0.5}, "dilution"),
    ],
)
def test_a_session_request_refuses_a_bad_value_naming_the_field(
    values: dict[str, object], field: str
) -> None:
    base: dict[str, object] = {"client_id": 1, "practitioner_id": 2, "pigment_lot": "P1", "needle_lot": "N1"}
    with pytest.raises(InputError) as caught:
        sessions.SessionRequest.of(**(base | values))
    assert caught.value.field == field and "--" not in caught.value.message


def test_a_refusal_is_a_typed_result_with_the_json_the_faces_print(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path, keloid_history=True)
    res = session(store, ids)
    assert isinstance(res, sessions.SessionRefused)
    body = res.to_json()
    assert set(body) == {"refused", "reasons", "override"} and body["refused"] is True
    assert body["reasons"] == [
        {"code": r.code, "message": r.message, "overridable": r.overridable} for r in res.reasons
    ]
    assert "`smp" not in " ".join(r.message for r in res.reasons)


def test_the_ink_fraction_is_stored_under_its_new_name(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    sid = recorded(session(store, ids, ink_fraction=0.4)).id
    with store.session() as db:
        row = db.get(Session, sid)
        assert row is not None and row.ink_fraction == 0.4
    assert Session.__table__.c.dilution.name == "dilution"  # the column keeps its first name


def test_a_session_without_a_start_is_on_the_clinics_today(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    _set(store, Clinic, Clinic.id == 1, timezone="Pacific/Auckland")
    late = dt.datetime.combine(today(), dt.time(23, 30), dt.UTC)  # already tomorrow in Auckland
    ctx = ServiceContext(store=store, user_id=ids["prac"], clock=Clock.fixed(late, "Pacific/Auckland"))
    request = sessions.SessionRequest.of(
        client_id=ids["client"], practitioner_id=ids["prac"], pigment_lot="P1", needle_lot="N1"
    )
    res = recorded(sessions.record_session(ctx, request))
    tomorrow = today() + dt.timedelta(days=1)
    assert [f.due_on for f in res.follow_ups] == [tomorrow + dt.timedelta(days=d) for d in (2, 10, 30)]
    assert registers.followups_due(ctx).followups == []  # none due yet on the clinic's today
    later = registers.FollowUpsDueRequest.of(on=(tomorrow + dt.timedelta(days=3)).isoformat())
    assert [f.overdue_days for f in registers.followups_due(ctx, later).followups] == [1]


def test_a_forecast_touch_up_comes_from_the_healing_model(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    res = recorded(session(store, ids, forecast=True, ink_fraction=0.5))
    years = sessions.forecast_touch_up_years("III", 0.5)
    assert res.touch_up is not None
    assert years is not None and f"{years:.1f} years" in res.touch_up.basis
    assert "ink fraction 0.5" in res.touch_up.basis


# --- floors no override lowers, the clinic's rules, dates ------------------------------------


def _owner_override(store: Store, ids: dict[str, int], **kw: Any) -> sessions.SessionRefused:
    res = session(store, ids, actor="owner", override_reason="the owner insists", **kw)
    assert isinstance(res, sessions.SessionRefused), res
    return res


def _set(store: Store, model: type[Any], where: Any, **values: Any) -> None:
    with store.session() as db:
        for row in db.scalars(select(model).where(where)):
            for key, value in values.items():
                setattr(row, key, value)


@pytest.mark.parametrize(
    "floor",
    [
        "consent_withdrawn",
        "consent_missing",
        "lot_recalled",
        "lot_non_compliant",
        "lot_expired",
        "lot_out_of_stock",
        "lot_wrong_kind",
        "screening_stop",
        "screening_defer",
        "screening_missing",
        "patch_test_positive",
        "client_minor",
        "certification_missing",
    ],
)
def test_an_owner_cannot_override_a_floor(store: Store, tmp_path: Path, floor: str) -> None:
    answers = {
        "screening_stop": {"keloid_history": True},
        "screening_defer": {"pregnant_or_breastfeeding": True},
    }
    ids = setup_clinic(store, tmp_path, **answers.get(floor, {}))
    kw: dict[str, Any] = {}
    owner = acting(store, ids["owner"])
    if floor == "consent_withdrawn":
        consent.withdraw_consent(owner, consent.WithdrawConsentRequest.of(client_id=ids["client"]))
    elif floor == "consent_missing":
        with store.session() as db:
            db.execute(delete(Consent))
    elif floor == "lot_recalled":
        lots.recall_lot(owner, lots.RecallRequest.of(lot="P1"))
    elif floor == "lot_non_compliant":
        _set(store, Lot, Lot.lot_code == "P1", compliance="fail")
    elif floor == "lot_expired":
        _set(store, Lot, Lot.lot_code == "P1", expires_on=today() - dt.timedelta(days=1))
    elif floor == "lot_out_of_stock":
        _set(store, Lot, Lot.lot_code == "N1", quantity=0)
    elif floor == "lot_wrong_kind":
        kw = {"pigment_lot": "D1"}
    elif floor == "screening_missing":
        with store.session() as db:
            db.execute(delete(Screening))
    elif floor == "patch_test_positive":
        patch_tests.record_patch_test(
            owner,
            patch_tests.PatchTestRecordRequest.of(
                client_id=ids["client"],
                lot="P1",
                applied=(today() - dt.timedelta(days=7)).isoformat(),
                read=(today() - dt.timedelta(days=2)).isoformat(),
                result="positive",
            ),
        )
    elif floor == "client_minor":  # 17 today, though the record once said otherwise
        _set(store, Client, Client.id == ids["client"], date_of_birth=today().replace(year=today().year - 17))
    elif floor == "certification_missing":
        with store.session() as db:
            db.execute(delete(Certification))
    res = _owner_override(store, ids, **kw)
    assert floor in codes(res)
    assert all(not r.overridable for r in res.reasons)
    assert res.override == "some reasons cannot be overridden"
    body = res.to_json()
    assert body["refused"] is True
    assert {"code": floor, "overridable": False}.items() <= next(
        r for r in body["reasons"] if r["code"] == floor
    ).items()


@pytest.mark.parametrize("reason", ["too_soon", "patch_test_missing", "certification_expired"])
def test_what_an_owner_may_override_with_a_written_reason(store: Store, tmp_path: Path, reason: str) -> None:
    ids = setup_clinic(store, tmp_path, ink_or_anaesthetic_reaction=reason == "patch_test_missing")
    if reason == "too_soon":
        recorded(session(store, ids))
    if reason == "certification_expired":
        _set(
            store,
            Certification,
            Certification.user_id == ids["prac"],
            expires_on=today() - dt.timedelta(days=1),
        )
    refused = session(store, ids)
    assert codes(refused) == {reason}
    assert isinstance(refused, sessions.SessionRefused) and refused.reasons[0].overridable is True
    done = recorded(session(store, ids, actor="owner", override_reason="written justification"))
    assert done.overridden == [reason]


def _clinic_rules(store: Store, ids: dict[str, int], body: str) -> None:
    with store.session() as db:
        digest = hashlib.sha256(body.encode()).hexdigest()
        db.add(ClinicRules(clinic_id=1, version=1, body=body, sha256=digest, created_by=ids["owner"]))


def test_the_session_checks_follow_the_clinics_stored_rules(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    ten_days_ago = f"{today() - dt.timedelta(days=10)}T10:00"
    first = recorded(session(store, ids, actor="owner", started=ten_days_ago, historical=True))
    assert first.rules_version == "care-2026.11.3"
    _clinic_rules(store, ids, "[care.records]\nminimum_interval_days = 14\n")
    res = session(store, ids)
    assert codes(res) == {"too_soon"}
    assert isinstance(res, sessions.SessionRefused) and "at least 14" in res.reasons[0].message
    done = recorded(session(store, ids, actor="owner", override_reason="client's request, advised"))
    assert done.rules_version.startswith("care-2026.11.3+clinic-v1-")
    with store.session() as db:
        row = db.get(Session, done.id)
        assert row is not None and row.rules_version == done.rules_version


def test_a_future_session_is_an_appointment_and_is_refused(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    now = dt.datetime.now(dt.UTC)
    res = session(
        store, ids, actor="owner", override_reason="x", started=(now + dt.timedelta(hours=2)).isoformat()
    )
    assert codes(res) == {"session_in_future"}
    assert isinstance(res, sessions.SessionRefused) and "appointment" in res.reasons[0].message
    assert not res.reasons[0].overridable
    soon = (now + dt.timedelta(minutes=5)).isoformat()  # within the clocks' skew
    assert recorded(session(store, ids, started=soon)).refused is False


def test_a_past_session_is_recorded_only_as_historical_by_an_owner(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    past = f"{today() - dt.timedelta(days=5)}T10:00"
    assert codes(session(store, ids, started=past)) == {"session_in_past"}
    assert codes(session(store, ids, actor="owner", started=past, override_reason="x")) == {"session_in_past"}
    with pytest.raises(AccessError):
        session(store, ids, started=past, historical=True)
    res = recorded(session(store, ids, actor="owner", started=past, historical=True))
    assert res.historical is True and res.needle_lot_left == 3  # no stock taken
    assert [f.due_on for f in res.follow_ups] == [
        today() + dt.timedelta(days=d) for d in (5, 25)
    ]  # none past
    with store.session() as db:
        row = db.get(Session, res.id)
        assert row is not None and row.historical is True
        assert (
            db.scalar(select(func.count()).select_from(StockMove).where(StockMove.session_id == res.id)) == 0
        )
        entry = db.scalars(
            select(AuditEntry).where(AuditEntry.action == "create", AuditEntry.entity == "session")
        ).one()
        assert entry.actor_id == ids["owner"] and json.loads(entry.detail)["historical"] is True
    # Today's session needs no flag, and a flag on it is refused.
    flagged = session(store, ids, actor="owner", historical=True, override_reason="x")
    assert codes(flagged) == {"not_historical", "too_soon"}  # five days after the historical one
    assert isinstance(flagged, sessions.SessionRefused)
    assert flagged.override == "some reasons cannot be overridden"


def test_a_historical_session_before_a_recorded_one_keeps_the_minimum_interval(
    store: Store, tmp_path: Path
) -> None:
    ids = setup_clinic(store, tmp_path)
    todays = recorded(session(store, ids))
    two_days_ago = today() - dt.timedelta(days=2)
    res = session(store, ids, actor="owner", started=f"{two_days_ago}T10:00", historical=True)
    assert codes(res) == {"too_soon"}  # two days before today's session
    assert isinstance(res, sessions.SessionRefused) and res.reasons[0].overridable is True
    assert f"2 days before the session on {today()}" in res.reasons[0].message
    # Far enough before it, a historical session is recorded; within the interval only with a written reason.
    week_ago = f"{today() - dt.timedelta(days=7)}T10:00"
    assert recorded(session(store, ids, actor="owner", started=week_ago, historical=True)).id > todays.id
    done = recorded(
        session(
            store, ids, actor="owner", started=f"{two_days_ago}T10:00", historical=True, override_reason="x"
        )
    )
    assert done.overridden == ["too_soon"]


def test_historical_sessions_keep_the_minimum_interval_whichever_is_recorded_first(
    store: Store, tmp_path: Path
) -> None:
    ids = setup_clinic(store, tmp_path)
    later, earlier = today() - dt.timedelta(days=10), today() - dt.timedelta(days=12)
    recorded(session(store, ids, actor="owner", started=f"{later}T10:00", historical=True))
    res = session(store, ids, actor="owner", started=f"{earlier}T10:00", historical=True)
    assert codes(res) == {"too_soon"}
    assert isinstance(res, sessions.SessionRefused)
    assert f"2 days before the session on {later}" in res.reasons[0].message
    # After the later one, the nearest is still the one to measure from.
    res = session(store, ids, actor="owner", started=f"{later + dt.timedelta(days=3)}T10:00", historical=True)
    assert codes(res) == {"too_soon"}
    assert isinstance(res, sessions.SessionRefused)
    assert f"3 days after the session on {later}" in res.reasons[0].message
    far = f"{later - dt.timedelta(days=7)}T10:00"
    recorded(session(store, ids, actor="owner", started=far, historical=True))  # exactly the interval before
    between = f"{later - dt.timedelta(days=4)}T10:00"  # 3 days after one, 4 before the other
    res = session(store, ids, actor="owner", started=between, historical=True)
    assert codes(res) == {"too_soon"}
    assert isinstance(res, sessions.SessionRefused)
    assert f"3 days after the session on {later - dt.timedelta(days=7)}" in res.reasons[0].message


def test_a_historical_session_books_no_reminder_in_the_past(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    long_ago = f"{today().replace(year=today().year - 5)}T10:00"
    res = recorded(session(store, ids, actor="owner", started=long_ago, historical=True))
    assert res.follow_ups == [] and res.touch_up is None
    with store.session() as db:
        assert db.scalar(select(func.count()).select_from(Reminder)) == 0
        anchor = session_repo.retention_start(db, ids["client"])
        row = db.get(Session, res.id)
        assert row is not None and anchor == row.created_at  # retention counts from the record's creation


def test_a_started_time_without_offset_is_the_clinics_local_time(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    _set(store, Clinic, Clinic.id == 1, timezone="Pacific/Auckland")
    noon = dt.datetime.combine(today(), dt.time(0, 30), dt.UTC)  # 13:30 in Auckland
    ctx = ServiceContext(store=store, user_id=ids["prac"], clock=Clock.fixed(noon))
    request = sessions.SessionRequest.of(
        client_id=ids["client"], practitioner_id=ids["prac"], pigment_lot="P1", needle_lot="N1",
        started=f"{today()}T09:00",
    )  # fmt: skip
    sid = recorded(sessions.record_session(ctx, request)).id
    with store.session() as db:
        row = db.get(Session, sid)
        assert row is not None
        assert row.started_at == dt.datetime.combine(today(), dt.time(9), ZoneInfo("Pacific/Auckland"))


def test_a_screening_with_unanswered_questions_never_clears_a_session(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    partial = {"answers": {"keloid_history": False}}  # one question of the questionnaire answered
    clients.screen_client(
        acting(store, ids["prac"]), clients.ScreenClientRequest.of(client_id=ids["client"], answers=partial)
    )
    assert "screening_incomplete" in codes(session(store, ids))
    refused = session(store, ids, actor="owner", override_reason="the client answered the rest verbally")
    assert "screening_incomplete" in codes(refused)  # no owner overrides it
