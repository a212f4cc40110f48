"""The clinic records commands, one module per group: clinic and users (:mod:`.clinics`), clients and
consent (:mod:`.clients`), lots (:mod:`.lots`), sessions and sterilisation (:mod:`.sessions`), the
registers (:mod:`.registers`), data protection (:mod:`.protection`) and the store's schema (:mod:`.db`).

The store is opened per command from ``--data-dir`` (or ``SMP_DATABASE_URL``) and the acting user comes
from ``--as`` (or ``SMP_USER``), both through :class:`~smpstudio.settings.Settings`.
"""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add every records command group to ``app``."""
    from smpstudio.cli import clients, clinics, db, lots, protection, registers, sessions

    for module in (clinics, clients, lots, sessions, registers, protection, db):
        module.register(app)
