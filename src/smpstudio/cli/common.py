"""What every ``smp`` command shares: consoles, the error wrapper, JSON output, shared options."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from smpstudio.errors import InputError, SmpError
from smpstudio.services.context import RuleOverrides, ServiceContext, open_context
from smpstudio.settings import Settings

__all__ = [
    "JsonFlag",
    "PhotonsOption",
    "PigmentOption",
    "SeedOption",
    "SkinTypeOption",
    "configure",
    "context",
    "emit_json",
    "err",
    "out",
    "rule_overrides",
    "run",
    "settings",
    "state",
    "status",
    "with_context",
]

err = Console(stderr=True)
out = Console()
#: What the root options and the environment set for this invocation (see :func:`configure`).
state: dict[str, Any] = {"debug": False, "settings": None}

T = TypeVar("T")

# Options shared by several commands.
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
SkinTypeOption = Annotated[str, typer.Option(help="Fitzpatrick skin type I-VI.")]
PigmentOption = Annotated[str, typer.Option(help="carbon-black, tattoo-black or iron-oxide-black.")]
PhotonsOption = Annotated[int, typer.Option(help="Photon packets per wavelength.")]
SeedOption = Annotated[int, typer.Option(help="Random seed; the same seed gives the same result.")]


def configure(**options: Any) -> Settings:
    """Build this invocation's :class:`Settings` from the environment and the root options."""
    settings = Settings.from_env(os.environ, **options)
    state["settings"] = settings
    state["debug"] = settings.debug
    return settings


def settings() -> Settings:
    """This invocation's settings (the environment's alone when no root callback ran)."""
    if state["settings"] is None:
        return run(lambda: configure())
    return state["settings"]  # type: ignore[no-any-return]


def rule_overrides() -> RuleOverrides | None:
    """The clinic rules file named by ``--rules``/``SMP_RULES``, read and parsed (None when none)."""
    path = settings().rules
    if path is None:
        return None

    def read() -> RuleOverrides:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(f"{path} does not exist", field="rules") from None
        except (IsADirectoryError, UnicodeDecodeError, PermissionError):
            raise InputError(f"{path} is not a readable text file", field="rules") from None
        return RuleOverrides.from_toml(text)

    return run(read)


def context() -> ServiceContext:
    """A context without a store, for the stateless commands (care rules, clock)."""
    return run(lambda: ServiceContext.from_settings(settings(), None, rule_overrides()))


def with_context(action: Callable[[ServiceContext], T], *, create: bool = False) -> T:
    """Open the store the settings name, run ``action(ctx)`` and close the store; errors become exits."""

    def go() -> T:
        ctx = open_context(settings(), create=create, overrides=rule_overrides())
        try:
            return action(ctx)
        finally:
            ctx.db.close()

    return run(go)


#: What the command line adds to an error about a field the services name neutrally.
FIELD_HINTS = {
    "user": "give the acting user with --as USER_ID or SMP_USER",
    "data_dir": "choose the store with --data-dir DIR or SMP_DATA_DIR",
    "pigment_lot": "option --pigment-lot: the pigment's lot code or #id",
    "needle_lot": "option --needle-lot: the needle cartridges' lot code or #id",
    "diluent_lot": "option --diluent-lot: the diluent's lot code or #id (for an --ink-fraction below 1)",
    "ink_fraction": "option --ink-fraction (formerly --dilution): the fraction of undiluted ink",
    "design_version": "`smp client show` lists the client's design versions",
    "sterilisation_cycle": "log the cycle first with `smp sterilisation add`",
    "forecast": "set the client's skin type, or give --touch-up-years",
}

#: What the command line adds to an error with this code (when its field has no hint).
CODE_HINTS = {
    "store_missing": "create one with `smp clinic init` (or choose the store with --data-dir DIR)",
    "store_outdated": "upgrade it with `smp db upgrade`",
    "store_too_new": "use the release that wrote it, or restore a backup",
    "lot_exists": "change its stock with `smp lot adjust LOT_ID`",
}


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
        hint = FIELD_HINTS.get(exc.field or "") or CODE_HINTS.get(exc.code)
        fail(str(exc).replace("[", r"\[") + (f"; {hint}" if hint else ""), exc.exit_code)
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
