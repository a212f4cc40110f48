"""Who administers a store, read at any revision (plain SQL: an outdated store's tables may lack columns the
models name). Used before an upgrade or a restore, when the store cannot be opened for use.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, inspect, text

__all__ = ["StoreFacts", "StoreUser", "store_facts"]


@dataclass(frozen=True)
class StoreUser:
    id: int
    clinic_id: int
    role: str
    name: str
    active: bool


@dataclass(frozen=True)
class StoreFacts:
    """A store's identity, its administrator (the first owner where none is recorded) and the acting user
    (the named one, or the owner when the store holds one clinic)."""

    store_id: str | None
    admin_id: int | None
    has_users: bool
    clinics: int
    acting: StoreUser | None


def _user(conn: Connection, user_id: int) -> StoreUser | None:
    row = conn.execute(
        text("SELECT id, clinic_id, role, name, active FROM users WHERE id = :i"), {"i": user_id}
    ).first()
    return StoreUser(int(row[0]), int(row[1]), str(row[2]), str(row[3]), bool(row[4])) if row else None


def store_facts(conn: Connection, user_id: int | None) -> StoreFacts:
    """The facts of the store ``conn`` reaches, for the acting user ``user_id`` (None: the default)."""
    tables = set(inspect(conn).get_table_names())
    meta: dict[str, str] = {}
    if "store_meta" in tables:
        meta = {str(k): str(v) for k, v in conn.execute(text("SELECT key, value FROM store_meta")).all()}
    if "users" not in tables:
        return StoreFacts(meta.get("store_id"), None, False, 0, None)
    first_owner = conn.execute(text("SELECT MIN(id) FROM users WHERE role = 'owner'")).scalar()
    admin = meta.get("admin_user_id")
    admin_id = int(admin) if admin and admin.isdigit() else (int(first_owner) if first_owner else None)
    has_users = conn.execute(text("SELECT COUNT(*) FROM users")).scalar() or 0
    clinics = (
        int(conn.execute(text("SELECT COUNT(*) FROM clinics")).scalar() or 0) if "clinics" in tables else 0
    )
    acting = None
    if user_id is not None:
        acting = _user(conn, user_id)
    elif clinics == 1:
        owner = conn.execute(
            text("SELECT MIN(id) FROM users WHERE role = 'owner' AND active = :t"), {"t": True}
        ).scalar()
        acting = _user(conn, int(owner)) if owner else None
    return StoreFacts(meta.get("store_id"), admin_id, bool(has_users), clinics, acting)
