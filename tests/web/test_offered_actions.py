"""Only what the platform can do is offered: the API refuses the rest with 422, the console
does not show it (issue 9, item 7; Matrix has no per-country visibility and no unblock)."""

from __future__ import annotations

import pytest

from tanggap.platforms.demo import DemoPlatform
from tanggap.platforms.matrix import MatrixPlatform
from tanggap.platforms.registry import PlatformRegistry
from tests.web.conftest import bearer
from tests.web.test_console import csrf_of, log_in

NOWHERE = "http://127.0.0.1:9"  # nothing listens: these checks must not need the platform


@pytest.fixture
def both_platforms():
    registry = PlatformRegistry([DemoPlatform(NOWHERE, "t", timeout=1), MatrixPlatform(NOWHERE, "t", timeout=1)])
    yield registry
    registry.close()


@pytest.fixture
def console(make_client, both_platforms, moderator_login):
    client = make_client(both_platforms)
    assert log_in(client, "sari", moderator_login.password).status_code == 303
    return client


def cases_of(client, key, *targets):
    answer = client.post("/api/v1/orders", headers=bearer(key), json={
        "reference": "B-77/2026", "category": "terrorism", "targets": list(targets)})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_an_order_names_rooms_and_channels_each_routed_to_its_platform(console, ministry_key):
    body = cases_of(console, ministry_key, "#kabar:matrix.example.org", "t.me/kabar_daulah")
    assert [t["target"] for t in body["targets"]] == [
        "https://matrix.to/#/#kabar:matrix.example.org", "https://t.me/kabar_daulah"]
    assert body["rejected"] == []


def test_targets_of_a_platform_not_configured_are_rejected_each_with_a_reason(client, ministry_key):
    body = cases_of(client, ministry_key, "#kabar:matrix.example.org", "t.me/kabar_daulah")
    assert [t["target"] for t in body["targets"]] == ["https://t.me/kabar_daulah"]
    assert body["rejected"] == [{"input": "#kabar:matrix.example.org",
                                 "reason": "no platform for Matrix targets is configured here"}]


@pytest.mark.parametrize("decision, field, words", [
    ({"action": "block", "scope": ["ID"]}, "scope", "no per-country visibility"),
    ({"action": "block", "scope": "ID,MY"}, "scope", "no per-country visibility"),
    ({"action": "restrict"}, "action", "restrict cannot be enforced"),
    ({"action": "remove_post"}, "action", "needs a post target"),
    ({"action": "unblock"}, "action", "cannot unblock a room that was shut down"),
])
def test_the_api_refuses_what_matrix_cannot_do(console, ministry_key, moderator_login, decision, field, words):
    case_id = cases_of(console, ministry_key, "#kabar:matrix.example.org")["targets"][0]["case_id"]
    refused = console.post(f"/api/v1/cases/{case_id}/decision", headers=bearer(moderator_login.api_key),
                           json={"reason": "terrorist propaganda", **decision})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"] == [{"field": field, "reason": refused.json()["detail"]}]
    assert words in refused.json()["detail"]
    case = console.get(f"/api/v1/cases/{case_id}", headers=bearer(moderator_login.api_key)).json()
    assert case["decisions"] == [] and case["state"] == "queued"


def test_restrict_is_refused_on_the_demo_platform_too(console, ministry_key, moderator_login):
    case_id = cases_of(console, ministry_key, "t.me/kabar_daulah")["targets"][0]["case_id"]
    refused = console.post(f"/api/v1/cases/{case_id}/decision", headers=bearer(moderator_login.api_key),
                           json={"action": "restrict", "reason": "x"})
    assert refused.status_code == 422


def test_the_console_offers_a_room_only_a_global_block(console, ministry_key):
    body = cases_of(console, ministry_key, "#kabar:matrix.example.org", "t.me/kabar_daulah")
    room_case, channel_case = (t["case_id"] for t in body["targets"])
    room_page = console.get(f"/console/cases/{room_case}").text
    assert 'data-offered="block no_action"' in room_page
    assert 'value="countries"' not in room_page and 'value="restrict"' not in room_page
    assert "cannot block per country" in room_page
    assert "<kbd>i</kbd>" not in room_page and "<kbd>b</kbd>" in room_page
    channel_page = console.get(f"/console/cases/{channel_case}").text
    assert 'value="countries"' in channel_page and "<kbd>i</kbd>" in channel_page
    assert 'value="restrict"' not in channel_page  # no platform can enforce it


def test_the_console_form_refuses_a_country_block_of_a_room(console, ministry_key):
    case_id = cases_of(console, ministry_key, "#kabar:matrix.example.org")["targets"][0]["case_id"]
    page = console.get(f"/console/cases/{case_id}").text
    refused = console.post(f"/console/cases/{case_id}/decision", data={
        "action": "block", "scope_kind": "countries", "countries": "ID", "reason": "propaganda",
        "csrf_token": csrf_of(page)}, follow_redirects=False)
    assert refused.status_code == 422
    assert "no per-country visibility" in refused.text
