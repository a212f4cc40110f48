"""Render, then detect: the dot detector on the project's synthetic close-ups (600 x 600 px, 30 px/mm),
in the manner of scikit-image's blob tests: known centres within a tolerance, an empty photo finds
nothing, decoys are not counted, each flag is found where it was planted."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from scipy.spatial import cKDTree

from smpstudio.repair.detect import detect_dots
from smpstudio.repair.dotmap import DotMap
from smpstudio.repair.layout import dot_layout
from smpstudio.repair.synthetic import SyntheticCloseup, synthetic_closeup


@cache
def standard() -> tuple[SyntheticCloseup, DotMap]:
    """The standard synthetic close-up (seed 1) and what the detector finds in it."""
    photo = synthetic_closeup(seed=1)
    return photo, detect_dots(photo.image, photo.mm_per_px)


def match(photo: SyntheticCloseup, found: DotMap) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each true deposit: whether a detection lies within half its FWHM (at least 3 px), which one,
    and how far."""
    tree = cKDTree(np.c_[found.rows_px, found.cols_px])
    dist, index = tree.query(np.c_[photo.rows_px, photo.cols_px])
    hit = dist <= np.maximum(0.5 * photo.fwhm_mm / photo.mm_per_px, 3.0)
    return hit, index, dist


def test_standard_image_f1_at_least_0_99() -> None:
    photo, found = standard()
    hit, index, _ = match(photo, found)
    true_pos = len(set(index[hit].tolist()))
    precision = true_pos / found.count
    recall = hit.mean()
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= 0.99, (precision, recall)


def test_centres_and_diameters_of_ordinary_dots() -> None:
    photo, found = standard()
    hit, index, dist = match(photo, found)
    ordinary = hit & np.isin(np.array(photo.kinds), ["dot", "faded"])
    assert ordinary.sum() > 250
    assert float(np.sqrt(np.mean(dist[ordinary] ** 2))) < 0.25  # px, at 30 px/mm (0.09 when written)
    ratio = found.fwhm_mm[index[ordinary]] / photo.fwhm_mm[ordinary]
    assert abs(float(np.median(ratio)) - 1.0) < 0.05
    assert float(np.percentile(np.abs(ratio - 1.0), 90)) < 0.10


def f1_score(photo: SyntheticCloseup, found: DotMap) -> float:
    hit, index, _ = match(photo, found)
    precision = len(set(index[hit].tolist())) / max(found.count, 1)
    recall = float(hit.mean())
    return 2 * precision * recall / max(precision + recall, 1e-9)


@pytest.mark.parametrize(
    ("px_per_mm", "size_px", "skin_type", "least_f1"),
    [(20, 400, "II", 0.98), (60, 900, "II", 0.98), (30, 500, "VI", 0.95)],
)
def test_scales_and_dark_skin(px_per_mm: int, size_px: int, skin_type: str, least_f1: float) -> None:
    """20-60 px/mm on light skin; on dark skin deep (blue, blown-out) dots are faint and some are lost."""
    photo = synthetic_closeup(
        size_px=(size_px, size_px), mm_per_px=1.0 / px_per_mm, skin_type=skin_type, seed=2
    )
    found = detect_dots(photo.image, photo.mm_per_px)
    assert f1_score(photo, found) >= least_f1


def test_empty_photo_finds_nothing() -> None:
    photo = synthetic_closeup(seed=4, front_mm=30.0, special=0, decoys=False, helmet=False)
    assert photo.rows_px.size == 0
    found = detect_dots(photo.image, photo.mm_per_px)
    assert found.count == 0
    assert "no dots found" in found.warnings


def test_decoys_are_not_counted() -> None:
    photo, found = standard()
    tree = cKDTree(np.c_[found.rows_px, found.cols_px])
    for kind, row, col in photo.decoys:
        if kind in ("hair", "freckle", "mole"):
            continue  # extended: checked by the absence of false positives (F1)
        dist, _ = tree.query([row, col])
        assert dist > 4.0, (kind, row, col)


@pytest.mark.parametrize(
    "flag",
    [
        "oversize",
        "merged",
        "blowout",
        "blue",
    ],
)
def test_each_flag_found_where_planted(flag: str) -> None:
    """Planted: the kind that carries the flag (dots of the over-dense patch touching by chance count
    for neither side); ordinary dots almost never get it."""
    photo, found = standard()
    hit, index, _ = match(photo, found)
    kinds = np.array(photo.kinds)
    carriers = {"oversize": ("oversize", "blowout"), "merged": ("merged",), "blowout": ("blowout",)}
    planted = [
        i for i in np.flatnonzero(np.isin(kinds, carriers.get(flag, (flag,)))) if flag in photo.flags[i]
    ]
    assert len(planted) >= 3
    got = [flag in found.flags[index[i]] for i in planted if hit[i]]
    assert sum(got) >= len(planted) - 1, (flag, got)
    ordinary = [i for i, k in enumerate(photo.kinds) if k == "dot" and hit[i] and flag not in photo.flags[i]]
    false = sum(flag in found.flags[index[i]] for i in ordinary)
    assert false <= 0.03 * len(ordinary), (flag, false)


def test_the_photo_typical_dot_sets_the_blue_bar() -> None:
    _photo, found = standard()
    assert found.typical_blue_shift is not None
    blue = [k for k, f in enumerate(found.flags) if "blue" in f]
    assert all(found.blue_shift[k] > found.typical_blue_shift + 0.2 for k in blue)


def test_hairline_and_helmet() -> None:
    photo, found = standard()
    layout = dot_layout(found, front="top")
    assert layout.hairline is not None
    ys = np.array([p[1] for p in layout.hairline.points_px]) * photo.mm_per_px
    xs = np.array([p[0] for p in layout.hairline.points_px]).astype(int)
    truth = photo.hairline_mm[np.clip(xs, 0, photo.hairline_mm.size - 1)]
    assert float(np.median(np.abs(ys - truth))) < 0.6  # mm
    assert 60 < layout.mean_density_per_cm2 < 120
    assert any(h.box_px[2] > 450 and h.box_px[3] > 450 for h in layout.helmets), layout.helmets


def test_same_seed_same_image() -> None:
    a = synthetic_closeup(seed=7, size_px=(200, 200))
    b = synthetic_closeup(seed=7, size_px=(200, 200))
    assert np.array_equal(a.image, b.image)
