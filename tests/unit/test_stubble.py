"""The stubble model: the client's shaved hair as the eye sees it from a metre."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from smpstudio.errors import InputError
from smpstudio.skin.stubble import (
    CLIPPER_GUARD_MM,
    CUTICLE_FRESNEL,
    DEFAULT_HAIR,
    HAIR_COLOURS,
    Hair,
    linear_rgb_luminance,
    passage_mm_rgb,
    shaft_transmission_rgb,
    shave_length_of_guard_mm,
    stubble_darkening,
    stubble_reflectance_rgb,
    stubble_texture,
)

SKIN_III = np.array([0.346, 0.217, 0.104])  # linear sRGB of the packaged table's type III skin


def test_the_stated_default_is_dark_brown_shaved_to_half_a_millimetre() -> None:
    assert (DEFAULT_HAIR.colour, DEFAULT_HAIR.shave_length_mm, DEFAULT_HAIR.grey_fraction) == (
        "dark-brown",
        0.5,
        0.0,
    )
    assert DEFAULT_HAIR.hairs_per_mm2 == pytest.approx(80 * 2.2 / 100)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"colour": "green"}, "hair_colour"),
        ({"grey_fraction": 1.2}, "grey_fraction"),
        ({"diameter_um": 150.0}, "hair_diameter_um"),
        ({"units_per_cm2": 40.0}, "hair_units_per_cm2"),
        ({"hairs_per_unit": 0.5}, "hairs_per_unit"),
        ({"shave_length_mm": 4.0}, "shave_length_mm"),
        ({"shave_length_mm": float("nan")}, "shave_length_mm"),
        ({"exit_angle_deg": 5.0}, "hair_exit_angle_deg"),
    ],
)
def test_bad_hair_names_the_field(values: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        Hair(**values)  # type: ignore[arg-type]
    assert info.value.field == field


def test_clipper_guards_map_to_their_lengths() -> None:
    assert shave_length_of_guard_mm("razor") == 0.0
    assert shave_length_of_guard_mm("0.5") == 1.5 and shave_length_of_guard_mm("1") == 3.0
    assert list(CLIPPER_GUARD_MM.values()) == sorted(CLIPPER_GUARD_MM.values())
    with pytest.raises(InputError) as info:
        shave_length_of_guard_mm("#2")
    assert info.value.field == "clipper_guard" and "0.5" in (info.value.allowed or "")


def test_melanin_makes_shafts_opaque_and_warm() -> None:
    black, blond, white = (shaft_transmission_rgb(c) for c in ("black", "blond", "white"))
    assert black.max() < 0.01  # eumelanin 8: opaque
    assert blond[0] > blond[1] > blond[2]  # melanin absorbs blue most: a yellow shaft
    np.testing.assert_allclose(white, 1.0)
    red = shaft_transmission_rgb("red")
    assert red[0] > 2 * red[1]
    assert abs(CUTICLE_FRESNEL - 0.0465) < 1e-4


def test_the_skin_lets_red_light_reach_deepest() -> None:
    for skin_type in ("I", "III", "VI"):
        p = passage_mm_rgb(skin_type)
        assert p[0] > p[1] > p[2] > 0.0
        assert p[0] < 1.5  # never more than the depth counted


def test_the_default_stubble_darkens_the_scalp_as_healed_smp_does() -> None:
    # Healed SMP is made to match the stubble; real healed SMP darkens the scalp by 8-15 % (median 11 %).
    assert 0.08 <= stubble_darkening(DEFAULT_HAIR, SKIN_III) <= 0.15


def test_darker_longer_denser_hair_darkens_more_and_greying_lightens() -> None:
    order = ["black", "dark-brown", "brown", "light-brown", "blond", "white"]
    dark = [stubble_darkening(Hair(colour=c), SKIN_III) for c in order]
    assert dark == sorted(dark, reverse=True)
    lengths = [stubble_darkening(Hair(shave_length_mm=x), SKIN_III) for x in (0.0, 0.5, 1.5, 3.0)]
    assert lengths == sorted(lengths) and lengths[0] > 0.03  # a razor shave still shows a shadow
    dense = [stubble_darkening(Hair(units_per_cm2=u), SKIN_III) for u in (60, 80, 100)]
    assert dense == sorted(dense)
    grey = [stubble_darkening(Hair(grey_fraction=g), SKIN_III) for g in (0.0, 0.3, 0.6, 1.0)]
    assert grey == sorted(grey, reverse=True)
    assert stubble_darkening(Hair(colour="dark-brown", grey_fraction=1.0), SKIN_III) == pytest.approx(
        stubble_darkening(Hair(colour="white"), SKIN_III)
    )


def test_white_stubble_on_dark_skin_is_lighter_than_the_skin() -> None:
    skin_vi = np.array([0.103, 0.036, 0.008])
    assert stubble_darkening(Hair(colour="white"), skin_vi, skin_type="VI") < -0.1


def test_the_texture_carries_the_mean_and_its_parts_add_up() -> None:
    hair = replace(DEFAULT_HAIR, exit_angle_deg=30.0)
    tex = stubble_texture(hair, SKIN_III)
    assert tex.mean_rgb_linear == stubble_reflectance_rgb(hair, SKIN_III)
    assert tex.shafts_per_cm2 == pytest.approx(176.0)
    assert tex.shaft_width_mm == pytest.approx(0.075)
    assert tex.shaft_length_mm == pytest.approx(0.5 * np.cos(np.radians(30.0)))
    # A renderer drawing each shaft's under-skin streak at its ratio darkens the area by the model's mean
    # amount (small-cover limit): n * width * length * (1 - ratio) = n d cot(a) P (1 - T^2).
    n = tex.shafts_per_cm2 / 100.0
    drawn = n * tex.shaft_width_mm * tex.under_skin_length_mm * (1.0 - np.array(tex.under_skin_ratio_rgb))
    cot = 1.0 / np.tan(np.radians(30.0))
    model = n * 0.075 * cot * passage_mm_rgb("III") * (1.0 - shaft_transmission_rgb("dark-brown") ** 2)
    np.testing.assert_allclose(drawn, model, rtol=1e-9)
    assert all(0.0 < c < s for c, s in zip(tex.shaft_rgb_linear, SKIN_III, strict=True))
    assert linear_rgb_luminance(tex.grey_shaft_rgb_linear) > linear_rgb_luminance(SKIN_III)


def test_every_colour_gives_a_reflectance_between_black_and_white() -> None:
    for colour in HAIR_COLOURS:
        rgb = np.array(stubble_reflectance_rgb(Hair(colour=colour), SKIN_III))
        assert np.all((rgb > 0.0) & (rgb < 1.0))
    with pytest.raises(ValueError, match="three"):
        stubble_reflectance_rgb(DEFAULT_HAIR, (0.3, 0.2))  # type: ignore[arg-type]
