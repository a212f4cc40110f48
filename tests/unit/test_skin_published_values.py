"""The published values the light-transport, layer, erythema and kinetics docstrings quote, computed through
the public functions ([wang1992], [vandehulst1980], [omlc1998], [jacques2013], [meglinski2002],
[baumler2015], [pubmed38402858], [kim2008], [clinic-healing], [clinic-touchup] in docs/references.md)."""

from __future__ import annotations

import doctest
import json
import math
from importlib import resources

import numpy as np
import pytest

from smpstudio.errors import InputError
from smpstudio.skin import erythema, kinetics, layers, wang1995
from smpstudio.skin.appearance_table import SKIN_TYPES, packaged_table
from smpstudio.skin.erythema import ERYTHEMA_BLOOD_FRACTION, ERYTHEMA_SATURATION, erythema_srgb
from smpstudio.skin.impression import TECHNIQUES
from smpstudio.skin.kinetics import (
    Kinetics,
    pigment_fraction,
    redness_state,
    scab_state,
    scabbed,
    shed_days,
)
from smpstudio.skin.layers import Layer, LayerStack, stack_from_dict
from smpstudio.skin.scalp import ScalpSkin
from smpstudio.skin.technique import simulate_impression
from smpstudio.skin.wang1995 import simulate

# --- wang1995: the MCML reference cases ([wang1992] Tables 6.1-6.2) -------------------------------------


def _mcml_slab_from_cm() -> LayerStack:
    """[wang1992] Table 6.1: n 1, mua 10 cm⁻¹, mus 90 cm⁻¹, g 0.75, d 0.02 cm, converted as layers.py says."""
    mua_cm, mus_cm, d_cm = 10.0, 90.0, 0.02
    layer = {
        "n": 1.0,
        "mua_per_mm": mua_cm / 10,
        "mus_per_mm": mus_cm / 10,
        "g": 0.75,
        "thickness_mm": d_cm * 10,
    }
    return stack_from_dict({"n_above": 1.0, "n_below": 1.0, "layers": [layer]})


def test_layers_mcml_slab_converts_from_cm_to_the_same_optical_thickness() -> None:
    arrays = _mcml_slab_from_cm().arrays()
    assert arrays["mua"].tolist() == [1.0] and arrays["mus"].tolist() == [9.0]
    assert arrays["z_top"].tolist() == [0.0] and arrays["z_bottom"].tolist() == pytest.approx([0.2])
    # (mua + mus) d is dimensionless: 100 cm⁻¹ × 0.02 cm = 10 mm⁻¹ × 0.2 mm = 2.
    assert ((arrays["mua"] + arrays["mus"]) * arrays["z_bottom"])[0] == pytest.approx(2.0)
    assert _mcml_slab_from_cm().layers[0] == Layer(1.0, 1.0, 9.0, 0.75, 0.2)


def test_wang1995_slab_gives_van_de_hulst_rd_and_tt() -> None:
    # Rd 0.09739 and Tt 0.66096 (van de Hulst 1980, as [wang1992] Table 6.1 gives them); 4 standard errors.
    r = simulate(_mcml_slab_from_cm(), 400_000, seed=11)
    assert r.specular == 0.0
    assert r.diffuse_reflectance == pytest.approx(0.09739, abs=4 * r.stderr["diffuse_reflectance"])
    assert r.transmittance == pytest.approx(0.66096, abs=4 * r.stderr["transmittance"])
    assert r.stderr["diffuse_reflectance"] < 0.001


def test_wang1995_semi_infinite_medium_gives_giovanelli_total_reflectance() -> None:
    # n 1.5 under air, mua 10 cm⁻¹, mus 90 cm⁻¹, g 0: Rsp 0.04 and Rsp + Rd 0.2600 ([wang1992] Table 6.2).
    stack = LayerStack((Layer(1.5, 1.0, 9.0, 0.0, None),), n_above=1.0, n_below=1.0)
    r = simulate(stack, 200_000, seed=12)
    assert r.specular == pytest.approx(0.04, abs=1e-15)
    assert r.transmittance == 0.0
    assert r.specular + r.diffuse_reflectance == pytest.approx(
        0.2600, abs=4 * r.stderr["diffuse_reflectance"]
    )


# --- erythema: blood fractions and the packaged colours --------------------------------------------------


def test_erythema_blood_fraction_sits_between_the_published_figures() -> None:
    # Resting dermis 0.2 % [omlc1998] (the scalp model's default); 0.2-5 % modelled in [jacques2013];
    # 4 % in the papillary dermis of [meglinski2002]; erythema 2 %, range 1-4 %.
    assert ScalpSkin("III").blood_fraction == pytest.approx(0.002)
    assert 0.002 < ERYTHEMA_BLOOD_FRACTION <= 0.05
    assert 0.01 <= ERYTHEMA_BLOOD_FRACTION < 0.04
    assert 0.7 <= ERYTHEMA_SATURATION <= 0.95


