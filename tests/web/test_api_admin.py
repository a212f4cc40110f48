"""The administration API: users, certifications, passwords, API tokens, the clinic's details and rule
overrides, and the audit trail's check."""

from __future__ import annotations

from tests.web.conftest import EMAILS, PASSWORD, World

NEW_USER = {"name": "Nia New", "role": "practitioner", "email": "nia@clinic-a.example.org"}


def test_list_and_add_users(world: World) -> None:
    listed = world.signed_in("front-desk").get("/api/v1/users").json()["users"]
    assert {u["id"] for u in listed} == {world.users[r] for r in ("owner", "practitioner", "front-desk")}
    prac = next(u for u in listed if u["id"] == world.users["practitioner"])
    assert prac["certifications"] == {"smp-training": "2999-01-01", "bloodborne-pathogens": "2999-01-01"}
    owner = world.signed_in("owner")
    added = owner.post("/api/v1/users", json=NEW_USER)
    assert added.status_code == 201, added.text
    assert added.json()["id"] in {u["id"] for u in owner.get("/api/v1/users").json()["users"]}
    taken = owner.post("/api/v1/users", json=NEW_USER)
    assert taken.status_code == 409 and taken.json()["code"] == "email_taken"
    for change, field in (({"role": "boss"}, "role"), ({"email": "nope"}, "email"), ({"name": ""}, "name")):
        answer = owner.post("/api/v1/users", json=NEW_USER | change)
        assert answer.status_code == 422 and answer.json()["field"] == field, (change, answer.text)
    assert world.signed_in("practitioner").post("/api/v1/users", json=NEW_USER).status_code == 403
    assert world.users["owner"] not in {
        u["id"] for u in world.signed_in("other").get("/api/v1/users").json()["users"]
    }


def test_deactivate_a_user_ends_their_login(world: World) -> None:
    desk = world.signed_in("front-desk")
    owner = world.signed_in("owner")
    path = f"/api/v1/users/{world.users['front-desk']}/deactivate"
    assert world.signed_in("practitioner").post(path).status_code == 403
    answer = owner.post(path)
    assert answer.status_code == 200 and answer.json() == {"id": world.users["front-desk"], "active": False}
    assert desk.get("/api/v1/me").status_code == 401
    self_lockout = owner.post(f"/api/v1/users/{world.users['owner']}/deactivate")
    assert self_lockout.status_code == 409 and self_lockout.json()["code"] == "cannot_deactivate"
    theirs = owner.post(f"/api/v1/users/{world.users['other']}/deactivate")
    assert theirs.status_code == 404 and theirs.json()["code"] == "no_user"
    assert owner.post("/api/v1/users/abc/deactivate").json()["field"] == "user_id"


def test_add_a_certification(world: World) -> None:
    owner = world.signed_in("owner")
    path = f"/api/v1/users/{world.users['front-desk']}/certifications"
    added = owner.post(path, json={"kind": "bloodborne-pathogens", "expires": "2999-12-31"})
    assert added.status_code == 201, added.text
    desk = next(u for u in owner.get("/api/v1/users").json()["users"] if u["id"] == world.users["front-desk"])
    assert desk["certifications"] == {"bloodborne-pathogens": "2999-12-31", "smp-training": "2999-01-01"}
    for body, field in (
        ({"kind": "first-aid", "expires": "2030-01-01"}, "kind"),
        ({"kind": "smp-training", "expires": "soon"}, "expires"),
        ({"kind": "smp-training"}, "expires"),
    ):
        answer = owner.post(path, json=body)
        assert answer.status_code == 422 and answer.json()["field"] == field, (body, answer.text)
    theirs = owner.post(
        f"/api/v1/users/{world.users['other']}/certifications",
        json={"kind": "smp-training", "expires": "2030-01-01"},
    )
    assert theirs.status_code == 404
    assert (
        world.signed_in("practitioner")
        .post(path, json={"kind": "smp-training", "expires": "2030-01-01"})
        .status_code
        == 403
    )


def test_set_a_password_self_or_owner(world: World) -> None:
    prac = world.signed_in("practitioner")
    mine = f"/api/v1/users/{world.users['practitioner']}/password"
    short = prac.post(mine, json={"password": "short"})
    assert short.status_code == 422 and short.json()["field"] == "password"
    desk_path = f"/api/v1/users/{world.users['front-desk']}/password"
    refused = prac.post(desk_path, json={"password": "another long password"})
    assert refused.status_code == 403 and refused.json()["code"] == "not_your_account"
    answer = prac.post(mine, json={"password": "a brand new password"})
    assert answer.status_code == 200 and answer.json()["user_id"] == world.users["practitioner"]
    assert answer.json()["sessions_ended"] >= 1
    again = world.anonymous().post(
        "/api/v1/login", json={"email": EMAILS["practitioner"], "password": PASSWORD}
    )
    assert again.status_code == 401
    owner = world.signed_in("owner")
    assert owner.post(desk_path, json={"password": "set by the owner"}).status_code == 200
    theirs = owner.post(
        f"/api/v1/users/{world.users['other']}/password", json={"password": "not yours at all"}
    )
    assert theirs.status_code == 404


