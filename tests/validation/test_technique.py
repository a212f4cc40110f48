"""The technique simulator against the seeds' claims ([clinic-healing], [clinic-touchup])."""

from __future__ import annotations

import pytest

from smpstudio.errors import InputError
from smpstudio.skin.impression import TECHNIQUES, Impression, Needle, parse_needle
from smpstudio.skin.kinetics import Kinetics, pigment_fraction, scab_state
from smpstudio.skin.technique import simulate_impression

pytestmark = pytest.mark.validation


def _at(result, day: float):  # type: ignore[no-untyped-def]
    return next(p for p in result.timeline if p.day == day)


def test_day_3_dots_look_larger_and_darker_than_day_30() -> None:
    r = simulate_impression(TECHNIQUES["smp"], "III")
    day3, day30 = _at(r, 3), _at(r, 30)
    assert day3.diameter_mm > day30.diameter_mm * 1.5
    assert day3.contrast > day30.contrast + 5
    assert sum(day3.dot_srgb) < sum(day30.dot_srgb)


def test_the_day_10_lightening_is_healing_not_fading() -> None:
    r = simulate_impression(TECHNIQUES["smp"], "III")
    assert _at(r, 5).contrast > _at(r, 14).contrast  # scabs shed: the dots lighten
    assert r.touch_up_due_years is not None and r.touch_up_due_years > 2  # but no touch-up is due for years


def test_default_smp_technique_needs_a_touch_up_in_3_to_5_years_and_sun_shortens_it() -> None:
    moderate = simulate_impression(TECHNIQUES["smp"], "III").touch_up_due_years
    high = simulate_impression(TECHNIQUES["smp"], "III", Kinetics(uv="high")).touch_up_due_years
    low = simulate_impression(TECHNIQUES["smp"], "III", Kinetics(uv="low")).touch_up_due_years
    assert moderate is not None and 3.0 <= moderate <= 5.0
    assert high is not None and low is not None and high < moderate < low


def test_tattoo_technique_heals_into_larger_blurrier_dots() -> None:
    smp = simulate_impression(TECHNIQUES["smp"], "III")
    tattoo = simulate_impression(TECHNIQUES["tattoo"], "III")
    assert tattoo.healed_diameter_mm > 2 * smp.healed_diameter_mm
    assert {r["code"] for r in tattoo.risks} >= {"too-deep", "tattoo-ink", "needle-too-large-for-hairline"}
    assert smp.risks == []


@pytest.mark.parametrize("skin_type", ["I", "II", "III", "IV", "V", "VI"])
def test_tattoo_technique_heals_bluer_than_smp_and_keeps_turning_bluer(skin_type: str) -> None:
    # "Bluer" as the eye reads a dot on skin: the share of its difference from the skin that is a shift to
    # blue rather than a darkening (-Δb*/|ΔL*|). The dot's own blue/red ratio is not that: a faint deep
    # dot keeps the skin's orange (its own ratio is reported, and stays near the skin's).
    smp = simulate_impression(TECHNIQUES["smp"], skin_type)
    tattoo = simulate_impression(TECHNIQUES["tattoo"], skin_type)
    assert tattoo.blue_shift_healed > smp.blue_shift_healed
    assert tattoo.blue_shift_5y > 1.25 * smp.blue_shift_5y
    assert tattoo.blue_shift_5y > tattoo.blue_shift_healed  # deep ink keeps turning bluer
    assert smp.blue_shift_5y <= smp.blue_shift_healed + 0.02  # shallow SMP ink fades, it does not blue
    if skin_type in ("I", "II", "III", "IV"):
        assert tattoo.blue_shift_healed > 1.2 * smp.blue_shift_healed  # clearly, where the skin is light


def test_kinetics_keep_pigment_between_zero_and_one_and_deep_ink_clears_more() -> None:
    kin = Kinetics()
    for day in (0, 3, 10, 30, 365, 3650):
        assert 0.0 < pigment_fraction(kin, day, 0.2) <= 1.0
    assert pigment_fraction(kin, 30, 1.0) < pigment_fraction(kin, 30, 0.2)
    assert scab_state(kin, 0.5) == 0.0 and scab_state(kin, 3) == 1.0 and scab_state(kin, 12) == 0.0


def test_needles_parse_and_bad_input_names_the_field() -> None:
    assert parse_needle("3rl-0.25") == Needle(3, 0.25)
    with pytest.raises(InputError, match="needle"):
        parse_needle("3RL")
    with pytest.raises(InputError) as info:
        Impression(Needle(1, 0.25), depth_mm=5.0)
    assert info.value.field == "depth_mm"
    with pytest.raises(InputError) as info:
        Kinetics(uv="extreme")
    assert info.value.field == "uv"


def test_the_too_deep_risk_names_the_layer_its_depth_bounds() -> None:
    """0.35 mm is the bottom of the upper blood net under the papillary dermis [meglinski2002]; the scalp
    model's papillary dermis ends at 0.25 mm, so the message must not call 0.35 mm the papillary dermis."""
    from smpstudio.skin.impression import BLOWOUT_FROM_MM
    from smpstudio.skin.scalp import ScalpSkin
    from smpstudio.skin.technique import risks

    (deep,) = [r for r in risks(Impression(Needle(1, 0.25), depth_mm=0.5)) if r["code"] == "too-deep"]
    message = deep["message"]
    assert "upper blood net" in message and f"({BLOWOUT_FROM_MM:g} mm)" in message
    assert f"papillary dermis ({BLOWOUT_FROM_MM:g} mm)" not in message
    assert f"{ScalpSkin().papillary_bottom_mm:g} mm" in message  # where the papillary dermis ends
