"""What the eye sees of a healed scalp at 0.5, 1 and 2 m and what a phone close-up sees."""

from __future__ import annotations

import pytest

from smpstudio.errors import InputError
from smpstudio.skin.viewing import (
    PHONE_CLOSE_UP_BLUR_MM,
    VIEWING_DISTANCES_M,
    contrast_sensitivity,
    resolvable_size_mm,
    ripple_contrast,
    seen_dot,
)


def test_one_arc_minute_is_about_0_29_mm_at_a_metre() -> None:
    assert resolvable_size_mm(1.0) == pytest.approx(0.2909, abs=1e-4)
    assert resolvable_size_mm(2.0) == pytest.approx(2 * resolvable_size_mm(1.0))


def test_farther_means_wider_and_fainter_dots() -> None:
    seen = [seen_dot(0.4, 0.45, distance_m=d) for d in VIEWING_DISTANCES_M]
    assert seen[0].fwhm_mm < seen[1].fwhm_mm < seen[2].fwhm_mm
    assert seen[0].peak_darkening > seen[1].peak_darkening > seen[2].peak_darkening
    phone = seen_dot(0.4, 0.45, blur_fwhm_mm=PHONE_CLOSE_UP_BLUR_MM)
    assert phone.peak_darkening > seen[0].peak_darkening and phone.dots_resolved


def test_dense_soft_dots_merge_into_a_shade_from_afar() -> None:
    assert not seen_dot(1.2, 0.1, distance_m=2.0, spacing_mm=0.6).dots_resolved
    assert seen_dot(0.3, 0.6, distance_m=0.5).dots_resolved


def test_the_ripple_falls_with_blur_and_the_sensitivity_peaks_at_a_few_cycles_per_degree() -> None:
    assert ripple_contrast(1.0, 0.0) == 1.0
    assert ripple_contrast(1.0, 0.3) > ripple_contrast(1.0, 0.9) > 0.0
    assert contrast_sensitivity(8.0) == pytest.approx(1.0, abs=0.01)
    assert contrast_sensitivity(40.0) < 0.1 < contrast_sensitivity(15.0)


def test_bad_inputs() -> None:
    with pytest.raises(InputError) as info:
        resolvable_size_mm(0.0)
    assert info.value.field == "distance_m"
    with pytest.raises(ValueError):
        seen_dot(0.4, 0.5)