def test_erythema_packaged_colours_match_their_stated_recipe() -> None:
    text = resources.files("smpstudio.data").joinpath("erythema-1.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["schema_version"] == 1
    assert data["blood_fraction"] == ERYTHEMA_BLOOD_FRACTION and data["saturation"] == ERYTHEMA_SATURATION
    assert data["photons"] == 8_000
    assert data["wavelengths_nm"] == [float(x) for x in range(400, 701, 25)]
    assert sorted(data["srgb"]) == sorted(SKIN_TYPES)
    assert erythema_srgb("III").tolist() == [0.58779, 0.40094, 0.30268]
    with pytest.raises(InputError):
        erythema_srgb("VII")


@pytest.mark.parametrize("skin_type", SKIN_TYPES)
def test_erythema_is_redder_than_resting_skin_of_every_type(skin_type: str) -> None:
    # Haemoglobin absorbs green most ([prahl1999]): more blood lowers G and raises R/G.
    red = erythema_srgb(skin_type)
    rest = packaged_table().skin(skin_type)[:3]
    assert np.all((red >= 0.0) & (red <= 1.0))
    assert red[1] < rest[1]
    assert red[0] / red[1] > 1.1 * rest[0] / rest[1]


# --- kinetics: healing and ageing against their sources --------------------------------------------------


def test_about_a_third_of_the_pigment_leaves_within_weeks() -> None:
    # [baumler2015], summarising [engel2010]; f = 0.7 (0.5-0.9).
    kin = Kinetics()
    assert kin.kept_through_healing == 0.7
    assert pigment_fraction(kin, 0, 0.2) == 1.0
    assert 1.0 - pigment_fraction(kin, 30, 0.2) == pytest.approx(0.31, abs=0.005)
    assert round(pigment_fraction(kin, 30, 0.2), 2) == 0.69  # the docstring's example


def test_healing_loss_is_mostly_done_by_day_7() -> None:
    # Steady state by day 7 in pig skin [pubmed38402858]: tau_heal 5 days (3-7).
    kin = Kinetics(clearance_per_year=0.0)
    total = 1.0 - kin.kept_through_healing
    done = [(1.0 - pigment_fraction(kin, day, 0.2)) / total for day in (7, 14)]
    assert done[0] == pytest.approx(1 - math.exp(-7 / 5)) and done[0] > 0.75
    assert done[1] == pytest.approx(0.94, abs=0.005)
    assert (1.0 - pigment_fraction(Kinetics(heal_tau_days=3.0, clearance_per_year=0.0), 7, 0.2)) / total > 0.9


def test_deep_pigment_is_mostly_cleared_by_day_21() -> None:
    # Only superficial-dermal pigment is left by about day 21 [kim2008]: a 7-day time constant.
    kin = Kinetics(clearance_per_year=0.0)
    deep_share = 0.3  # at 0.85 mm and deeper
    extra = [1.0 - pigment_fraction(kin, day, 1.0) / pigment_fraction(kin, day, 0.2) for day in (21, 365)]
    assert extra[1] == pytest.approx(deep_share)
    assert extra[0] / deep_share == pytest.approx(0.95, abs=0.005)
    assert pigment_fraction(kin, 21, 0.35) == pigment_fraction(kin, 21, 0.2)  # 0.35 mm is not deep


def test_redness_lasts_two_days_and_scabs_shed_on_days_5_to_10() -> None:
    # [clinic-healing]: redness "one or two days", scabs shed on days 5-10.
    kin = Kinetics()
    assert [redness_state(kin, d) for d in (0, 1, 2, 3)] == [1.0, 0.5, 0.0, 0.0]
    assert scab_state(kin, 0.5) == 0.0 and scab_state(kin, 1) == 1.0 and scab_state(kin, 5) == 1.0
    assert scab_state(kin, 7.5) == pytest.approx(0.5) and scab_state(kin, 10) == 0.0
    shed = shed_days(kin, 5000, seed=3)
    assert 5.0 <= shed.min() < 5.1 and 9.9 < shed.max() <= 10.0
    assert (
        scabbed(kin, 0.5, shed).sum() == 0
        and scabbed(kin, 4.9, shed).all()
        and not scabbed(kin, 10, shed).any()
    )


def test_uv_and_scalp_factors_scale_the_slow_clearance() -> None:
    assert Kinetics().slow_rate_per_day == pytest.approx(0.2 / 365.25)
    for uv, f_uv in (("low", 0.7), ("moderate", 1.0), ("high", 1.6)):
        for scalp, f_scalp in (("normal", 1.0), ("oily", 1.2), ("dry", 1.15)):
            rate = Kinetics(uv=uv, scalp=scalp).slow_rate_per_day
            assert rate == pytest.approx(0.2 * f_uv * f_scalp / 365.25)
    with pytest.raises(InputError):
        Kinetics(scalp="greasy")


def test_default_smp_technique_needs_a_touch_up_within_the_clinics_3_to_6_years() -> None:
    # [clinic-touchup]: 3-6 years; the kinetics docstring: 4.1 on type III, 3.5-4.1 over types I-VI.
    years = {s: simulate_impression(TECHNIQUES["smp"], s).touch_up_due_years for s in SKIN_TYPES}
    assert all(y is not None and 3.0 <= y <= 6.0 for y in years.values()), years
    assert years["III"] == pytest.approx(4.1, abs=0.05)
    assert round(min(y for y in years.values() if y is not None), 1) == 3.5
    assert round(max(y for y in years.values() if y is not None), 1) == 4.1


# --- the docstrings' examples -----------------------------------------------------------------------------


@pytest.mark.parametrize("module", [wang1995, layers, erythema, kinetics])
def test_docstring_examples_run(module: object) -> None:
    # NumPy's default print options: another test may have changed them for the session.
    with np.printoptions(precision=8, threshold=1000, linewidth=75, suppress=False, legacy=False):
        assert doctest.testmod(module).failed == 0  # type: ignore[arg-type]
