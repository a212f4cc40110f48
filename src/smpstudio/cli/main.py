"""The ``smp`` command: the app, its root options, and the commands each ``smpstudio.cli`` module registers.

Commands parse, call :mod:`smpstudio.services`, print (Rich) or emit ``--json``: exactly one JSON object
on stdout. Errors print one line on stderr naming the field and what is allowed; exit code 2 for bad
input, 1 for other failures; a traceback only with ``--debug``. This module only wires.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smpstudio import __version__

__all__ = ["app", "main"]

app = typer.Typer(
    name="smp",
    help="smpstudio: design, preview and plan scalp micropigmentation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # help texts carry units in brackets, e.g. [mm]
)
from smpstudio.cli.appointments import register as register_appointments  # noqa: E402
from smpstudio.cli.care import register as register_care  # noqa: E402
from smpstudio.cli.common import configure, configure_kernel_cache, id_type, out, run  # noqa: E402
from smpstudio.cli.design import register as register_design  # noqa: E402
from smpstudio.cli.optics import register as register_optics  # noqa: E402
from smpstudio.cli.photo import register as register_photo  # noqa: E402
from smpstudio.cli.records import register as register_records  # noqa: E402
from smpstudio.cli.repair import register as register_repair  # noqa: E402
from smpstudio.cli.studio import register as register_studio  # noqa: E402
from smpstudio.cli.timeline import register as register_timeline  # noqa: E402
from smpstudio.cli.warm_up import register as register_warm_up  # noqa: E402
from smpstudio.cli.worker import register as register_worker  # noqa: E402


def _version(value: bool) -> None:
    if value:
        out.print(f"smpstudio {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="The clinic's own rules file (TOML) over the packaged care rules."),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Where the clinic store and its files live. [env: SMP_DATA_DIR]"),
    ] = None,
    as_user: Annotated[
        int | None,
        typer.Option(
            "--as",
            help="The acting user's id (the owner if the store has one clinic). [env: SMP_USER]",
            parser=id_type("user"),
        ),
    ] = None,
) -> None:
    run(lambda: configure(debug=debug or None, rules=rules, data_dir=data_dir, user=as_user))


register_design(app)
register_photo(app)
register_optics(app)
register_timeline(app)
register_care(app)
register_records(app)
register_appointments(app)
register_studio(app)
register_worker(app)
register_warm_up(app)
register_repair(app)


def main() -> None:
    """Entry point of the ``smp`` console script."""
    configure_kernel_cache()
    app()


if __name__ == "__main__":
    main()
