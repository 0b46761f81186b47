"""The daily sentence goes out once per day: to our channel on the demo platform through the
adapter, and to Telegram through python-telegram-bot against a local Bot API stand-in."""

import sqlite3
from datetime import date

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tanggap.platforms.demo import DemoPlatform
from tanggap.platforms.seed import seed_world
from tanggap.serving import BackgroundServer
from tanggap.services.publisher import PlatformChannel, publish_daily
from tanggap.notify.telegram import TelegramChannel
from tests.servers import seeded_demo_platform

TOKEN = "publisher-test-token"
BOT_TOKEN = "123456:TEST-bot-token"
DAY = date(2026, 11, 10)


@pytest.fixture(scope="module")
def platform_server(tmp_path_factory):
    with seeded_demo_platform(tmp_path_factory.mktemp("platform"), TOKEN, channels=8, seed=3) as server:
        yield server


@pytest.fixture
def our_channel(platform_server):
    seed_world(platform_server.db, channels=8, seed=3)
    with sqlite3.connect(platform_server.db) as db:
        channel_id, username = db.execute(
            "SELECT id, username FROM channels WHERE username IS NOT NULL LIMIT 1").fetchone()
    with DemoPlatform(platform_server.url, TOKEN) as adapter:
        yield PlatformChannel(adapter, f"@{username}"), channel_id


def posts_on(platform_server, channel_id, text_like):
    with sqlite3.connect(platform_server.db) as db:
        return db.execute("SELECT count(*) FROM posts WHERE channel_id = ? AND text LIKE ?",
                          (channel_id, f"%{text_like}%")).fetchone()[0]


def test_the_platform_channel_gets_the_sentence_once(store, activity, ministry, our_channel, platform_server):
    for case_id in activity.order("2026-11-10T09:00+07:00", ministry, "@kabar_a", "@kabar_b"):
        activity.decide("2026-11-10T10:00+07:00", case_id)
    destination, channel_id = our_channel
    first = publish_daily(store, DAY, "Asia/Jakarta", [destination])
    assert first[0].status == "posted" and first[0].reference
    again = publish_daily(store, DAY, "Asia/Jakarta", [destination])
    assert again[0].status == "already_posted"
    assert posts_on(platform_server, channel_id, "2 terrorist channels banned on November 10") == 1
    assert posts_on(platform_server, channel_id, "2 kanal dan bot teroris diblokir pada 10 November") == 1


@pytest.fixture
def bot_api():
    app = FastAPI()
    app.state.sent = []
    app.state.fail = False

    @app.post("/bot{token}/{method}")
    async def method(token: str, method: str, request: Request):
        if token != BOT_TOKEN:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        if method == "getMe":
            return {"ok": True,
                    "result": {"id": 42, "is_bot": True, "first_name": "Tanggap", "username": "tanggap_bot"}}
        if method == "sendMessage":
            if app.state.fail:
                return JSONResponse({"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}, 400)
            form_post = "form" in request.headers.get("content-type", "")
            form = dict(await request.form()) if form_post else await request.json()
            app.state.sent.append(form)
            return {"ok": True, "result": {"message_id": len(app.state.sent), "date": 1790000000,
                                           "chat": {"id": -1001, "type": "channel", "title": "updates"},
                                           "text": form.get("text", "")}}
        return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, 404)

    with BackgroundServer(app) as server:
        server.state = app.state
        yield server


def test_telegram_gets_it_once_and_a_failure_is_retried_next_run(store, bot_api):
    telegram = TelegramChannel(BOT_TOKEN, "@tanggap_updates", base_url=f"{bot_api.url}/bot")
    assert BOT_TOKEN not in repr(telegram)
    bot_api.state.fail = True
    failed = publish_daily(store, DAY, "Asia/Jakarta", [telegram])
    assert failed[0].status == "failed" and "chat not found" in failed[0].error.lower()
    bot_api.state.fail = False
    posted = publish_daily(store, DAY, "Asia/Jakarta", [telegram])
    assert posted[0].status == "posted" and posted[0].reference == "1"
    assert publish_daily(store, DAY, "Asia/Jakarta", [telegram])[0].status == "already_posted"
    assert len(bot_api.state.sent) == 1
    assert bot_api.state.sent[0]["chat_id"] == "@tanggap_updates"
    assert "0 terrorist channels banned on November 10" in bot_api.state.sent[0]["text"]
