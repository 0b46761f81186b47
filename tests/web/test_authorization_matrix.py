"""The authorization matrix, generated from the app's route table: every route × every role
(and, where a route takes an object, the owner and another party). A route nobody classified
here fails the test, so a new route cannot ship without its rule."""

import re

import pytest
from starlette.routing import Mount

from tanggap.domain.access import SYSTEM
from tanggap.services.accounts import add_authority, add_user
from tests.web.conftest import bearer
from tests.web.test_console import csrf_of, log_in

ROLES = ("anonymous", "authority", "other_authority", "moderator", "senior", "admin", "auditor", "liaison")
STAFF = {"moderator", "senior", "admin", "auditor", "liaison"}
DECIDERS = {"moderator", "senior", "admin"}
SENIORS = {"senior", "admin"}
EVERYONE = set(ROLES)

# (method, path) -> roles that may use it. "authority" owns the order in the fixtures;
# "other_authority" is another authority, for whom the order must look like a missing one.
POLICY: dict[tuple[str, str], set[str]] = {
    ("POST", "/api/v1/orders"): {"authority", "other_authority"},
    ("GET", "/api/v1/orders/{order_id}"): {"authority"} | STAFF,
    ("GET", "/api/v1/cases"): STAFF,
    ("GET", "/api/v1/cases/{case_id}"): STAFF,
    ("POST", "/api/v1/cases/{case_id}/decision"): DECIDERS,
    ("GET", "/api/v1/evidence/{sha256}"): STAFF,
    ("GET", "/api/v1/transparency/daily"): EVERYONE,
    ("GET", "/api/v1/queue"): STAFF,
    ("POST", "/api/v1/cases/{case_id}/claim"): DECIDERS,
    ("POST", "/api/v1/cases/{case_id}/release"): DECIDERS,
    ("POST", "/api/v1/cases/{case_id}/approval"): SENIORS,
    ("POST", "/api/v1/orders/{order_id}/decision"): DECIDERS,
    ("POST", "/api/v1/appeals"): {"admin", "liaison"},
    ("GET", "/api/v1/appeals"): STAFF,
    ("POST", "/api/v1/appeals/{appeal_id}/resolution"): DECIDERS,
    ("GET", "/api/v1/audit"): {"admin", "auditor"},
    ("GET", "/api/v1/posthoc"): SENIORS,
    ("POST", "/api/v1/cases/{case_id}/posthoc"): SENIORS,
    ("POST", "/api/v1/cases/{case_id}/reversal"): SENIORS,
    ("GET", "/api/v1/audit/checkpoint"): EVERYONE,
    ("GET", "/"): EVERYONE,
    ("GET", "/login"): EVERYONE,
    ("POST", "/login"): EVERYONE,
    ("POST", "/logout"): EVERYONE,
    ("POST", "/logout/everywhere"): EVERYONE,  # without a session there is nothing to end
    ("GET", "/appeal"): EVERYONE,
    ("POST", "/appeal"): EVERYONE,
    ("GET", "/console/queue"): STAFF,
    ("GET", "/console/cases/{case_id}"): STAFF,
    ("POST", "/console/cases/{case_id}/claim"): DECIDERS,
    ("POST", "/console/cases/{case_id}/release"): DECIDERS,
    ("POST", "/console/cases/{case_id}/decision"): DECIDERS,
    ("GET", "/console/intake"): STAFF,
    ("POST", "/console/intake/{inbound_id}/release"): {"admin"},
    ("GET", "/console/approvals"): SENIORS,
    ("POST", "/console/cases/{case_id}/posthoc"): SENIORS,
    ("POST", "/console/cases/{case_id}/approve"): SENIORS,
    ("POST", "/console/cases/{case_id}/reject"): SENIORS,
    ("GET", "/console/orders/{order_id}/bulk"): DECIDERS,
    ("POST", "/console/orders/{order_id}/bulk"): DECIDERS,
    ("GET", "/console/appeals"): STAFF,
    ("GET", "/console/appeals/{appeal_id}"): STAFF,
    ("POST", "/console/appeals/{appeal_id}/resolution"): DECIDERS,
    ("GET", "/console/audit"): {"admin", "auditor"},
    ("GET", "/console/audit/export.csv"): {"admin", "auditor"},
    ("GET", "/console/reversals"): SENIORS,
    ("GET", "/console/reversals/{case_id}"): SENIORS,
    ("POST", "/console/reversals/{case_id}"): SENIORS,
    ("GET", "/console/admin/accounts"): {"admin"},
    ("POST", "/console/admin/accounts"): {"admin"},
    ("GET", "/metrics"): STAFF,
    ("GET", "/openapi.json"): STAFF,
    ("GET", "/docs"): STAFF,
    ("GET", "/redoc"): STAFF,
    # Triage of authority e-mail (issue 8): staff see it, deciders settle it.
    ("GET", "/console/triage"): STAFF,
    ("GET", "/console/triage/{inbound_id}"): STAFF,
    ("POST", "/console/triage/{inbound_id}/order"): DECIDERS,
    ("POST", "/console/triage/{inbound_id}/attach"): DECIDERS,
    ("POST", "/console/triage/{inbound_id}/dismiss"): DECIDERS,
    # The console (issue 10).
    ("GET", "/console/live"): STAFF,
    ("GET", "/console/orders/{order_id}"): STAFF,
    ("GET", "/console/profile"): STAFF,
    ("POST", "/console/profile"): STAFF,
    ("POST", "/console/cases/{case_id}/assign"): SENIORS,
    ("POST", "/console/cases/{case_id}/posts/{post_id}/translate"): STAFF,
    # Accountability (issue 11): public pages, the authority's own compliance report, evidence.
    ("GET", "/transparency"): EVERYONE,
    ("GET", "/transparency.atom"): EVERYONE,
    ("GET", "/transparency.csv"): EVERYONE,
    ("GET", "/transparency.json"): EVERYONE,
    ("GET", "/api/v1/compliance"): EVERYONE - {"anonymous"},
    ("GET", "/api/v1/cases/{case_id}/snapshot"): STAFF,
    ("POST", "/console/cases/{case_id}/legal-hold"): {"admin"},
}
PUBLIC_MOUNTS = {"/static", "/docs-assets"}


