"""The pages' entries of the route table: (method, path template) -> the permission a caller needs.

See :mod:`smpstudio.web.route_table`.
"""

from __future__ import annotations

from smpstudio.web.permissions import PUBLIC, SIGNED_IN

__all__ = ["PAGE_PERMISSIONS"]

PAGE_PERMISSIONS: dict[tuple[str, str], str] = {
    # --- signing in ---
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): SIGNED_IN,
}
