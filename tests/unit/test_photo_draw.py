"""Drawing spots on a photo: the kernel against a plain float reference of the same physics (each pixel
within a code, no bias), the encoding table's accuracy, the disc's normalisation at the photo's edges,
faint tails kept by the dither, the mask, the drawing order and any memory layout of the photo."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from smpstudio.photo.draw import ENCODE_STEPS, REACH_SIGMA, SUBPIXEL_FWHM_PX, draw_spots, linear_to_srgb8_lut
from smpstudio.photo.image_io import srgb8_to_linear_lut


def _srgb_code(lin: NDArray[np.float64]) -> NDArray[np.float64]:
    """Continuous sRGB codes of linear light (IEC 61966-2-1)."""
    lin = np.clip(lin, 0.0, 1.0)
    return np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1.0 / 2.4) - 0.055) * 255.0


def _reference(
    img: NDArray[np.uint8],
    mask: NDArray[np.uint8],
    xy: NDArray[np.float64],
    w: float,
    peak: NDArray[np.float64],
) -> NDArray[np.float64]:
    """The continuous sRGB codes the spots should give, in float64, spot after spot, without rounding:
    Gaussian spots over the pixel centres within the reach, normalised there to their integral."""
    lin = srgb8_to_linear_lut().astype(np.float64)[img]
    rows, cols = mask.shape
    r, c = np.mgrid[0:rows, 0:cols] + 0.5
    sigma = w / np.sqrt(8.0 * np.log(2.0))
    reach = REACH_SIGMA * sigma
    for (x0, y0), p in zip(xy, peak, strict=True):
        d2 = (r - y0) ** 2 + (c - x0) ** 2
        g = np.where(d2 <= reach * reach, np.exp(-d2 / (2 * sigma * sigma)), 0.0)
        g *= np.pi * w * w / (4 * np.log(2)) / g.sum()
        lin *= 1.0 - (g * mask / 255.0)[..., None] * p
    return _srgb_code(lin)


def test_the_encoding_table_is_within_a_two_hundredth_of_a_code() -> None:
    table = linear_to_srgb8_lut()
    assert table.shape == (ENCODE_STEPS, 2)
    x = np.linspace(0.0, 1.0, 400_001)
    pos = x * (ENCODE_STEPS - 1)
    i = np.minimum(pos.astype(np.int64), ENCODE_STEPS - 1)
    encoded = table[i, 0] + (pos - i) * table[i, 1]
    assert np.abs(encoded - _srgb_code(x)).max() < 0.005
    assert table[-1, 0] == pytest.approx(255.0) and table[0, 0] == 0.0


@pytest.mark.parametrize("w", [1.6, 3.2, 7.5])
def test_spots_match_a_float_reference_within_a_code_and_without_bias(w: float) -> None:
    """Apart, each spot moves a pixel less than a code from the exact value; overlapping, the error stays
    small and unbiased."""
    rng = np.random.default_rng(11)
    img = rng.integers(40, 240, (90, 120, 3), dtype=np.uint8)
    mask = np.full((90, 120), 255, dtype=np.uint8)
    mask[:, :30] = rng.integers(0, 256, (90, 30), dtype=np.uint8)  # the edge of the remaining hair
    step = 2 * REACH_SIGMA * w / np.sqrt(8 * np.log(2)) + 2
    gx, gy = np.meshgrid(np.arange(step / 2, 120 - step / 2, step), np.arange(step / 2, 90 - step / 2, step))
    apart = np.column_stack([gx.ravel(), gy.ravel()]) + rng.uniform(-0.5, 0.5, (gx.size, 2))
    overlapping = np.column_stack([rng.uniform(5, 115, 80), rng.uniform(5, 85, 80)])
    for xy, worst in ((apart, 1.0), (overlapping, None)):
        peak = rng.uniform(0.05, 0.6, (len(xy), 3))
        out = img.copy()
        assert draw_spots(out, mask, xy, np.full(len(xy), w), peak) == len(xy)
        expected = _reference(img, mask, xy, w, peak)
        error = out - expected
        changed = expected < img - 0.02
        if worst is not None:
            assert np.abs(error).max() < worst + 1e-6
        assert abs(float(error[changed].mean())) < 0.05  # the dither keeps the mean
        assert float(np.quantile(np.abs(error[changed]), 0.99)) < 3.0  # a code per overlapping spot at most
        assert (out[mask == 0] == img[mask == 0]).all()


def test_a_spot_at_the_photos_edge_keeps_its_integral_inside() -> None:
    """The disc is cut by the photo's edge and normalised over what remains (3 %)."""
    img = np.full((40, 40, 3), 180, dtype=np.uint8)
    mask = np.full((40, 40), 255, dtype=np.uint8)
    lin0 = srgb8_to_linear_lut()[180]
    for x, y in ((0.3, 20.0), (39.8, 39.9), (20.0, 0.1)):
        out = img.copy()
        draw_spots(out, mask, np.array([[x, y]]), np.array([4.0]), np.array([[0.2, 0.2, 0.2]]))
        lin = srgb8_to_linear_lut()[out[..., 1]]
        darkening = float(np.sum(1.0 - lin / lin0))
        assert darkening == pytest.approx(0.2 * np.pi * 16.0 / (4 * np.log(2)), rel=0.03)


