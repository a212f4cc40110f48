from __future__ import annotations

import numpy as np
import pytest

from smpstudio.design.maps import ZONES, MapSettings
from smpstudio.errors import InputError
from tests.conftest import make_design


def test_density_is_the_target_where_hair_is_missing_and_zero_on_hair() -> None:
    _, ctx, _ = make_design("norwood-6", "soft")
    d = ctx.maps.density_per_mm2 * 100.0
    assert d.max() == pytest.approx(80.0)
    bald_core = (ctx.maps.hair == 0) & (ctx.maps.zone == ZONES.index("midscalp"))
    assert np.all(d[bald_core] == pytest.approx(80.0))
    deep_hair = (ctx.maps.hair == 1.0) & (ctx.maps.zone == ZONES.index("feather"))
    assert np.all(d[deep_hair] <= 80.0)
    assert np.any(d[deep_hair] == 0.0)  # feathering ends inside the remaining hair


def test_soft_hairline_rises_gradually_defined_abruptly() -> None:
    ramps = {}
    for style in ("soft", "defined"):
        _, ctx, _ = make_design("full", style, seed=3)
        col = ctx.grid.u_mm.size // 2
        profile = ctx.maps.density_per_mm2[:, col][::-1]  # from the face towards the vertex
        start = int(np.argmax(profile > 0))
        full = int(np.argmax(profile >= 0.99 * profile.max()))
        ramps[style] = (full - start) * ctx.grid.step_mm
    assert ramps["soft"] > 15.0 > 5.0 > ramps["defined"]


def test_settings_validate_their_fields() -> None:
    with pytest.raises(InputError, match="density_per_cm2"):
        MapSettings(density_per_cm2=0.0)
    with pytest.raises(InputError, match="feather_mm"):
        MapSettings(feather_mm=-1.0)
    with pytest.raises(InputError, match="sessions"):
        MapSettings(sessions=(0.5, 0.4, 1.0))
    with pytest.raises(InputError, match="sessions"):
        MapSettings(sessions=(0.5, 0.9))
    assert MapSettings(density_per_cm2=30).warnings()
