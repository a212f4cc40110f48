"""The studio's kernel: signing in and out, the guard, CSRF, headers, errors and the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

import pytest

from smpstudio.web.route_table import ROUTE_PERMISSIONS
from smpstudio.web.security import SECURITY_HEADERS
from tests.web.conftest import EMAILS, PASSWORD, World


def test_login_answers_user_and_csrf_and_sets_one_httponly_cookie(world: World) -> None:
    c = world.anonymous()
    answer = c.post("/api/v1/login", json={"email": EMAILS["practitioner"], "password": PASSWORD})
    assert answer.status_code == 200
    body = answer.json()
    assert body["user_id"] == world.users["practitioner"] and body["role"] == "practitioner"
    assert body["clinic_id"] == world.clinic and len(body["csrf_token"]) == 64
    cookies = answer.headers.get_list("set-cookie")
    assert len(cookies) == 1
    assert cookies[0].startswith("smp_session=") and "HttpOnly" in cookies[0] and "SameSite=lax" in cookies[0]
    assert "Secure" not in cookies[0]  # served over plain HTTP here
    assert c.get("/api/v1/me").json()["user_id"] == world.users["practitioner"]


def test_wrong_password_is_401_in_the_error_shape(world: World) -> None:
    answer = world.anonymous().post(
        "/api/v1/login", json={"email": EMAILS["owner"], "password": "nope nope nope"}
    )
    assert answer.status_code == 401
    assert answer.json()["code"] == "wrong_login" and answer.json()["ok"] is False


def test_ten_failed_logins_are_throttled_with_429(world: World) -> None:
    c = world.anonymous()
    for _ in range(10):
        assert (
            c.post("/api/v1/login", json={"email": EMAILS["owner"], "password": "wrong-password"}).status_code
            == 401
        )
    answer = c.post("/api/v1/login", json={"email": EMAILS["owner"], "password": PASSWORD})
    assert answer.status_code == 429 and answer.json()["code"] == "too_many_logins"


def test_api_without_login_is_401_never_a_redirect(world: World) -> None:
    c = world.anonymous()
    for (method, path), permission in ROUTE_PERMISSIONS.items():
        if permission == "public" or not path.startswith("/api/"):
            continue
        answer = c.request(method, path.replace("{", "").replace("}", ""))
        assert answer.status_code == 401, (method, path, answer.status_code)
        assert answer.headers["content-type"].startswith("application/json")


def test_pages_without_login_redirect_to_the_login_page(world: World) -> None:
    answer = world.anonymous().get("/")
    assert answer.status_code == 303 and answer.headers["location"] == "/login"


def test_cookie_writes_without_the_csrf_token_are_403(world: World) -> None:
    c = world.signed_in("owner")
    del c.headers["X-CSRF-Token"]
    answer = c.post("/api/v1/logout")
    assert answer.status_code == 403 and answer.json()["code"] == "csrf_failed"
    c.headers["X-CSRF-Token"] = "0" * 64
    assert c.post("/api/v1/logout").status_code == 403


def test_bearer_tokens_need_no_csrf_token(world: World) -> None:
    c = world.bearer("owner")
    assert c.get("/api/v1/me").json()["csrf_token"] is None
    c.headers["Authorization"] = "Bearer smp_not-a-token"
    assert c.get("/api/v1/me").status_code == 401


def test_logout_ends_the_session_on_the_server(world: World) -> None:
    c = world.signed_in("owner")
    cookie = c.cookies.get("smp_session")
    assert c.post("/api/v1/logout").status_code == 200
    replay = world.anonymous()
    replay.cookies.set("smp_session", cookie or "")
    assert replay.get("/api/v1/me").status_code == 401


def test_every_response_carries_the_security_headers(world: World) -> None:
    for answer in (
        world.anonymous().get("/login"),
        world.anonymous().get("/api/v1/me"),
        world.anonymous().get("/nope"),
    ):
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers[name] == value
    csp = SECURITY_HEADERS["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp


def test_the_login_page_loads_only_the_studios_own_scripts(world: World) -> None:
    html = world.anonymous().get("/login").text
    assert '<script src="/static/htmx-2.0.11.min.js" defer></script>' in html
    assert "<script>" not in html and " on" + "click=" not in html


def test_bodies_over_the_limit_are_413(world: World) -> None:
    c = world.anonymous()
    answer = c.post("/api/v1/login", content=b"x" * 26_000_000, headers={"content-type": "application/json"})
    assert answer.status_code == 413 and answer.json()["code"] == "body_too_large"


def test_malformed_json_names_the_body(world: World) -> None:
    answer = world.anonymous().post(
        "/api/v1/login", content=b"{", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422 and answer.json()["field"] == "body"


def test_openapi_lists_only_api_routes_with_their_error_statuses(world: World) -> None:
    doc = world.anonymous().get("/api/v1/openapi.json").json()
    assert all(path.startswith("/api/v1/") for path in doc["paths"])
    me = doc["paths"]["/api/v1/me"]["get"]["responses"]
    assert {"200", "401", "403", "422", "503"} <= me.keys()
    login = doc["paths"]["/api/v1/login"]["post"]["responses"]
    assert {"200", "401", "422", "429"} <= login.keys()


def test_a_requests_today_is_the_clinics_today(world: World) -> None:
    import datetime as dt
    from types import SimpleNamespace

    from smpstudio.services.accounts import SessionUser
    from smpstudio.services.context import Clock, ServiceContext
    from smpstudio.web.state import Principal, Studio, service_context

    late = dt.datetime(2027, 1, 1, 11, 30, tzinfo=dt.UTC)  # already 2 January in Kiritimati (UTC+14)
    context = ServiceContext(store=world.store, clock=Clock(dt.UTC, lambda: late))
    studio = Studio(world.app.state.studio.settings, context, b"k" * 32)
    user = SessionUser(user_id=1, clinic_id=1, role="owner", name="O", timezone="Pacific/Kiritimati")
    request = SimpleNamespace(
        app=SimpleNamespace(state=SimpleNamespace(studio=studio)),
        state=SimpleNamespace(principal=Principal(user, "token")),
    )
    ctx = service_context(request)  # type: ignore[arg-type]
    assert ctx.user_id == 1 and ctx.today() == dt.date(2027, 1, 2) and context.today() == dt.date(2027, 1, 1)


def test_every_template_that_writes_the_csrf_field_can_see_the_token() -> None:
    """An imported macro sees the page's variables only when imported ``with context``: without it the
    CSRF field is empty and every plain form post is refused."""
    import re
    from importlib import resources

    folder = resources.files("smpstudio.web").joinpath("templates")
    blind = []
    for path in sorted(Path(str(folder)).rglob("*.html")):
        for line in path.read_text().splitlines():
            if (
                re.search(r'{%\s*from\s+"macros.html"\s+import\s+[^%]*\bcsrf\b', line)
                and "with context" not in line
            ):
                blind.append(path.name)
    assert not blind


def test_an_internal_error_is_500_with_the_headers_and_only_its_type_logged(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from smpstudio.services import api_tokens

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("Jane Secretname jane@private.example")

    c = world.bearer("owner")
    monkeypatch.setattr(api_tokens, "token_user", broken)
    with caplog.at_level("INFO", logger="smpstudio.web"):
        api = c.get("/api/v1/me")
        page = c.get("/")
    assert api.status_code == 500 and api.json()["code"] == "internal"
    assert page.status_code == 500 and "Something went wrong" in page.text
    for answer in (api, page):
        assert answer.headers["content-security-policy"] == SECURITY_HEADERS["content-security-policy"]
        assert answer.headers["cache-control"] == "no-store" and "Secretname" not in answer.text
    assert "RuntimeError" in caplog.text and "Secretname" not in caplog.text
    assert "GET /api/v1/me 500" in caplog.text  # the access log saw the answer


def test_a_csrf_token_that_is_not_ascii_is_refused_not_a_crash(world: World) -> None:
    c = world.signed_in("owner")
    del c.headers["X-CSRF-Token"]
    for sent in ({"headers": {"X-CSRF-Token": b"\xe9" * 64}}, {"data": {"csrf_token": "\u00e9" * 64}}):
        answer = c.post("/api/v1/logout", **sent)  # type: ignore[arg-type]
        assert answer.status_code == 403 and answer.json()["code"] == "csrf_failed"


def test_cross_site_writes_and_cross_site_cookie_api_calls_are_refused(world: World) -> None:
    other_site = {"Sec-Fetch-Site": "cross-site"}
    anonymous = world.anonymous()
    login = {"email": EMAILS["owner"], "password": PASSWORD}
    assert anonymous.post("/login", data=login, headers=other_site).status_code == 403  # login CSRF
    assert anonymous.post("/login", data=login, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 303
    owner = world.signed_in("owner")
    export = f"/api/v1/clients/{world.client}/export"
    assert owner.get(export, headers=other_site).status_code == 403
    assert owner.get(export, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200
    assert owner.get("/", headers=other_site).status_code == 200  # a link from elsewhere opens a page
    assert world.bearer("owner").get(export, headers=other_site).status_code == 200  # a script's token


def test_an_anonymous_api_call_is_401_before_its_body_is_read(world: World) -> None:
    answer = world.anonymous().post(
        "/api/v1/clients", content=b"{bad", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 401 and answer.json()["code"] == "not_signed_in"
    assert world.anonymous().get("/api/v1/openapi.json").status_code == 200
    assert world.anonymous().get("/api/v1/health").status_code == 200


def test_a_host_name_the_studio_was_not_given_is_refused(world: World) -> None:
    c = world.anonymous()
    assert c.get("/api/v1/health", headers={"Host": "rebound.example"}).status_code == 400
    assert c.get("/api/v1/health", headers={"Host": "localhost:8000"}).status_code == 200
