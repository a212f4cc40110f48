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
    # --- the clinic: dashboard, inventory, sterilisation, adverse events, audit, users, settings, care ---
    ("GET", "/"): SIGNED_IN,
    ("POST", "/follow-ups/{followup_id}/complete"): "followup",
    ("GET", "/lots"): "lot.read",
    ("POST", "/lots"): "lot.write",
    ("GET", "/lots/{lot_id}"): "lot.read",
    ("POST", "/lots/{lot_id}/adjust"): "lot.write",
    ("POST", "/lots/{lot_id}/recall"): "lot.recall",
    ("GET", "/sterilisation"): "sterilisation",
    ("POST", "/sterilisation/cycles"): "sterilisation",
    ("POST", "/sterilisation/spore-tests"): "sterilisation",
    ("POST", "/sterilisation/corrective-actions/{action_id}/close"): "sterilisation",
    ("GET", "/sterilisation/cycles/{cycle_id}"): "sterilisation",
    ("GET", "/adverse-events"): "adverse_event",
    ("POST", "/adverse-events"): "adverse_event",
    ("GET", "/adverse-events/new"): "adverse_event",
    ("POST", "/adverse-events/find-client"): "adverse_event",
    ("POST", "/adverse-events/{event_id}/brand-notified"): "adverse_event",
    ("GET", "/audit"): "audit",
    ("GET", "/users"): SIGNED_IN,
    ("POST", "/users"): "user.add",
    ("POST", "/users/{user_id}/deactivate"): "user.add",
    ("POST", "/users/{user_id}/certifications"): "user.add",
    ("GET", "/users/{user_id}"): SIGNED_IN,
    ("POST", "/users/{user_id}/password"): SIGNED_IN,
    ("POST", "/users/{user_id}/tokens"): SIGNED_IN,
    ("POST", "/users/{user_id}/tokens/{token_id}/revoke"): SIGNED_IN,
    ("GET", "/settings"): SIGNED_IN,
    ("POST", "/settings"): "clinic.settings",
    ("POST", "/settings/rules"): "clinic.settings",
    ("GET", "/care"): SIGNED_IN,
    ("POST", "/care/triage"): SIGNED_IN,
    ("POST", "/care/aftercare"): SIGNED_IN,
    ("POST", "/care/pigment-check"): SIGNED_IN,
    ("POST", "/care/removal"): SIGNED_IN,
    # --- end of the clinic's pages ---
    # --- clients: the list, a record, screening, consent, patch tests, sessions ---
    ("GET", "/clients"): "client.read",
    ("POST", "/clients/search"): "client.read",
    ("GET", "/clients/new"): "client.write",
    ("POST", "/clients/new"): "client.write",
    ("GET", "/clients/{client_id}"): "client.read",
    ("GET", "/clients/{client_id}/edit"): "client.write",
    ("POST", "/clients/{client_id}/edit"): "client.write",
    ("POST", "/clients/{client_id}/erase"): "client.erase",
    ("GET", "/clients/{client_id}/screening"): "screening",
    ("POST", "/clients/{client_id}/screening"): "screening",
    ("POST", "/clients/{client_id}/screening/preview"): "screening",
    ("GET", "/clients/{client_id}/consent"): "consent",
    ("POST", "/clients/{client_id}/consent"): "consent",
    ("POST", "/clients/{client_id}/consent/withdraw"): "consent",
    ("GET", "/clients/{client_id}/patch-tests"): "patch_test",
    ("POST", "/clients/{client_id}/patch-tests"): "patch_test",
    ("GET", "/clients/{client_id}/sessions/new"): "session",
    ("POST", "/clients/{client_id}/sessions/new"): "session",
    ("POST", "/clients/{client_id}/sessions/check"): "session",
    ("GET", "/clients/{client_id}/sessions/{session_id}"): "client.read",
    ("GET", "/clients/{client_id}/audit"): "audit",
    # --- end of the clients' pages ---
}
