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
    # --- the clinic's registers, inventory, sterilisation, events, users, settings, care ---
    ("GET", "/api/v1/dashboard"): SIGNED_IN,
    ("GET", "/api/v1/lots"): "lot.read",
    ("POST", "/api/v1/lots"): "lot.write",
    ("GET", "/api/v1/lots/expiring"): "lot.read",
    ("POST", "/api/v1/lots/{lot_id}/adjust"): "lot.write",
    ("POST", "/api/v1/lots/{lot_id}/recall"): "lot.recall",
    ("GET", "/api/v1/lots/{lot_id}/clients"): "lot.read",
    ("GET", "/api/v1/sterilisation/cycles"): "sterilisation",
    ("POST", "/api/v1/sterilisation/cycles"): "sterilisation",
    ("GET", "/api/v1/sterilisation/cycles/{cycle_id}/sessions"): "sterilisation",
    ("GET", "/api/v1/sterilisation/spore-tests"): "sterilisation",
    ("POST", "/api/v1/sterilisation/spore-tests"): "sterilisation",
    ("GET", "/api/v1/sterilisation/corrective-actions"): "sterilisation",
    ("POST", "/api/v1/sterilisation/corrective-actions/{action_id}/close"): "sterilisation",
    ("GET", "/api/v1/follow-ups/due"): "followup",
    ("GET", "/api/v1/follow-ups/{followup_id}"): "followup",
    ("POST", "/api/v1/follow-ups/{followup_id}/complete"): "followup",
    ("POST", "/api/v1/clients/{client_id}/symptom-reports"): "symptom",
    ("GET", "/api/v1/touch-ups/due"): "registers",
    ("POST", "/api/v1/adverse-events"): "adverse_event",
    ("GET", "/api/v1/adverse-events/due"): "adverse_event",
    ("POST", "/api/v1/adverse-events/{event_id}/brand-notified"): "adverse_event",
    ("GET", "/api/v1/users"): SIGNED_IN,
    ("POST", "/api/v1/users"): "user.add",
    ("POST", "/api/v1/users/{user_id}/deactivate"): "user.add",
    ("POST", "/api/v1/users/{user_id}/certifications"): "user.add",
    # a user's password and tokens: the user themself or an owner (the service checks which)
    ("POST", "/api/v1/users/{user_id}/password"): SIGNED_IN,
    ("GET", "/api/v1/users/{user_id}/tokens"): SIGNED_IN,
    ("POST", "/api/v1/users/{user_id}/tokens"): SIGNED_IN,
    ("POST", "/api/v1/users/{user_id}/tokens/{token_id}/revoke"): SIGNED_IN,
    ("GET", "/api/v1/clinic"): SIGNED_IN,
    ("PATCH", "/api/v1/clinic"): "clinic.settings",
    ("GET", "/api/v1/clinic/rules"): SIGNED_IN,
    ("PUT", "/api/v1/clinic/rules"): "clinic.settings",
    ("GET", "/api/v1/audit/verify"): "audit",
    ("POST", "/api/v1/care/screening"): SIGNED_IN,
    ("GET", "/api/v1/care/screening/questions"): SIGNED_IN,
    ("POST", "/api/v1/care/triage"): SIGNED_IN,
    ("POST", "/api/v1/care/aftercare"): SIGNED_IN,
    ("POST", "/api/v1/care/pigment-check"): SIGNED_IN,
    ("POST", "/api/v1/care/removal"): SIGNED_IN,
    # --- end of the clinic's routes ---
    # --- clients and their records ---
    ("GET", "/api/v1/clients"): "client.read",
    ("POST", "/api/v1/clients"): "client.write",
    ("POST", "/api/v1/clients/search"): "client.read",
    ("GET", "/api/v1/clients/{client_id}"): "client.read",
    ("PATCH", "/api/v1/clients/{client_id}"): "client.write",
    ("GET", "/api/v1/clients/{client_id}/export"): "client.export",
    ("POST", "/api/v1/clients/{client_id}/erase"): "client.erase",
    ("GET", "/api/v1/clients/{client_id}/audit"): "audit",
    ("GET", "/api/v1/consent-texts/{kind}"): SIGNED_IN,
    ("GET", "/api/v1/clients/{client_id}/screening"): "screening",
    ("POST", "/api/v1/clients/{client_id}/screening"): "screening",
    ("GET", "/api/v1/clients/{client_id}/consents"): "consent",
    ("POST", "/api/v1/clients/{client_id}/consents"): "consent",
    ("POST", "/api/v1/clients/{client_id}/consents/{consent_id}/withdraw"): "consent",
    ("GET", "/api/v1/clients/{client_id}/patch-tests"): "patch_test",
    ("POST", "/api/v1/clients/{client_id}/patch-tests"): "patch_test",
    ("GET", "/api/v1/clients/{client_id}/designs"): "design",
    ("POST", "/api/v1/clients/{client_id}/designs"): "design",
    ("GET", "/api/v1/clients/{client_id}/photos"): "photo",
    ("POST", "/api/v1/clients/{client_id}/photos"): "photo",
    ("GET", "/api/v1/clients/{client_id}/sessions"): "client.read",
    ("POST", "/api/v1/clients/{client_id}/sessions"): "session",
    ("POST", "/api/v1/clients/{client_id}/sessions/check"): "session",
    ("GET", "/api/v1/clients/{client_id}/sessions/{session_id}/handout.pdf"): "client.read",
    ("GET", "/api/v1/clients/{client_id}/follow-ups"): "followup",
    # --- end of the clients' routes ---
    # --- appointments and the calendar; a pending patch test's reading ---
    ("POST", "/api/v1/appointments"): "appointment",
    ("GET", "/api/v1/appointments"): "appointment",
    ("GET", "/api/v1/appointments/due"): "appointment",
    ("GET", "/api/v1/appointments/{appointment_id}"): "appointment",
    ("PATCH", "/api/v1/appointments/{appointment_id}"): "appointment",
    ("DELETE", "/api/v1/appointments/{appointment_id}"): "appointment",
    ("POST", "/api/v1/clients/{client_id}/patch-tests/{patch_test_id}/read"): "patch_test",
    # --- end of the appointments' routes ---
    # --- clients' own links (staff side), and marking a symptom report reviewed ---
    ("POST", "/api/v1/clients/{client_id}/links"): "client_link",
    ("GET", "/api/v1/clients/{client_id}/links"): "client_link",
    ("POST", "/api/v1/clients/{client_id}/links/{link_id}/revoke"): "client_link",
    ("POST", "/api/v1/symptom-reports/{report_id}/reviewed"): "symptom",
    # --- end of the clients' own links ---
    # --- background jobs: backups and exports (owner), renders (design); a job's state and result: the
    # owner sees the clinic's, anyone else their own (the service checks which) ---
    ("POST", "/api/v1/jobs"): "jobs",
    ("POST", "/api/v1/clients/{client_id}/designs/{version}/render"): "design",
    ("GET", "/api/v1/jobs"): SIGNED_IN,
    ("GET", "/api/v1/jobs/{job_id}"): SIGNED_IN,
    ("GET", "/api/v1/jobs/{job_id}/download"): SIGNED_IN,
    # --- end of the background jobs' routes ---
    # --- the clinic's mail server (owner), and a client's e-mail reminders ---
    ("GET", "/api/v1/clinic/mail"): "mail.settings",
    ("PUT", "/api/v1/clinic/mail"): "mail.settings",
    ("POST", "/api/v1/clinic/mail/test"): "mail.settings",
    ("GET", "/api/v1/clients/{client_id}/messages"): "client.read",
    ("POST", "/api/v1/clients/{client_id}/email-reminders"): "client.write",
    # --- end of the mail routes ---
    # --- the owner's reports ---
    ("GET", "/api/v1/reports/sessions"): "reports",
    ("GET", "/api/v1/reports/lots"): "reports",
    ("GET", "/api/v1/reports/adverse-events"): "reports",
    ("GET", "/api/v1/reports/follow-ups"): "reports",
    ("GET", "/api/v1/reports/touch-ups"): "reports",
    # --- end of the reports' routes ---
    # --- the consultation on the client's photo ---
    ("POST", "/api/v1/clients/{client_id}/consultations"): "photo",
    ("GET", "/api/v1/clients/{client_id}/consultations"): "photo",
    ("GET", "/api/v1/clients/{client_id}/consultations/{photo_id}/photo.jpg"): "photo",
    ("POST", "/api/v1/clients/{client_id}/consultations/{photo_id}/fit"): "design",
    ("POST", "/api/v1/clients/{client_id}/consultations/{photo_id}/preview"): "design",
    ("POST", "/api/v1/clients/{client_id}/consultations/{photo_id}/hairline-drag"): "design",
    ("POST", "/api/v1/clients/{client_id}/consultations/{photo_id}/save"): "design",
    # --- end of the consultation's routes ---
    # --- the repair consultation on a close-up ---
    ("POST", "/api/v1/clients/{client_id}/repairs"): "photo",
    ("GET", "/api/v1/clients/{client_id}/repairs"): "photo",
    ("GET", "/api/v1/clients/{client_id}/repairs/{repair_id}"): "photo",
    ("POST", "/api/v1/clients/{client_id}/repairs/{repair_id}/corrections"): "session",
    ("POST", "/api/v1/clients/{client_id}/repairs/{repair_id}/hairline"): "session",
    ("GET", "/api/v1/clients/{client_id}/repairs/{repair_id}/{which}.png"): "photo",
    # --- end of the repair consultation's routes ---
}
