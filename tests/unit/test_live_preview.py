"""The live preview's pieces: the bounded cache, the SMP spots are exactly the one-shot preview's, a tattoo
needle at tattoo depth gives larger spots, and the density slider keeps a subset of the same dots."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from smpstudio.photo.anchors import parse_anchors
from smpstudio.photo.day_look import day_spots
from smpstudio.photo.fit import fit_head
from smpstudio.photo.live_preview import (
    SAMPLED_DENSITY_PER_CM2,
    LruCache,
    draw_live,
    prepare_scene,
    preview_photo,
    scaled_fit,
    technique_spots,
)
from tests.conftest import make_design
from tests.validation.test_photo_fit import synthetic_photo


def test_the_cache_keeps_few_entries_within_its_bytes() -> None:
    cache: LruCache[str, int] = LruCache(3, 100)
    for i, key in enumerate("abcd"):
        cache.put(key, i, 10)
    assert len(cache) == 3 and cache.get("a") is None and cache.get("b") == 1
    cache.put("e", 4, 90)  # over the byte budget: the least recently used go first
    assert cache.get("c") is None and cache.get("e") == 4 and cache.nbytes <= 100


@pytest.mark.parametrize("day", [0.5, 2.0, 5.0, 30.0, 1500.0])
def test_smp_spots_are_the_previews_and_tattoo_spots_are_larger(day: float) -> None:
    _, _, doc = make_design("norwood-3", "soft")
    dots = doc.dots
    smp = technique_spots(dots, seed=doc.seed, skin_type="III", day=day, technique="smp")
    same = day_spots(dots, seed=doc.seed, skin_type="III", day=day)
    assert np.array_equal(smp.fwhm_mm, same.fwhm_mm) and np.array_equal(smp.peak, same.peak)
    tattoo = technique_spots(dots, seed=doc.seed, skin_type="III", day=day, technique="tattoo")
    assert float(np.median(tattoo.fwhm_mm)) > 1.3 * float(np.median(smp.fwhm_mm))
    assert (smp.halo_fwhm_mm is None) == (tattoo.halo_fwhm_mm is None)


@pytest.fixture(scope="module")
def scene() -> Any:
    from smpstudio.design.build import build_design
    from smpstudio.design.head import head_preset
    from smpstudio.design.maps import MapSettings
    from smpstudio.design.patterns import Pattern
    from smpstudio.design.spec import DesignSpec

    img, marks, _, _, _ = synthetic_photo("front", turn_deg=(4.0, -6.0, 3.0), size_px=400)
    maps = MapSettings(density_per_cm2=SAMPLED_DENSITY_PER_CM2, dot_diameter_mm=0.12, ink_fraction=0.6)
    doc = build_design(DesignSpec(head_preset("male"), Pattern("norwood-6", ()), maps=maps, seed=3))
    anchors = parse_anchors({"view": "front", "points_px": marks}, width=400, height=400)
    fit = fit_head(anchors, doc.context.grid.head, hairline_height_mm=doc.context.hairline_height_mm)
    return prepare_scene(preview_photo(img, 300), fit, doc)


def test_a_lower_density_keeps_a_subset_of_the_same_dots(scene: Any) -> None:
    kept = {d: scene.rank[scene.shown] < d / SAMPLED_DENSITY_PER_CM2 for d in (40.0, 80.0, 160.0)}
    assert np.all(kept[80.0] <= kept[160.0]) and np.all(kept[40.0] <= kept[80.0])
    args = {"diameter_scale": 1.0, "ink_scale": 1.0, "day": 30.0, "technique": "smp", "skin_type": "III"}
    low = draw_live(scene, density_per_cm2=40.0, **args)
    high = draw_live(scene, density_per_cm2=160.0, **args)
    assert low.drawn == int(kept[40.0].sum()) and high.drawn == int(kept[160.0].sum())
    assert 0.2 < low.drawn / high.drawn < 0.3
    again = draw_live(scene, density_per_cm2=40.0, **args)
    assert np.array_equal(again.srgb8, low.srgb8)
    # More dots darken the scalp more: the photo's linear light under the scalp falls.
    skin = scene.auto.mask > 200
    assert high.srgb8[skin].mean() < low.srgb8[skin].mean() < scene.photo.srgb8[skin].mean()


def test_the_scaled_fit_projects_onto_the_scaled_photo(scene: Any) -> None:
    point = scene.doc.dots.position_mm[scene.shown[:5]]
    full = scaled_fit(scene.fit, 1.0 / scene.photo.scale)
    small_xy, _ = scene.fit.project(point)
    full_xy, _ = full.project(point)
    assert np.allclose(full_xy * scene.photo.scale, small_xy)
