"""What "deep ink turns blue" means, checked on the packaged appearance table and the light transport
([kienle1996], [cie15] in docs/references.md).

The blue shift (-Δb*/|ΔL*|, dot minus skin) rises with depth and stays above a plain darkening of the same
skin; the dot takes away red light more than blue, the more so the deeper it lies; and the blue/red ratio
of the dot's own light, even over the skin's, falls with depth (over a shallow opaque deposit only the
epidermis's blue backscatter comes back), which is why that ratio cannot carry the lesson.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from smpstudio.services.optics import DotLookRequest, SweepRequest, depth_sweep, dot_look
from smpstudio.skin.appearance_table import packaged_table
from smpstudio.skin.colour_shift import blue_shift, grey_blue_shift, removed_fraction
from smpstudio.skin.table_look import table_dot_appearance

pytestmark = pytest.mark.validation

#: Depths of the packaged table up to 0.8 mm; at 1.5 mm |ΔL*| is about 1.5 and the table's 8 000 photons
#: per wavelength leave the ratio too noisy to order.
DEPTHS = (0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 0.8)


@pytest.mark.parametrize("skin_type", ["I", "II", "III", "IV", "V"])
def test_the_blue_shift_rises_with_depth_above_a_plain_darkening(skin_type: str) -> None:
    table = packaged_table()
    looks = [table_dot_appearance(table, skin_type, d, 1.0) for d in DEPTHS]
    shifts = [a.blue_shift for a in looks]
    # Monotone within the table's noise (0.05: its sRGB standard error about 0.004 over |ΔL*| of 3 or more).
    assert all(b > a - 0.05 for a, b in pairwise(shifts)), shifts
    assert shifts[-1] > shifts[0] + 0.2
    grey = grey_blue_shift(looks[0].skin_lab)
    assert all(s > grey for s in shifts)


def test_deep_ink_takes_away_red_more_than_blue() -> None:
    table = packaged_table()
    ratios = []
    for d in (0.1, 0.2, 0.3, 0.5):
        a = table_dot_appearance(table, "II", d, 1.0)
        red, _, blue = removed_fraction(a.dot_srgb, a.skin_srgb)
        assert red > blue > 0
        ratios.append(red / blue)
    assert all(b > a for a, b in pairwise(ratios))  # the deeper, the more of the contrast is red


def test_the_relative_blue_red_ratio_falls_with_depth_so_it_cannot_carry_the_lesson() -> None:
    table = packaged_table()
    relative = [
        a.blue_red_ratio_dot / a.blue_red_ratio_skin
        for a in (table_dot_appearance(table, "II", d, 1.0) for d in (0.07, 0.2, 0.5, 0.8))
    ]
    assert all(r > 1.0 for r in relative)  # always bluer light than the skin's ...
    assert all(b < a for a, b in pairwise(relative))  # ... but the most so for the shallowest dot


def test_a_grey_filter_reads_the_grey_blue_shift() -> None:
    skin = np.array([63.3, 4.7, 20.6])
    for keep in (0.2, 0.5, 0.9):
        k = keep ** (1 / 3)
        grey = np.array([(skin[0] + 16) * k - 16, skin[1] * k, skin[2] * k])
        assert blue_shift(grey, skin) == pytest.approx(grey_blue_shift(skin), abs=1e-9)


@pytest.mark.slow
def test_a_fresh_run_agrees_with_the_table_and_the_sweep_carries_the_lesson() -> None:
    # 4 000 photons per wavelength: reflectance standard error about 0.006, ΔE2000 within about 2.
    fresh = dot_look(DotLookRequest.of(skin_type="II", depth_mm=0.3, photons=4000, seed=5, fresh=True))
    table = dot_look(DotLookRequest.of(skin_type="II", depth_mm=0.3))
    assert fresh.source == "monte-carlo" and table.source == "table"
    assert fresh.delta_e2000 == pytest.approx(table.delta_e2000, abs=2.5)
    assert fresh.blue_shift == pytest.approx(table.blue_shift, abs=0.15)
    calls: list[tuple[int, int]] = []
    sweep = depth_sweep(
        SweepRequest.of(skin_type="II", depths_mm=(0.1, 0.5, 1.0), photons=3000, seed=2),
        progress=lambda done, total: calls.append((done, total)),
    )
    shifts = [p.blue_shift for p in sweep.points]
    assert shifts[0] < shifts[1] < shifts[2]
    assert all(p.red_removed > p.blue_removed for p in sweep.points)
    assert sweep.points[0].delta_e2000 > sweep.points[-1].delta_e2000
    assert sweep.points[0].blur_fwhm_mm < sweep.points[-1].blur_fwhm_mm
    assert calls[-1][0] == calls[-1][1] and all(b[0] > a[0] for a, b in pairwise(calls))
