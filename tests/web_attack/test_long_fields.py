"""The console's decision form keeps the API's limits: a reason or legal basis of a megabyte
would otherwise go into the statement of reasons, the audit log and the owner's notice."""

from tests.web.conftest import bearer
from tests.web_attack.conftest import logged_in, page_token


def test_the_console_refuses_a_reason_longer_than_the_api_takes(attacker_client, ministry_key, moderator_login):
    sari = logged_in(attacker_client, "sari", moderator_login.password)
    order = sari.post("/api/v1/orders", headers=bearer(ministry_key), json={
        "reference": "B-77/2026", "category": "terrorism", "targets": ["@kabar_panjang"]}).json()
    case_id = order["targets"][0]["case_id"]
    form = {"csrf_token": page_token(sari, f"/console/cases/{case_id}"), "action": "block", "scope": "global",
            "reason_code": "terrorist_content"}
    for field in ("reason", "legal_basis"):
        refused = sari.post(f"/console/cases/{case_id}/decision", follow_redirects=False,
                            data=form | {"reason": "propaganda", field: "x" * 2001})
        assert refused.status_code == 422, refused.status_code
        assert "2,000 characters" in refused.text
    case = sari.get(f"/api/v1/cases/{case_id}", headers=bearer(moderator_login.api_key)).json()
    assert case["decisions"] == []
    decided = sari.post(f"/console/cases/{case_id}/decision", follow_redirects=False,
                        data=form | {"reason": "x" * 2000})
    assert decided.status_code == 303
