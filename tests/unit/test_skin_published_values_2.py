"""The published values the pigment, scalp, impression, appearance, appearance-table and technique
docstrings quote, computed through the public functions ([liu2018], [bond2006], [engel2008],
[selcuk-skin-thickness], [omlc1998], [mcxyz], [jacques1998], [meglinski2002], [wang1995],
[clinic-technique], [clinic-dot-size], [cie15], [iec61966-2-1], [sharma2005] in docs/references.md).

Each test says which numbers are published and which are the project's own calibration defaults
(evidence grade M or D), which are checked only where a docstring states them.
"""

from __future__ import annotations

import doctest
import math

import colour
import numpy as np
import pytest

from smpstudio.errors import InputError
from smpstudio.skin import appearance, appearance_table, impression, pigments, scalp, technique
from smpstudio.skin.appearance import WAVELENGTHS_NM, reflectance_spectrum, spectrum_colour
from smpstudio.skin.appearance_table import packaged_table
from smpstudio.skin.impression import TARGET_LAYERS, TECHNIQUES, Impression, Needle, parse_needle
from smpstudio.skin.jacques1998 import baseline_mua_per_mm
from smpstudio.skin.kinetics import Kinetics
from smpstudio.skin.pigments import PIGMENTS, ink_mua_per_mm
from smpstudio.skin.prahl1999 import blood_mua_per_mm
from smpstudio.skin.scalp import FITZPATRICK_MELANOSOME, Dot, ScalpSkin, scalp_stack
from smpstudio.skin.technique import healed_diameter_mm, risks, simulate_impression
from smpstudio.skin.wang1995 import simulate

# --- pigments: carbon black's spectral shape and mass absorption ----------------------------------------


@pytest.mark.parametrize("pigment", ["carbon-black", "tattoo-black"])
def test_carbon_inks_follow_the_black_carbon_angstrom_exponent(pigment: str) -> None:
    # Published: AAE of black carbon about 1.0, range 0.8-1.4 [liu2018]; mua ∝ λ^-AAE.
    aae = PIGMENTS[pigment].angstrom_exponent
    assert aae == 1.0 and 0.8 <= aae <= 1.4
    mua = ink_mua_per_mm([450, 550, 650], pigment)
    slope = np.diff(np.log(mua)) / np.diff(np.log([450.0, 550.0, 650.0]))
    np.testing.assert_allclose(slope, [-1.0, -1.0])
    # Nearly neutral, slightly more absorbing in the blue: 550/450 = 1.22 times at 450 nm.
    assert mua[0] / mua[1] == pytest.approx(550 / 450) and round(mua[0] / mua[1], 2) == 1.22


def test_iron_oxide_black_is_spectrally_flatter() -> None:
    # Project choice [M]: AAE 0.5 for Fe₃O₄ black, flatter than carbon black.
    ratio = ink_mua_per_mm(450, "iron-oxide-black") / ink_mua_per_mm(650, "iron-oxide-black")
    assert ratio == pytest.approx((650 / 450) ** 0.5)
    assert ratio < ink_mua_per_mm(450) / ink_mua_per_mm(650)


def test_bond2006_mass_absorption_puts_a_dispersed_tattoo_deposit_near_optical_depth_190() -> None:
    # Published: 7.5 m²/g at 550 nm [bond2006]; 0.60-9.42 mg/cm², mean 2.53 mg/cm² injected [engel2008].
    mac_cm2_per_mg = 7.5 * 1e4 / 1e3  # m²/g -> cm²/mg
    assert mac_cm2_per_mg == pytest.approx(75.0)
    assert round(mac_cm2_per_mg * 2.5, -1) == 190  # the module docstring's "near 190" [D]
    assert mac_cm2_per_mg * 0.60 > 40 and mac_cm2_per_mg * 2.53 == pytest.approx(189.75)
    # The project's calibration defaults [M] sit orders of magnitude below: τ = μa d at 550 nm, undiluted.
    for name, tau, low, high in (
        ("carbon-black", 3.0, 0.5, 5.0),
        ("tattoo-black", 10.0, 5.0, 30.0),
        ("iron-oxide-black", 6.0, 2.0, 15.0),
    ):
        got = float(ink_mua_per_mm(550, name)) * PIGMENTS[name].deposit_mm
        assert got == pytest.approx(tau) and low <= got <= high < mac_cm2_per_mg * 0.60


