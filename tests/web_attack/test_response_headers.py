"""What a browser or a proxy keeps of a staff member's pages. Case pages, the raw e-mail of an
order, audit exports and a freshly rotated API key must not be left in a disk cache or a shared
proxy after the moderator logs out (ASVS 8.2.1); the public pages may be cached."""

from tanggap.domain.access import SYSTEM
from tanggap.services.accounts import add_user
from tests.web.conftest import bearer
from tests.web_attack.conftest import logged_in, page_token


def test_staff_pages_and_api_answers_are_not_stored_by_caches(store, attacker_client, ministry_key,
                                                             moderator_login):
    admin = add_user(store.uow(), "ani", "admin", ["en"], SYSTEM)
    moderator = logged_in(attacker_client, "sari", moderator_login.password)
    order = moderator.post("/api/v1/orders", headers=bearer(ministry_key), json={
        "reference": "B-CACHE", "category": "terrorism", "targets": ["@kabar_cache"]})
    case_id = order.json()["targets"][0]["case_id"]
    api = attacker_client()
    answers = {
        "order receipt": order,
        "login page": attacker_client().get("/login"),
        "queue": moderator.get("/console/queue"),
        "case page": moderator.get(f"/console/cases/{case_id}"),
        "case over the API": api.get(f"/api/v1/cases/{case_id}", headers=bearer(moderator_login.api_key)),
        "audit export": api.get("/api/v1/audit", params={"format": "csv"}, headers=bearer(admin.api_key)),
    }
    console = logged_in(attacker_client, "ani", admin.password)
    answers["rotated key"] = console.post("/console/admin/accounts", data={
        "action": "rotate", "owner_type": "user", "name": "sari", "csrf_token": page_token(console)})
    assert "tgp_" in answers["rotated key"].text
    stored = {name: answer.headers.get("cache-control") for name, answer in answers.items()
              if "no-store" not in (answer.headers.get("cache-control") or "")}
    assert not stored, f"cacheable: {stored}"


def test_public_pages_stay_cacheable_and_the_console_policy_limits_forms(attacker_client):
    client = attacker_client()
    for path in ("/transparency", "/transparency.json", "/api/v1/transparency/daily", "/static/console.js"):
        assert "no-store" not in client.get(path).headers.get("cache-control", ""), path
    policy = client.get("/login").headers["content-security-policy"]
    assert "form-action 'self'" in policy and "base-uri 'none'" in policy and "frame-ancestors 'none'" in policy


def test_a_server_error_carries_the_same_headers_as_every_other_answer(settings, store):
    from fastapi.testclient import TestClient

    from tanggap.web.app import create_app

    app = create_app(settings, store=store)

    @app.get("/console/boom")
    def boom():
        raise RuntimeError("internals")

    answer = TestClient(app, raise_server_exceptions=False).get("/console/boom")
    assert answer.status_code == 500
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"
