from tests.web.conftest import bearer

ORDER = {"reference": "B-0634/DJWD/PW.02.01/03/2025", "category": "terorisme",
         "legal_basis": "UU 5/2018 jo. Permenkominfo 5/2020",
         "targets": ["@Kabar_Mujahid", "hxxps://t[.]me/daulah_update/12", "https://example.com/x",
                     "t.me/kabar_mujahid"]}


def test_order_is_accepted_with_cases_deadlines_and_rejections(client, ministry_key):
    response = client.post("/api/v1/orders", json=ORDER, headers=bearer(ministry_key))
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/api/v1/orders/{body['order_id']}"
    assert [t["target"] for t in body["targets"]] == ["https://t.me/kabar_mujahid", "https://t.me/daulah_update/12"]
    assert all(t["status"] == "queued" and t["case_id"] for t in body["targets"])
    assert body["deadline"] == "2026-03-31T20:30:00Z"  # 23:30 WIB + 4 h, in UTC
    assert body["deadline_wib"] == "01-04-2026 03:30 WIB"
    assert body["rejected"] == [{"input": "https://example.com/x",
                                 "reason": "'example.com' is not a Telegram host (out of scope)"}]


def test_resending_an_order_returns_the_same_order(client, ministry_key):
    first = client.post("/api/v1/orders", json=ORDER, headers=bearer(ministry_key)).json()
    again = client.post("/api/v1/orders", json=ORDER, headers=bearer(ministry_key))
    assert again.status_code == 200 and again.json()["order_id"] == first["order_id"]
    changed = dict(ORDER, targets=["@another_channel"])
    conflict = client.post("/api/v1/orders", json=changed, headers=bearer(ministry_key))
    assert conflict.status_code == 409
    assert conflict.json()["errors"][0]["field"] == "reference"


def test_errors_are_problem_json_naming_the_field(client, ministry_key):
    response = client.post("/api/v1/orders", json={"category": "terrorism", "targets": []},
                           headers=bearer(ministry_key))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "targets"
    unknown = client.post("/api/v1/orders", json=dict(ORDER, category="kucing"), headers=bearer(ministry_key))
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "category"


def test_only_an_authority_key_submits_orders(client, moderator_login):
    response = client.post("/api/v1/orders", json=ORDER, headers=bearer(moderator_login.api_key))
    assert response.status_code == 403


def test_every_api_needs_a_valid_key(client):
    assert client.post("/api/v1/orders", json=ORDER).status_code == 401
    assert client.get("/api/v1/cases", headers=bearer("tgp_forged")).status_code == 401


def test_an_authority_cannot_read_another_authoritys_order(client, ministry_key, eu_key):
    order_id = client.post("/api/v1/orders", json=ORDER, headers=bearer(ministry_key)).json()["order_id"]
    assert client.get(f"/api/v1/orders/{order_id}", headers=bearer(ministry_key)).status_code == 200
    other = client.get(f"/api/v1/orders/{order_id}", headers=bearer(eu_key))
    assert other.status_code == 404  # indistinguishable from a missing order
    assert client.get("/api/v1/cases", headers=bearer(eu_key)).status_code == 403


def test_moderator_lists_and_decides_and_the_authority_sees_the_status(client, ministry_key, moderator_login,
                                                                       senior_login):
    order = client.post("/api/v1/orders", json=ORDER, headers=bearer(ministry_key)).json()
    mod = bearer(moderator_login.api_key)
    queued = client.get("/api/v1/cases", params={"state": "queued"}, headers=mod).json()["cases"]
    assert {c["target"] for c in queued} == {t["target"] for t in order["targets"]}
    post_case = order["targets"][1]["case_id"]
    decision = {"action": "no_action", "reason": "already removed by the owner"}
    first = client.post(f"/api/v1/cases/{post_case}/decision", json=decision, headers=mod)
    assert first.status_code == 201 and first.json()["case_state"] == "pending_approval"
    assert first.json()["awaiting_approval"] == "no action on an authority's order"
    again = client.post(f"/api/v1/cases/{post_case}/decision", json=decision, headers=mod)
    assert again.status_code == 200 and again.json()["repeated"]
    conflict = client.post(f"/api/v1/cases/{post_case}/decision",
                           json={"action": "block", "reason": "propaganda"}, headers=mod)
    assert conflict.status_code == 409
    own = client.post(f"/api/v1/cases/{post_case}/approval", json={"approve": True}, headers=mod)
    assert own.status_code == 403  # a moderator cannot approve
    approved = client.post(f"/api/v1/cases/{post_case}/approval", json={"approve": True},
                           headers=bearer(senior_login.api_key))
    assert approved.status_code == 200 and approved.json()["case_state"] == "closed"
    status = client.get(f"/api/v1/orders/{order['order_id']}", headers=bearer(ministry_key)).json()
    by_target = {t["target"]: t for t in status["targets"]}
    assert by_target["https://t.me/daulah_update/12"]["status"] == "no_action"
    assert by_target["https://t.me/daulah_update/12"]["reason"] == "already removed by the owner"
    assert by_target["https://t.me/kabar_mujahid"]["status"] == "queued"


def test_a_session_request_without_csrf_header_is_refused(client, moderator_login, ministry_key):
    order = client.post("/api/v1/orders", json=ORDER, headers=bearer(ministry_key)).json()
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    logged_in = client.post("/login", data={"name": "sari", "password": moderator_login.password,
                                            "csrf_token": token}, follow_redirects=False)
    assert logged_in.status_code == 303
    case_id = order["targets"][0]["case_id"]
    refused = client.post(f"/api/v1/cases/{case_id}/decision", json={"action": "no_action", "reason": "x"})
    assert refused.status_code == 403


def test_transparency_is_public(client):
    body = client.get("/api/v1/transparency/daily", params={"date": "2026-11-28"}).json()
    assert body["sentence"] == "0 terrorist channels banned on November 28. Total this month: 0"
    assert client.get("/api/v1/transparency/daily", params={"date": "yesterday"}).status_code == 422


def test_openapi_docs_are_served_to_staff_from_the_package(client, moderator_login, ministry_key):
    for path in ("/docs", "/redoc", "/openapi.json", "/metrics"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers=bearer(ministry_key)).status_code == 403, path
    staff = bearer(moderator_login.api_key)
    page = client.get("/docs", headers=staff).text
    assert "cdn" not in page and "/docs-assets/swagger-ui-bundle.js" in page
    assert "cdn" not in client.get("/redoc", headers=staff).text
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs-assets/redoc.standalone.js").status_code == 200
    assert "/api/v1/orders" in client.get("/openapi.json", headers=staff).json()["paths"]
