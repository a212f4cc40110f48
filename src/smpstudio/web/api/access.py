"""The API's entries of the route table: (method, path template) -> the permission a caller needs.

Paths are full (``/api/v1/...``). See :mod:`smpstudio.web.route_table`.
"""

from __future__ import annotations

from smpstudio.web.permissions import PUBLIC, SIGNED_IN

__all__ = ["API_PERMISSIONS"]

API_PERMISSIONS: dict[tuple[str, str], str] = {
    # --- signing in, and the health check ---
    ("GET", "/api/v1/health"): PUBLIC,
    ("POST", "/api/v1/login"): PUBLIC,
    ("POST", "/api/v1/logout"): SIGNED_IN,
    ("GET", "/api/v1/me"): SIGNED_IN,
}
