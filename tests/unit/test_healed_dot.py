"""The apparent healed spot and a treated area's tone (smpstudio.skin.healed_dot)."""

from __future__ import annotations

import numpy as np
import pytest

from smpstudio.errors import InputError
from smpstudio.skin.healed_dot import (
    GAUSSIAN_AREA_PER_FWHM2,
    HealedDotModel,
    linear_to_srgb,
    luminance,
    spot_fwhm_mm,
    spot_integral_mm2,
    spot_peak_darkening,
    srgb_to_linear,
    treated_area_reflectance_rgb,
)

SKIN = (0.35, 0.22, 0.11)
RATIO = (0.26, 0.39, 0.66)


def test_srgb_round_trips_and_known_values() -> None:
    x = np.linspace(0.0, 1.0, 101)
    assert np.allclose(linear_to_srgb(srgb_to_linear(x)), x, atol=1e-12)
    assert float(linear_to_srgb(0.18)) == pytest.approx(0.461, abs=1e-3)  # 18 % grey (IEC 61966-2-1)
    assert float(luminance([1.0, 1.0, 1.0])) == pytest.approx(1.0)


def test_the_spot_widens_with_the_deposit_and_the_blur() -> None:
    assert spot_fwhm_mm(0.10, 0.86) < spot_fwhm_mm(0.15, 0.86)
    assert spot_fwhm_mm(0.12, 0.4) < spot_fwhm_mm(0.12, 1.0)
    # A Gaussian with a disc's peak and area: FWHM sqrt(ln 2) d when there is no blur and no gain.
    model = HealedDotModel(deposit_width_factor=1.0, crossing_gain=1.0)
    assert float(spot_fwhm_mm(0.2, 0.0, model=model)) == pytest.approx(np.sqrt(np.log(2.0)) * 0.2)
    # With a gain the narrowest spot holds the integral at the darkness of a wide deposit.
    gained = HealedDotModel(deposit_width_factor=1.0, crossing_gain=4.0)
    w = float(spot_fwhm_mm(0.2, 0.0, model=gained))
    assert w == pytest.approx(0.2 * np.sqrt(4.0 * np.log(2.0)))
    assert np.allclose(spot_peak_darkening(RATIO, 0.2, w, model=gained), 1.0 - np.asarray(RATIO))


def test_peak_keeps_the_integral_and_never_exceeds_an_infinite_deposit() -> None:
    w = float(spot_fwhm_mm(0.12, 0.86))
    peak = spot_peak_darkening(RATIO, 0.12, w)
    assert np.allclose(peak * GAUSSIAN_AREA_PER_FWHM2 * w * w, spot_integral_mm2(RATIO, 0.12))
    tight = spot_peak_darkening(RATIO, 0.25, 0.05)  # a width too small for its darkening: capped
    assert np.allclose(tight, 1.0 - np.asarray(RATIO))
    assert spot_fwhm_mm(0.25, 0.05) > 0.05  # which the spot's own width never is


def test_arrays_of_dots_vectorise() -> None:
    d = np.array([0.10, 0.12, 0.14])
    ratios = np.tile(RATIO, (3, 1))
    w = spot_fwhm_mm(d, 0.86)
    peaks = spot_peak_darkening(ratios, d, w)
    assert peaks.shape == (3, 3)
    assert np.allclose(peaks[1], spot_peak_darkening(RATIO, 0.12, float(w[1])))


def test_a_treated_area_darkens_with_density_and_never_below_black() -> None:
    w = float(spot_fwhm_mm(0.12, 0.86))
    y0 = float(luminance(SKIN))
    tones = [float(luminance(treated_area_reflectance_rgb(SKIN, RATIO, w, n))) for n in (0, 50, 100, 200)]
    assert tones[0] == pytest.approx(y0)
    assert tones[0] > tones[1] > tones[2] > tones[3] >= 0.0
    assert treated_area_reflectance_rgb(SKIN, (1.0, 1.0, 1.0), w, 100.0) == pytest.approx(SKIN)
    assert min(treated_area_reflectance_rgb(SKIN, (0.0, 0.0, 0.0), 3.0, 1000.0, deposit_diameter_mm=1.0)) == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"deposit_width_factor": 3.0}, "deposit_width_factor"),
        ({"crossing_gain": 0.5}, "crossing_gain"),
        ({"visible_blur_share": 0.1}, "visible_blur_share"),
    ],
)
def test_the_model_refuses_numbers_outside_their_ranges(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(InputError) as info:
        HealedDotModel(**kwargs)
    assert info.value.field == field


def test_bad_area_inputs_name_their_field() -> None:
    with pytest.raises(InputError) as info:
        treated_area_reflectance_rgb(SKIN, RATIO, 0.4, -5.0)
    assert info.value.field == "dots_per_cm2"
    with pytest.raises(InputError) as info:
        treated_area_reflectance_rgb(SKIN, RATIO, float("nan"), 100.0)
    assert info.value.field == "spot_fwhm_mm"
