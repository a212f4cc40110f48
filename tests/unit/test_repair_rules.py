"""The detector's thresholds against the models they come from (:mod:`smpstudio.repair.rules`)."""

from __future__ import annotations

import numpy as np
import pytest

from smpstudio.errors import InputError
from smpstudio.repair.contrast import SRGB_DECODE
from smpstudio.repair.detect import _colours
from smpstudio.repair.dotmap import Spots
from smpstudio.repair.measure import core_colours
from smpstudio.repair.rules import DEFAULT_RULES, DetectionRules
from smpstudio.skin.appearance_table import packaged_table
from smpstudio.skin.cielab import linear_srgb_to_xyz, xyz_to_lab
from smpstudio.skin.colour_shift import blue_shift, grey_blue_shift
from smpstudio.skin.healed_dot import spot_fwhm_mm

#: Healed deposits [clinic-dot-size] and SMP depths [clinic-technique]. [mm]
HEALED_DEPOSITS_MM = (0.07, 0.15)
SMP_DEPTHS_MM = (0.1, 0.15, 0.2, 0.3)


def healed_spot_range_mm() -> tuple[float, float]:
    """Narrowest and widest healed spot of the healed-dot model over the table's skins and pigments."""
    table = packaged_table()
    lo, hi = [], []
    for skin in table.skin_types:
        for pigment in table.pigments:
            for depth in SMP_DEPTHS_MM:
                blur = table.lookup(skin, depth, 0.5, pigment)[8]
                lo.append(float(spot_fwhm_mm(HEALED_DEPOSITS_MM[0], blur)))
                hi.append(float(spot_fwhm_mm(HEALED_DEPOSITS_MM[1], blur)))
    return min(lo), max(hi)


def test_thresholds_bracket_the_healed_dot_range() -> None:
    narrowest, widest = healed_spot_range_mm()
    assert 0.18 < narrowest < 0.26 and 0.45 < widest < 0.6  # the numbers the rules' docstring states
    assert DEFAULT_RULES.min_dot_fwhm_mm < narrowest
    assert DEFAULT_RULES.oversize_fwhm_mm >= widest


def test_lesion_limit_is_beyond_the_deepest_blowout() -> None:
    table = packaged_table()
    for skin in table.skin_types:
        blur = table.lookup(skin, 1.5, 1.0, "tattoo-black")[8]
        assert float(spot_fwhm_mm(0.4, blur)) < DEFAULT_RULES.max_dot_fwhm_mm


def gain_of_going_deep(skin: str) -> float:
    """Blue shift of carbon black 0.5 mm deep minus 0.15 mm deep (ink fraction 0.5). [-]"""
    table = packaged_table()
    lab = table.skin(skin)[3:6]
    return blue_shift(table.lookup(skin, 0.5, 0.5)[3:6], lab) - blue_shift(
        table.lookup(skin, 0.15, 0.5)[3:6], lab
    )


def test_blue_margin_is_below_the_gain_of_going_deep_on_light_skin() -> None:
    """The numbers the rules' docstring states: 0.33-0.35 on types I-III, 0.11-0.22 on IV-VI."""
    for skin in ("I", "II", "III"):
        assert 0.3 <= gain_of_going_deep(skin) <= 0.4
        assert gain_of_going_deep(skin) >= DEFAULT_RULES.blue_margin
    for skin in ("IV", "V", "VI"):
        assert 0.08 <= gain_of_going_deep(skin) <= 0.25


def test_every_ink_of_the_table_is_at_least_as_blue_as_a_neutral_filter() -> None:
    """The colour rule's premise: a black ink never darkens the skin browner than a grey filter would."""
    table = packaged_table()
    for skin in table.skin_types:
        lab = table.skin(skin)[3:6]
        grey = grey_blue_shift(lab)
        for pigment in table.pigments:
            for depth in table.depths_mm:
                for ink in table.ink_fractions:
                    assert blue_shift(table.lookup(skin, depth, ink, pigment)[3:6], lab) >= grey


@pytest.mark.parametrize(
    ("name", "value"), [("oversize_fwhm_mm", 0.3), ("blue_margin", 2.0), ("min_contrast", -1.0)]
)
def test_out_of_range_threshold_names_the_field(name: str, value: float) -> None:
    with pytest.raises(InputError) as err:
        DetectionRules(**{name: value})
    assert err.value.field == name


def test_detector_blue_shift_is_the_colour_shift_definition() -> None:
    """The detector computes the blue shift of all spots at once: the same numbers as colour_shift's."""
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
    n = 5
    spots = Spots(
        rows=rng.uniform(5, 35, n),
        cols=rng.uniform(5, 35, n),
        fwhm_mm=np.full(n, 0.3),
        major_mm=np.full(n, 0.3),
        minor_mm=np.full(n, 0.3),
        angle=np.zeros(n),
        contrast=np.full(n, 0.5),
        blur_mm=np.full(n, 0.1),
        peak=np.full(n, 0.5),
    )
    skin = rng.uniform(0.1, 0.6, (n, 3))
    shift, delta_l, grey = _colours(image, spots, skin, 1.0 / 30.0)
    skin_lab = xyz_to_lab(linear_srgb_to_xyz(skin))
    core = core_colours(image, SRGB_DECODE, spots.rows, spots.cols, np.full(n, 0.25 * 0.3 * 30.0))
    dots_lab = xyz_to_lab(linear_srgb_to_xyz(core))
    for k in range(n):
        assert shift[k] == pytest.approx(blue_shift(dots_lab[k], skin_lab[k]))
        assert grey[k] == pytest.approx(grey_blue_shift(skin_lab[k]))
        assert delta_l[k] == pytest.approx(dots_lab[k][0] - skin_lab[k][0])
