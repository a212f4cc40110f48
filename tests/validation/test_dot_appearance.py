"""The physics a pigment dot must show ([jacques1998], [jacques2013] in docs/references.md): a
shallow dot reads dark and almost neutral; with depth its blue/red ratio stays above the skin's and it
fades to a faint bluish shadow past 1 mm; darker skin lowers the contrast; the blur widens with depth.

Three wavelengths and 10⁴ photons each keep this fast; the trends checked are far larger than the
Monte Carlo noise (Rd standard error about 0.003 per wavelength)."""

from __future__ import annotations

import itertools
import math
from functools import cache

import numpy as np
import pytest

from smpstudio.skin.appearance import DotAppearance, dot_appearance
from smpstudio.skin.jacques2013 import melanin_mua_per_mm, reduced_scattering_per_mm
from smpstudio.skin.prahl1999 import blood_mua_per_mm
from smpstudio.skin.scalp import Dot, ScalpSkin

pytestmark = pytest.mark.validation

WAVELENGTHS = (450.0, 550.0, 650.0)
DEPTHS = (0.1, 0.3, 0.5, 1.0)


@cache
def look(skin_type: str, depth: float, ink_fraction: float = 1.0) -> DotAppearance:
    return dot_appearance(
        ScalpSkin(skin_type), Dot(depth, ink_fraction), wavelengths_nm=WAVELENGTHS, photons=10_000, seed=7
    )


def test_source_models_reproduce_the_tabulated_values() -> None:
    """[jacques2013] and [prahl1999] values, derived [D]."""
    np.testing.assert_allclose(blood_mua_per_mm([450, 550, 650], 1.0) * 10, [336, 230, 2.0], rtol=0.02)
    np.testing.assert_allclose(blood_mua_per_mm([450, 550, 650], 0.0) * 10, [553, 286, 20.1], rtol=0.01)
    np.testing.assert_allclose(
        reduced_scattering_per_mm([400, 450, 550, 700]) * 10, [72.8, 54.5, 36.6, 25.9], rtol=0.01
    )
    np.testing.assert_allclose(
        reduced_scattering_per_mm([400, 550], "epidermis") * 10, [102.5, 57.6], rtol=0.01
    )
    assert float(melanin_mua_per_mm(550.0)) * 10 == pytest.approx(372, rel=0.01)


def test_a_shallow_dot_is_dark_and_almost_neutral() -> None:
    a = look("II", 0.1)
    assert a.dot_lab[0] < a.skin_lab[0] - 25  # much darker than the skin
    assert math.hypot(a.dot_lab[1], a.dot_lab[2]) < 8  # little chroma


def test_with_depth_the_dot_is_bluer_than_the_skin_and_fades() -> None:
    looks = [look("II", d) for d in DEPTHS]
    contrast = [a.delta_e2000 for a in looks]
    assert all(b < a for a, b in itertools.pairwise(contrast))
    for a in looks[1:]:
        assert a.blue_red_ratio_dot > a.blue_red_ratio_skin
        assert a.dot_lab[2] < a.skin_lab[2]  # less yellow than the skin: bluish
    deep = looks[-1]
    assert deep.delta_e2000 < 10  # a faint shadow past 1 mm


def test_darker_skin_lowers_the_contrast() -> None:
    assert look("V", 0.3).delta_e2000 < look("II", 0.3).delta_e2000 - 5


def test_less_ink_lowers_the_contrast() -> None:
    assert look("III", 0.3, 0.1).delta_e2000 < look("III", 0.3, 1.0).delta_e2000 - 3


def test_blur_widens_with_depth() -> None:
    assert look("II", 0.1).blur_fwhm_mm < look("II", 0.5).blur_fwhm_mm < look("II", 1.0).blur_fwhm_mm
