"""The store's schema: `smp db upgrade [--check]`.

A new store is migrated by `smp clinic init`; an existing one at an older revision is upgraded only here
(every other command refuses it until then), so deploy scripts run ``smp db upgrade --check`` (exit 0 when
the store is current, 3 when it is not) and ``smp db upgrade`` once, before the workers start.
"""

from __future__ import annotations

from typing import Annotated

import typer

from smpstudio.cli.common import JsonFlag, run, settings
from smpstudio.cli.output import emit
from smpstudio.errors import EXIT_CODES

__all__ = ["register"]

db_app = typer.Typer(help="The store's schema: its revision and upgrades.", no_args_is_help=True)

#: Exit code of ``--check`` when the store cannot be used as it is (as for a store that needs an upgrade).
NOT_CURRENT_EXIT = EXIT_CODES["busy"]


def _name(revision: str | None) -> str:
    return revision or "base"


@db_app.command("upgrade")
def db_upgrade(
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Change nothing; exit 0 when the store is at this release's revision, 3 when not."
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Upgrade the store to this release's revision (printing from and to), or check whether it needs it."""
    from smpstudio.services.database import database_state, upgrade_database

    if check:
        state = run(lambda: database_state(settings()))
        if state.status == "current":
            text = f"the store is at revision {state.head}, this release's: no upgrade needed"
        elif state.status == "outdated":
            text = f"the store is at revision {_name(state.revision)} and needs an upgrade to {state.head}"
        else:
            text = f"the store is at revision {state.revision}, newer than this release's {state.head}"
        emit(state, as_json, text)
        if not state.up_to_date:
            raise typer.Exit(NOT_CURRENT_EXIT)
        return
    result = run(lambda: upgrade_database(settings()))
    if result.upgraded:
        text = f"upgraded the store from revision {_name(result.from_revision)} to {result.to_revision}"
    else:
        text = f"the store is already at revision {result.to_revision}: nothing to do"
    emit(result, as_json, text)


def register(app: typer.Typer) -> None:
    """Add ``db upgrade`` to ``app``."""
    app.add_typer(db_app, name="db")