def test_ink_fraction_scales_the_optical_depth() -> None:
    # "0.2 = one part ink to four of diluent": a fifth of the undiluted optical depth.
    assert ink_mua_per_mm(550, ink_fraction=0.2) == pytest.approx(ink_mua_per_mm(550) / 5)
    assert float(ink_mua_per_mm(550, ink_fraction=0.0)) == 0.0
    with pytest.raises(InputError):
        ink_mua_per_mm(550, ink_fraction=1.5)
    with pytest.raises(InputError):
        ink_mua_per_mm(550, "sepia")


# --- scalp: layers, specular reflectance and melanosome fractions ---------------------------------------


@pytest.mark.parametrize("skin_type", ["I", "III", "VI"])
def test_specular_reflectance_is_the_fresnel_2_78_percent(skin_type: str) -> None:
    # n = 1.4 under air ([jacques2013], [meglinski2002]): ((1.4 - 1) / (1.4 + 1))² = 2.78 %, reported by
    # the MCML-semantics engine [wang1995] for bare skin and over a dot alike.
    fresnel = ((1.4 - 1.0) / (1.4 + 1.0)) ** 2
    assert round(100 * fresnel, 2) == 2.78
    for dot in (None, Dot(0.2, 0.5)):
        stack = scalp_stack(ScalpSkin(skin_type), 550.0, dot)
        assert all(layer.n == 1.4 and layer.g == 0.9 for layer in stack.layers) and stack.n_above == 1.0
        assert simulate(stack, 200, seed=1).specular == pytest.approx(fresnel, abs=1e-12)


def test_scalp_epidermis_is_the_measured_66_um() -> None:
    # Published: 65.9 ± 14.4 µm on the scalp [selcuk-skin-thickness]; modelled range 0.05-0.12 mm [M].
    skin = ScalpSkin()
    assert skin.epidermis_mm == pytest.approx(0.0659, abs=0.0005)
    assert abs(skin.epidermis_mm - 0.0659) < 0.0144
    assert scalp_stack(skin, 550.0).layers[0].thickness_mm == pytest.approx(0.066)


def test_dermis_mixes_0_2_percent_blood_at_67_percent_saturation_into_the_baseline() -> None:
    # Published: 0.2 % blood [omlc1998] at 67 % saturation (the mcxyz dermis [mcxyz]).
    skin = ScalpSkin()
    assert skin.blood_fraction == 0.002 and skin.saturation == 0.67
    expected = 0.002 * float(blood_mua_per_mm(550, 0.67)) + 0.998 * float(baseline_mua_per_mm(550))
    assert scalp_stack(skin, 550.0).layers[-1].mua_per_mm == pytest.approx(expected)


def test_melanosome_fractions_sit_in_jacques_bands() -> None:
    # Published bands [jacques1998]: light 1.3-6.3 %, moderately 11-16 %, darkly 18-43 % pigmented adults.
    m = FITZPATRICK_MELANOSOME
    assert all(0.013 <= m[t] <= 0.063 for t in ("I", "II"))
    assert 0.063 < m["III"] < 0.11  # between the light and moderate bands
    assert 0.11 <= m["IV"] <= 0.16
    assert all(0.18 <= m[t] <= 0.43 for t in ("V", "VI"))
    # Project choice [D]: rounded midpoints of the bands I 1.5-3 %, II 3-5 %, ... VI 25-43 %.
    bands = {"I": (1.5, 3), "II": (3, 5), "III": (5, 10), "IV": (10, 16), "V": (16, 25), "VI": (25, 43)}
    for t, (lo, hi) in bands.items():
        assert 100 * m[t] == pytest.approx((lo + hi) / 2, abs=0.5), t
        assert ScalpSkin(t).melanosome_fraction == m[t]


# --- impression: needles and deposits ------------------------------------------------------------------


def test_needles_are_the_practitioners_sizes() -> None:
    # Published [clinic-technique] [C]: 1RL and 3RL dominate, 0.18-0.35 mm, #08 = 0.25 mm.
    for name, count, diameter in (("1RL-0.18", 1, 0.18), ("3RL-0.25", 3, 0.25), ("7RL-0.35", 7, 0.35)):
        needle = parse_needle(name)
        assert (needle.count, needle.diameter_mm, needle.name) == (count, diameter, name)
    assert TECHNIQUES["smp"].needle == Needle(1, 0.25)
    with pytest.raises(InputError):
        parse_needle("3RL-0.5")


