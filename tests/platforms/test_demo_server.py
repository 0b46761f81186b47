"""The demo platform's HTTP surface: auth, idempotency, what viewers see, problem answers."""

from __future__ import annotations

import logging
import threading

import httpx
import pytest

from tanggap.platforms.demo import DemoPlatform
from tanggap.platforms.demo_server import create_platform_app
from tanggap.platforms.interface import PlatformError
from tanggap.serving import BackgroundServer
from tests.platforms.conftest import PLATFORM_TOKEN

AUTH = {"Authorization": f"Bearer {PLATFORM_TOKEN}"}


@pytest.fixture
def http(platform_server):
    with httpx.Client(base_url=platform_server.url, timeout=5.0) as client:
        yield client


def block(http, channel_id, scope, key=None):
    headers = {**AUTH, **({"Idempotency-Key": key} if key else {})}
    return http.post(f"/api/v1/channels/{channel_id}/block", json={"scope": scope}, headers=headers)


def test_the_trust_and_safety_api_needs_the_token(http, demo_world):
    channel = demo_world.channels[0]
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": PLATFORM_TOKEN},
                    {"Authorization": f"Basic {PLATFORM_TOKEN}"}):
        answer = http.get(f"/api/v1/channels/{channel.internal_id}", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert answer.json()["title"] == "Unauthorized"
    assert http.get(f"/api/v1/channels/{channel.internal_id}", headers=AUTH).status_code == 200


def test_an_action_without_idempotency_key_is_refused_and_not_done(http, demo_world):
    channel = demo_world.public_channel("propaganda")
    answer = block(http, channel.internal_id, "global")
    assert answer.status_code == 400
    assert answer.json()["title"] == "Idempotency-Key required"
    assert demo_world.visible_to(channel, "ID")


def test_a_key_reused_for_another_request_is_refused(http, demo_world):
    channel = demo_world.public_channel("propaganda")
    assert block(http, channel.internal_id, "global", key="k-1").status_code == 200
    reused = block(http, channel.internal_id, ["ID"], key="k-1")
    assert reused.status_code == 422
    assert "different request" in reused.json()["detail"]


def test_a_bad_scope_says_which_field_is_wrong(http, demo_world):
    channel = demo_world.public_channel("propaganda")
    for scope in (["IDN"], "everywhere", [], 7):
        answer = block(http, channel.internal_id, scope, key=f"bad-{scope}")
        assert answer.status_code == 422
        problem = answer.json()
        assert problem["status"] == 422 and problem["errors"][0]["field"].startswith("body.scope")
    assert demo_world.actions_with_key("bad-['IDN']") == []


def test_a_country_scope_is_normalised(http, demo_world):
    channel = demo_world.public_channel("propaganda")
    answer = block(http, channel.internal_id, ["my", "ID", "id"], key="norm")
    assert answer.json()["channel"]["blocked_countries"] == ["ID", "MY"]
    assert demo_world.actions_with_key("norm")[0]["scope"] == ["ID", "MY"]


def test_every_target_form_resolves_to_its_channel(http, demo_world):
    public = demo_world.public_channel("propaganda")
    private = demo_world.private_channel()
    post = public.post_ids[0]
    cases = {
        f"https://t.me/{public.username}": (public.internal_id, None),
        f"https://t.me/{public.username.upper()}": (public.internal_id, None),
        f"https://t.me/{public.username}/{post}": (public.internal_id, post),
        f"https://t.me/c/{private.internal_id}/{private.post_ids[0]}": (private.internal_id,
                                                                        private.post_ids[0]),
        f"https://t.me/+{private.invite_hash}": (private.internal_id, None),
    }
    for target, (channel_id, post_id) in cases.items():
        answer = http.get("/api/v1/resolve", params={"target": target}, headers=AUTH)
        assert answer.status_code == 200, target
        assert (answer.json()["channel"]["id"], answer.json()["post_id"]) == (channel_id, post_id)


def test_invite_hashes_are_case_sensitive(http, demo_world):
    private = demo_world.private_channel()
    answer = http.get("/api/v1/resolve", params={"target": f"https://t.me/+{private.invite_hash.swapcase()}"},
                      headers=AUTH)
    assert answer.status_code == 404


def test_a_target_that_is_not_telegram_is_a_bad_request(http, demo_world):
    answer = http.get("/api/v1/resolve", params={"target": "https://example.com/x"}, headers=AUTH)
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"


def test_viewers_in_other_countries_still_see_a_country_blocked_channel(http, demo_world):
    channel = demo_world.public_channel("hate")
    assert block(http, channel.internal_id, ["ID"], key="geo").status_code == 200
    seen = {country: http.get(f"/public/channels/{channel.username}", params={"country": country})
            for country in ("ID", "id", "SG", "MY")}
    assert {country: answer.status_code for country, answer in seen.items()} == {
        "ID": 404, "id": 404, "SG": 200, "MY": 200}
    assert "your country" in seen["ID"].json()["detail"]
    assert http.get(f"/public/channels/{channel.username}").status_code == 200  # country unknown
    assert seen["SG"].json()["title"] == channel.title


def test_public_posts_leave_out_removed_ones(http, demo_world):
    channel = demo_world.public_channel("propaganda")
    newest = channel.post_ids[-1]
    answer = http.post(f"/api/v1/channels/{channel.internal_id}/posts/{newest}/remove",
                       headers={**AUTH, "Idempotency-Key": "rm"})
    assert answer.json()["post"]["removed"] is True
    shown = http.get(f"/public/channels/{channel.username}/posts", params={"limit": 100}).json()
    assert [post["id"] for post in shown["posts"]] == sorted(channel.post_ids[:-1], reverse=True)


def test_concurrent_repeats_of_one_key_act_once(platform_server, demo_world):
    channel = demo_world.public_channel("propaganda")
    answers: list[dict] = []

    def attempt() -> None:
        with httpx.Client(base_url=platform_server.url, timeout=5.0) as client:
            answers.append(block(client, channel.internal_id, "global", key="race").json())

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({answer["reference"] for answer in answers}) == 1
    assert sorted(answer["already_done"] for answer in answers) == [False] + [True] * 7
    assert len(demo_world.actions_with_key("race")) == 1


def test_without_faults_there_are_no_admin_endpoints(tmp_path):
    app = create_platform_app(tmp_path / "platform.db", PLATFORM_TOKEN)
    with BackgroundServer(app) as server:
        for method, path in (("GET", "/admin/actions"), ("POST", "/admin/faults")):
            answer = httpx.request(method, server.url + path, headers=AUTH, json={"fail_next": 1})
            assert answer.status_code in (404, 405)


def test_the_app_refuses_an_empty_token(tmp_path):
    with pytest.raises(ValueError):
        create_platform_app(tmp_path / "platform.db", "  ")


def test_the_token_never_reaches_logs_or_errors(platform_server, demo_world, caplog):
    caplog.set_level(logging.DEBUG)
    with DemoPlatform(platform_server.url, PLATFORM_TOKEN) as platform:
        platform.channel(demo_world.public_channel("propaganda").target)
        assert PLATFORM_TOKEN not in repr(platform)
    with DemoPlatform(platform_server.url, "secret-but-wrong-token") as intruder:
        with pytest.raises(PlatformError) as refused:
            intruder.channel(demo_world.public_channel("propaganda").target)
    assert "secret-but-wrong-token" not in str(refused.value)
    assert PLATFORM_TOKEN not in caplog.text and "secret-but-wrong-token" not in caplog.text
