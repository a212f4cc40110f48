"""The dependency rule: the core imports no services or faces; services no faces."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "smpstudio"
CORE = ("design", "render")
FORBIDDEN = {
    "design": ("smpstudio.services", "smpstudio.cli", "smpstudio.render"),
    "render": ("smpstudio.services", "smpstudio.cli"),
    "services": ("smpstudio.cli",),
    "care": ("smpstudio.services", "smpstudio.cli", "smpstudio.records"),
    "records": ("smpstudio.services", "smpstudio.cli", "smpstudio.render", "smpstudio.design"),
    "skin": ("smpstudio.services", "smpstudio.cli", "smpstudio.records"),
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", list(FORBIDDEN))
def test_layers_import_only_downwards(package: str) -> None:
    offenders = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in sorted((SRC / package).rglob("*.py"))
        for name in _imports(path)
        if name.startswith(FORBIDDEN[package])
    ]
    assert not offenders, offenders


def test_no_module_uses_the_global_numpy_random_state() -> None:
    """Randomness flows through `rng`; compiled kernels seed their own stream."""
    offenders = []
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for bad in ("np.random.rand(", "np.random.uniform(", "np.random.normal(", "np.random.choice("):
            if bad in text:
                offenders.append(f"{path.relative_to(SRC)}: {bad}")
    assert not offenders, offenders
