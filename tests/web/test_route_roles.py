"""Every route × every role against the one route table: a role the table denies gets 403 and changes
nothing; a role it allows is never refused (403), never asked to sign in (401) and never meets a server error.

Each route is called with clinic A's ids and, for writes, a minimal valid body (:data:`BODIES` in
:mod:`tests.web.populated`; an empty one where none is listed), by front desk, then the practitioner, then
the owner, each through their own login session and its CSRF token.
"""

from __future__ import annotations

import pytest

from smpstudio.services import api_tokens
from smpstudio.web.app import api_routes
from smpstudio.web.permissions import allows
from smpstudio.web.route_table import ROUTE_PERMISSIONS
from tests.web.conftest import ROLES, ctx_for
from tests.web.populated import (
    Populated,
    populated_fixture,  # noqa: F401  (the fixture)
    populated_template_fixture,  # noqa: F401  (the fixture)
)
from tests.web.route_calls import (
    SELF_SERVICE_PARAMS,
    call_route,
    fill_path,
    ids_of,
    missing_path_sources,
    path_params,
    snapshot,
)

ROUTES = sorted(ROUTE_PERMISSIONS)
#: Least privileged first, so an owner's write (an erasure, a deactivation) comes last.
ORDER = ("front-desk", "practitioner", "owner")


def test_every_route_of_the_app_has_one_entry_in_the_table(populated: Populated) -> None:
    served: set[tuple[str, str]] = set()
    for route in api_routes(populated.app):
        served |= {(method, route.path) for method in route.methods or () if method != "HEAD"}
    assert served == set(ROUTE_PERMISSIONS)
    assert set(ORDER) == set(ROLES)


def test_every_path_parameter_has_an_id_source() -> None:
    missing = missing_path_sources(ROUTES)
    assert not missing, (
        f"add these path parameters to PATH_IDS or PATH_WORDS in tests/web/populated.py: {missing}"
    )


def _values(world: Populated, role: str, path: str, permission: str) -> dict[str, int | str]:
    """Clinic A's ids; a route any signed-in user may call about a user (their password, their tokens) is
    called about the caller themself, with a token of their own."""
    values = ids_of(world.a)
    if permission == "signed_in" and SELF_SERVICE_PARAMS & set(path_params(path)):
        user_id = world.users[role]
        token = api_tokens.issue_token(
            ctx_for(world.store, user_id), api_tokens.IssueTokenRequest.of(user_id=user_id)
        )
        values = {**values, "user_id": user_id, "token_id": token.id}
    return values


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_each_role_is_refused_or_served_as_the_table_says(
    populated: Populated, method: str, path: str
) -> None:
    assert not missing_path_sources([(method, path)])
    permission = ROUTE_PERMISSIONS[(method, path)]
    for role in ORDER:
        client = populated.cookie(role)
        url = fill_path(path, _values(populated, role, path, permission))
        if allows(role, permission):
            answer = call_route(client, method, path, url, populated.a)
            refusals = {403} if permission == "public" else {401, 403}  # a login's wrong password is 401
            assert answer.status_code not in refusals and answer.status_code < 500, (
                role,
                permission,
                answer.status_code,
                answer.text[:400],
            )
            continue
        before = snapshot(populated.store)
        answer = call_route(client, method, path, url, populated.a)
        assert answer.status_code == 403, (role, permission, answer.status_code, answer.text[:400])
        if path.startswith("/api/"):
            assert answer.json()["code"] == "forbidden"
        else:
            assert answer.headers["content-type"].startswith("text/html")
        assert snapshot(populated.store) == before, f"a refused {role} changed the store"


SELF_SERVICE = [
    (m, p)
    for m, p in ROUTES
    if ROUTE_PERMISSIONS[(m, p)] == "signed_in" and SELF_SERVICE_PARAMS & set(path_params(p))
]


@pytest.mark.parametrize(("method", "path"), SELF_SERVICE, ids=[f"{m} {p}" for m, p in SELF_SERVICE])
def test_a_users_own_account_routes_refuse_anyone_else_but_an_owner(
    populated: Populated, method: str, path: str
) -> None:
    """The table lets any signed-in user call these; the services let them act only on their own account
    (their password, their tokens), and an owner on any account of the clinic."""
    url = fill_path(path, ids_of(populated.a))  # another user's account: the staff practitioner's
    for role in ("front-desk", "practitioner"):
        before = snapshot(populated.store)
        answer = call_route(populated.cookie(role), method, path, url, populated.a)
        assert answer.status_code == 403, (role, answer.status_code, answer.text[:400])
        assert snapshot(populated.store) == before, f"a refused {role} changed the store"
    answer = call_route(populated.cookie("owner"), method, path, url, populated.a)
    assert answer.status_code not in (401, 403) and answer.status_code < 500, answer.text[:400]
