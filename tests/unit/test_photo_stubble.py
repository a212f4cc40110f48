"""The remaining hair a photo shows: its colour against the skin beside it, on images of known colours."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from smpstudio.photo.image_io import linear_rgb
from smpstudio.photo.photo_stubble import LEANS_DARK_RATIO, stubble_of_photo
from smpstudio.skin.stubble import Hair, stubble_texture

SIDE = 200
SKIN_LINEAR = np.array([0.50, 0.30, 0.20])


def _encode(linear: NDArray[np.float64]) -> NDArray[np.uint8]:
    c = np.clip(linear, 0.0, 1.0)
    srgb = np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)
    return np.asarray(np.rint(srgb * 255.0), dtype=np.uint8)


def _scene(
    ratio: NDArray[np.float64], *, gradient: bool = False, hair_rows: int = 70, seed: int = 0
) -> tuple[NDArray[np.uint8], NDArray[np.float64], NDArray[np.bool_]]:
    """A disc of scalp: bare skin above, hair of ``ratio`` x skin below row ``SIDE - hair_rows``, with
    the mask's hair share marking the hair, a light gradient when asked, and a little sensor noise."""
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    region = (yy - SIDE / 2) ** 2 + (xx - SIDE / 2) ** 2 < (0.45 * SIDE) ** 2
    hair = region & (yy >= SIDE - hair_rows - 10)
    light = np.linspace(0.6, 1.2, SIDE)[None, :, None] if gradient else np.ones((1, 1, 1))
    linear = np.broadcast_to(SKIN_LINEAR, (SIDE, SIDE, 3)) * light
    linear = np.where(hair[..., None], linear * ratio, linear)
    rng = np.random.default_rng(seed)
    image = np.clip(_encode(linear).astype(np.float64) + rng.normal(0.0, 1.0, linear.shape), 0, 255)
    share = np.where(hair, 1.0, 0.0)
    return image.astype(np.uint8), share, region


def test_a_uniform_hair_is_measured_as_its_colour_and_its_share_of_the_skin() -> None:
    ratio = np.array([0.30, 0.33, 0.38])
    image, share, region = _scene(ratio)
    got = stubble_of_photo(image, share, region)
    assert got is not None and got.pixels > 1000
    np.testing.assert_allclose(got.ratio_rgb, ratio, rtol=0.03)
    np.testing.assert_allclose(got.skin_rgb_linear, SKIN_LINEAR, rtol=0.03)
    np.testing.assert_allclose(got.hair_rgb_linear, SKIN_LINEAR * ratio, rtol=0.04)
    assert not got.leans_dark


def test_the_light_on_the_skin_beside_the_hair_cancels_a_gradient() -> None:
    ratio = np.array([0.35, 0.36, 0.40])
    flat = stubble_of_photo(*_scene(ratio))
    lit = stubble_of_photo(*_scene(ratio, gradient=True))
    assert flat is not None and lit is not None
    np.testing.assert_allclose(lit.ratio_rgb, ratio, rtol=0.05)
    # The photo's own hair colour follows the light; its share of the skin does not.
    assert abs(lit.ratio_rgb[1] - flat.ratio_rgb[1]) < 0.015


def test_specks_in_the_hair_do_not_move_the_trimmed_mean() -> None:
    ratio = np.array([0.30, 0.33, 0.38])
    image, share, region = _scene(ratio)
    clean = stubble_of_photo(image, share, region)
    rng = np.random.default_rng(4)
    rows, cols = np.nonzero((share > 0.5) & region)
    pick = rng.choice(rows.size, size=rows.size // 20, replace=False)
    image[rows[pick], cols[pick]] = 0  # black specks: 5 % of the hair pixels
    specked = stubble_of_photo(image, share, region)
    assert clean is not None and specked is not None
    np.testing.assert_allclose(specked.ratio_rgb, clean.ratio_rgb, rtol=0.03)


def test_a_darker_hair_measures_darker() -> None:
    light = stubble_of_photo(*_scene(np.array([0.45, 0.47, 0.50])))
    dark = stubble_of_photo(*_scene(np.array([0.20, 0.22, 0.25])))
    assert light is not None and dark is not None
    assert all(d < b for d, b in zip(dark.ratio_rgb, light.ratio_rgb, strict=True))
    assert dark.leans_dark is False and light.leans_dark is (LEANS_DARK_RATIO < 0.47)  # luminance ratios


def _shafts(colour: str, grey: float, cover: float) -> NDArray[np.float64]:
    """The ratio to the skin of a pixel ``cover`` covered by shafts of ``colour`` with ``grey`` white ones."""
    tex = stubble_texture(Hair(colour=colour), SKIN_LINEAR)
    shaft = (1 - grey) * np.array(tex.shaft_rgb_linear) + grey * np.array(tex.grey_shaft_rgb_linear)
    return np.asarray(1.0 - cover * (1.0 - shaft / SKIN_LINEAR))


@pytest.mark.parametrize(
    ("colour", "grey", "cover", "names"),
    [
        ("black", 0.0, 0.8, {"black", "dark-brown"}),
        ("brown", 0.0, 0.8, {"brown"}),
        ("red", 0.0, 0.8, {"red"}),
        ("black", 0.2, 0.9, {"black", "dark-brown"}),  # white shafts lighten: more cover to read as hair
    ],
)
def test_the_nearest_named_colour_and_grey_share(
    colour: str, grey: float, cover: float, names: set[str]
) -> None:
    got = stubble_of_photo(*_scene(_shafts(colour, grey, cover)))
    assert got is not None
    assert got.hair_colour in names and got.grey_fraction == pytest.approx(grey, abs=0.1)
    assert got.colour_delta_e00 < 1.5


def test_too_little_hair_or_none_measures_nothing() -> None:
    image, share, region = _scene(np.array([0.3, 0.3, 0.3]), hair_rows=0)
    assert stubble_of_photo(image, np.zeros_like(share), region) is None
    few = np.zeros_like(share)
    few[150:155, 100:104] = 1.0  # 20 pixels of hair
    assert stubble_of_photo(image, few, region) is None
    assert stubble_of_photo(image, share, np.zeros_like(region)) is None


def test_shading_the_mask_calls_hair_but_no_darker_than_the_skin_is_left_out() -> None:
    image, share, region = _scene(np.array([0.85, 0.86, 0.88]))  # barely darker: not hair
    assert stubble_of_photo(image, share, region) is None


def test_a_full_size_photo_is_reduced_to_the_mask_and_other_sizes_are_refused() -> None:
    ratio = np.array([0.30, 0.33, 0.38])
    image, share, region = _scene(ratio)
    big = np.repeat(np.repeat(image, 4, axis=0), 4, axis=1)  # 800 px: the mask's copy is 400 px
    share2 = np.repeat(np.repeat(share, 2, axis=0), 2, axis=1)
    region2 = np.repeat(np.repeat(region, 2, axis=0), 2, axis=1)
    got = stubble_of_photo(big, share2, region2)
    assert got is not None
    np.testing.assert_allclose(got.ratio_rgb, ratio, rtol=0.03)
    with pytest.raises(ValueError, match="same scalp mask"):
        stubble_of_photo(image[:100], share, region)


def test_the_photo_colour_is_linear_light() -> None:
    image, share, region = _scene(np.array([0.3, 0.3, 0.3]))
    got = stubble_of_photo(image, share, region)
    assert got is not None
    skin_pixels = linear_rgb(image)[region & (share < 0.5)].mean(axis=0)
    np.testing.assert_allclose(got.skin_rgb_linear, skin_pixels, rtol=0.03)
