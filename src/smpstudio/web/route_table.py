"""The one table of who may call each route: the API's entries and the pages' entries together.

The app refuses to start when a route has no entry or an entry has no route (:func:`check_route_table`).
"""

from __future__ import annotations

from smpstudio.services.access import PERMISSIONS
from smpstudio.web.api.access import API_PERMISSIONS
from smpstudio.web.pages.access import PAGE_PERMISSIONS
from smpstudio.web.permissions import PUBLIC, SIGNED_IN

__all__ = ["OWNER_ONLY", "ROUTE_PERMISSIONS", "known_permissions"]

#: (method, path template) -> the permission the caller's role must hold.
ROUTE_PERMISSIONS: dict[tuple[str, str], str] = {**API_PERMISSIONS, **PAGE_PERMISSIONS}


#: Permissions no role but the owner holds (the services check the same words).
OWNER_ONLY = frozenset(
    {
        "audit",
        "client.erase",
        "client.export",
        "clinic.settings",
        "consent_text",
        "user.add",
        "override",
        "reports",
        "mail.settings",
        "jobs",
    }
)


def known_permissions() -> frozenset[str]:
    """Every word the table may use: the roles' permissions, the owner-only ones the services check, and
    :data:`PUBLIC` / :data:`SIGNED_IN`."""
    words = {PUBLIC, SIGNED_IN, *OWNER_ONLY}
    for granted in PERMISSIONS.values():
        words |= granted
    return frozenset(words)
