"""Role checks an attacker with a moderator's account tries: a case a moderator escalated
("need more information") is a senior's to settle; no moderator decides or claims it, through
the API or the console, the escalating one included."""

from tanggap.domain.access import SYSTEM
from tanggap.services.accounts import add_user
from tests.web.conftest import bearer
from tests.web_attack.conftest import logged_in, page_token


def ordered_case(client, ministry_key) -> str:
    order = client.post("/api/v1/orders", headers=bearer(ministry_key), json={
        "reference": "B-ESC", "category": "terrorism", "targets": ["@kabar_ragu"]}).json()
    return order["targets"][0]["case_id"]


def test_a_moderator_cannot_decide_or_claim_an_escalated_case(store, attacker_client, ministry_key,
                                                              moderator_login, senior_login):
    other = add_user(store.uow(), "wati", "moderator", ["id", "en"], SYSTEM)
    sari = logged_in(attacker_client, "sari", moderator_login.password)
    case_id = ordered_case(sari, ministry_key)
    token = page_token(sari, f"/console/cases/{case_id}")
    asked = sari.post(f"/console/cases/{case_id}/decision", follow_redirects=False, data={
        "csrf_token": token, "action": "escalate", "note": "is this the same group as last week?"})
    assert asked.status_code == 303
    block = {"action": "block", "scope": "global", "reason": "propaganda", "reason_code": "terrorist_content"}
    for key in (moderator_login.api_key, other.api_key):
        assert attacker_client().post(f"/api/v1/cases/{case_id}/decision", headers=bearer(key),
                                      json=block).status_code == 403
        assert attacker_client().post(f"/api/v1/cases/{case_id}/claim", headers=bearer(key)).status_code == 403
    wati = logged_in(attacker_client, "wati", other.password)
    page = wati.get(f"/console/cases/{case_id}").text
    assert f'action="/console/cases/{case_id}/decision"' not in page  # no decision form offered
    refused = wati.post(f"/console/cases/{case_id}/decision", data=block | {"csrf_token": page_token(wati)})
    assert refused.status_code == 403
    case = attacker_client().get(f"/api/v1/cases/{case_id}", headers=bearer(senior_login.api_key)).json()
    assert case["state"] == "escalated" and case["decisions"] == []
    # The senior it went to settles it.
    decided = attacker_client().post(f"/api/v1/cases/{case_id}/decision", headers=bearer(senior_login.api_key),
                                     json=block)
    assert decided.status_code == 201, decided.text
