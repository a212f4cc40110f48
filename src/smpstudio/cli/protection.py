"""Data protection: `smp client export|erase`, `smp audit verify|anchor`, `smp backup`, `smp restore`.

The services write archives to a stream and read backups from one; this module opens the files: an output
is checked before any work and written through :mod:`smpstudio.cli.files`' one writer, staged in a private
(0600) file in the data directory and moved into place only when complete (a killed command leaves a
partial file there, which the next start removes). Backup
passphrases come from ``--passphrase-file`` or ``SMP_BACKUP_PASSPHRASE``; restore prompts for one on a
terminal.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Annotated, TypeVar

import typer

from smpstudio.cli.common import JsonFlag, err, out, run, settings, with_context
from smpstudio.cli.files import check_output, open_input, read_json_input, read_text_input, write_stream
from smpstudio.cli.output import IdArgument, emit, plain
from smpstudio.errors import EXIT_CODES, InputError

__all__ = ["register"]

T = TypeVar("T")

audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)


#: The error kind whose exit code a broken or truncated audit chain gives: ``internal`` (exit 1). The stored
#: trail is at fault, not the request: ``invalid``/``refused`` would tell the caller to change what they
#: asked and ``conflict`` to retry after a change, while a failed integrity check of the store itself is
#: what ``internal`` (HTTP 500) means, and scripts already read exit 1 as "chain broken".
BROKEN_CHAIN_KIND = "internal"

#: What ``audit verify`` says when the chain verifies but the database no longer refuses changing or
#: deleting an entry (exit 1, as for a broken chain: a backup of it would not restore).
_NOT_APPEND_ONLY = (
    "[bold red]audit trail not append-only[/]: the triggers that refuse changing or deleting an entry are "
    "missing ({entries} entries verify)"
)

#: The environment variable that may hold a backup's passphrase.
PASSPHRASE_ENV = "SMP_BACKUP_PASSPHRASE"


def _write_private(target: Path, write: Callable[[IO[bytes]], T]) -> T:
    """Run ``write`` on a stream into ``target`` through a private file staged in the data directory (the
    file holds client data: it stays 0600, and a killed command's part is removed at the next start)."""
    from smpstudio.services.backups import private_output

    return write_stream(target, write, staging=Path(private_output(settings())))


def _passphrase(path: Path | None) -> str | None:
    """The passphrase in ``path`` (its first line), else the environment's, else None."""
    if path is None:
        return os.environ.get(PASSPHRASE_ENV) or None
    lines = read_text_input(path, "passphrase", allowed="a file holding the passphrase").splitlines()
    if not lines or not lines[0]:
        raise InputError(f"{path} is empty", field="passphrase", allowed="a file holding the passphrase")
    return lines[0]


PassphraseOption = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        help=f"File whose first line is the backup's passphrase (or set {PASSPHRASE_ENV}).",
    ),
]


