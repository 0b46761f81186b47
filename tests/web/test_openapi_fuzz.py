"""Generated tests: schemathesis reads the OpenAPI document the server publishes and throws
inputs built from it at every /api/v1 operation, on the in-process app (no network).

Each generated request is sent as staff (an admin: every permission) and as an authority, once
with the generated path ids and once with the ids of real objects, so the calls reach the
handlers instead of stopping at 401 or 404. Every answer must be: no 5xx, a status code the
document lists, its content type, and a body the documented schema accepts.

Bounded so CI stays quick: a few examples per operation, derandomized (the same inputs every
run), no example database.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from tanggap.domain.access import SYSTEM
from tanggap.services.accounts import add_authority, add_user
from tests.conftest import bearer

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 6


@pytest.fixture
def fuzz_world(store, make_client):
    """An authority's order with its case, an open appeal on a blocked channel, and the keys."""
    from tests.web.test_authorization_matrix import _appeal

    client = make_client()
    authority = add_authority(store.uow(), "Kemkomdigi", "ID", ["komdigi.go.id"], SYSTEM).api_key
    admin = add_user(store.uow(), "fuzz_admin", "admin", ["id", "en"], SYSTEM).api_key
    order = client.post("/api/v1/orders", headers=bearer(authority), json={
        "reference": "F-1", "category": "terrorism", "targets": ["@kabar_fuzz", "t.me/kabar_fuzz/7"]}).json()
    ids = {"order_id": order["order_id"], "case_id": order["targets"][0]["case_id"],
           "appeal_id": _appeal(store, client, authority)}
    return client.app, {"staff": bearer(admin), "authority": bearer(authority)}, ids


@pytest.fixture
def api_schema(fuzz_world):
    app, callers, _ = fuzz_world
    # /openapi.json is for staff only (issue 9): schemathesis fetches it with the admin's key.
    return schemathesis.openapi.from_asgi("/openapi.json", app, headers=callers["staff"])


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, fuzz_world):
    _, callers, ids = fuzz_world
    for headers in callers.values():
        case.call_and_validate(headers=headers, checks=CHECKS)
    known = {name: ids[name] for name in (case.path_parameters or {}) if name in ids}
    if known:
        case.path_parameters = {**case.path_parameters, **known}
        for headers in callers.values():
            case.call_and_validate(headers=headers, checks=CHECKS)


def test_the_document_types_every_json_answer(client, store):
    """Every /api/v1 operation says what a success returns (a schema, not an empty object)."""
    admin = add_user(store.uow(), "doc_admin", "admin", ["id"], SYSTEM).api_key
    document = client.get("/openapi.json", headers=bearer(admin)).json()
    untyped = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            success = next(v for k, v in operation["responses"].items() if k.startswith("2"))
            for media, body in success.get("content", {}).items():
                if media == "application/json" and not body.get("schema"):
                    untyped.append(f"{method.upper()} {path}")
    assert untyped == []
    assert "application/problem+json" in document["paths"]["/api/v1/orders"]["post"]["responses"]["422"]["content"]
