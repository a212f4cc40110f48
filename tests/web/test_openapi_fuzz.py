"""schemathesis against the API's own OpenAPI document, through the ASGI app, as clinic A's owner with a
bearer token: a short, derandomised run (a few examples per operation, a fixed seed) in which no answer is a
server error, and every answer's status is one the document lists for the operation, with a body of the
documented media type matching its schema.

The document is read from the test process's app (:func:`tests.web.populated.shared_app`) when this module
is collected, so a new route is fuzzed without a change here; each operation's test re-points that app at
a fresh copy of the populated store. (``schemathesis.pytest.from_fixture`` would read it per test, but
schemathesis 4.32 reads ``request.node._nodeid``, which pytest 9 no longer has.) Each case carries a freshly
issued token: a generated id may name the owner's own token in ``.../tokens/{token_id}/revoke``.
"""

from __future__ import annotations

import hypothesis
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from smpstudio.services import api_tokens
from tests.web.conftest import ctx_for
from tests.web.populated import (
    Populated,
    populated_fixture,  # noqa: F401  (the fixture)
    populated_template_fixture,  # noqa: F401  (the fixture)
    shared_app,
)

SEED = 20_260_314
#: Examples per operation in the fuzzing phase (the document's own examples run as well).
EXAMPLES = 4
CONFIG = {
    "seed": SEED,
    "phases": {
        "examples": {"enabled": True},
        "coverage": {"enabled": False},
        "fuzzing": {"enabled": True},
        "stateful": {"enabled": False},
    },
    "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_asgi(
    "/api/v1/openapi.json", shared_app(), config=SchemathesisConfig.from_dict(CONFIG)
)


@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_the_api_answers_as_its_document_says(case: Case, populated: Populated) -> None:
    owner = populated.users["owner"]
    issue = api_tokens.IssueTokenRequest.of(user_id=owner)
    token = api_tokens.issue_token(ctx_for(populated.store, owner), issue).token
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