# ------------------------------------------------------------------------------------ audit and backup


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[
        Path | None,
        typer.Option("--anchor", help="An anchor file (smp audit anchor): also report a truncated trail."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Check the audit chain and that the database keeps it append-only; exit 1 when an entry was altered,
    removed or reordered, when the append-only triggers are missing (or, with --anchor, when entries the
    anchor saw are gone)."""
    from smpstudio.services.audit_trail import AnchoredCheck, parse_anchor, verify_against_anchor
    from smpstudio.services.protection import AuditCheck, verify_audit

    if anchor is not None:
        anchored = run(lambda: parse_anchor(read_json_input(anchor, "anchor")))
        result: AuditCheck | AnchoredCheck = with_context(lambda ctx: verify_against_anchor(ctx, anchored))
    else:
        result = with_context(verify_audit)
    if isinstance(result, AnchoredCheck) and result.truncated:
        text = (
            f"[bold red]audit trail truncated[/]: {result.entries} entries, the anchor saw "
            f"{result.anchor_entries} (or its last entry is gone)"
        )
    elif result.first_bad_entry is not None:
        text = f"[bold red]audit trail broken[/] at entry {result.first_bad_entry}"
    elif not result.append_only:
        text = _NOT_APPEND_ONLY.format(entries=result.entries)
    elif isinstance(result, AnchoredCheck):
        text = f"[green]audit trail intact[/]: {result.entries} entries, the anchor's head included"
    else:
        text = f"[green]audit trail intact[/]: {result.entries} entries, last hash {result.last_hash[:16]}"
    emit(result, as_json, text)
    if not result.ok:
        raise typer.Exit(EXIT_CODES[BROKEN_CHAIN_KIND])


@audit_app.command("anchor")
def audit_anchor(
    out_path: Annotated[Path, typer.Option("--out", help="Anchor file to write (JSON), kept off the store.")],
    as_json: JsonFlag = False,
) -> None:
    """Write the audit chain's head (entries, last hash, store id, time) to a file outside the database."""
    from smpstudio.services.audit_trail import anchor_audit

    target = run(lambda: check_output(out_path, "out"))
    result = with_context(anchor_audit)
    body = (json.dumps(result.to_json(), indent=2) + "\n").encode()
    run(lambda: _write_private(target, lambda fh: fh.write(body)))
    emit(
        result,
        as_json,
        f"wrote {plain(str(target))}: {result.entries} entries, last hash {result.last_hash[:16]}",
    )


def backup_cmd(
    out_path: Annotated[Path, typer.Option("--out", help="Backup file to write (.zip).")],
    passphrase_file: PassphraseOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Back up the store (SQLite online backup or pg_dump) and its files into one file, encrypted when a
    passphrase is given."""
    from smpstudio.services.backups import backup

    target = run(lambda: check_output(out_path, "out"))
    passphrase = run(lambda: _passphrase(passphrase_file))
    made = with_context(lambda ctx: _write_private(target, lambda fh: backup(ctx, fh, passphrase=passphrase)))
    result = made.stored_at(str(target))
    if not result.encrypted:
        err.print(
            f"note: {target} is not encrypted and holds every client's health record; keep it safe or "
            f"give --passphrase-file FILE (or {PASSPHRASE_ENV})",
            highlight=False,
            markup=False,
        )
    emit(
        result,
        as_json,
        f"wrote {plain(result.out)} ({result.audit_entries} audit entries, {result.files} files)",
    )


def _open_backup(path: Path) -> IO[bytes]:
    return open_input(path, "backup", allowed="a backup file")


def restore_cmd(
    backup_file: Annotated[Path, typer.Argument(metavar="FILE")],
    passphrase_file: PassphraseOption = None,
    other_store: Annotated[
        bool,
        typer.Option("--other-store", help="Restore a backup of another store here (replacing this one)."),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Restore the store from a backup (checked first; the replaced SQLite file is kept)."""
    from smpstudio.services.backups import RestoreResult, is_encrypted, restore

    passphrase = run(lambda: _passphrase(passphrase_file))

    def go() -> RestoreResult:
        nonlocal passphrase
        with _open_backup(backup_file) as fh:
            head = fh.read(16)
            fh.seek(0)
            if passphrase is None and is_encrypted(head) and sys.stdin.isatty():
                passphrase = typer.prompt("passphrase of the backup", hide_input=True, err=True)
            return restore(settings(), fh, passphrase=passphrase, other_store=other_store)

    result = run(go)
    kept = f"; the replaced database is kept as {plain(result.kept)}" if result.kept else ""
    emit(result, as_json, f"restored ({result.audit_entries} audit entries){kept}")


def client_export(
    client_id: IdArgument,
    out_path: Annotated[Path, typer.Option("--out", help="Zip file to write.")],
    as_json: JsonFlag = False,
) -> None:
    """Export the client's whole record: JSON plus photos, signatures and designs, zipped."""
    from smpstudio.services.protection import export_client

    target = run(lambda: check_output(out_path, "out"))
    made = with_context(lambda ctx: _write_private(target, lambda fh: export_client(ctx, client_id, fh)))
    result = made.stored_at(str(target))
    emit(result, as_json, f"wrote {plain(result.out)} ({result.sessions} sessions, {result.files} files)")


def client_erase(client_id: IdArgument, as_json: JsonFlag = False) -> None:
    """Anonymise the client when the retention period allows; otherwise say until when it is kept."""
    from smpstudio.services.protection import Erased, EraseRequest, erase_client

    result = with_context(lambda ctx: erase_client(ctx, EraseRequest.of(client_id=client_id)))
    if isinstance(result, Erased):
        text = f"client {client_id} erased"
    else:
        text = f"[red]not erased:[/] kept until {result.retained_until}: {plain(result.reason)}"
    if as_json:
        emit(result, as_json, text)
    else:
        out.print(text, highlight=False)
    if not isinstance(result, Erased):
        raise typer.Exit(EXIT_CODES["refused"])


def register(app: typer.Typer) -> None:
    """Add ``client export|erase``, ``audit verify|anchor``, ``backup`` and ``restore`` to ``app``."""
    from smpstudio.cli.clients import client

    client.command("export")(client_export)
    client.command("erase")(client_erase)
    app.add_typer(audit_app, name="audit")
    app.command("backup")(backup_cmd)
    app.command("restore")(restore_cmd)
