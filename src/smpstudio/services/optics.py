"""Skin-optics use cases: run light transport on a layer configuration."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from smpstudio.errors import InputError, check_choice, check_range, read_json_file
from smpstudio.skin.appearance import DotAppearance, dot_appearance
from smpstudio.skin.layers import LayerStack, stack_from_dict
from smpstudio.skin.scalp import Dot, ScalpSkin
from smpstudio.skin.sweep_chart import sweep_chart
from smpstudio.skin.technique import DotTimeline
from smpstudio.skin.wang1995 import TransportResult, simulate

__all__ = [
    "depth_sweep",
    "dot_look",
    "load_layer_config",
    "parse_depths",
    "rebuild_table",
    "run_transport",
    "simulate_technique",
]


def load_layer_config(path: str | Path) -> LayerStack:
    """Read a layer configuration JSON file (see :func:`smpstudio.skin.layers.stack_from_dict`)."""
    return stack_from_dict(read_json_file(path, "config"))


def run_transport(
    stack: LayerStack, photons: int, *, seed: int = 0, progress: Callable[[int, int], None] | None = None
) -> TransportResult:
    """Monte Carlo light transport through ``stack`` (see :mod:`smpstudio.skin.wang1995`)."""
    return simulate(stack, photons, seed=seed, progress=progress)


def dot_look(
    skin_type: str,
    depth_mm: float,
    *,
    dilution: float = 1.0,
    pigment: str = "carbon-black",
    photons: int = 20_000,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> DotAppearance:
    """Colour, contrast and blur of one dot in a client's scalp skin."""
    check_range("photons", photons, 500, 10_000_000)
    return dot_appearance(
        ScalpSkin(skin_type), Dot(depth_mm, dilution, pigment), photons=photons, seed=seed, progress=progress
    )


def parse_depths(text: str) -> tuple[float, ...]:
    """``"0.1,0.3,0.5"`` -> depths in mm (1-20 of them, each 0-3 mm)."""
    try:
        depths = tuple(float(p) for p in text.replace(" ", "").split(",") if p)
    except ValueError:
        raise InputError(
            f"{text!r} is not a list of numbers",
            field="depths",
            allowed="comma-separated depths in mm, e.g. 0.1,0.3,0.5",
        ) from None
    if not 1 <= len(depths) <= 20:
        raise InputError(f"{len(depths)} depths given", field="depths", allowed="1 to 20 depths")
    for d in depths:
        check_range("depths", d, 0.0, 3.0, unit="mm")
    return depths


def depth_sweep(
    skin_type: str,
    depths_mm: tuple[float, ...],
    *,
    dilution: float = 1.0,
    pigment: str = "carbon-black",
    photons: int = 20_000,
    seed: int = 0,
    out: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[DotAppearance]:
    """Dot appearance at each depth, and the chart when ``out`` is given."""
    if out is not None and out.suffix.lower() != ".png":
        raise InputError(
            f"cannot write {out.suffix or 'a file without extension'}", field="out", allowed=".png"
        )
    if out is not None and not out.parent.exists():
        raise InputError(f"folder {out.parent} does not exist", field="out")
    results = []
    for i, depth in enumerate(depths_mm):
        results.append(
            dot_look(skin_type, depth, dilution=dilution, pigment=pigment, photons=photons, seed=seed)
        )
        if progress is not None:
            progress(i + 1, len(depths_mm))
    if out is not None:
        sweep_chart(
            depths_mm,
            results,
            out=out,
            title=f"{pigment}, dilution {dilution:g}, Fitzpatrick {skin_type}: the dot with depth",
        )
    return results


def rebuild_table(
    out: Path | None = None,
    *,
    photons: int = 8_000,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Build the appearance table and write it (by default over the packaged one)."""
    from smpstudio.skin.appearance_table import TABLE_SCHEMA_VERSION, build_table

    check_range("photons", photons, 500, 1_000_000)
    target = out or Path(__file__).resolve().parents[1] / "data" / f"appearance-{TABLE_SCHEMA_VERSION}.npz"
    if target.suffix != ".npz":
        raise InputError(
            f"cannot write {target.suffix or 'a file without extension'}", field="out", allowed=".npz"
        )
    if not target.parent.exists():
        raise InputError(f"folder {target.parent} does not exist", field="out")
    table = build_table(photons=photons, seed=seed, progress=progress)
    return table.save(target), table.meta


def simulate_technique(
    *,
    technique: str | None = None,
    needle: str | None = None,
    depth_mm: float | None = None,
    ink: str = "smp-carbon",
    dilution: float = 0.5,
    passes: int = 1,
    skin_type: str = "III",
    uv: str = "moderate",
    scalp: str = "normal",
    touch_up_threshold: float = 0.3,
) -> DotTimeline:
    """Healing and ageing of one impression, from a technique preset or an explicit needle and depth."""
    from smpstudio.skin.impression import TECHNIQUES, Impression, parse_needle
    from smpstudio.skin.kinetics import Kinetics
    from smpstudio.skin.technique import simulate_impression

    if technique is not None:
        if needle is not None or depth_mm is not None:
            raise InputError(
                "give either a technique or a needle and depth, not both",
                field="technique",
                allowed="--technique smp|tattoo, or --needle and --depth-mm",
            )
        impression = TECHNIQUES[check_choice("technique", technique, TECHNIQUES)]
    else:
        if needle is None or depth_mm is None:
            raise InputError(
                "missing",
                field="needle" if needle is None else "depth_mm",
                allowed="--technique smp|tattoo, or both --needle and --depth-mm",
            )
        impression = Impression(parse_needle(needle), depth_mm, ink=ink, dilution=dilution, passes=passes)
    return simulate_impression(
        impression, skin_type, Kinetics(uv=uv, scalp=scalp), touch_up_threshold=touch_up_threshold
    )
