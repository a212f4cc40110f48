"""A ruler in a close-up: its finest ticks' period found within 0.5 % at several angles and scales, after
blur, uneven light and JPEG; no ruler is refused; its ticks are not counted as dots."""

from __future__ import annotations

import io
import math
from functools import cache

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image
from scipy import ndimage

from smpstudio.errors import InputError
from smpstudio.repair.ruler import MIN_CONFIDENCE, find_ruler
from smpstudio.repair.synthetic import synthetic_closeup
from smpstudio.services.repair import MM_PER_PX_RANGE, RepairDetectRequest, detect
from smpstudio.skin.healed_dot import linear_to_srgb, srgb_to_linear


def draw_ruler(
    image: NDArray[np.uint8],
    mm_per_px: float,
    *,
    angle_deg: float,
    offset_mm: float,
    tick_mm: float = 1.0,
    width_mm: float = 6.0,
    tick_width_mm: float = 0.12,
    length_mm: float | None = None,
    blur_px: float = 0.8,
    jpeg_quality: int = 70,
    seed: int = 0,
) -> tuple[bytes, NDArray[np.bool_]]:
    """A ruler laid across a close-up: a light strip ``width_mm`` wide (and ``length_mm`` long, centred;
    across the whole photo by default) whose axis runs at ``angle_deg`` (from x towards y) ``offset_mm``
    from the photo's centre, dark ticks every ``tick_mm`` along one edge
    (longer every fifth and tenth, a dark numeral block beside every tenth), lit unevenly, blurred by the
    camera and saved as JPEG. Returns the JPEG and the strip's pixels."""
    rows, cols = image.shape[:2]
    ss = 4  # supersampling of the drawing
    yy, xx = np.mgrid[0 : rows * ss, 0 : cols * ss] / ss - (ss - 1) / (2 * ss)
    t = math.radians(angle_deg)
    u = ((xx - cols / 2) * math.cos(t) + (yy - rows / 2) * math.sin(t)) * mm_per_px
    v = (-(xx - cols / 2) * math.sin(t) + (yy - rows / 2) * math.cos(t)) * mm_per_px - offset_mm
    strip = (v >= 0) & (v <= width_mm)
    if length_mm is not None:  # a printed scale strip that ends inside the photo
        strip &= np.abs(u) <= length_mm / 2
    k = np.round(u / tick_mm)
    near = np.abs(u - k * tick_mm) <= tick_width_mm / 2
    length = np.where(k % 10 == 0, 3.5, np.where(k % 5 == 0, 2.5, 1.6))
    tick = strip & near & (v <= length)
    numeral = strip & (k % 10 == 0) & (np.abs(u - k * tick_mm) <= 0.8) & (v >= 4.0) & (v <= 5.2)
    numeral &= np.abs(u - k * tick_mm) >= 0.25
    cover = np.stack([strip, tick | numeral]).reshape(2, rows, ss, cols, ss).mean(axis=(2, 4))
    rng = np.random.default_rng(seed)
    lin = srgb_to_linear(image.astype(np.float64) / 255.0)
    light = 0.75 + 0.4 * np.linspace(0.0, 1.0, cols)[None, :] * np.linspace(1.0, 0.8, rows)[:, None]
    body = np.array([0.80, 0.78, 0.70]) * light[:, :, None]
    ink = np.array([0.02, 0.02, 0.025]) * light[:, :, None]
    lin = lin * (1 - cover[0][:, :, None]) + body * cover[0][:, :, None]
    lin = lin * (1 - cover[1][:, :, None]) + ink * cover[1][:, :, None]
    lin = ndimage.gaussian_filter(lin, (blur_px, blur_px, 0)) + rng.normal(0.0, 0.004, lin.shape)
    srgb = np.round(255.0 * linear_to_srgb(np.clip(lin, 0.0, 1.0))).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(srgb).save(buffer, format="JPEG", quality=jpeg_quality)
    return buffer.getvalue(), cover[0] > 0


def decoded(jpeg: bytes) -> NDArray[np.uint8]:
    return np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB"))


