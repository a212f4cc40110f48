"""The warm-up use case: compile (or load from the on-disk cache) every compiled kernel and read the
appearance table once, so that later commands and the studio's first requests answer without that wait.

Every kernel is a numba function jitted with ``cache=True``: the first call in a process loads its machine
code from the cache, or compiles it and writes the cache when there is none for this source (a new release,
an edited module). The warm-up runs each use case that needs kernels on a small input (a design, its
preview, a dot from the appearance table, a light-transport run), then checks that every kernel entry point
of the core was reached, so a kernel added without a warm-up step is reported, not silently left cold.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

from smpstudio.services.models import Result

__all__ = ["KERNEL_PACKAGES", "WARM_UP_STEPS", "KernelState", "WarmUpResult", "WarmUpStep", "warm_up"]

#: The core packages whose modules may hold compiled kernels.
KERNEL_PACKAGES = (
    "smpstudio.design",
    "smpstudio.render",
    "smpstudio.skin",
    "smpstudio.photo",
    "smpstudio.repair",
)

#: A two-layer skin (0.1 mm epidermis over a semi-infinite dermis, round optical properties): the light
#: transport step only compiles the kernel, so the values need no source beyond being in range.
_TWO_LAYERS: dict[str, Any] = {
    "n_above": 1.0,
    "n_below": 1.4,
    "layers": [
        {"n": 1.4, "mua_per_mm": 1.0, "mus_per_mm": 20.0, "g": 0.8, "thickness_mm": 0.1},
        {"n": 1.4, "mua_per_mm": 0.1, "mus_per_mm": 20.0, "g": 0.8, "thickness_mm": None},
    ],
}
#: Photons of the light transport step: enough to run every branch of the kernel, quick once compiled.
_TRANSPORT_PHOTONS = 1_000
#: The preview step's image side [px] (the smallest a preview accepts).
_PREVIEW_SIZE_PX = 64


class WarmUpStep(Result):
    """One step: its name and how long it took [s] (compiling, or loading from the cache)."""

    name: str
    elapsed_s: float


class KernelState(Result):
    """One kernel entry point: ``module.name``, and whether this run loaded it from the cache, compiled
    it (and wrote the cache), or did not reach it."""

    kernel: str
    state: str


class WarmUpResult(Result):
    """The ``--json`` object: the steps, each kernel entry point's state and the cache folders."""

    steps: list[WarmUpStep]
    kernels: list[KernelState]
    loaded: int
    compiled: int
    not_reached: list[str]
    cache_dirs: list[str]
    elapsed_s: float


def _steps(state: dict[str, Any]) -> list[tuple[str, Callable[[], None]]]:
    """The warm-up's steps in order; ``state`` carries the design from the first to the second."""

    def design() -> None:
        from smpstudio.services.design import DesignRequest, create_design

        state["design"] = create_design(DesignRequest(pattern="norwood-3", seed=0)).document

    def preview() -> None:
        from smpstudio.services.design import catalogue
        from smpstudio.services.preview import preview_design

        for look in catalogue().looks:
            preview_design(state["design"], view="front", size_px=_PREVIEW_SIZE_PX, look=look)

    def table() -> None:
        from smpstudio.services.optics import DotLookRequest, dot_look

        dot_look(DotLookRequest())

    def transport() -> None:
        from smpstudio.services.optics import TransportRequest, run_transport

        run_transport(_TWO_LAYERS, TransportRequest(photons=_TRANSPORT_PHOTONS))

    def photo() -> None:
        import numpy as np

        from smpstudio.photo.draw import draw_spots

        img, mask = np.full((16, 16, 3), 180, dtype=np.uint8), np.full((16, 16), 255, dtype=np.uint8)
        draw_spots(img, mask, np.array([[8.0, 8.0]]), np.array([2.0]), np.full((1, 3), 0.1))

    def repair() -> None:
        import io

        from PIL import Image

        from smpstudio.repair.synthetic import synthetic_closeup
        from smpstudio.services.repair_plan import RepairPlanRequest, plan_repair

        closeup = synthetic_closeup(size_px=(120, 120), seed=0)
        png = io.BytesIO()
        Image.fromarray(closeup.image).save(png, format="PNG")
        plan_repair(
            RepairPlanRequest(
                image=png.getvalue(), mm_per_px=closeup.mm_per_px, hairline_px=[[0.0, 30.0], [119.0, 30.0]]
            )
        )

    return [
        ("design sampler", design),
        ("preview renderer", preview),
        ("photo drawing", photo),
        ("dot detection and repair plan", repair),
        ("appearance table", table),
        ("light transport", transport),
    ]


