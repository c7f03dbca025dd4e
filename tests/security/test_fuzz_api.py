"""Fuzzing the API with schemathesis against its own contract, `/api/schema/`.

The schema is fetched from the app in process (WSGI, no server), then every operation is
called with generated input — valid and invalid, `mode: all` — as each role: anonymous,
an agent, a supervisor and a manager, each with a DRF token. Every answer must not be a
5xx, must use a status code the schema documents for that operation, and must match the
schema documented for that code.

Bounded and reproducible for CI: a fixed seed, deterministic generation, 15 fuzzed
examples per operation and role plus the schema's own examples (about 1,300 requests in
all). Generated path ids are replaced, half of the time, by ids that exist (the tickets,
files and escalations of `world.build_world()` and a few more tickets in other states),
so the fuzzer reaches the views' real work and not only their 404s.
"""

import os
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from config.wsgi import application
from tickets.api_tokens import ApiToken, issue_token

from ..factories import make_ticket
from ..tickets.workflow_helpers import advance
from .world import build_world

pytestmark = pytest.mark.django_db

FUZZ_ROLES = ("anonymous", "agent", "supervisor", "manager")
# FUZZ_EXAMPLES=200 FUZZ_COVERAGE=1 for a deeper hunt by hand; CI keeps the defaults.
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "15"))
COVERAGE_PHASE = os.environ.get("FUZZ_COVERAGE", "") == "1"

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 8,
        "generation": {
            "mode": "all",
            "max-examples": EXAMPLES_PER_OPERATION,
            "deterministic": True,
            "database": "none",
        },
        "checks": {
            "enabled": False,
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
        },
        # The coverage phase alone sends hundreds of boundary cases per operation: too many
        # for CI's two cores. Stateful runs would need links the schema does not declare.
        "phases": {"coverage": {"enabled": COVERAGE_PHASE}, "stateful": {"enabled": False}},
    }
)

schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)

# Answers by (role, status), printed at the end of the module (`-s`) for docs/reliability.md.
ANSWERS: Counter = Counter()

# Path parameters that exist in this test's data, by operation path; filled by `fuzz_world`.
KNOWN_PATH_PARAMETERS: dict[str, list[dict]] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    known = KNOWN_PATH_PARAMETERS.get(context.operation.path)
    if not known:
        return st.just(path_parameters)
    return st.one_of(st.just(path_parameters), st.sampled_from(known))


@pytest.fixture
def fuzz_world(reference_data, settings):
    """build_world()'s people and tickets, tokens for every fuzzed role, and rate limits
    out of the way (they are tested in test_rate_limits.py; here they would turn the run
    into a wall of 429s)."""
    unlimited = "1000000/minute"
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"intake": unlimited, "token": unlimited},
    }
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, unlimited)
    settings.LOGIN_LOCKOUT_FAILURES = 1_000_000

    world = build_world()
    agent = world.users["agent"]
    tickets = [world.ticket_a, world.ticket_b]
    for state in ("verify", "resolve", "closed"):
        ticket = make_ticket()
        tickets.append(advance(ticket, state, agent))
    ticket_ids = [{"id": t.pk} for t in tickets]
    KNOWN_PATH_PARAMETERS.clear()
    for path in schema.raw_schema["paths"]:
        if path.startswith("/api/tickets/{id}/"):
            KNOWN_PATH_PARAMETERS[path] = ticket_ids
    KNOWN_PATH_PARAMETERS["/api/tickets/{ticket_id}/escalations/"] = [
        {"ticket_id": t.pk} for t in tickets
    ]
    KNOWN_PATH_PARAMETERS["/api/tickets/{id}/attachments/{attachment_id}/"] = [
        {"id": world.ticket_a.pk, "attachment_id": world.evidence_a},
        {"id": world.ticket_a.pk, "attachment_id": world.staff_file_a},
        {"id": world.ticket_b.pk, "attachment_id": world.evidence_b},
    ]
    for path in ("/api/escalations/{id}/", "/api/escalations/{id}/approve/"):
        KNOWN_PATH_PARAMETERS[path] = [{"id": world.escalation}]
    KNOWN_PATH_PARAMETERS["/api/escalations/{id}/reject/"] = [{"id": world.escalation}]
    # A token the fuzzer may revoke (the agent's own "World integration"), never its own.
    KNOWN_PATH_PARAMETERS["/api/tokens/{token_id}/"] = [
        {"token_id": t.pk} for t in ApiToken.objects.all()
    ]

    headers = {"anonymous": {}}
    for role in FUZZ_ROLES[1:]:
        secret = issue_token(user=world.users[role], name="Fuzzing").secret
        headers[role] = {"Authorization": f"Token {secret}"}
    # Requests reach the WSGI application directly, not through Django's test client, so
    # nothing stops Django from closing the test's own connection at the end of each request
    # (inside the test's transaction; on PostgreSQL every later query would then fail):
    # detach that, as the test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield headers
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        KNOWN_PATH_PARAMETERS.clear()


@pytest.fixture(scope="module", autouse=True)
def _print_figures():
    ANSWERS.clear()
    yield
    total = sum(ANSWERS.values())
    by_status = Counter()
    for (_role, status), count in ANSWERS.items():
        by_status[status] += count
    by_role = Counter()
    for (role, _status), count in ANSWERS.items():
        by_role[role] += count
    print(f"\nFUZZ FIGURES: {total} requests; by status {dict(sorted(by_status.items()))}; ")
    print(f"by role {dict(by_role)}; 5xx: {sum(c for s, c in by_status.items() if s >= 500)}")


@pytest.mark.parametrize("role", FUZZ_ROLES)
@schema.parametrize()
@hypothesis_settings(suppress_health_check=list(HealthCheck))
def test_api_answers_every_generated_request_as_its_schema_says(case, fuzz_world, role):
    response = case.call_and_validate(headers=fuzz_world[role])
    ANSWERS[role, response.status_code] += 1


# What the fuzzing found, kept by plain tests that do not depend on the generator's luck.


def _schema_document(api) -> dict:
    return api.get("/api/schema/", {"format": "json"}).json()


def test_every_operation_documents_its_refusals_in_the_error_shape(api):
    document = _schema_document(api)
    error = {"$ref": "#/components/schemas/ApiError"}
    assert document["components"]["schemas"]["ApiError"]["required"] == ["detail"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            expected = {"403", "503"}
            if method in ("post", "put", "patch"):
                expected |= {"400", "415"}
            if "{" in path:
                expected.add("404")
            responses = operation["responses"]
            assert expected <= set(responses), (method, path, sorted(responses))
            for code in expected:
                assert responses[code]["content"]["application/json"]["schema"] == error


def test_a_ticket_not_yet_classified_matches_its_schema(api, agent):
    """Found by the fuzzer: `category` and `responsibility` are null until classification,
    but the schema said string, so every client generated from it rejected new tickets."""
    components = _schema_document(api)["components"]["schemas"]
    assert components["TicketList"]["properties"]["category"].get("nullable") is True
    assert components["TicketDetail"]["properties"]["category"].get("nullable") is True
    assert components["TicketDetail"]["properties"]["responsibility"].get("nullable") is True
    ticket = make_ticket()
    api.force_authenticate(agent)
    answer = api.get(f"/api/tickets/{ticket.pk}/").json()
    assert (answer["category"], answer["responsibility"]) == (None, None)