@cache
def ruled(
    px_per_mm: float, angle_deg: float, offset_mm: float, tick_mm: float = 1.0, seed: int = 4
) -> tuple[bytes, NDArray[np.bool_], float]:
    """A synthetic close-up (600 x 700 px) with a ruler drawn across it, its strip and its scale."""
    mm_per_px = 1.0 / px_per_mm
    photo = synthetic_closeup(size_px=(600, 700), mm_per_px=mm_per_px, seed=seed, special=1)
    jpeg, strip = draw_ruler(
        photo.image, mm_per_px, angle_deg=angle_deg, offset_mm=offset_mm, tick_mm=tick_mm
    )
    return jpeg, strip, mm_per_px


@pytest.mark.parametrize(
    ("px_per_mm", "angle_deg", "offset_mm", "tick_mm"),
    [
        (20.0, 7.0, -4.0, 1.0),
        (30.0, 41.0, 1.0, 1.0),
        (45.0, 98.0, -2.0, 1.0),
        (60.0, 152.0, 0.5, 1.0),
        (36.0, 63.0, -1.0, 0.5),
        (24.0, 180.0 - 12.5, 2.0, 1.0),
    ],
)
def test_the_ticks_period_is_found_within_half_a_percent(
    px_per_mm: float, angle_deg: float, offset_mm: float, tick_mm: float
) -> None:
    jpeg, _strip, mm_per_px = ruled(px_per_mm, angle_deg, offset_mm, tick_mm)
    fit = find_ruler(decoded(jpeg), tick_mm, MM_PER_PX_RANGE)
    assert fit is not None
    assert fit.confidence >= MIN_CONFIDENCE
    assert abs(fit.period_px / (tick_mm * px_per_mm) - 1.0) < 0.005, fit
    assert abs(fit.mm_per_px / mm_per_px - 1.0) < 0.005
    assert abs((fit.angle_deg - angle_deg + 90.0) % 180.0 - 90.0) < 1.0, fit.angle_deg
    assert fit.ticks >= 10


def test_a_blurred_ruler_saved_at_jpeg_quality_50_is_still_within_half_a_percent() -> None:
    mm_per_px = 1.0 / 28.0
    photo = synthetic_closeup(size_px=(600, 700), mm_per_px=mm_per_px, seed=9, special=1)
    jpeg, _ = draw_ruler(photo.image, mm_per_px, angle_deg=77.0, offset_mm=0.0, blur_px=1.6, jpeg_quality=50)
    fit = find_ruler(decoded(jpeg), 1.0, MM_PER_PX_RANGE)
    assert fit is not None and fit.confidence >= MIN_CONFIDENCE
    assert abs(fit.period_px / 28.0 - 1.0) < 0.005


@pytest.mark.parametrize(("seed", "px_per_mm"), [(0, 30.0), (4, 20.0), (14, 45.0)])
def test_dots_alone_are_not_a_ruler(seed: int, px_per_mm: float) -> None:
    """The dots of the synthetic close-ups lie on a jittered lattice 1 mm apart, a comb a ruler's
    millimetres could be confused with; none of these comes near the bar."""
    photo = synthetic_closeup(size_px=(600, 700), mm_per_px=1.0 / px_per_mm, seed=seed)
    fit = find_ruler(photo.image, 1.0, MM_PER_PX_RANGE)
    assert fit is None or fit.confidence < 0.5 * MIN_CONFIDENCE, fit


@pytest.mark.parametrize(("px_per_mm", "angle_deg", "length_mm"), [(30.0, 20.0, 12.0), (40.0, 110.0, 8.0)])
def test_a_printed_scale_strip_that_ends_inside_the_photo(
    px_per_mm: float, angle_deg: float, length_mm: float
) -> None:
    photo = synthetic_closeup(size_px=(600, 700), mm_per_px=1.0 / px_per_mm, seed=7, special=1)
    jpeg, _ = draw_ruler(
        photo.image, 1.0 / px_per_mm, angle_deg=angle_deg, offset_mm=1.0, length_mm=length_mm
    )
    fit = find_ruler(decoded(jpeg), 1.0, MM_PER_PX_RANGE)
    assert fit is not None and fit.confidence >= MIN_CONFIDENCE
    assert abs(fit.period_px / px_per_mm - 1.0) < 0.005


