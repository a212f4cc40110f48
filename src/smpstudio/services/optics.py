"""Skin-optics use cases: run light transport on a layer configuration."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from smpstudio.errors import DocumentError
from smpstudio.skin.layers import LayerStack, stack_from_dict
from smpstudio.skin.wang1995 import TransportResult, simulate

__all__ = ["load_layer_config", "run_transport"]


def load_layer_config(path: str | Path) -> LayerStack:
    """Read a layer configuration JSON file (see :func:`smpstudio.skin.layers.stack_from_dict`)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DocumentError(f"no such file: {p}", field="config") from None
    except (IsADirectoryError, UnicodeDecodeError):
        raise DocumentError(f"{p} is not a readable text file", field="config") from None
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno})", field="config"
        ) from None
    return stack_from_dict(data)


def run_transport(
    stack: LayerStack, photons: int, *, seed: int = 0, progress: Callable[[int, int], None] | None = None
) -> TransportResult:
    """Monte Carlo light transport through ``stack`` (see :mod:`smpstudio.skin.wang1995`)."""
    return simulate(stack, photons, seed=seed, progress=progress)
