"""The pure pre-session checks, property-tested: what must refuse always does, and more trouble never
means fewer reasons."""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from smpstudio.records.checks import CycleFacts, LotFacts, SessionFacts, age_years, session_reasons

ON = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)
#: What an owner may override with a written reason; everything else is a floor.
OVERRIDABLE = {"too_soon", "patch_test_missing", "certification_expired"}
KNOWN = {
    "session_in_future",
    "session_in_past",
    "not_historical",
    "age_unknown",
    "client_minor",
    "cycle_failed",
    "cycle_spore_test_failed",
    "screening_missing",
    "screening_stop",
    "screening_defer",
    "consent_missing",
    "consent_withdrawn",
    "patch_test_missing",
    "patch_test_positive",
    "lot_wrong_kind",
    "lot_expired",
    "lot_recalled",
    "lot_out_of_stock",
    "lot_non_compliant",
    "not_a_practitioner",
    "certification_missing",
    "certification_expired",
    "too_soon",
}
NEVER_OVERRIDABLE = KNOWN - OVERRIDABLE
ROLES = ("pigment", "needle", "diluent")


def good_lot(role: str) -> LotFacts:
    return LotFacts(role, f"{role[:3].upper()}-1", role, ON + dt.timedelta(days=365), 5, "pass", False)


GOOD = SessionFacts(
    on=ON,
    screening_outcome="proceed",
    screening_defer_until=None,
    consent_valid=True,
    consent_withdrawn=False,
    patch_test_required=False,
    patch_test_result=None,
    practitioner_role="practitioner",
    certifications=[("bloodborne-pathogens", ON + dt.timedelta(days=30))],
    previous_session_on=None,
    next_session_on=None,
    minimum_interval_days=7,
    date_of_birth=dt.date(1980, 1, 2),
    minimum_age_years=18,
    started=NOW,
    now=NOW,
    today=ON,
    lots=[good_lot(r) for r in ROLES],
)

days = st.integers(min_value=-400, max_value=400).map(lambda d: ON + dt.timedelta(days=d))
lots = st.builds(
    LotFacts,
    role=st.sampled_from(ROLES),
    code=st.text("ABC123", min_size=1, max_size=6),
    kind=st.sampled_from(ROLES),
    expires_on=days,
    quantity=st.integers(min_value=-2, max_value=5),
    compliance=st.sampled_from(["pass", "fail", "unchecked"]),
    recalled=st.booleans(),
)
facts = st.builds(
    SessionFacts,
    on=st.just(ON),
    screening_outcome=st.sampled_from([None, "proceed", "counsel", "doctor_clearance", "defer", "stop"]),
    screening_defer_until=st.none() | days,
    consent_valid=st.booleans(),
    consent_withdrawn=st.booleans(),
    patch_test_required=st.booleans(),
    patch_test_result=st.sampled_from([None, "negative", "positive", "doubtful"]),
    practitioner_role=st.sampled_from(["practitioner", "owner", "front-desk"]),
    certifications=st.lists(st.tuples(st.just("bbp"), days), max_size=2),
    previous_session_on=st.none() | days,
    next_session_on=st.none() | days,
    minimum_interval_days=st.integers(min_value=0, max_value=60),
    date_of_birth=st.none() | st.dates(dt.date(1900, 1, 1), ON),
    minimum_age_years=st.integers(min_value=18, max_value=21),
    started=st.integers(min_value=-3 * 1440, max_value=3 * 1440).map(lambda m: NOW + dt.timedelta(minutes=m)),
    now=st.just(NOW),
    today=st.just(ON),
    historical=st.booleans(),
    lots=st.lists(lots, max_size=3),
    cycle=st.none()
    | st.builds(
        CycleFacts,
        id=st.integers(1, 9),
        failure_reason=st.none() | st.just("the chemical indicator failed"),
        spore_test_failed_on=st.none() | days,
    ),
).map(lambda f: dataclasses.replace(f, on=f.started.date()))


def codes(f: SessionFacts) -> set[str]:
    return {r.code for r in session_reasons(f)}


def test_a_session_with_everything_in_order_passes() -> None:
    assert session_reasons(GOOD) == []


@given(facts)
def test_reasons_are_known_and_the_unoverridable_are_marked(f: SessionFacts) -> None:
    reasons = session_reasons(f)
    assert {r.code for r in reasons} <= KNOWN
    for r in reasons:
        assert r.overridable == (r.code not in NEVER_OVERRIDABLE)
        assert "smp " not in r.message and "--" not in r.message  # no command names below the faces
    assert session_reasons(f) == reasons  # a pure function


@given(facts)
def test_what_must_refuse_always_refuses(f: SessionFacts) -> None:
    found = codes(f)
    if f.screening_outcome is None:
        assert "screening_missing" in found
    if f.screening_outcome == "stop":
        assert "screening_stop" in found
    if not f.consent_valid:
        assert len(found & {"consent_missing", "consent_withdrawn"}) == 1
    for lot in f.lots:
        if lot.recalled:
            assert "lot_recalled" in found
        if lot.quantity <= 0 and not f.historical:
            assert "lot_out_of_stock" in found
        if lot.compliance == "fail":
            assert "lot_non_compliant" in found
        if lot.expires_on < f.on:
            assert "lot_expired" in found
    if f.practitioner_role == "front-desk":
        assert "not_a_practitioner" in found
    gaps = [abs((f.on - d).days) for d in (f.previous_session_on, f.next_session_on) if d is not None]
    assert ("too_soon" in found) == any(g < f.minimum_interval_days for g in gaps)  # on either side
    if f.date_of_birth is not None and age_years(f.date_of_birth, f.on) < f.minimum_age_years:
        assert "client_minor" in found
    if f.started > f.now + dt.timedelta(minutes=10):
        assert "session_in_future" in found
    elif f.on < f.today and not f.historical:
        assert "session_in_past" in found
    if f.cycle is not None and f.cycle.failure_reason is not None:
        assert "cycle_failed" in found
    if f.cycle is not None and f.cycle.spore_test_failed_on is not None:
        assert "cycle_spore_test_failed" in found


