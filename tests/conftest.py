"""Shared fixtures: designs are built once per test session (they are deterministic)."""

from __future__ import annotations

import pytest
from hypothesis import settings

from smpstudio.design.build import DesignContext, DesignSpec, build_design, design_context
from smpstudio.design.document import DesignDocument
from smpstudio.design.head import head_preset
from smpstudio.design.maps import MapSettings
from smpstudio.design.patterns import Pattern

settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True)
settings.load_profile("ci")

_cache: dict[tuple[object, ...], tuple[DesignSpec, DesignContext, DesignDocument]] = {}


def make_design(
    pattern: str = "norwood-6",
    style: str = "soft",
    *,
    seed: int = 11,
    density: float = 80.0,
    preset: str = "male",
    follicular_units: bool = False,
    regions: tuple[tuple[tuple[float, float], ...], ...] = (),
) -> tuple[DesignSpec, DesignContext, DesignDocument]:
    key = (pattern, style, seed, density, preset, follicular_units, regions)
    if key not in _cache:
        spec = DesignSpec(
            head_preset(preset),
            Pattern(pattern, regions),
            style=style,
            seed=seed,
            maps=MapSettings(density_per_cm2=density),
            follicular_units=follicular_units,
        )
        _cache[key] = (spec, design_context(spec), build_design(spec))
    return _cache[key]


@pytest.fixture(scope="session")
def norwood6() -> tuple[DesignSpec, DesignContext, DesignDocument]:
    return make_design("norwood-6", "soft")


@pytest.fixture(scope="session")
def full_head() -> tuple[DesignSpec, DesignContext, DesignDocument]:
    return make_design("full", "natural", seed=5)
