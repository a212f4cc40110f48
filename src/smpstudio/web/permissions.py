"""Who may call a route: the permission words of the route table and the rule that reads them.

The table itself is :data:`smpstudio.web.route_table.ROUTE_PERMISSIONS` (the API's entries and the pages'
entries). Every route of the app has exactly one entry, keyed by its method and path template; the
value is a permission of :data:`smpstudio.services.access.PERMISSIONS` (owners hold every permission),
:data:`SIGNED_IN` (any active user of the clinic) or :data:`PUBLIC` (no login). The app refuses to start
when a route has no entry or an entry has no route, so a new route cannot slip through unguarded. The
services check the same permissions again: the table decides the HTTP answer before any work is done.
"""

from __future__ import annotations

from typing import Final

from smpstudio.services.access import PERMISSIONS

__all__ = ["PUBLIC", "SIGNED_IN", "allows"]

#: No login needed (the login itself, the health check, the OpenAPI document).
PUBLIC: Final = "public"
#: Any signed-in user, whatever their role.
SIGNED_IN: Final = "signed_in"


def allows(role: str, permission: str) -> bool:
    """Whether a user of ``role`` may call a route that needs ``permission``."""
    if permission in (PUBLIC, SIGNED_IN) or role == "owner":
        return True
    return permission in PERMISSIONS.get(role, frozenset())