def route_table(app):
    """(method, path) of every route the app serves, included routers and mounts too."""
    def walk(routes, prefix=""):
        for route in routes:
            if type(route).__name__ == "_IncludedRouter":
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif isinstance(route, Mount):
                yield "MOUNT", prefix + route.path
            else:
                for method in sorted(route.methods or ()):
                    if method != "HEAD":
                        yield method, prefix + route.path
    return sorted(set(walk(app.router.routes)))


@pytest.fixture
def world(store, make_client):
    """One order (by "authority") with its case, and a logged-in client per role."""
    keys = {"authority": add_authority(store.uow(), "Kemkomdigi", "ID", ["komdigi.go.id"], SYSTEM).api_key,
            "other_authority": add_authority(store.uow(), "Garda", "EU", ["garda.ie"], SYSTEM).api_key}
    client = make_client()
    order = client.post("/api/v1/orders", headers=bearer(keys["authority"]), json={
        "reference": "B-1", "category": "terrorism", "targets": ["@kabar_matrix"]}).json()
    ids = {"order_id": order["order_id"], "case_id": order["targets"][0]["case_id"],
           "appeal_id": _appeal(store, client, keys["authority"]), "inbound_id": "01NOINBOUND000000000000000",
           "sha256": "a" * 64,
           "post_id": "1"}
    sessions = {}
    for role in ("moderator", "senior", "admin", "auditor", "liaison"):
        issued = add_user(store.uow(), f"{role}_user", role, ["id", "en"], SYSTEM)
        keys[role] = issued.api_key
        sessions[role] = make_client()
        assert log_in(sessions[role], issued.name, issued.password).status_code == 303
    sessions["anonymous"] = sessions["authority"] = sessions["other_authority"] = None
    return client, keys, sessions, ids


def _appeal(store, client, key):
    """An open appeal against a block on another channel of the same authority."""
    from tanggap.domain.model import CaseState
    from tanggap.services.appeals import submit_appeal
    from tanggap.services.decisions import DecisionRequest, decide
    from tanggap.services.accounts import principal_for_key

    order = client.post("/api/v1/orders", headers=bearer(key), json={
        "reference": "B-2", "category": "terrorism", "targets": ["@kabar_appealed"]}).json()
    case_id = order["targets"][0]["case_id"]
    decider = principal_for_key(store.uow(), add_user(store.uow(), "decider", "moderator", ["id"], SYSTEM).api_key)
    decide(store.uow(), case_id, DecisionRequest("block", "propaganda", ["ID"]), decider)
    with store.uow() as uow:
        uow.cases.get(case_id).state = CaseState.ACTIONED
        uow.commit()
    return submit_appeal(store.uow(), "@kabar_appealed", "owner", "matrix", None, "public").appeal_id


def test_every_route_has_a_rule(client):
    served = [entry for entry in route_table(client.app)
              if entry[0] != "MOUNT" or entry[1] not in PUBLIC_MOUNTS]
    unclassified = [entry for entry in served if entry not in POLICY]
    assert not unclassified, f"routes without an authorization rule: {unclassified}"


