"""What the client pages share: reading a posted form, the staff's names, what the signed-in user may do,
and the care rules in force for the clinic (for the screening form and its live outcome).
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import FormData

from smpstudio.services import clinic_settings, clinics
from smpstudio.services.context import RuleOverrides, ServiceContext
from smpstudio.web.permissions import allows
from smpstudio.web.route_table import ROUTE_PERMISSIONS
from smpstudio.web.state import principal_of, service_context, studio_of

__all__ = [
    "Context",
    "can",
    "client_path",
    "filled",
    "questions",
    "rules_in_force",
    "staff_names",
    "who_does",
]

#: A page handler's service context: the studio's, acting as the signed-in user.
Context = Annotated[ServiceContext, Depends(service_context)]


def client_path(client_id: int) -> str:
    """The record page of a client (ids only: no name ever goes in a URL)."""
    return f"/clients/{client_id}"


def filled(form: FormData, *, skip: tuple[str, ...] = ("csrf_token",)) -> dict[str, str]:
    """The posted text fields that hold something (stripped), without the CSRF token; a field posted
    twice keeps its first value (lists are read with ``form.getlist``)."""
    out: dict[str, str] = {}
    for key, value in form.multi_items():
        if key in skip or key in out or not isinstance(value, str):
            continue
        if value.strip():
            out[key] = value.strip()
    return out


def can(request: Request, method: str, path: str) -> bool:
    """Whether the signed-in user's role may call the route ``method path`` (a path template)."""
    permission = ROUTE_PERMISSIONS.get((method, path))
    return permission is not None and allows(principal_of(request).role, permission)


#: Who does what a page of the given permission is for, said in place of a link the signed-in user's role
#: may not open.
WHO_DOES: dict[str, str] = {
    "screening": "A practitioner records the screening.",
    "patch_test": "A practitioner records the patch test.",
    "session": "A practitioner records the session.",
    "consent": "A practitioner or the front desk takes the consent.",
    "client.write": "A practitioner or the front desk corrects the record.",
    "lot.read": "A practitioner or the front desk checks the stock.",
}


def who_does(method: str, path: str) -> str:
    """In plain words, who may do what the route ``method path`` (a path template) is for."""
    permission = ROUTE_PERMISSIONS.get((method, path), "")
    return WHO_DOES.get(permission, "The clinic's owner sees to it.")


def staff_names(ctx: ServiceContext) -> dict[int, str]:
    """The clinic's staff by id (records name staff by id)."""
    return {u.id: u.name for u in clinics.list_users(ctx).users}


def rules_in_force(request: Request, ctx: ServiceContext) -> ServiceContext:
    """``ctx`` with the care rules the clinic's records apply: the packaged rules with the clinic's newest
    overrides (as the services' ``rules_for`` loads them), so a preview agrees with what is recorded."""
    stored = clinic_settings.show_clinic_rules(ctx)
    if stored.text is None or stored.version is None:
        return ctx
    overrides = RuleOverrides.from_toml(stored.text, tag=f"clinic-v{stored.version}")
    loaded = ServiceContext.from_settings(studio_of(request).settings, None, overrides)
    return dataclasses.replace(ctx, care_rules=loaded.care_rules, pigment_rules=loaded.pigment_rules)


def questions(ctx: ServiceContext) -> list[dict[str, Any]]:
    """The screening questions of the rules in ``ctx``: key, text and whether the rules require it."""
    table: dict[str, dict[str, Any]] = ctx.care_rules.data["screening"]["questions"]
    return [
        {"key": key, "text": rule.get("text", key.replace("_", " ")), "required": rule.get("required", True)}
        for key, rule in table.items()
    ]
