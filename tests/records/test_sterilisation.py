"""Sterilisation: spore tests and the loads since the last pass."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import delete

from smpstudio.errors import InputError, NotFoundError
from smpstudio.records.models import FollowUp, Reminder, Session, SterilisationCycle, StockMove
from smpstudio.records.store import Store
from smpstudio.services import clinics, sessions, sterilisation
from tests.records.conftest import acting
from tests.records.helpers import codes, recorded, session, setup_clinic, today


def test_failed_spore_test_lists_loads_since_last_pass(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    day = today() - dt.timedelta(days=20)
    sterilisation.add_cycle(
        acting(store, ids["prac"]),
        sterilisation.CycleRequest.of(
            load="L-old",
            temperature_c=134,
            pressure_kpa=206,
            minutes=4,
            indicator="pass",
            run_at=day.isoformat(),
        ),
    )
    sterilisation.record_spore_test(
        acting(store, ids["prac"]),
        sterilisation.SporeTestRequest.of(result="pass", tested_on=(day + dt.timedelta(days=1)).isoformat()),
    )
    c2 = sterilisation.add_cycle(
        acting(store, ids["prac"]),
        sterilisation.CycleRequest.of(
            load="L-new",
            temperature_c=134,
            pressure_kpa=206,
            minutes=4,
            indicator="pass",
            run_at=(day + dt.timedelta(days=5)).isoformat(),
        ),
    ).id
    sid = recorded(session(store, ids, sterilisation_cycle=c2)).id
    res = sterilisation.record_spore_test(
        acting(store, ids["prac"]),
        sterilisation.SporeTestRequest.of(result="fail", tested_on=today().isoformat()),
    ).to_json()
    action = res["corrective_action"]
    assert action["cycles"] == [c2]
    assert [s["id"] for s in action["sessions"]] == [sid]
    assert [c["id"] for c in action["clients"]] == [ids["client"]]
    assert sterilisation.sessions_for_cycle(acting(store, ids["prac"]), c2).sessions[0].id == sid


# --- failed cycles, spore-test holds, another clinic's cycle ----------------------------------


def _cycle(store: Store, user: int, **kw: object) -> sterilisation.CycleAdded:
    values: dict[str, object] = {
        "load": "L",
        "temperature_c": 134,
        "pressure_kpa": 206,
        "minutes": 4,
        "indicator": "pass",
    }
    return sterilisation.add_cycle(acting(store, user), sterilisation.CycleRequest.of(**(values | kw)))


@pytest.mark.parametrize(
    ("params", "why"),
    [
        ({"temperature_c": 121, "minutes": 10, "pressure_kpa": 103}, "at least 15 min"),
        ({"temperature_c": 134, "minutes": 2, "pressure_kpa": 206}, "at least 3 min"),
        ({"temperature_c": 134, "minutes": 3, "pressure_kpa": 150}, "at least 206 kPa"),
        ({"temperature_c": 115, "minutes": 30, "pressure_kpa": 80}, "lowest sterilising temperature"),
        ({"indicator": "fail"}, "indicator failed"),
    ],
)
def test_a_cycle_below_the_rules_is_recorded_as_failed_with_the_reason(
    store: Store, tmp_path: Path, params: dict[str, object], why: str
) -> None:
    ids = setup_clinic(store, tmp_path)
    res = _cycle(store, ids["prac"], **params)
    body = res.to_json()
    assert body["failed"] is True and why in body["failure_reason"]
    assert any("reprocess" in w for w in body["warnings"])
    with store.session() as db:
        row = db.get(SterilisationCycle, res.id)
        assert row is not None and row.failure_reason == body["failure_reason"]


@pytest.mark.parametrize(
    "params",
    [
        {"temperature_c": 134, "minutes": 3, "pressure_kpa": 206},
        {"temperature_c": 121, "minutes": 15, "pressure_kpa": 103},
        {"temperature_c": 135, "minutes": 18, "pressure_kpa": 216},
    ],
)
def test_a_cycle_at_the_rules_passes(store: Store, tmp_path: Path, params: dict[str, object]) -> None:
    ids = setup_clinic(store, tmp_path)
    res = _cycle(store, ids["prac"], **params)
    assert (res.failed, res.failure_reason, res.warnings) == (False, None, [])


def test_a_session_naming_a_failed_cycle_is_refused_even_for_an_owner(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    for params in ({"indicator": "fail"}, {"minutes": 1}):
        bad = _cycle(store, ids["prac"], **params).id
        res = session(store, ids, actor="owner", sterilisation_cycle=bad, override_reason="it looked fine")
        assert isinstance(res, sessions.SessionRefused)
        assert codes(res) == {"cycle_failed"} and not res.reasons[0].overridable
        assert res.override == "some reasons cannot be overridden"


def test_no_cycle_is_usable_after_a_failed_spore_test_until_a_repeat_passes(
    store: Store, tmp_path: Path
) -> None:
    ids = setup_clinic(store, tmp_path)
    prac = acting(store, ids["prac"])

    def spore(result: str, day: dt.date) -> None:
        sterilisation.record_spore_test(
            prac, sterilisation.SporeTestRequest.of(result=result, tested_on=day.isoformat())
        )

    def held(cycle: int) -> bool:
        res = session(store, ids, actor="owner", sterilisation_cycle=cycle, override_reason="x")
        if isinstance(res, sessions.SessionRefused):
            assert codes(res) <= {"cycle_spore_test_failed", "too_soon"}
            return "cycle_spore_test_failed" in codes(res)
        with store.session() as db:  # recorded: take it back out so the next try is not too soon
            db.execute(delete(StockMove).where(StockMove.session_id == res.id))
            db.execute(delete(FollowUp).where(FollowUp.session_id == res.id))
            db.execute(delete(Reminder).where(Reminder.session_id == res.id))
            db.execute(delete(Session).where(Session.id == res.id))
        return False

    spore("pass", today() - dt.timedelta(days=30))
    before = _cycle(store, ids["prac"], run_at=f"{today() - dt.timedelta(days=31)}T09:00").id
    scoped = _cycle(store, ids["prac"], run_at=f"{today() - dt.timedelta(days=20)}T09:00").id
    spore("fail", today() - dt.timedelta(days=10))
    after = _cycle(store, ids["prac"], run_at=f"{today() - dt.timedelta(days=5)}T09:00").id
    assert not held(before)
    assert held(scoped) and held(after)
    spore("fail", today() - dt.timedelta(days=4))  # a repeat that fails holds on
    assert held(after)
    spore("pass", today() - dt.timedelta(days=2))  # a repeat passes: new cycles are usable
    fresh = _cycle(store, ids["prac"], run_at=f"{today() - dt.timedelta(days=1)}T09:00").id
    assert not held(fresh)
    assert held(scoped) and held(after)  # the loads run while it failed stay unusable: reprocess them


def test_another_clinics_cycle_answers_as_a_missing_one(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    mine = _cycle(store, ids["prac"]).id
    other = clinics.init_clinic(
        acting(store, ids["owner"]), clinics.InitClinicRequest.of(name="Other")
    ).owner_id
    theirs = _cycle(store, other).id
    missing = theirs + 100

    def answer(call: Callable[[], object], cycle: int) -> dict[str, object]:
        with pytest.raises((InputError, NotFoundError)) as caught:
            call()
        return caught.value.to_dict() | {"error": caught.value.message.replace(str(cycle), "N")}

    prac = acting(store, ids["prac"])
    for call in (
        lambda c: lambda: sterilisation.sessions_for_cycle(prac, c),
        lambda c: lambda: session(store, ids, sterilisation_cycle=c),
    ):
        assert answer(call(theirs), theirs) == answer(call(missing), missing)
    assert sterilisation.sessions_for_cycle(prac, mine).cycle.id == mine


def test_a_future_cycle_or_spore_test_is_refused(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    with pytest.raises(InputError) as caught:
        _cycle(store, ids["prac"], run_at=f"{today() + dt.timedelta(days=2)}T09:00")
    assert caught.value.field == "run_at"
    with pytest.raises(InputError) as caught:
        sterilisation.record_spore_test(
            acting(store, ids["prac"]),
            sterilisation.SporeTestRequest.of(
                result="pass", tested_on=(today() + dt.timedelta(days=1)).isoformat()
            ),
        )
    assert caught.value.field == "tested_on"
