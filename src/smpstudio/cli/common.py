"""What every ``smp`` command shares: consoles, the error wrapper, JSON output, shared options."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from smpstudio.errors import SmpError

__all__ = [
    "DilutionOption",
    "JsonFlag",
    "PhotonsOption",
    "PigmentOption",
    "SeedOption",
    "SkinTypeOption",
    "emit_json",
    "err",
    "out",
    "run",
    "state",
    "status",
]

err = Console(stderr=True)
out = Console()
state: dict[str, Any] = {"debug": False, "rules": None, "data_dir": "var", "as": None}

T = TypeVar("T")

# Options shared by several commands.
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
SkinTypeOption = Annotated[str, typer.Option(help="Fitzpatrick skin type I-VI.")]
DilutionOption = Annotated[float, typer.Option(help="Fraction of undiluted ink, 0-1.")]
PigmentOption = Annotated[str, typer.Option(help="carbon-black, tattoo-black or iron-oxide-black.")]
PhotonsOption = Annotated[int, typer.Option(help="Photon packets per wavelength.")]
SeedOption = Annotated[int, typer.Option(help="Random seed; the same seed gives the same result.")]


def fail(message: str, code: int) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)


def run(action: Callable[[], T]) -> T:
    """Run a service call, turning errors into a message and an exit code."""
    try:
        return action()
    except SmpError as exc:
        if state["debug"]:
            raise
        fail(str(exc).replace("[", r"\["), exc.exit_code)
    except (KeyboardInterrupt, typer.Exit):
        raise
    except Exception as exc:
        if state["debug"]:
            raise
        fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", 1)
    raise AssertionError("unreachable")


@contextmanager
def status(message: str, quiet: bool) -> Iterator[None]:
    """A spinner on stderr for work that may take over a second (first runs compile kernels)."""
    if quiet or not err.is_terminal:
        yield
        return
    with err.status(message):
        yield


def emit_json(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