@given(facts)
def test_nothing_on_the_floor_list_can_be_overridden(f: SessionFacts) -> None:
    """Every reason but too soon, an advised patch test missing and an expired certificate is a floor."""
    floors = {r.code for r in session_reasons(f) if not r.overridable}
    assert floors == codes(f) - OVERRIDABLE


@given(st.dates(dt.date(1990, 1, 1), dt.date(2020, 12, 31)).filter(lambda d: (d.month, d.day) != (2, 29)),
       st.integers(10, 30))  # fmt: skip
def test_the_age_is_re_checked_on_the_session_date(born: dt.date, years: int) -> None:
    birthday = born.replace(year=born.year + years)
    for on, age in ((birthday - dt.timedelta(days=1), years - 1), (birthday, years)):
        f = dataclasses.replace(GOOD, date_of_birth=born, on=on, today=on)
        assert ("client_minor" in codes(f)) == (age < 18)


def test_dates_a_future_session_is_an_appointment_and_a_past_one_needs_the_historical_flag() -> None:
    future = dataclasses.replace(GOOD, started=NOW + dt.timedelta(minutes=11))
    assert codes(future) == {"session_in_future"}
    assert codes(dataclasses.replace(GOOD, started=NOW + dt.timedelta(minutes=9))) == set()
    past = dataclasses.replace(GOOD, on=ON - dt.timedelta(days=3), started=NOW - dt.timedelta(days=3))
    assert codes(past) == {"session_in_past"}
    assert codes(dataclasses.replace(past, historical=True)) == set()
    assert codes(dataclasses.replace(GOOD, historical=True)) == {"not_historical"}
    empty = dataclasses.replace(
        past, historical=True, lots=[dataclasses.replace(good_lot("needle"), quantity=0)]
    )
    assert codes(empty) == set()  # a historical session takes no stock


def _too_soon(f: SessionFacts) -> list[str]:
    return [r.message for r in session_reasons(f) if r.code == "too_soon"]


def test_the_interval_is_kept_on_either_side_from_the_nearest_session() -> None:
    before, after = ON - dt.timedelta(days=3), ON + dt.timedelta(days=2)
    assert _too_soon(dataclasses.replace(GOOD, previous_session_on=before)) == [
        f"3 days after the session on {before}; the rules ask for at least 7"
    ]
    assert _too_soon(dataclasses.replace(GOOD, next_session_on=after)) == [
        f"2 days before the session on {after}; the rules ask for at least 7"
    ]
    both = dataclasses.replace(GOOD, previous_session_on=before, next_session_on=after)
    assert _too_soon(both) == [f"2 days before the session on {after}; the rules ask for at least 7"]
    far = dataclasses.replace(
        GOOD, previous_session_on=ON - dt.timedelta(days=7), next_session_on=ON + dt.timedelta(days=7)
    )
    assert _too_soon(far) == []  # exactly the interval on both sides
    assert len(_too_soon(dataclasses.replace(far, next_session_on=ON + dt.timedelta(days=6)))) == 1


@given(
    facts,
    st.sampled_from(
        ["recall", "empty", "expire", "fail", "withdraw", "stop", "soon", "soon_before", "minor", "cycle"]
    ),
)
def test_more_trouble_never_means_fewer_reasons(f: SessionFacts, trouble: str) -> None:
    worse = f
    if trouble in ("recall", "empty", "expire", "fail"):
        lot = good_lot("pigment")
        change = {
            "recall": {"recalled": True},
            "empty": {"quantity": 0},
            "expire": {"expires_on": f.on - dt.timedelta(days=1)},
            "fail": {"compliance": "fail"},
        }[trouble]
        worse = dataclasses.replace(f, lots=[*f.lots, dataclasses.replace(lot, **change)])  # type: ignore[arg-type]
    elif trouble == "withdraw":
        worse = dataclasses.replace(f, consent_valid=False, consent_withdrawn=True)
    elif trouble == "stop":
        worse = dataclasses.replace(f, screening_outcome="stop")
    elif trouble == "minor":
        worse = dataclasses.replace(f, date_of_birth=f.on - dt.timedelta(days=17 * 365))
    elif trouble == "cycle":
        worse = dataclasses.replace(f, cycle=CycleFacts(1, "the chemical indicator failed", f.on))
    elif trouble == "soon":
        worse = dataclasses.replace(
            f, previous_session_on=f.on, minimum_interval_days=max(1, f.minimum_interval_days)
        )
    elif trouble == "soon_before":  # a session recorded earlier that lies after this one
        worse = dataclasses.replace(
            f,
            next_session_on=f.on + dt.timedelta(days=1),
            minimum_interval_days=max(2, f.minimum_interval_days),
        )
    before, after = codes(f), codes(worse)
    if not (trouble == "empty" and f.historical):  # a historical session takes no stock
        assert len(session_reasons(worse)) >= 1
    if trouble not in ("withdraw", "stop", "minor", "cycle"):  # these replace one reason by another
        assert before <= after
