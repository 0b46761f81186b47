from tests.web.conftest import bearer

ORDER = {"reference": "B-77", "category": "terorisme", "targets": ["@kabar_x", "@kabar_y"]}


def test_auditors_browse_and_export_the_audit_log_others_cannot(client, store, ministry_key, moderator_login):
    from tanggap.domain.access import SYSTEM
    from tanggap.services.accounts import add_user

    auditor = add_user(store.uow(), "audra", "auditor", ["en"], SYSTEM)
    client.post("/api/v1/orders", json=ORDER, headers=bearer(ministry_key))
    events = client.get("/api/v1/audit", headers=bearer(auditor.api_key)).json()["events"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    csv_export = client.get("/api/v1/audit", params={"format": "csv"}, headers=bearer(auditor.api_key))
    assert csv_export.text.splitlines()[0].startswith("seq,at,actor,kind")
    assert client.get("/api/v1/audit", headers=bearer(moderator_login.api_key)).status_code == 403


def test_queue_claim_and_release_over_the_api(client, ministry_key, moderator_login):
    client.post("/api/v1/orders", json=ORDER, headers=bearer(ministry_key))
    mod = bearer(moderator_login.api_key)
    cases = client.get("/api/v1/queue", headers=mod).json()["cases"]
    assert len(cases) == 2
    claimed = client.post(f"/api/v1/cases/{cases[0]['case_id']}/claim", headers=mod).json()
    assert claimed["state"] == "in_review" and claimed["lease_until"]
    released = client.post(f"/api/v1/cases/{cases[0]['case_id']}/release", headers=mod).json()
    assert released["state"] == "queued"


def test_public_appeal_endpoint_needs_an_integration_key(client, moderator_login):
    body = {"target": "@kabar_x", "appellant": "owner", "grounds": "mistake"}
    assert client.post("/api/v1/appeals", json=body).status_code == 401
    assert client.post("/api/v1/appeals", json=body, headers=bearer(moderator_login.api_key)).status_code == 403


def test_post_hoc_review_is_for_seniors(client, moderator_login, senior_login):
    assert client.get("/api/v1/posthoc", headers=bearer(moderator_login.api_key)).status_code == 403
    assert client.get("/api/v1/posthoc", headers=bearer(senior_login.api_key)).json() == {"cases": []}
