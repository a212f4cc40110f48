"""The store's schema: which revision it is at, and its upgrade to the revision this release needs.

A new store is migrated when it is created; an existing one is upgraded only here, by an operator (a
deploy script), never as a side effect of opening it, so several workers opening one store never race to
migrate it. Reading the revision needs no acting user; an upgrade of a store with users needs its
administrator (read with plain SQL, as an outdated store's tables may lack columns the models name).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from smpstudio.records.repositories.administration import store_facts
from smpstudio.records.store import HEAD_REVISION, REVISIONS, connect_store, store_revision, upgrade_store
from smpstudio.services.models import Result
from smpstudio.settings import Settings

__all__ = ["DatabaseState", "DatabaseUpgrade", "database_state", "upgrade_database"]

#: How a store's revision compares with this release's.
Standing = Literal["current", "outdated", "too_new"]


class DatabaseState(Result):
    """Where the store's schema stands."""

    revision: str | None = Field(description="The store's revision (None: base, before any migration).")
    head: str = Field(description="The revision this release needs.")
    status: Standing = Field(
        description="current: ready; outdated: needs an upgrade; too_new: written by a newer release."
    )
    up_to_date: bool = Field(description="Whether the store can be used as it is.")


class DatabaseUpgrade(Result):
    """An upgrade of the store's schema (or the finding that none was needed)."""

    from_revision: str | None = Field(description="The revision before (None: base).")
    to_revision: str = Field(description="The revision now: this release's.")
    upgraded: bool = Field(description="Whether any migration ran.")


def database_state(settings: Settings) -> DatabaseState:
    """The revision of the store the settings name, compared with this release's (nothing is changed)."""
    revision = store_revision(settings.data_dir, url=settings.database_url, files_url=settings.files_url)
    status: Standing
    if revision == HEAD_REVISION:
        status = "current"
    elif revision is None or revision in REVISIONS:
        status = "outdated"
    else:
        status = "too_new"
    return DatabaseState(revision=revision, head=HEAD_REVISION, status=status, up_to_date=status == "current")


def upgrade_database(settings: Settings) -> DatabaseUpgrade:
    """Upgrade the store the settings name to this release's revision (under a lock; a no-op when current).

    A missing store is refused (``store_missing``: a store is created with its clinic), and so is one a
    newer release wrote (``store_too_new``). A store with users is upgraded by its administrator only.
    """
    from smpstudio.services.backups import require_store_admin

    store = connect_store(settings.data_dir, url=settings.database_url, files_url=settings.files_url)
    try:
        with store.engine.connect() as conn:
            facts = store_facts(conn, settings.user)
    finally:
        store.close()
    require_store_admin(facts, settings.user, "upgrade the store")
    before, after = upgrade_store(settings.data_dir, url=settings.database_url, files_url=settings.files_url)
    return DatabaseUpgrade(from_revision=before, to_revision=after, upgraded=before != after)
