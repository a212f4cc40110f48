from __future__ import annotations

import itertools

import numpy as np
import pytest

from smpstudio.design.chart import chart_grid
from smpstudio.design.hairline import natural_edge
from smpstudio.design.head import head_preset
from smpstudio.design.patterns import PATTERNS, Pattern, hair_fraction
from smpstudio.errors import InputError

HEAD = head_preset("male")
GRID = chart_grid(HEAD, 1.0)
EDGE = natural_edge(HEAD)


def bald_cm2(
    name: str, regions: tuple[tuple[tuple[float, float], ...], ...] = (), *, front: bool = False
) -> float:
    hair = hair_fraction(Pattern(name, regions), GRID, EDGE)
    inside = GRID.psi_rad < EDGE.psi(GRID.beta_rad)
    if front:
        inside &= GRID.v_mm[:, None] > 0.0
    return float(np.sum((1.0 - hair) * inside * GRID.area_mm2)) / 100.0


def test_every_pattern_gives_a_fraction_map() -> None:
    for name in PATTERNS:
        hair = hair_fraction(Pattern(name), GRID, EDGE)
        assert hair.shape == GRID.shape
        assert np.all((hair >= 0) & (hair <= 1))


def test_norwood_stages_lose_more_hair_as_they_advance() -> None:
    areas = [bald_cm2(f"norwood-{k}") for k in range(1, 8)]
    assert all(b > a for a, b in itertools.pairwise(areas)), areas
    assert bald_cm2("norwood-3v") > bald_cm2("norwood-3")
    # The "a" variants lose the whole front, not just the temples.
    for k in ("2", "3", "4"):  # (5 is not comparable this way: its crown reaches the front half)
        assert bald_cm2(f"norwood-{k}a", front=True) > bald_cm2(f"norwood-{k}", front=True)


def test_ludwig_grades_thin_more_and_keep_the_frontal_hairline() -> None:
    areas = [bald_cm2(f"ludwig-{k}") for k in (1, 2, 3)]
    assert areas[0] < areas[1] < areas[2]
    hair = hair_fraction(Pattern("ludwig-3"), GRID, EDGE)
    row, col = GRID.cell_of(np.array([0.0, EDGE.psi(np.zeros(1))[0] * EDGE.radius_mm - 6.0]))
    assert hair[row, col] > 0.9  # just behind the frontal hairline, hair remains


def test_full_is_the_whole_scalp() -> None:
    inside = GRID.psi_rad < EDGE.psi(GRID.beta_rad)
    assert bald_cm2("full") == pytest.approx(float(np.sum(inside * GRID.area_mm2)) / 100.0)
    # An adult scalp is about 500-700 cm².
    assert 450 < bald_cm2("full") < 750


def test_free_regions_are_bald() -> None:
    square = ((-80.0, -60.0), (-60.0, -60.0), (-60.0, -40.0), (-80.0, -40.0))
    extra = bald_cm2("norwood-1", (square,)) - bald_cm2("norwood-1")
    assert extra == pytest.approx(4.0, rel=0.2)  # a 20 mm x 20 mm chart square is about 4 cm²


def test_bad_patterns_and_regions_are_refused() -> None:
    with pytest.raises(InputError, match="pattern"):
        Pattern("norwood-8")
    with pytest.raises(InputError, match="regions"):
        Pattern("full", (((0.0, 0.0), (1.0, 1.0)),))
    with pytest.raises(InputError, match="regions"):
        Pattern("full", (((0.0, 0.0), (1.0, 1.0), (float("inf"), 0.0)),))
