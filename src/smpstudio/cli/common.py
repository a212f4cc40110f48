"""What every ``smp`` command shares: consoles, the error wrapper, JSON output, shared options."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from smpstudio.errors import InputError, SmpError
from smpstudio.settings import Settings

if TYPE_CHECKING:  # the services (and the store behind them) load with the command that uses them
    from smpstudio.services.context import RuleOverrides, ServiceContext

__all__ = [
    "JsonFlag",
    "PhotonsOption",
    "PigmentOption",
    "SeedOption",
    "SkinTypeOption",
    "configure",
    "configure_kernel_cache",
    "context",
    "emit_json",
    "err",
    "fail",
    "id_type",
    "kernel_cache_dir",
    "out",
    "printable",
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
    """Build this invocation's :class:`Settings` from the environment and the root options (nothing of
    an earlier invocation in the same process survives, even when these settings are refused)."""
    state["settings"] = None
    state["debug"] = bool(options.get("debug"))
    settings = Settings.from_env(os.environ, **options)
    state["settings"] = settings
    state["debug"] = settings.debug
    return settings


#: The folders that hold compiled kernels (numba ``cache=True``); numba keeps each one's cache in its
#: ``__pycache__`` when that folder is writable.
KERNEL_PACKAGES = ("design", "render", "skin", "photo", "repair")


def _writable(folder: Path, *, parents: bool = False) -> bool:
    """Whether a file can be created in ``folder`` (made if missing), as numba checks its cache folder."""
    try:
        folder.mkdir(parents=parents, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def user_cache_dir(environ: Mapping[str, str], platform: str = sys.platform) -> Path:
    """This user's cache folder for smpstudio: ``$XDG_CACHE_HOME/smpstudio`` (default ``~/.cache``) on
    Linux, ``~/Library/Caches/smpstudio`` on macOS, ``%LOCALAPPDATA%\\smpstudio\\Cache`` on Windows."""
    if platform.startswith("win"):
        base = environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "smpstudio" / "Cache"
    if platform == "darwin":
        return Path.home() / "Library" / "Caches" / "smpstudio"
    return Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "smpstudio"


def kernel_cache_dir(
    environ: Mapping[str, str], package_dir: Path, platform: str = sys.platform
) -> Path | None:
    """Where compiled kernels are cached when the command sets it, else None.

    None when ``NUMBA_CACHE_DIR`` is set (it wins) or when every kernel folder of the package is writable
    (numba caches beside the sources, in ``__pycache__``); otherwise (an installed, read-only package)
    ``numba`` under :func:`user_cache_dir`, made if missing (None if it cannot be: numba then looks for
    a place itself).
    """
    if environ.get("NUMBA_CACHE_DIR"):
        return None
    if all(_writable(package_dir / name / "__pycache__") for name in KERNEL_PACKAGES):
        return None
    folder = user_cache_dir(environ, platform) / "numba"
    return folder if _writable(folder, parents=True) else None


def configure_kernel_cache(environ: MutableMapping[str, str] | None = None) -> Path | None:
    """Set ``NUMBA_CACHE_DIR`` per :func:`kernel_cache_dir` before any kernel module loads (children
    started by the command, the studio's worker, inherit it); returns the folder it set, or None."""
    env = os.environ if environ is None else environ
    folder = kernel_cache_dir(env, Path(__file__).resolve().parent.parent)
    if folder is not None:
        env["NUMBA_CACHE_DIR"] = str(folder)
    return folder


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
        from smpstudio.cli.files import read_text_input  # the one bounded reader of input files
        from smpstudio.services.context import RuleOverrides

        return RuleOverrides.from_toml(read_text_input(Path(path), "rules", allowed="a rules file (TOML)"))

    return run(read)


def context() -> ServiceContext:
    """A context without a store, for the stateless commands (care rules, clock)."""
    from smpstudio.services.context import ServiceContext

    return run(lambda: ServiceContext.from_settings(settings(), None, rule_overrides()))


def with_context(action: Callable[[ServiceContext], T], *, create: bool = False) -> T:
    """Open the store the settings name, run ``action(ctx)`` and close the store; errors become exits.

    Every records command passes through here, and none takes a rules file: a clinic's rules are a
    clinic setting (``smp clinic rules set``), so ``--rules``/``SMP_RULES`` is refused (exit 2).
    """

    def go() -> T:
        if settings().rules is not None:
            raise InputError(
                "clinic rules are a clinic setting: records commands take no rules file",
                field="rules",
                allowed="no --rules or SMP_RULES; an owner stores the clinic's rules with "
                "`smp clinic rules set FILE`",
            )
        from smpstudio.services.context import open_context

        ctx = open_context(settings(), create=create)
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
    "owner_email": "option --owner-email: the owner's login, unique in the store",
}

