"""Backups and restores of the whole store: who may (the store administrator), encryption, the checks and
the audit entries.

The mechanics are :mod:`smpstudio.records.backup` (the archive and its manifest),
:mod:`smpstudio.records.restore` (the staged, checked, locked swap) and :mod:`smpstudio.records.sealing`
(AES-GCM with a scrypt key). A backup is written to a binary stream and a restore reads one: the face opens
the file (or the upload, or the download). Both are audited with the acting user: a backup reads every
client.
"""

from __future__ import annotations

import io
from typing import IO

from pydantic import Field
from sqlalchemy.orm import Session as Db

from smpstudio.errors import ErrorKind, InputError, SmpError, UnauthenticatedError
from smpstudio.records import audit
from smpstudio.records.backup import read_archive, write_archive
from smpstudio.records.private import make_private_dirs, open_private, private_tempdir, private_tempfile
from smpstudio.records.repositories.administration import StoreFacts, store_facts
from smpstudio.records.restore import restore_archive
from smpstudio.records.sealing import MAGIC, SealedWriter, is_sealed, unseal
from smpstudio.records.store import StoreError, connect_store
from smpstudio.services.access import Actor, log, require_admin, resolve_actor, transact
from smpstudio.services.context import Clock, ServiceContext
from smpstudio.services.models import Result
from smpstudio.settings import Settings

__all__ = [
    "AUDIT_UNSOUND_KIND",
    "BackupResult",
    "RestoreResult",
    "backup",
    "is_encrypted",
    "private_output",
    "require_store_admin",
    "restore",
]


#: The error kind of a backup refused because the store's audit trail would make it unrestorable (its chain
#: does not verify, or its append-only triggers are missing): ``internal`` (exit 1, HTTP 500), as
#: ``smp audit verify`` reports the same finding. The stored trail is at fault, not the request (nothing the
#: caller changes or retries fixes it), and a restore of such a backup is refused, so none is written.
AUDIT_UNSOUND_KIND: ErrorKind = "internal"


class BackupResult(Result):
    """What a backup holds."""

    out: str | None = Field(
        default=None, description="Where the face wrote the backup (the service only writes to a stream)."
    )
    files: int = Field(description="Stored files (photos, signatures) in the backup.")
    audit_entries: int = Field(description="Audit entries in the backed-up chain.")
    dialect: str = Field(description="The database kind: sqlite or postgresql.")
    encrypted: bool = Field(default=False, description="Whether the backup is encrypted with a passphrase.")

    def stored_at(self, location: str) -> BackupResult:
        """The same result, saying where the face stored the backup."""
        return self.model_copy(update={"out": location})


class RestoreResult(Result):
    """A restore that went through."""

    restored: bool = True
    audit_entries: int = Field(
        description="Audit entries in the restored chain (before the restore's own entry)."
    )
    kept: str | None = Field(description="Where the replaced SQLite database was kept (None: nothing kept).")


def is_encrypted(head: bytes) -> bool:
    """Whether a backup starting with ``head`` (its first bytes) is encrypted."""
    return is_sealed(head)


def private_output(settings: Settings, suffix: str = ".part") -> str:
    """A new private (0600) temporary file in the data directory for a face to write an output into
    before moving it into place (removed at the next start if the process dies)."""
    return str(private_tempfile(make_private_dirs(settings.data_dir), suffix))


def backup(ctx: ServiceContext, out: IO[bytes], *, passphrase: str | None = None) -> BackupResult:
    """Write a backup of the store and its files to ``out``; the store administrator only.

    With a ``passphrase`` the archive is encrypted (AES-256-GCM, scrypt key). The manifest carries the
    store's id and the audit head of the very copy archived, so a restore can tell a whole chain from a
    truncated one and this store's backup from another's.
    """
    if passphrase is not None and not passphrase:
        raise InputError("the passphrase is empty", field="passphrase", allowed="a non-empty passphrase")
    _require_sound_trail(ctx)

    def authorise(db: Db, actor: Actor) -> None:
        require_admin(actor, "back up the store")
        log(db, actor, "backup", "store", None, encrypted=passphrase is not None)

    transact(ctx, authorise)
    created = ctx.clock.now_utc().isoformat(timespec="seconds")
    if passphrase is None:
        manifest, files = write_archive(ctx.db, out, created)
    else:
        sealed = SealedWriter(out, passphrase)
        manifest, files = write_archive(ctx.db, sealed, created)  # type: ignore[arg-type]
        sealed.close()
    return BackupResult(
        files=files,
        audit_entries=manifest.audit_entries,
        dialect=ctx.db.dialect,
        encrypted=passphrase is not None,
    )


class AuditUnsoundError(SmpError):
    """The store's audit trail does not verify or is not append-only: a backup of it would not restore."""

    kind = AUDIT_UNSOUND_KIND
    default_code = "audit_broken"