def test_a_single_0_25_mm_needle_leaves_a_250_um_fresh_dot_that_heals_to_100_150_um() -> None:
    # Published [clinic-dot-size] [C]: about 250 µm fresh, 100-150 µm healed, holes shrinking by about half.
    smp = TECHNIQUES["smp"]
    assert smp.fresh_diameter_mm == pytest.approx(0.25)
    result = simulate_impression(smp, "III")
    assert result.day0_apparent_diameter_mm == pytest.approx(0.25)
    assert 0.100 <= result.healed_diameter_mm <= 0.150
    assert healed_diameter_mm(smp, Kinetics(), 0.0) == pytest.approx(0.1375)  # 0.25 × 0.55 [M]
    assert healed_diameter_mm(smp, Kinetics(), 0.0) / smp.fresh_diameter_mm == pytest.approx(0.55)


def test_blow_out_starts_below_meglinskis_upper_blood_net() -> None:
    # Published [meglinski2002]: stratum corneum 20 µm, living epidermis 80 µm, papillary dermis 150 µm,
    # upper blood net 80-100 µm: its bottom at 330-350 µm.
    bottom_um = (20 + 80 + 150 + 80, 20 + 80 + 150 + 100)
    needle = Needle(1, 0.25)
    assert Impression(needle, depth_mm=bottom_um[1] / 1000).blowout_factor == 1.0
    assert Impression(needle, depth_mm=0.36).blowout_factor > 1.0
    assert bottom_um[0] / 1000 <= 0.35 <= bottom_um[1] / 1000
    # Project choice [M]: 60 % wider per mm deeper.
    assert Impression(needle, depth_mm=1.35).blowout_factor == pytest.approx(1.6)
    # Named targets: the papillary dermis lies between the scalp epidermis and the blow-out depth.
    assert (
        ScalpSkin().epidermis_mm
        < TARGET_LAYERS["papillary-dermis"]
        < 0.35
        < TARGET_LAYERS["reticular-dermis"]
    )


def test_risks_flag_needles_too_large_for_hairline_work() -> None:
    # [clinic-technique] [C]: 1RL needles of 0.18-0.25 mm keep hairline dots fine.
    for diameter in (0.18, 0.20, 0.25):
        assert risks(Impression(Needle(1, diameter), depth_mm=0.2)) == []
    codes = [r["code"] for r in risks(Impression(Needle(1, 0.35), depth_mm=0.2))]
    assert codes == ["needle-too-large-for-hairline"]
    assert "too-deep" in [r["code"] for r in risks(Impression(Needle(1, 0.25), depth_mm=0.5))]


# --- appearance: CIE colorimetry, sRGB and CIEDE2000 ---------------------------------------------------


def test_a_perfect_white_under_d65_has_the_d65_white_point() -> None:
    # Published [cie15], [iec61966-2-1]: D65 chromaticity (0.3127, 0.3290), XYZ (0.9505, 1, 1.0888);
    # a perfect reflecting diffuser has Y = 1 and L* = 100, and is sRGB white.
    white = spectrum_colour(WAVELENGTHS_NM, np.ones(len(WAVELENGTHS_NM)))
    xyz = white["xyz"]
    np.testing.assert_allclose(xyz, [0.9505, 1.0, 1.0888], atol=5e-4)
    np.testing.assert_allclose(xyz[:2] / xyz.sum(), [0.3127, 0.3290], atol=2e-4)
    np.testing.assert_allclose(white["lab"], [100.0, 0.0, 0.0], atol=0.05)
    np.testing.assert_allclose(white["srgb"], [1.0, 1.0, 1.0], atol=2e-4)
    np.testing.assert_allclose(white["linear_srgb"], [1.0, 1.0, 1.0], atol=5e-4)


