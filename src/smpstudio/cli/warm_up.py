"""``smp warm-up``: compile or load every compiled kernel once and read the appearance table
(:mod:`smpstudio.services.warm_up`), so later commands and the studio answer without that wait."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from smpstudio.cli.common import JsonFlag, emit_json, err, out, run

__all__ = ["register", "warm_up"]


def warm_up(as_json: JsonFlag = False) -> None:
    """Compile (or load from the cache) every kernel and read the appearance table; run once after
    installing or upgrading (the first run compiles, later ones load)."""
    from smpstudio.services.warm_up import WARM_UP_STEPS, WarmUpResult
    from smpstudio.services.warm_up import warm_up as run_warm_up

    def action() -> WarmUpResult:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=err,
            disable=as_json or not err.is_terminal,
            transient=True,
        ) as bar:
            task = bar.add_task(WARM_UP_STEPS[0], total=len(WARM_UP_STEPS))

            def progress(done: int, total: int) -> None:
                label = WARM_UP_STEPS[done] if done < total else "done"
                bar.update(task, completed=done, total=total, description=label)

            return run_warm_up(progress=progress)

    result = run(action)
    if as_json:
        emit_json(result.to_json())
        return
    table = Table(show_header=True, box=None)
    for col in ("step", "s"):
        table.add_column(col, justify="right" if col == "s" else "left")
    for step in result.steps:
        table.add_row(step.name, f"{step.elapsed_s:.2f}")
    out.print(table)
    out.print(
        f"{len(result.kernels)} kernels: {result.loaded} loaded from the cache, {result.compiled} compiled "
        f"({result.elapsed_s:.1f} s)",
        highlight=False,
    )
    for folder in result.cache_dirs:
        out.print(f"  cache: {folder}", highlight=False, markup=False, soft_wrap=True)
    for name in result.not_reached:
        message = f"warning: no warm-up step reached the kernel {name}"
        err.print(message, highlight=False, markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("warm-up")(warm_up)
