"""Translate: off by default (no text leaves the server); when an admin sets the endpoint, posts
a moderator does not read get a Translate button, the post is fetched from the platform again,
sent to the endpoint, shown escaped, and the audit log says which post went to which host."""

import pytest
from fastapi import FastAPI, Request
from starlette.testclient import TestClient

from tanggap.domain.access import SYSTEM
from tanggap.platforms.demo import DemoPlatform
from tanggap.serving import BackgroundServer
from tanggap.services.accounts import add_user
from tanggap.store.audit_log import events_for
from tanggap.web.app import create_app
from tests.web.conftest import bearer
from tests.web.test_console import TOKEN, csrf_of, log_in, platform_url  # noqa: F401 - fixtures


@pytest.fixture(scope="module")
def translator():
    """A LibreTranslate-shaped endpoint that answers with markup, to see it escaped."""
    received = []
    app = FastAPI()

    @app.post("/translate")
    async def translate(request: Request):
        received.append(await request.json())
        return {"translatedText": "<i>translated</i> " + received[-1]["q"][:20]}

    with BackgroundServer(app) as server:
        server.received = received
        yield server


def arabic_reader_client(settings, store, platform_url, **extra):  # noqa: F811
    platform = DemoPlatform(platform_url.url, TOKEN)
    client = TestClient(create_app(settings.model_copy(update=extra), store=store, platform=platform))
    password = add_user(store.uow(), "rania", "moderator", ["ar"], SYSTEM).password
    assert log_in(client, "rania", password).status_code == 303
    return client


def a_case(client, ministry_key, platform_url):  # noqa: F811
    channel = next(c for c in platform_url.channels if c.username and c.post_ids)
    answer = client.post("/api/v1/orders", json={"reference": "B-9", "category": "terrorism",
                                                 "targets": [f"@{channel.username}"]}, headers=bearer(ministry_key))
    return answer.json()["targets"][0]["case_id"]


def test_translation_is_off_by_default_and_nothing_is_offered(settings, store, platform_url, ministry_key):  # noqa: F811
    client = arabic_reader_client(settings, store, platform_url)
    case_id = a_case(client, ministry_key, platform_url)
    page = client.get(f"/console/cases/{case_id}").text
    assert "/translate" not in page
    answer = client.post(f"/console/cases/{case_id}/posts/1/translate", data={"csrf_token": csrf_of(page)})
    assert answer.status_code == 404


def test_a_post_the_moderator_does_not_read_is_translated_by_the_configured_endpoint(
        settings, store, platform_url, ministry_key, translator):  # noqa: F811
    client = arabic_reader_client(settings, store, platform_url, translation_url=f"{translator.url}/translate")
    case_id = a_case(client, ministry_key, platform_url)
    page = client.get(f"/console/cases/{case_id}").text
    offered = page.split(f'action="/console/cases/{case_id}/posts/')[1].split("/translate")[0]
    assert client.post(f"/console/cases/{case_id}/posts/{offered}/translate",
                       data={"csrf_token": "forged"}).status_code == 403
    shown = client.post(f"/console/cases/{case_id}/posts/{offered}/translate", data={"csrf_token": csrf_of(page)})
    assert shown.status_code == 200
    assert "&lt;i&gt;translated&lt;/i&gt;" in shown.text and "<i>translated" not in shown.text
    sent = translator.received[-1]
    assert sent["q"] and sent["format"] == "text" and sent["target"] == "en"
    with store.uow(read_only=True) as uow:
        events = [e for e in events_for(uow.session, "case", case_id) if e.kind == "post_translated"]
    assert events and events[-1].payload["post_id"] == offered and events[-1].payload["to_host"] == "127.0.0.1"


def test_a_dead_endpoint_is_a_clear_error_not_a_crash(settings, store, platform_url, ministry_key):  # noqa: F811
    client = arabic_reader_client(settings, store, platform_url, translation_url="http://127.0.0.1:9/translate",
                                  translation_timeout_s=2.0)
    case_id = a_case(client, ministry_key, platform_url)
    page = client.get(f"/console/cases/{case_id}").text
    offered = page.split(f'action="/console/cases/{case_id}/posts/')[1].split("/translate")[0]
    failed = client.post(f"/console/cases/{case_id}/posts/{offered}/translate", data={"csrf_token": csrf_of(page)})
    assert failed.status_code == 502 and "did not answer" in failed.text
