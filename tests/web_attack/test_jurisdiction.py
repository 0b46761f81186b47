"""An authority's key orders under the jurisdiction the authority is registered with."""

from tests.web.conftest import bearer


def test_an_authority_orders_only_under_its_own_jurisdiction(client, ministry_key, eu_key):
    """A ministry asking for "EU" would get the Regulation's 1-hour clock, jump the queue and count
    in the EU compliance figures."""
    order = {"reference": "B-0900/DJWD/2026", "category": "terrorism", "targets": ["@kabar_daulah"]}
    refused = client.post("/api/v1/orders", json=dict(order, jurisdiction="EU"), headers=bearer(ministry_key))
    assert refused.status_code == 403, refused.text
    assert "ID" in refused.json()["detail"]
    same = client.post("/api/v1/orders", json=dict(order, jurisdiction="id"), headers=bearer(ministry_key))
    assert same.status_code == 201, same.text
    status = client.get(f"/api/v1/orders/{same.json()['order_id']}", headers=bearer(ministry_key)).json()
    assert status["jurisdiction"] == "ID"
    eu = client.post("/api/v1/orders", json=dict(order, reference="TCO-IE-2026-9"), headers=bearer(eu_key))
    assert eu.status_code == 201
    assert client.get(f"/api/v1/orders/{eu.json()['order_id']}", headers=bearer(eu_key)).json()["jurisdiction"] == "EU"