# Bodies that pass validation, so that the request reaches the permission check.
DECISION = {"action": "no_action", "reason": "matrix"}
JSON_BODIES = {
    "/api/v1/orders": {"reference": "M-1", "category": "terrorism", "targets": ["@kabar_matrix_dua"]},
    "/api/v1/cases/{case_id}/decision": DECISION,
    "/api/v1/cases/{case_id}/approval": {"approve": False, "reason": "matrix"},
    "/api/v1/orders/{order_id}/decision": DECISION | {"case_ids": ["{case_id}"]},
    "/api/v1/appeals": {"target": "@kabar_matrix", "appellant": "owner", "grounds": "matrix"},
    "/api/v1/appeals/{appeal_id}/resolution": {"reverse": False, "reason": "matrix"},
    "/api/v1/cases/{case_id}/posthoc": {"confirm": True, "reason": "matrix"},
    "/api/v1/cases/{case_id}/reversal": {"approve": False, "reason": "matrix"},
}
FORMS = {
    "/login": {"name": "nobody", "password": "x"},
    "/appeal": {"channel": "@kabar_matrix", "name": "owner", "grounds": "matrix"},
    "/console/cases/{case_id}/decision": DECISION,
    "/console/cases/{case_id}/posthoc": {"verdict": "confirm", "reason": "matrix"},
    "/console/cases/{case_id}/reject": {"reason": "matrix"},
    "/console/orders/{order_id}/bulk": DECISION,
    "/console/appeals/{appeal_id}/resolution": {"outcome": "uphold", "reason": "matrix"},
    "/console/intake/{inbound_id}/release": {"authority": "x"},
    "/console/reversals/{case_id}": {"verdict": "reject", "reason": "matrix"},
    "/console/admin/accounts": {"action": "none"},
    "/console/triage/{inbound_id}/order": {"category": "terrorism", "extra_targets": "@kabar_matrix"},
    "/console/triage/{inbound_id}/attach": {"order_id": "{order_id}"},
    "/console/triage/{inbound_id}/dismiss": {"reason": "not an order, a question"},
    "/console/profile": {"locale": "id"},
    "/console/cases/{case_id}/assign": {"assigned_to": "team:id"},
    "/console/cases/{case_id}/legal-hold": {"hold": "set", "reason": "matrix"},
}
# Their success is the way to the login page, so only 401/403 count as a refusal there.
ENDS_AT_LOGIN = {("POST", "/logout"), ("POST", "/logout/everywhere")}
# Another party's object answers as a missing one (404), which is a refusal too.
OBJECT_ROUTES = {("GET", "/api/v1/orders/{order_id}"), ("POST", "/api/v1/orders/{order_id}/decision")}


def _denied(method, path, role, response) -> bool:
    if response.status_code in (401, 403):
        return True
    if (method, path) in OBJECT_ROUTES and role == "other_authority" and response.status_code == 404:
        return True
    to_login = response.status_code in (302, 303, 307) and response.headers.get("location", "").endswith("/login")
    return to_login and (method, path) not in ENDS_AT_LOGIN


def _filled(value, ids):
    if isinstance(value, dict):
        return {k: _filled(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, ids) for v in value]
    return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], value) if isinstance(value, str) else value


def _call(world, api, method, path, role):
    _, keys, sessions, ids = world
    url = _filled(path, ids)
    if path.startswith("/api/") or path in ("/metrics", "/openapi.json", "/docs", "/redoc"):
        api.cookies.clear()
        headers = bearer(keys[role]) if role in keys else {}
        if method == "GET":
            return api.get(url, headers=headers, params={"date": "2026-11-28", "month": "2026-11"},
                           follow_redirects=False)
        return api.post(url, headers=headers, json=_filled(JSON_BODIES.get(path, {}), ids), follow_redirects=False)
    http = sessions.get(role) or api
    if http is api:
        api.cookies.clear()
    if method == "GET":
        return http.get(url, follow_redirects=False)
    # Console forms carry the session's CSRF token: what is tested here is the role, not CSRF.
    token = csrf_of(http.get("/login").text)
    return http.post(url, data=_filled(FORMS.get(path, {}), ids) | {"csrf_token": token}, follow_redirects=False)


def test_each_route_answers_each_role_by_its_rule(world, make_client):
    api = make_client()
    wrong = []
    for method, path in sorted(POLICY):
        for role in ROLES:
            response = _call(world, api, method, path, role)
            allowed = role in POLICY[(method, path)]
            if allowed == _denied(method, path, role, response) or response.status_code >= 500:
                wrong.append((method, path, role, response.status_code))
    assert not wrong, "answered against the rule:\n" + "\n".join(map(str, wrong))


def test_another_authoritys_order_looks_like_a_missing_one(world, make_client):
    _, keys, _, ids = world
    api = make_client()
    url = f"/api/v1/orders/{ids['order_id']}"
    assert api.get(url, headers=bearer(keys["authority"])).status_code == 200
    other = api.get(url, headers=bearer(keys["other_authority"]))
    unknown = "01NOSUCHORDER0000000000000"
    missing = api.get(f"/api/v1/orders/{unknown}", headers=bearer(keys["other_authority"]))
    assert other.status_code == missing.status_code == 404
    assert other.json()["detail"].replace(ids["order_id"], "X") == missing.json()["detail"].replace(unknown, "X")