def test_an_18_percent_grey_has_the_cielab_and_srgb_of_the_standards() -> None:
    # CIELAB [cie15]: L* = 116 Y^(1/3) - 16 = 49.50;
    # sRGB [iec61966-2-1]: 1.055 × 0.18^(1/2.4) - 0.055 = 0.461.
    grey = spectrum_colour(WAVELENGTHS_NM, np.full(len(WAVELENGTHS_NM), 0.18))
    assert grey["xyz"][1] == pytest.approx(0.18, abs=1e-6)
    assert grey["lab"][0] == pytest.approx(116 * 0.18 ** (1 / 3) - 16, abs=1e-3)
    assert round(float(grey["lab"][0]), 2) == 49.50
    np.testing.assert_allclose(grey["srgb"], 1.055 * 0.18 ** (1 / 2.4) - 0.055, atol=2e-4)
    np.testing.assert_allclose(grey["lab"][1:], [0.0, 0.0], atol=0.05)


@pytest.mark.parametrize(
    ("lab1", "lab2", "delta_e"),
    [
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ],
)
def test_ciede2000_as_the_code_computes_it_matches_sharmas_test_data(
    lab1: tuple[float, float, float], lab2: tuple[float, float, float], delta_e: float
) -> None:
    # [sharma2005] Table 1 (pairs 1, 7, 17, 25), through the call dot_appearance and the technique make.
    assert float(colour.delta_E(np.array(lab1), np.array(lab2), method="CIE 2000")) == pytest.approx(
        delta_e, abs=5e-5
    )


def test_reflectance_spectrum_leaves_the_specular_part_out() -> None:
    # As a 45°/0° measurement: Rd only, not Rsp + Rd (Rsp = 2.78 % at n = 1.4).
    skin = ScalpSkin()
    spectrum = reflectance_spectrum(skin, wavelengths_nm=(550.0,), photons=2_000, seed=5)
    run = simulate(scalp_stack(skin, 550.0), 2_000, seed=5, spread_bins=(0.005, 600))
    assert spectrum.reflectance[0] == pytest.approx(run.diffuse_reflectance)
    assert spectrum.stderr[0] == pytest.approx(run.stderr["diffuse_reflectance"])
    assert math.isnan(spectrum.spread_fwhm_mm[0]) and spectrum.photons == 2_000


# --- appearance table: the packaged colours obey the same standards -------------------------------------


def test_packaged_table_records_its_recipe() -> None:
    # Project choices: 13 wavelengths 400-700 nm every 25 nm, 8 000 photons; CIE 1931 2°, D65 [cie15].
    table = packaged_table()
    assert table.meta["schema_version"] == appearance_table.TABLE_SCHEMA_VERSION == 1
    assert table.meta["wavelengths_nm"] == [float(x) for x in range(400, 701, 25)]
    assert table.meta["photons_per_wavelength"] == 8_000
    assert "CIE 1931 2°" in table.meta["method"] and "D65" in table.meta["method"]
    assert table.skin_types == tuple(FITZPATRICK_MELANOSOME) and table.pigments == tuple(PIGMENTS)


def test_packaged_colours_convert_by_iec_61966_2_1_and_cielab() -> None:
    # sRGB -> XYZ [iec61966-2-1] -> CIELAB with the D65 white [cie15]: the stored L*a*b* of every skin and
    # dot (rounded to 5 decimals; the sRGB is not clipped in the table's range).
    table = packaged_table()
    for rows in (table.skins, table.dots.reshape(-1, table.dots.shape[-1])):
        lab = colour.XYZ_to_Lab(colour.sRGB_to_XYZ(rows[:, :3]))
        np.testing.assert_allclose(lab, rows[:, 3:6], atol=0.01)
    # The first grid point of each skin was computed against the stored bare skin: its CIEDE2000 [sharma2005].
    for s in range(len(table.skin_types)):
        dot, skin = table.dots[s, 0, 0, 0], table.skins[s]
        assert float(colour.delta_E(dot[3:6], skin[3:6], method="CIE 2000")) == pytest.approx(
            dot[6], abs=1e-3
        )


# --- the docstrings' examples -----------------------------------------------------------------------------


@pytest.mark.parametrize("module", [pigments, scalp, impression, appearance, appearance_table, technique])
def test_docstring_examples_run(module: object) -> None:
    # NumPy's default print options: another test may have changed them for the session.
    with np.printoptions(precision=8, threshold=1000, linewidth=75, suppress=False, legacy=False):
        assert doctest.testmod(module).failed == 0  # type: ignore[arg-type]
