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
    assert 'class="sla green">1h 00m' in page and 'class="sla green">24h 00m' in page  # data-live-badge precedes class
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


# --- review pages: claims, escalation, four-eyes, bulk, appeals, audit (no browser needed) ---

def order_case(console, key, reference, category, *targets):
    answer = console.post("/api/v1/orders", json={"reference": reference, "category": category,
                                                  "targets": list(targets)}, headers=bearer(key))
    assert answer.status_code == 201, answer.text
    return answer.json()


def log_in_as(make_client, platform_url, credentials):
    client = make_client(DemoPlatform(platform_url.url, TOKEN))
    assert log_in(client, credentials.name, credentials.password).status_code == 303
    return client


def test_queue_filters_by_order_category_and_source(console, ministry_key):
    first = order_case(console, ministry_key, "B-10", "terorisme", "@kabar_satu", "@kabar_dua")
    order_case(console, ministry_key, "B-11", "judi_online", "@slot_gacor_x")
    page = console.get("/console/queue", params={"order": first["order_id"]}).text
    assert "kabar_satu" in page and "kabar_dua" in page and "slot_gacor_x" not in page
    page = console.get("/console/queue", params={"category": "gambling"}).text
    assert "slot_gacor_x" in page and "kabar_satu" not in page
    assert "The queue is empty." in console.get("/console/queue", params={"source": "report"}).text


def test_claim_then_release_and_a_claim_needs_csrf(console, ministry_key):
    case_id = order_case(console, ministry_key, "B-12", "terorisme", "@kabar_tiga")["targets"][0]["case_id"]
    assert console.post(f"/console/cases/{case_id}/claim", data={"csrf_token": "forged"}).status_code == 403
    token = csrf_of(console.get("/console/queue").text)
    claimed = console.post(f"/console/cases/{case_id}/claim", data={"csrf_token": token})
    assert "Claimed by you until" in claimed.text and "State <b>in_review</b>" in claimed.text
    released = console.post(f"/console/cases/{case_id}/release", data={"csrf_token": token})
    assert "Released to the queue." in released.text
    assert "State <b>queued</b>" in console.get(f"/console/cases/{case_id}").text


def test_case_page_shows_orders_signals_and_history(console, ministry_key):
    case_id = order_case(console, ministry_key, "B-13", "terorisme", "@kabar_empat")["targets"][0]["case_id"]
    console.get(f"/console/cases/{case_id}")
    page = console.get(f"/console/cases/{case_id}").text
    assert "Nomor <b>B-13</b>" in page
    assert "<h2>Signals</h2>" in page and "No signals yet." in page
    assert "case_opened" in page and "order_attached" in page and "case_viewed" in page
    assert 'src="/static/console.js"' in page and "<script>" not in page  # no inline script (CSP)


def test_need_more_information_escalates_to_the_seniors(console, ministry_key, make_client, platform_url,
                                                        senior_login):
    case_id = order_case(console, ministry_key, "B-14", "terorisme", "@kabar_lima")["targets"][0]["case_id"]
    token = csrf_of(console.get(f"/console/cases/{case_id}").text)
    answer = console.post(f"/console/cases/{case_id}/decision", data={
        "csrf_token": token, "action": "escalate", "note": "is this satire?"})
    assert "Escalated" in answer.text
    assert "kabar_lima" not in answer.text  # gone from the moderator's queue
    assert console.get("/console/approvals").status_code == 403
    senior = log_in_as(make_client, platform_url, senior_login)
    approvals = senior.get("/console/approvals").text
    assert "kabar_lima" in approvals and "is this satire?" in approvals


def test_no_action_on_an_order_waits_for_a_senior_who_may_reject_it(console, ministry_key, make_client,
                                                                    platform_url, senior_login):
    case_id = order_case(console, ministry_key, "B-15", "terorisme", "@kabar_enam")["targets"][0]["case_id"]
    token = csrf_of(console.get(f"/console/cases/{case_id}").text)
    proposed = console.post(f"/console/cases/{case_id}/decision", data={
        "csrf_token": token, "action": "no_action", "reason_code": "not_violating"})
    assert "waits for a senior&#39;s approval (no action on an authority&#39;s order)" in proposed.text
    assert 'class="approve"' not in proposed.text
    assert console.post(f"/console/cases/{case_id}/approve", data={"csrf_token": token}).status_code == 403
    senior = log_in_as(make_client, platform_url, senior_login)
    senior_token = csrf_of(senior.get("/console/approvals").text)
    rejected = senior.post(f"/console/cases/{case_id}/reject", data={"csrf_token": senior_token,
                                                                     "reason": "the order names real propaganda"})
    assert "Proposal rejected" in rejected.text and "State <b>queued</b>" in rejected.text