def test_issue_list_and_revoke_api_tokens(world: World) -> None:
    prac = world.signed_in("practitioner")
    tokens = f"/api/v1/users/{world.users['practitioner']}/tokens"
    issued = prac.post(tokens, json={"name": "laptop"})
    assert issued.status_code == 201, issued.text
    token = issued.json()
    assert token["token"].startswith("smp_") and token["name"] == "laptop"
    assert prac.post(tokens).json()["name"] == "api"
    listed = prac.get(tokens).json()["tokens"]
    assert [(t["id"], t["revoked"]) for t in listed] == [(token["id"], False), (token["id"] + 1, False)]
    assert "token" not in listed[0]
    bearer = world.anonymous()
    bearer.headers["Authorization"] = f"Bearer {token['token']}"
    assert bearer.get("/api/v1/me").json()["user_id"] == world.users["practitioner"]

    revoke = f"{tokens}/{token['id']}/revoke"
    assert world.signed_in("front-desk").post(revoke).status_code == 403
    wrong_user = world.signed_in("owner").post(
        f"/api/v1/users/{world.users['owner']}/tokens/{token['id']}/revoke"
    )
    assert wrong_user.status_code == 404 and wrong_user.json()["code"] == "no_token"
    answer = prac.post(revoke)
    assert answer.status_code == 200 and answer.json() == {
        "id": token["id"],
        "user_id": world.users["practitioner"],
    }
    assert bearer.get("/api/v1/me").status_code == 401
    assert prac.get(tokens).json()["tokens"][0]["revoked"] is True
    assert prac.post(tokens, json={"name": ""}).json()["field"] == "name"
    assert world.signed_in("front-desk").get(tokens).status_code == 403
    assert world.signed_in("owner").get(tokens).status_code == 200
    assert world.signed_in("other").get(tokens).status_code == 404
    assert world.signed_in("other").post(revoke).status_code == 404


def test_show_and_change_the_clinic(world: World) -> None:
    shown = world.signed_in("front-desk").get("/api/v1/clinic").json()
    assert shown["id"] == world.clinic and shown["name"] == "Clinic A" and shown["retention_years"] == 6
    owner = world.signed_in("owner")
    change = {"phone": "+44 20 0000", "address": "1 High St", "timezone": "Europe/London"}
    changed = owner.patch("/api/v1/clinic", json=change)
    assert changed.status_code == 200 and changed.json() | change == changed.json()
    assert world.signed_in("other").get("/api/v1/clinic").json()["phone"] is None
    for body, field in (
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"email": "x"}, "email"),
        ({"id": 2}, "id"),
    ):
        answer = owner.patch("/api/v1/clinic", json=body)
        assert answer.status_code == 422 and answer.json()["field"] == field, (body, answer.text)
    assert world.signed_in("practitioner").patch("/api/v1/clinic", json={"phone": "1"}).status_code == 403


def test_clinic_rule_overrides_within_their_floors(world: World) -> None:
    c = world.signed_in("practitioner")
    before = c.get("/api/v1/clinic/rules").json()
    assert before["version"] is None and before["rules_versions"]["care"].startswith("care-")
    owner = world.signed_in("owner")
    toml = "[care.records]\nminimum_interval_days = 14\n"
    stored = owner.put("/api/v1/clinic/rules", json={"toml": toml})
    assert stored.status_code == 200, stored.text
    assert stored.json()["version"] == 1 and "clinic-v1" in stored.json()["rules_versions"]["care"]
    after = c.get("/api/v1/clinic/rules").json()
    assert after["text"] == toml and after["set_by"] == world.users["owner"]
    lowered = owner.put("/api/v1/clinic/rules", json={"toml": "[care.screening]\nminimum_age_years = 16\n"})
    assert lowered.status_code == 422 and lowered.json()["field"] == "rules.screening.minimum_age_years"
    assert owner.put("/api/v1/clinic/rules", json={"toml": "[[["}).json()["field"] == "rules"
    assert owner.put("/api/v1/clinic/rules", json={}).json()["field"] == "toml"
    assert c.put("/api/v1/clinic/rules", json={"toml": toml}).status_code == 403
    assert world.signed_in("other").get("/api/v1/clinic/rules").json()["version"] is None


def test_verify_the_audit_trail(world: World) -> None:
    answer = world.signed_in("owner").get("/api/v1/audit/verify")
    assert answer.status_code == 200
    body = answer.json()
    assert body["ok"] is True and body["entries"] > 0 and body["first_bad_entry"] is None
    assert world.signed_in("practitioner").get("/api/v1/audit/verify").status_code == 403
    assert world.signed_in("front-desk").get("/api/v1/audit/verify").status_code == 403