def test_faint_tails_keep_their_mean_through_the_dither() -> None:
    """Spots far too faint to move a pixel by a code still darken the area by their model mean."""
    rng = np.random.default_rng(5)
    img = np.full((200, 200, 3), 200, dtype=np.uint8)
    mask = np.full((200, 200), 255, dtype=np.uint8)
    n, w, p = 20000, 3.0, 0.003
    xy = np.column_stack([rng.uniform(10, 190, n), rng.uniform(10, 190, n)])
    out = img.copy()
    draw_spots(out, mask, xy, np.full(n, w), np.full((n, 3), p))
    lin0 = float(srgb8_to_linear_lut()[200])
    mean = float(srgb8_to_linear_lut()[out].astype(np.float64).mean() / lin0)
    expected = float(np.exp(-p * n * np.pi * w * w / (4 * np.log(2)) / (200 * 200)))  # independent spots
    assert mean == pytest.approx(expected, abs=0.002)
    assert 1.0 - mean > 0.01  # a real darkening, which rounding would have lost


def test_subpixel_spots_spread_their_area_over_four_pixels() -> None:
    img = np.full((20, 20, 3), 150, dtype=np.uint8)
    mask = np.full((20, 20), 255, dtype=np.uint8)
    out = img.copy()
    w = SUBPIXEL_FWHM_PX / 2
    draw_spots(out, mask, np.array([[10.0, 10.0]]), np.array([w]), np.array([[0.9, 0.9, 0.9]]))
    changed = np.argwhere((out != img).any(axis=-1))
    assert changed.min(axis=0).tolist() == [9, 9] and changed.max(axis=0).tolist() == [10, 10]


def test_spots_outside_the_photo_or_without_width_are_not_drawn() -> None:
    img = np.full((30, 30, 3), 120, dtype=np.uint8)
    mask = np.full((30, 30), 255, dtype=np.uint8)
    xy = np.array([[-1.0, 5.0], [5.0, 30.0], [10.0, 10.0], [30.0, 2.0]])
    out = img.copy()
    assert draw_spots(out, mask, xy, np.array([3.0, 3.0, 0.0, 3.0]), np.full((4, 3), 0.5)) == 0
    assert (out == img).all()


def test_a_photo_of_any_memory_layout_is_drawn_in_place_alike() -> None:
    rng = np.random.default_rng(2)
    img = rng.integers(60, 230, (50, 70, 3), dtype=np.uint8)
    mask = np.full((50, 70), 255, dtype=np.uint8)
    xy = np.column_stack([rng.uniform(0, 70, 200), rng.uniform(0, 50, 200)])
    fwhm, peak = rng.uniform(0.5, 6.0, 200), rng.uniform(0.0, 0.5, (200, 3))
    plain = img.copy()
    draw_spots(plain, mask, xy, fwhm, peak)
    fortran = np.asfortranarray(img)
    draw_spots(fortran, mask, xy, fwhm, peak)
    assert np.array_equal(fortran, plain) and not np.array_equal(plain, img)


def test_the_mask_must_fit_the_photo() -> None:
    with pytest.raises(ValueError, match="mask"):
        draw_spots(
            np.zeros((10, 10, 3), dtype=np.uint8),
            np.zeros((10, 11), dtype=np.uint8),
            np.zeros((0, 2)),
            np.zeros(0),
            np.zeros((0, 3)),
        )
