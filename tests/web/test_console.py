"""The first console: login with CSRF, the queue by time left, a case page that escapes what attackers write."""

from datetime import timedelta

import httpx
import pytest

from tanggap.platforms.demo import DemoPlatform
from tanggap.platforms.demo_server import create_platform_app
from tanggap.platforms.seed import HOSTILE_TITLE, seed_world
from tanggap.serving import BackgroundServer
from tests.web.conftest import bearer

TOKEN = "console-test-token"


@pytest.fixture(scope="module")
def platform_url(tmp_path_factory):
    db = tmp_path_factory.mktemp("platform") / "platform.db"
    seed_world(db, channels=20, seed=11)
    with BackgroundServer(create_platform_app(db, TOKEN)) as server:
        server.channels = seed_world(db, channels=20, seed=11)
        yield server


def csrf_of(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def log_in(client, name, password):
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token},
                       follow_redirects=False)


@pytest.fixture
def console(make_client, platform_url, moderator_login):
    platform = DemoPlatform(platform_url.url, TOKEN)
    client = make_client(platform)
    assert log_in(client, "sari", moderator_login.password).status_code == 303
    yield client
    platform.close()


def test_login_needs_the_right_password_and_a_csrf_token(client, moderator_login):
    assert log_in(client, "sari", "wrong").text.count("Wrong name or password") == 1
    no_csrf = client.post("/login", data={"name": "sari", "password": moderator_login.password,
                                          "csrf_token": "forged"}, follow_redirects=False)
    assert no_csrf.status_code == 403
    assert client.get("/console/queue", follow_redirects=False).status_code == 303


def test_queue_is_ordered_by_time_left_with_badges(console, ministry_key, eu_key, clock):
    console.post("/api/v1/orders", json={"reference": "B-1", "category": "judi_online",
                                         "targets": ["@slow_gambling"]}, headers=bearer(ministry_key))
    console.post("/api/v1/orders", json={"reference": "TCO-1", "category": "terrorism",
                                         "targets": ["@urgent_dawla"]}, headers=bearer(eu_key))
    page = console.get("/console/queue").text
    assert page.index("https://t.me/urgent_dawla") < page.index("https://t.me/slow_gambling")
    assert 'class="sla green">1h 00m' in page and 'class="sla green">24h 00m' in page
    assert "WIB" in page
    clock.advance(timedelta(minutes=10))
    assert 'class="sla amber">0h 50m' in console.get("/console/queue").text
    clock.advance(timedelta(minutes=25))
    assert 'class="sla red">0h 25m' in console.get("/console/queue").text
    clock.advance(timedelta(minutes=30))
    assert 'class="sla red">BREACHED' in console.get("/console/queue").text


def test_channel_title_written_by_an_attacker_renders_as_text(console, ministry_key, platform_url):
    hostile = next(c for c in platform_url.channels if c.title == HOSTILE_TITLE)
    order = console.post("/api/v1/orders", json={"reference": "B-2", "category": "judi_online",
                                                 "targets": [f"@{hostile.username}"]},
                         headers=bearer(ministry_key)).json()
    page = console.get(f"/console/cases/{order['targets'][0]['case_id']}").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;gacor&#39;)&lt;/script&gt;" in page


def test_decision_form_needs_csrf_and_enforces_on_the_platform(console, ministry_key, platform_url):
    channel = next(c for c in platform_url.channels if c.kind == "propaganda" and c.username)
    order = console.post("/api/v1/orders", json={"reference": "B-3", "category": "terorisme",
                                                 "targets": [f"@{channel.username}"]},
                         headers=bearer(ministry_key)).json()
    case_id = order["targets"][0]["case_id"]
    page = console.get(f"/console/cases/{case_id}").text
    form = {"action": "block", "scope": "ID", "reason": "terrorist propaganda", "csrf_token": "forged"}
    assert console.post(f"/console/cases/{case_id}/decision", data=form).status_code == 403
    form["csrf_token"] = csrf_of(page)
    decided = console.post(f"/console/cases/{case_id}/decision", data=form, follow_redirects=False)
    assert decided.status_code == 303
    after = console.get(f"/console/cases/{case_id}").text
    assert "State <b>actioned</b>" in after and "confirmed" in after
    gone = httpx.get(f"{platform_url.url}/public/channels/{channel.username}", params={"country": "ID"})
    assert gone.status_code == 404