def _require_sound_trail(ctx: ServiceContext) -> None:
    """Refuse a backup that restore would refuse: a chain that does not verify, or a trail the database no
    longer keeps append-only (the restore's own checks, :mod:`smpstudio.records.restore`). Checked before
    anything is written or logged; a user who is not the administrator is left to the refusal that
    :func:`backup` audits."""

    def read(db: Db) -> dict[str, object] | None:
        actor = resolve_actor(db, ctx.user_id, ctx.clock)
        return audit.verify(db) if actor.is_admin else None

    chain = ctx.db.read(read)
    if chain is None:
        return
    if not chain["ok"]:
        raise AuditUnsoundError(
            f"the audit trail is broken at entry {chain['first_bad_entry']}: a backup of it would be "
            "refused on restore, so none was written",
            code="audit_broken",
        )
    if not audit.append_only(ctx.db.engine):
        raise AuditUnsoundError(
            "the audit trail is not append-only (its triggers are missing): a backup of it would be refused "
            "on restore, so none was written",
            code="audit_not_append_only",
        )


def _facts(settings: Settings) -> StoreFacts | None:
    """The facts of the store the settings name (None: no store there yet)."""
    try:
        current = connect_store(settings.data_dir, url=settings.database_url, files_url=settings.files_url)
    except StoreError as exc:
        if exc.code == "store_missing":
            return None
        raise
    try:
        if not current.migration_state()[0]:
            return None
        with current.engine.connect() as conn:
            return store_facts(conn, settings.user)
    finally:
        current.close()


def require_store_admin(facts: StoreFacts | None, user: int | None, what: str) -> Actor | None:
    """The acting user when they administer the store (None: a store without users has nothing to
    guard); :class:`AccessError` or :class:`UnauthenticatedError` otherwise."""
    if facts is None or not facts.has_users:
        return None
    acting = facts.acting
    if acting is None or not acting.active:
        raise UnauthenticatedError(
            "name the acting user" if user is None else f"no active user {user}",
            field="user",
            allowed="the id of an active user",
            code="acting_user_required" if user is None else "unknown_user",
        )
    actor = Actor(acting.id, acting.clinic_id, acting.role, acting.name, is_admin=acting.id == facts.admin_id)
    require_admin(actor, what)
    return actor


def restore(
    settings: Settings,
    archive: IO[bytes] | bytes,
    *,
    passphrase: str | None = None,
    other_store: bool = False,
) -> RestoreResult:
    """Replace the store the settings name with a backup, once a staged copy of it passed every check.

    Parameters
    ----------
    settings
        Where the store is (``data_dir``, ``database_url``, ``files_url``), who acts (``user``: the
        administrator of the store being replaced, if there is one) and the clinic's timezone (the kept
        file's name).
    archive
        The backup: a seekable binary stream, or its bytes (encrypted or not).
    passphrase
        The passphrase of an encrypted backup (a wrong one is ``wrong_passphrase``; nothing is touched).
    other_store
        Restore a backup of another store (its identity differs from this store's): an explicit choice.

    Returns
    -------
    RestoreResult
        The restored chain's entry count and where the replaced SQLite database was kept.
    """
    source = io.BytesIO(archive) if isinstance(archive, bytes) else archive
    head = source.read(len(MAGIC))
    source.seek(0)
    if not is_sealed(head):
        return _restore_plain(settings, source, other_store)
    if not passphrase:
        raise InputError(
            "the backup is encrypted: its passphrase is needed",
            field="passphrase",
            allowed="the passphrase the backup was written with",
            code="passphrase_needed",
        )
    with private_tempdir(make_private_dirs(settings.data_dir)) as work:
        plain = work / "backup.zip"
        with open_private(plain) as fh:
            unseal(source, passphrase, fh)
        with plain.open("rb") as fh:
            return _restore_plain(settings, fh, other_store)


def _restore_plain(settings: Settings, source: IO[bytes], other_store: bool) -> RestoreResult:
    with read_archive(source) as opened:
        facts = _facts(settings)
        actor = require_store_admin(facts, settings.user, "restore the store")
        same_store = facts is not None and not other_store
        by = actor.id if actor is not None else None

        def record(db: Db, entries: int) -> None:
            who = actor if same_store else None
            log(db, who, "restore", "store", None, entries=entries, by_user=by, other_store=other_store)

        restored = restore_archive(
            opened,
            settings.data_dir,
            url=settings.database_url,
            files_url=settings.files_url,
            stamp=Clock(settings.tzinfo).now(),
            live_id=facts.store_id if facts else None,
            live_exists=facts is not None,
            other_store=other_store,
            record=record,
            wait_s=settings.store_wait_s,
        )
    kept = str(restored.kept) if restored.kept else None
    return RestoreResult(audit_entries=restored.audit_entries, kept=kept)
