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
    # --- the calendar: appointments, booking; a pending patch test's reading ---
    ("GET", "/calendar"): "appointment",
    ("GET", "/calendar/today"): "appointment",
    ("GET", "/calendar/book"): "appointment",
    ("POST", "/calendar/book"): "appointment",
    ("GET", "/calendar/appointments/{appointment_id}"): "appointment",
    ("POST", "/calendar/appointments/{appointment_id}/move"): "appointment",
    ("POST", "/calendar/appointments/{appointment_id}/cancel"): "appointment",
    ("POST", "/calendar/appointments/{appointment_id}/status"): "appointment",
    ("POST", "/calendar/appointments/{appointment_id}/call-outcome"): "followup",
    ("POST", "/clients/{client_id}/patch-tests/{patch_test_id}/read"): "patch_test",
    # --- end of the calendar's pages ---
    # --- clients' own links: the staff panel of the record, and the client's own pages (the token is
    # the credential: a token that opens nothing gets one plain page) ---
    ("POST", "/clients/{client_id}/links"): "client_link",
    ("POST", "/clients/{client_id}/links/{link_id}/revoke"): "client_link",
    ("POST", "/symptom-reports/{report_id}/reviewed"): "symptom",
    ("GET", "/c/{token}"): PUBLIC,
    ("GET", "/c/{token}/triage"): PUBLIC,
    ("POST", "/c/{token}/triage"): PUBLIC,
    ("GET", "/c/{token}/handout.pdf"): PUBLIC,
    ("GET", "/c/{token}/calendar.ics"): PUBLIC,
    # --- end of the clients' own links ---
    # --- background jobs (the owner's); a job's result: the owner or who asked for it ---
    ("GET", "/jobs"): "jobs",
    ("GET", "/jobs/list"): "jobs",
    ("POST", "/jobs/backup"): "jobs",
    ("POST", "/clients/{client_id}/export-job"): "jobs",
    ("GET", "/jobs/{job_id}/download"): SIGNED_IN,
    # --- end of the background jobs' pages ---
    # --- the clinic's mail server (owner); a client's e-mail reminders back on; the public unsubscribe
    # page a reminder links to (the token is the key: an unknown one gets one plain page) ---
    ("GET", "/settings/mail"): "mail.settings",
    ("POST", "/settings/mail"): "mail.settings",
    ("POST", "/settings/mail/test"): "mail.settings",
    ("POST", "/clients/{client_id}/email-reminders"): "client.write",
    ("GET", "/unsubscribe/{token}"): PUBLIC,
    ("POST", "/unsubscribe/{token}"): PUBLIC,
    # --- end of the mail pages ---
    # --- the owner's reports and their CSV files ---
    ("GET", "/reports"): "reports",
    ("GET", "/reports/sessions.csv"): "reports",
    ("GET", "/reports/lots.csv"): "reports",
    ("GET", "/reports/adverse-events.csv"): "reports",
    ("GET", "/reports/follow-ups.csv"): "reports",
    ("GET", "/reports/touch-ups.csv"): "reports",
    # --- end of the reports' pages ---
    # --- the consultation on the client's photo ---
    ("GET", "/clients/{client_id}/consultation"): "photo",
    ("POST", "/clients/{client_id}/consultation"): "photo",
    ("GET", "/clients/{client_id}/consultation/{photo_id}"): "photo",
    ("GET", "/clients/{client_id}/consultation/{photo_id}/photo.jpg"): "photo",
    ("POST", "/clients/{client_id}/consultation/{photo_id}/fit"): "design",
    ("POST", "/clients/{client_id}/consultation/{photo_id}/preview"): "design",
    ("POST", "/clients/{client_id}/consultation/{photo_id}/hairline-drag"): "design",
    ("POST", "/clients/{client_id}/consultation/{photo_id}/match-hair"): "design",
    ("POST", "/clients/{client_id}/consultation/{photo_id}/save"): "design",
    # --- end of the consultation's pages ---
    # --- the repair consultation on a close-up ---
    ("GET", "/clients/{client_id}/repair"): "photo",
    ("POST", "/clients/{client_id}/repair"): "photo",
    ("GET", "/clients/{client_id}/repair/{repair_id}"): "photo",
    ("GET", "/clients/{client_id}/repair/{repair_id}/photo.jpg"): "photo",
    ("GET", "/clients/{client_id}/repair/{repair_id}/{which}.png"): "photo",
    ("POST", "/clients/{client_id}/repair/{repair_id}/corrections"): "session",
    ("POST", "/clients/{client_id}/repair/{repair_id}/hairline"): "session",
    # --- end of the repair consultation's pages ---
}