def test_a_reason_that_does_not_fit_the_action_is_shown_on_the_form(console, ministry_key):
    case_id = order_case(console, ministry_key, "B-16", "terorisme", "@kabar_tujuh")["targets"][0]["case_id"]
    token = csrf_of(console.get(f"/console/cases/{case_id}").text)
    answer = console.post(f"/console/cases/{case_id}/decision", data={
        "csrf_token": token, "action": "block", "reason_code": "not_violating", "scope_kind": "global"})
    assert answer.status_code == 422 and "does not justify block" in answer.text
    answer = console.post(f"/console/cases/{case_id}/decision", data={
        "csrf_token": token, "action": "block", "reason_code": "terrorist_content", "scope_kind": "countries"})
    assert answer.status_code == 422 and "name the countries" in answer.text


def test_bulk_decision_applies_only_to_the_confirmed_targets(console, ministry_key, platform_url):
    gambling = [c for c in platform_url.channels if c.kind == "gambling" and c.username][:2]
    order = order_case(console, ministry_key, "B-17", "judi_online", *[f"@{c.username}" for c in gambling])
    first, second = (t["case_id"] for t in order["targets"])
    page = console.get(f"/console/orders/{order['order_id']}/bulk").text
    assert page.count('name="case_id"') == 2
    form = {"csrf_token": csrf_of(page), "action": "block", "scope_kind": "countries", "countries": "ID",
            "reason_code": "illegal_gambling"}
    assert "confirm at least one target" in console.post(f"/console/orders/{order['order_id']}/bulk", data=form).text
    done = console.post(f"/console/orders/{order['order_id']}/bulk", data=form | {"case_id": [first]})
    assert "Decided 1 confirmed target(s): 1 enforced on the platform" in done.text
    assert "State <b>actioned</b>" in console.get(f"/console/cases/{first}").text
    assert "State <b>queued</b>" in console.get(f"/console/cases/{second}").text
    assert httpx.get(f"{platform_url.url}/public/channels/{gambling[0].username}",
                     params={"country": "ID"}).status_code == 404


def test_public_appeal_form_needs_its_csrf_token_and_a_decision_to_appeal(client):
    page = client.get("/appeal")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    form = {"channel": "https://t.me/kabar_delapan", "name": "Owner", "grounds": "wrong", "csrf_token": "forged"}
    assert client.post("/appeal", data=form).status_code == 403
    missing = client.post("/appeal", data=form | {"csrf_token": csrf_of(page.text)})
    assert missing.status_code == 404 and "no decision on https://t.me/kabar_delapan to appeal" in missing.text


def test_only_auditors_browse_and_export_the_audit_log(console, make_client, platform_url, store):
    from tanggap.domain.access import SYSTEM
    from tanggap.services.accounts import add_user

    assert console.get("/console/audit").status_code == 403
    assert console.get("/console/audit/export.csv").status_code == 403
    auditor = log_in_as(make_client, platform_url, add_user(store.uow(), "audrey", "auditor", ["en"], SYSTEM))
    page = auditor.get("/console/audit", params={"kind": "console_login"}).text
    assert "sari (user)" in page and "audrey (user)" in page
    exported = auditor.get("/console/audit/export.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.text.startswith("seq,at,actor,kind,subject_type,subject_id,payload,prev_hash,hash")
    assert "audit_exported" in auditor.get("/console/audit").text


def test_case_page_shows_decisions_on_the_same_channel_and_on_channels_like_it(console, ministry_key, store,
                                                                                moderator_login):
    from tanggap.services.accounts import principal_for_key
    from tanggap.services.decisions import DecisionRequest, decide

    order = order_case(console, ministry_key, "B-18", "terorisme", "@kabar_sembilan", "t.me/kabar_sembilan/42",
                       "@kabar_sembilanbelas", "@panji_lain")
    channel, post, lookalike, other = (t["case_id"] for t in order["targets"])
    sari = principal_for_key(store.uow(), moderator_login.api_key)
    decide(store.uow(), post, DecisionRequest("remove_post", "propaganda post", reason_code="terrorist_content"), sari)
    decide(store.uow(), lookalike, DecisionRequest("block", "same name, other channel", "ID"), sari)
    decide(store.uow(), other, DecisionRequest("block", "another terrorism channel", "ID"), sari)
    page = console.get(f"/console/cases/{channel}").text
    same_channel = page.split("Previous decisions on this channel")[1].split("On channels like it")[0]
    assert "https://t.me/kabar_sembilan/42" in same_channel and "propaganda post" in same_channel
    assert "kabar_sembilanbelas" not in same_channel  # a prefix of the name is not the channel
    like_it = page.split("On channels like it")[1].split("<h2>History</h2>")[0]
    assert "https://t.me/panji_lain" in like_it and "kabar_sembilan/42" not in like_it