#: The names of the steps, in order (a face may show them while they run).
WARM_UP_STEPS = tuple(name for name, _ in _steps({}))


def _kernel_modules() -> Iterator[ModuleType]:
    """Every module of :data:`KERNEL_PACKAGES` whose source uses numba, imported."""
    for package_name in KERNEL_PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__, prefix=f"{package_name}."):
            spec = importlib.util.find_spec(info.name)
            origin = spec.origin if spec is not None else None
            if origin is None or not origin.endswith(".py"):
                continue
            if "numba" not in Path(origin).read_text(encoding="utf-8"):
                continue
            yield importlib.import_module(info.name)


def kernel_entry_points() -> dict[str, Any]:
    """The kernels Python code calls, by ``module.name``: every numba dispatcher defined in a kernel
    module, less those inlined into other kernels and those only other kernels call (a cached caller
    carries them in its own machine code)."""
    from numba.core.dispatcher import Dispatcher

    kernels: dict[str, Any] = {}
    for module in _kernel_modules():
        for name, value in vars(module).items():
            if isinstance(value, Dispatcher) and value.py_func.__module__ == module.__name__:
                kernels[f"{module.__name__}.{name}"] = value
    called_by_kernels = {
        id(target) for kernel in kernels.values() for target in _referenced(kernel.py_func, Dispatcher)
    }
    return {
        name: kernel
        for name, kernel in kernels.items()
        if kernel.targetoptions.get("inline", "never") != "always" and id(kernel) not in called_by_kernels
    }


def _names(code: CodeType) -> set[str]:
    """The global and attribute names ``code`` and the functions nested in it use."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= _names(const)
    return names


def _referenced(func: Callable[..., Any], kind: type) -> Iterator[Any]:
    """The objects of ``kind`` that ``func`` reaches by a global name or as ``module.name``."""
    names = _names(func.__code__)
    for name in names:
        value = func.__globals__.get(name)
        if isinstance(value, kind):
            yield value
        elif isinstance(value, ModuleType):
            yield from (v for n in names if isinstance(v := getattr(value, n, None), kind))


def _state(kernel: Any) -> str:
    if not kernel.signatures:
        return "not reached"
    return "compiled" if sum(kernel.stats.cache_misses.values()) else "loaded"


def warm_up(*, progress: Callable[[int, int], None] | None = None) -> WarmUpResult:
    """Run every warm-up step (see the module docstring); ``progress(done, total)`` after each."""
    t0 = time.perf_counter()
    steps = _steps({})
    done: list[WarmUpStep] = []
    if progress is not None:
        progress(0, len(steps))
    for i, (name, step) in enumerate(steps, start=1):
        t = time.perf_counter()
        step()
        done.append(WarmUpStep(name=name, elapsed_s=round(time.perf_counter() - t, 3)))
        if progress is not None:
            progress(i, len(steps))
    entries = kernel_entry_points()
    kernels = [KernelState(kernel=name, state=_state(k)) for name, k in sorted(entries.items())]
    return WarmUpResult(
        steps=done,
        kernels=kernels,
        loaded=sum(k.state == "loaded" for k in kernels),
        compiled=sum(k.state == "compiled" for k in kernels),
        not_reached=[k.kernel for k in kernels if k.state == "not reached"],
        cache_dirs=sorted({str(k.stats.cache_path) for k in entries.values() if k.stats.cache_path}),
        elapsed_s=round(time.perf_counter() - t0, 3),
    )
