"""The tone-match proposal: within practice ranges, given values win, and where the goal cannot be met."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smpstudio.design.greying import greying_plan
from smpstudio.design.maps import MapSettings
from smpstudio.design.proposal import (
    DENSITY_BOUNDS_PER_CM2,
    DIAMETER_BOUNDS_MM,
    GOAL_DELTA_E00,
    INK_BOUNDS,
    Fixed,
    delta_e00,
    propose,
    sessions_for,
    skin_rgb_linear,
    treated_rgb,
)
from smpstudio.skin.healed_dot import spot_fwhm_mm, srgb_to_linear, treated_area_reflectance_rgb
from smpstudio.skin.stubble import DEFAULT_HAIR, HAIR_COLOURS, Hair

SKIN_TYPES = ("I", "II", "III", "IV", "V", "VI")

hairs = st.builds(
    Hair,
    colour=st.sampled_from(sorted(HAIR_COLOURS)),
    grey_fraction=st.floats(0.0, 1.0),
    diameter_um=st.floats(60.0, 120.0),
    units_per_cm2=st.floats(60.0, 100.0),
    hairs_per_unit=st.floats(1.0, 4.0),
    shave_length_mm=st.floats(0.0, 3.0),
)
maybe = st.none() | st.just(1)  # draws whether a value is given


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hair=hairs,
    skin_type=st.sampled_from(SKIN_TYPES),
    density=st.none() | st.floats(10.0, 200.0),
    diameter=st.none() | st.floats(0.07, 0.25),
    ink=st.none() | st.floats(0.05, 1.0),
    sessions=st.none() | st.sampled_from([(1.0,), (0.5, 1.0), (0.3, 0.6, 0.8, 0.9, 1.0)]),
)
def test_the_proposal_stays_in_range_and_given_values_win(
    hair: Hair,
    skin_type: str,
    density: float | None,
    diameter: float | None,
    ink: float | None,
    sessions: tuple[float, ...] | None,
) -> None:
    p = propose(hair, skin_type, fixed=Fixed(density, diameter, ink, sessions))
    for given_value, got, bounds in (
        (density, p.density_per_cm2, DENSITY_BOUNDS_PER_CM2),
        (diameter, p.dot_diameter_mm, DIAMETER_BOUNDS_MM),
        (ink, p.ink_fraction, INK_BOUNDS),
    ):
        if given_value is None:
            assert bounds[0] <= got <= bounds[1]
        else:
            assert got == given_value
    assert p.sessions == (sessions if sessions is not None else sessions_for(p.density_per_cm2))
    MapSettings(
        density_per_cm2=p.density_per_cm2,
        sessions=p.sessions,
        ink_fraction=p.ink_fraction,
        dot_diameter_mm=p.dot_diameter_mm,
    )  # a design accepts every proposal
    names = {
        "density_per_cm2": density,
        "dot_diameter_mm": diameter,
        "ink_fraction": ink,
        "sessions": sessions,
    }
    assert set(p.proposed) == {k for k, v in names.items() if v is None}
    assert p.tone_match_delta_e00 >= 0.0
    assert p.reachable == (p.indicated and p.tone_match_delta_e00 <= GOAL_DELTA_E00)
    assert (p.note == "") == p.reachable


#: Where the default design reaches ΔE00 <= 2 ("R") and where SMP is not indicated for the tone because
#: the stubble is no darker than the bare skin ("-"), per skin type, in the order of HAIR_COLOURS:
#: black, dark-brown, brown, light-brown, red, blond, grey, white.
REACHABILITY = {
    "I": "RRRRRRR-",
    "II": "RRRRRRR-",
    "III": "RRRRRR--",
    "IV": "RRRRR---",
    "V": "RRR-R---",
    "VI": "RR------",
}


@pytest.mark.parametrize("skin_type", SKIN_TYPES)
def test_reachability_table(skin_type: str) -> None:
    row = ""
    for colour in HAIR_COLOURS:
        p = propose(Hair(colour=colour), skin_type)
        row += "R" if p.reachable else "-"
        if p.reachable:
            assert p.tone_match_delta_e00 <= GOAL_DELTA_E00
        else:
            assert not p.indicated and "lighter than the bare skin" in p.note, p.note
    assert row == REACHABILITY[skin_type]


def test_the_default_client_gets_usual_practice() -> None:
    p = propose(DEFAULT_HAIR, "III")
    assert p.reachable and p.tone_match_delta_e00 <= 1.0
    assert (p.density_per_cm2, p.dot_diameter_mm, p.sessions) == (100.0, 0.12, (0.45, 0.8, 1.0))


def test_greying_lowers_the_ink_first() -> None:
    inks = [propose(Hair(grey_fraction=g), "III").ink_fraction for g in (0.0, 0.2, 0.4)]
    assert inks == sorted(inks, reverse=True) and inks[-1] < inks[0]


def test_a_given_density_that_overshoots_says_why_not() -> None:
    p = propose(Hair(colour="blond"), "III", fixed=Fixed(200.0, 0.15, 1.0))
    assert not p.reachable and p.indicated and "darkest" not in p.note and "lightest" in p.note


def test_the_vectorised_treated_tone_is_the_healed_dot_models() -> None:
    from smpstudio.skin.appearance_table import packaged_table

    fields = packaged_table().lookup("IV", 0.2, 0.4)
    skin = skin_rgb_linear("IV")
    ratio = srgb_to_linear(fields[:3]) / skin
    want = treated_area_reflectance_rgb(
        skin, ratio, float(spot_fwhm_mm(0.11, fields[8])), 95.0, deposit_diameter_mm=0.11
    )
    np.testing.assert_allclose(treated_rgb("IV", 95.0, 0.11, 0.4), want, rtol=1e-12)


def test_delta_e00_matches_the_published_test_pair() -> None:
    # Sharma et al. 2005, Table 1, pair 1: Lab (50, 2.6772, -79.7751) and (50, 0, -82.7485): 2.0425.
    import colour

    cs = colour.RGB_COLOURSPACES["sRGB"]

    def rgb(lab: tuple[float, float, float]) -> np.ndarray:
        xyz = colour.Lab_to_XYZ(np.array(lab), cs.whitepoint)
        return np.asarray(xyz @ np.asarray(cs.matrix_XYZ_to_RGB).T)

    got = float(delta_e00(rgb((50.0, 2.6772, -79.7751)), rgb((50.0, 0.0, -82.7485))))
    assert got == pytest.approx(2.0425, abs=1e-3)


def test_a_greying_plan_lightens_the_ink_and_stops_when_smp_no_longer_serves() -> None:
    plan = greying_plan(Hair(grey_fraction=0.2), "III", density_per_cm2=100.0, dot_diameter_mm=0.12)
    assert [s.years for s in plan] == [4.0, 8.0, 12.0]
    greys = [s.grey_fraction for s in plan]
    assert greys == sorted(greys) and greys[0] == pytest.approx(0.32)
    inks = [s.ink_fraction for s in plan]
    assert all(i is not None for i in inks) and inks == sorted(inks, reverse=True)  # type: ignore[type-var]
    stop = greying_plan(Hair(grey_fraction=0.5), "II", density_per_cm2=100.0, dot_diameter_mm=0.12)
    assert stop[-1].ink_fraction is None and "not indicated" in stop[-1].note