def test_no_ruler_is_refused_naming_the_field() -> None:
    photo = synthetic_closeup(size_px=(600, 700), mm_per_px=1.0 / 30.0, seed=5)
    with pytest.raises(InputError) as err:
        detect(RepairDetectRequest.of(image=photo.jpeg, ruler_mm=1.0))
    assert err.value.field == "ruler_mm" and err.value.code == "ruler_not_found"
    assert "mm_per_px" in str(err.value.allowed)


@pytest.mark.parametrize("tick_mm", [-1.0, 25.0, float("nan")])
def test_an_impossible_tick_spacing_is_refused(tick_mm: float) -> None:
    jpeg, _strip, _ = ruled(30.0, 41.0, 1.0)
    with pytest.raises(InputError) as err:
        detect(RepairDetectRequest.of(image=jpeg, ruler_mm=tick_mm))
    assert err.value.field == "ruler_mm"


def test_detect_reports_the_ruler_scale_and_counts_nothing_on_it() -> None:
    jpeg, strip, mm_per_px = ruled(30.0, 41.0, 1.0)
    result = detect(RepairDetectRequest.of(image=jpeg, ruler_mm=1.0, annotate=True))
    body = result.to_json()
    assert abs(body["mm_per_px"] / mm_per_px - 1.0) < 0.005
    assert body["ruler"]["tick_mm"] == 1.0 and abs(body["ruler"]["period_px"] - 30.0) < 0.15
    assert body["ruler"]["confidence"] >= MIN_CONFIDENCE
    assert any(w.startswith("scale from ruler: period 30.0") for w in body["warnings"]), body["warnings"]
    on_strip = ndimage.binary_dilation(strip, iterations=3)
    for dot in [*body["dots"], *body["not_dots"]]:
        assert not on_strip[round(dot["y_px"]), round(dot["x_px"])], dot
    assert result.annotated is not None


def test_dots_beside_the_ruler_are_still_found_and_its_ticks_are_not() -> None:
    """Against the truth: the true dots 0.8-2.5 mm from the strip are found, and every dot found within
    2 mm of the strip is a true one (the ticks, numerals and edges are not dots, and a dot half under the
    strip's edge is left out rather than measured from its visible half)."""
    px_per_mm, angle, offset = 30.0, 41.0, 1.0
    jpeg, strip, mm_per_px = ruled(px_per_mm, angle, offset)
    truth = synthetic_closeup(size_px=(600, 700), mm_per_px=mm_per_px, seed=4, special=1)
    result = detect(RepairDetectRequest.of(image=jpeg, ruler_mm=1.0))
    away = ndimage.distance_transform_edt(~strip) * mm_per_px
    found = np.array([[d.y_px, d.x_px] for d in result.dots])
    true = np.c_[truth.rows_px, truth.cols_px]
    inside = (truth.rows_px >= 0) & (truth.rows_px < 600) & (truth.cols_px >= 0) & (truth.cols_px < 700)
    ordinary = inside & np.isin(np.array(truth.kinds), ["dot", "faded"])
    ri, ci = np.round(true[:, 0]).astype(int).clip(0, 599), np.round(true[:, 1]).astype(int).clip(0, 699)
    beside = ordinary & (away[ri, ci] >= 0.8) & (away[ri, ci] <= 2.5)
    dist = np.min(
        np.hypot(true[beside, None, 0] - found[None, :, 0], true[beside, None, 1] - found[None, :, 1]), 1
    )
    assert beside.sum() > 20
    assert float(np.mean(dist <= 3.0)) >= 0.95
    fr, fc = np.round(found[:, 0]).astype(int), np.round(found[:, 1]).astype(int)
    near = away[fr, fc] <= 2.0
    to_truth = np.min(
        np.hypot(found[near, None, 0] - true[None, :, 0], found[near, None, 1] - true[None, :, 1]), 1
    )
    assert near.sum() > 20
    assert float(np.mean(to_truth <= 3.0)) >= 0.97