#: What the command line adds to an error with this code (when its field has no hint).
CODE_HINTS = {
    "store_missing": "create one with `smp clinic init` (or choose the store with --data-dir DIR)",
    "store_outdated": "upgrade it with `smp db upgrade`",
    "store_too_new": "use the release that wrote it, or restore a backup",
    "lot_exists": "change its stock with `smp lot adjust LOT_ID`",
    "other_store": "give --other-store to restore another store's backup here",
    "passphrase_needed": "give it with --passphrase-file FILE or SMP_BACKUP_PASSPHRASE",
    "wrong_passphrase": "check --passphrase-file FILE or SMP_BACKUP_PASSPHRASE",
    "store_in_use": "close every other `smp` command, worker or web server using the store",
}


#: The longest error message printed (a message quoting a user's value never floods the terminal).
MAX_MESSAGE_CHARS = 600
#: Characters never printed to a terminal: C0/C1 controls (but newline and tab) and bidirectional
#: overrides, which could rewrite what the user sees.
_UNPRINTABLE = dict.fromkeys(
    [c for c in range(0x20) if c not in (0x09, 0x0A)]
    + list(range(0x7F, 0xA0))
    + [0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)


def printable(value: object, *, multiline: bool = True) -> str:
    """``value`` as text without control characters (newlines kept when ``multiline``, else spaces)."""
    text = str(value).translate(_UNPRINTABLE)
    return text if multiline else text.replace("\n", " ")


def fail(message: str, code: int, *, markup: bool = True) -> None:
    """Print one line ``error: MESSAGE`` on stderr and exit with ``code``.

    ``message`` is Rich markup unless ``markup`` is false (then it is printed as it is); control
    characters and newlines are removed and an overlong message is cut.
    """
    text = printable(message, multiline=False)
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS - 3].rstrip("\\") + "..."
    if not markup:
        text = escape(text)
    err.print(f"[bold red]error:[/] {text}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)


def id_type(field: str) -> Callable[[object], int | None]:
    """The parser of an id option or argument: a whole number from 1 to 2**63 - 1 (a larger one would
    overflow the database), else one line naming ``field`` and exit 2."""

    def parse(value: object) -> int | None:
        if value is None:
            return None
        from smpstudio.services.fields import check_id  # at parse time: the option's help needs none

        return run(lambda: check_id(value, field))

    return parse


def run(action: Callable[[], T]) -> T:
    """Run a service call, turning errors into a message and an exit code."""
    try:
        return action()
    except SmpError as exc:
        if state["debug"]:
            raise
        hint = FIELD_HINTS.get(exc.field or "") or CODE_HINTS.get(exc.code)
        fail(str(exc) + (f"; {hint}" if hint else ""), exc.exit_code, markup=False)
    except (KeyboardInterrupt, typer.Exit):
        raise
    except Exception as exc:
        if state["debug"]:
            raise
        # The exception's own words are left out: a database error quotes the values it was given.
        fail(f"internal error: {type(exc).__name__} (run with --debug for the traceback)", 1)
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
