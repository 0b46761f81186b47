"""Each attack from issue 9, performed against the running app: it must fail for the attacker
(SQLite and PostgreSQL)."""

from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from tanggap.domain.access import SYSTEM
from tanggap.platforms.demo import DemoPlatform
from tanggap.services.accounts import add_user
from tanggap.store.tables import audit_events, orders
from tanggap.web.app import create_app
from tests.web.conftest import bearer
from tests.web.test_console import TOKEN, csrf_of, log_in, platform_url  # noqa: F401  (fixture)


def kinds(store, kind):
    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(audit_events)
                                  .where(audit_events.c.kind == kind)).scalar_one()


def logged_in(make_client, name, password, platform=None):
    client = make_client(platform)
    assert log_in(client, name, password).status_code == 303
    return client


# --- one moderator lifts a government-ordered terror block alone ------------------------------

@pytest.fixture
def ordered_block(store, make_client, platform_url, moderator_login, ministry_key, eu_key):  # noqa: F811
    """A propaganda channel under two authorities' orders, blocked in Indonesia by a moderator."""
    platform = DemoPlatform(platform_url.url, TOKEN)
    channel = next(c for c in platform_url.channels if c.kind == "propaganda" and c.username
                   and (c.subscribers or 0) < 10_000)
    moderator = logged_in(make_client, "sari", moderator_login.password, platform)
    for key, reference in ((ministry_key, "B-900/DJAI/2026"), (eu_key, "TCO-900")):
        answer = moderator.post("/api/v1/orders", headers=bearer(key), json={
            "reference": reference, "category": "terrorism", "legal_basis": f"basis of {reference}",
            "targets": [f"@{channel.username}"]})
        assert answer.status_code == 201, answer.text
    case_id = answer.json()["targets"][0]["case_id"]
    page = moderator.get(f"/console/cases/{case_id}").text
    decided = moderator.post(f"/console/cases/{case_id}/decision", follow_redirects=False, data={
        "action": "block", "scope": "ID", "reason": "ISIS propaganda", "csrf_token": csrf_of(page)})
    assert decided.status_code == 303
    yield platform, channel, case_id
    platform.close()


def visible_in_indonesia(platform_url, channel) -> bool:  # noqa: F811
    answer = httpx.get(f"{platform_url.url}/public/channels/{channel.username}", params={"country": "ID"})
    return answer.status_code == 200


def test_a_moderators_reversal_of_an_ordered_block_waits_for_a_senior(
        store, make_client, platform_url, ordered_block, senior_login):  # noqa: F811
    platform, channel, case_id = ordered_block
    assert not visible_in_indonesia(platform_url, channel)
    public = make_client()
    form = public.get("/appeal").text
    filed = public.post("/appeal", data={"channel": f"https://t.me/{channel.username}", "name": "owner",
                                         "grounds": "bukan teroris", "csrf_token": csrf_of(form)})
    assert filed.status_code == 201
    other = add_user(store.uow(), "wati", "moderator", ["id"], SYSTEM)
    reviewer = logged_in(make_client, "wati", other.password, platform)
    listing = reviewer.get("/console/appeals").text
    appeal_id = listing.split('href="/console/appeals/')[1].split('"')[0]
    page = reviewer.get(f"/console/appeals/{appeal_id}").text
    reversed_ = reviewer.post(f"/console/appeals/{appeal_id}/resolution", follow_redirects=False, data={
        "outcome": "reverse", "reason": "owner says so", "csrf_token": csrf_of(page)})
    assert reversed_.status_code == 303
    assert not visible_in_indonesia(platform_url, channel)  # still blocked
    with store.uow(read_only=True) as uow:
        assert uow.cases.get(case_id).state == "pending_approval"
    assert reviewer.get(f"/console/reversals/{case_id}").status_code == 403  # moderators do not approve
    senior = logged_in(make_client, "budi", senior_login.password, platform)
    approval = senior.get(f"/console/reversals/{case_id}").text
    for shown in ("B-900/DJAI/2026", "TCO-900", "basis of B-900/DJAI/2026", "bukan teroris", "owner says so"):
        assert shown in approval
    approved = senior.post(f"/console/reversals/{case_id}", follow_redirects=False,
                           data={"verdict": "approve", "csrf_token": csrf_of(approval)})
    assert approved.status_code == 303
    assert visible_in_indonesia(platform_url, channel)
    with store.uow(read_only=True) as uow:
        assert uow.cases.get(case_id).state == "reversed"
    assert kinds(store, "case_propose_reversal") == 1 and kinds(store, "case_approve_reversal") == 1


def test_a_senior_who_proposed_a_reversal_cannot_approve_it_alone(store, make_client, ordered_block, senior,
                                                                  senior_login):
    from tanggap.domain.errors import PermissionDenied
    from tanggap.services.appeals import resolve_appeal, submit_appeal
    from tanggap.services.reversals import approve_reversal, reject_reversal

    platform, channel, case_id = ordered_block
    appeal = submit_appeal(store.uow(), f"@{channel.username}", "owner", "bukan teroris", None, "public")
    resolve_appeal(store.uow(), appeal.appeal_id, True, "looks like news", senior)
    with pytest.raises(PermissionDenied):
        approve_reversal(store.uow(), case_id, senior)
    other = add_user(store.uow(), "wati", "senior", ["id"], SYSTEM)
    from tanggap.services.accounts import principal_for_key
    second = principal_for_key(store.uow(), other.api_key)
    outcome = reject_reversal(store.uow(), case_id, "it is propaganda", second)
    assert outcome.case_state == "upheld"
    again = make_client().post(f"/api/v1/cases/{case_id}/reversal", headers=bearer(other.api_key),
                               json={"approve": True})
    assert again.status_code == 409  # nothing waits any more
    with store.uow(read_only=True) as uow:
        assert uow.cases.get(case_id).decision.status == "effective"


# --- bodies of any size -----------------------------------------------------------------------

def test_an_anonymous_huge_body_is_refused_before_it_is_read(client):
    answer = client.post("/api/v1/orders", content=b"x" * (2 * 1024 * 1024 + 1),
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"


def test_a_chunked_body_without_length_is_cut_off_at_the_limit(client, ministry_key):
    def chunks():
        for _ in range(40):
            yield b"[" + b"1," * 32_767 + b"1]"

    answer = client.post("/api/v1/orders", content=chunks(),
                         headers=bearer(ministry_key) | {"Content-Type": "application/json"})
    assert answer.status_code == 413 and answer.json()["status"] == 413


def test_megabytes_of_invalid_targets_are_refused_and_summarised_not_echoed(store, client, ministry_key):
    junk = [f"t.me/{i:05d}" + "x" * 1990 for i in range(800)]  # 1.6 MB, under the body limit
    answer = client.post("/api/v1/orders", headers=bearer(ministry_key),
                         json={"reference": "B-1", "category": "terrorism", "targets": junk})
    assert answer.status_code == 422
    assert len(answer.content) < 5_000
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(orders)).scalar_one() == 0
    mixed = client.post("/api/v1/orders", headers=bearer(ministry_key),
                        json={"reference": "B-2", "category": "terrorism", "targets": ["@kabar_x", *junk]})
    assert mixed.status_code == 201
    rejected = mixed.json()["rejected"]
    assert len(rejected) == 101 and "700 more" in rejected[-1]["input"]
    assert all(len(r["input"]) < 200 and len(r["reason"]) < 300 for r in rejected)


# --- soft logins ------------------------------------------------------------------------------

def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(store, client, moderator_login, clock):
    for _ in range(5):
        assert "Wrong name or password" in log_in(client, "sari", "guess").text
    locked = log_in(client, "sari", moderator_login.password)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert kinds(store, "login_failed") == 5
    clock.advance(timedelta(minutes=16))
    assert log_in(client, "sari", moderator_login.password).status_code == 303


def test_guessing_many_names_from_one_address_is_throttled(store, client, moderator_login):
    for number in range(20):
        log_in(client, f"guess{number}", "guess")
    assert log_in(client, "sari", moderator_login.password).status_code == 429
    assert kinds(store, "login_failed") == 20


def test_a_cookie_copied_before_logout_is_dead_after_it(make_client, moderator_login):
    client = logged_in(make_client, "sari", moderator_login.password)
    copied = dict(client.cookies)
    page = client.get("/console/queue").text
    client.post("/logout", data={"csrf_token": csrf_of(page)})
    thief = make_client()
    thief.cookies.update(copied)
    assert thief.get("/console/queue", follow_redirects=False).status_code == 303


def test_log_out_everywhere_ends_every_session(make_client, moderator_login):
    laptop = logged_in(make_client, "sari", moderator_login.password)
    phone = logged_in(make_client, "sari", moderator_login.password)
    page = laptop.get("/console/queue").text
    laptop.post("/logout/everywhere", data={"csrf_token": csrf_of(page)})
    assert phone.get("/console/queue", follow_redirects=False).status_code == 303


def test_sessions_end_when_idle_and_after_the_absolute_limit(make_client, moderator_login, clock):
    client = logged_in(make_client, "sari", moderator_login.password)
    clock.advance(timedelta(minutes=29))
    assert client.get("/console/queue", follow_redirects=False).status_code == 200
    clock.advance(timedelta(minutes=31))
    assert client.get("/console/queue", follow_redirects=False).status_code == 303
    busy = logged_in(make_client, "sari", moderator_login.password)
    for _ in range(25):  # active all along, but not past the absolute limit
        clock.advance(timedelta(minutes=29))
        busy.get("/console/queue", follow_redirects=False)
    assert busy.get("/console/queue", follow_redirects=False).status_code == 303


def test_an_admin_disables_a_user_in_the_console_and_their_session_and_key_die(store, make_client,
                                                                               moderator_login):
    admin = add_user(store.uow(), "root", "admin", ["id"], SYSTEM)
    victim = logged_in(make_client, "sari", moderator_login.password)
    console = logged_in(make_client, "root", admin.password)
    page = console.get("/console/admin/accounts").text
    assert moderator_login.api_key[:8] in page and moderator_login.api_key not in page
    console.post("/console/admin/accounts", data={"action": "disable", "name": "sari", "csrf_token": csrf_of(page)})
    assert victim.get("/console/queue", follow_redirects=False).status_code == 303
    assert victim.get("/api/v1/cases", headers=bearer(moderator_login.api_key)).status_code == 401
    assert log_in(make_client(), "sari", moderator_login.password).status_code == 200  # refused
    rotated = console.post("/console/admin/accounts", data={"action": "rotate", "name": "sari",
                                                            "owner_type": "user", "csrf_token": csrf_of(page)})
    assert "tgp_" in rotated.text
    assert victim.get("/console/admin/accounts").status_code in (200, 303)
    moderator_page = logged_in(make_client, "root", admin.password).get("/console/admin/accounts")
    assert moderator_page.status_code == 200
    outsider = logged_in(make_client, "budi", add_user(store.uow(), "budi", "senior", ["id"], SYSTEM).password)
    assert outsider.get("/console/admin/accounts").status_code == 403


# --- appeal floods ----------------------------------------------------------------------------

def blocked(store, sla, ministry, moderator, name):
    """A channel blocked by a moderator and confirmed by the platform (set directly here)."""
    from tanggap.domain.model import CaseState
    from tanggap.services.decisions import DecisionRequest, decide
    from tanggap.services.orders import ingest_order
    from tests.builders import order_for

    case_id = ingest_order(store.uow(), sla, order_for(ministry, name, reference=name), ministry).case_ids[0]
    decide(store.uow(), case_id, DecisionRequest("block", "propaganda", ["ID"]), moderator)
    with store.uow() as uow:
        uow.cases.get(case_id).state = CaseState.ACTIONED
        uow.commit()
    return case_id


def test_a_second_appeal_gets_409_and_the_form_says_so_and_the_form_is_rate_limited(store, client, sla,
                                                                                  ministry, moderator):
    for name in ("@kabar_satu", "@kabar_dua"):
        blocked(store, sla, ministry, moderator, name)
    page = client.get("/appeal").text
    form = {"channel": "t.me/kabar_satu", "name": "owner", "grounds": "bukan teroris", "csrf_token": csrf_of(page)}
    first = client.post("/appeal", data=form)
    assert first.status_code == 201, first.text[-3000:]
    again = client.post("/appeal", data=form)
    assert again.status_code == 409 and "already open" in again.text
    with store.uow(read_only=True) as uow:  # every appeal on the record, none swallowed
        assert len([e for e in uow.session.execute(text("SELECT kind FROM audit_events")).scalars()
                    if e == "case_appeal"]) == 1
    statuses = [client.post("/appeal", data=form | {"channel": "t.me/kabar_dua"}).status_code for _ in range(4)]
    assert statuses == [201, 409, 409, 429]


def test_a_second_appeal_is_refused_without_telling_whose_the_open_one_is(store, client, sla, ministry, moderator):
    """The form is public: the open appeal may be a stranger's, and its reference and time are
    not for whoever asks."""
    from tanggap.services.appeals import submit_appeal

    blocked(store, sla, ministry, moderator, "@kabar_tiga")
    first = submit_appeal(store.uow(), "@kabar_tiga", "owner", "x", None, "public")
    from tanggap.domain.errors import ConflictingDecision
    with pytest.raises(ConflictingDecision, match="already open") as refused:
        submit_appeal(store.uow(), "@kabar_tiga", "owner", "y", None, "public")
    assert first.appeal_id not in str(refused.value) and "UTC" not in str(refused.value)


# --- smaller leaks ----------------------------------------------------------------------------

def test_a_new_authority_reopens_a_no_action_case_and_never_sees_the_other_ones_reason(
        store, client, ministry_key, eu_key, moderator_login, senior):
    from tanggap.services.decisions import approve

    first = client.post("/api/v1/orders", headers=bearer(ministry_key), json={
        "reference": "B-5", "category": "terrorism", "targets": ["@kabar_lima"]}).json()
    case_id = first["targets"][0]["case_id"]
    client.post(f"/api/v1/cases/{case_id}/decision", headers=bearer(moderator_login.api_key),
                json={"action": "no_action", "reason": "INTERNAL: informant says harmless"})
    approve(store.uow(), case_id, senior)  # a terror order closed without action: four-eyes
    assert "INTERNAL" in client.get(f"/api/v1/orders/{first['order_id']}", headers=bearer(ministry_key)).text
    second = client.post("/api/v1/orders", headers=bearer(eu_key), json={
        "reference": "TCO-5", "category": "terrorism", "targets": ["t.me/kabar_lima"]}).json()
    assert second["targets"][0]["case_id"] == case_id
    seen = client.get(f"/api/v1/orders/{second['order_id']}", headers=bearer(eu_key))
    assert "INTERNAL" not in seen.text and seen.json()["targets"][0]["status"] == "queued"
    with store.uow(read_only=True) as uow:
        assert uow.cases.get(case_id).state == "queued"  # a fresh look


def test_docs_and_metrics_are_not_public_and_a_metrics_token_reads_metrics(settings, store):
    from pydantic import SecretStr

    settings.metrics_token = SecretStr("scrape-me")
    client = TestClient(create_app(settings, store=store))
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=bearer("wrong")).status_code == 401
    assert client.get("/metrics", headers=bearer("scrape-me")).status_code == 200


def test_an_impossible_date_is_a_422_not_a_500(client):
    answer = client.get("/api/v1/transparency/daily", params={"date": "9999-12-31"})
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"


def test_every_5xx_is_problem_json(settings, store):
    app = create_app(settings, store=store)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    answer = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json" and "secret" not in answer.text


def test_a_foreign_host_header_is_refused_not_redirected(client):
    answer = client.get("/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert answer.status_code == 400 and "evil.example" not in answer.headers.get("location", "")


def test_the_api_case_view_and_evidence_download_are_audited(store, client, ministry_key, moderator_login):
    from tanggap.store.tables import evidence

    order = client.post("/api/v1/orders", headers=bearer(ministry_key), json={
        "reference": "B-6", "category": "terrorism", "targets": ["@kabar_enam"]}).json()
    staff = bearer(moderator_login.api_key)
    assert client.get(f"/api/v1/cases/{order['targets'][0]['case_id']}", headers=staff).status_code == 200
    assert kinds(store, "case_viewed") == 1
    with store.engine.begin() as connection:
        connection.execute(evidence.insert().values(sha256="a" * 64, content=b"From: x\r\n\r\nhi", size=13,
                                                    first_seen_at=store.clock.now(),
                                                    retain_until=store.clock.now()))
    assert client.get(f"/api/v1/evidence/{'a' * 64}", headers=staff).status_code == 200
    assert kinds(store, "evidence_downloaded") == 1


def test_the_latest_checkpoint_is_public_and_covers_the_newest_event(store, client, ministry_key):
    client.post("/api/v1/orders", headers=bearer(ministry_key), json={
        "reference": "B-7", "category": "terrorism", "targets": ["@kabar_tujuh"]})
    checkpoint = client.get("/api/v1/audit/checkpoint").json()
    with store.engine.connect() as connection:
        newest = connection.execute(text("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")).one()
    assert (checkpoint["seq"], checkpoint["hash"]) == (newest.seq, newest.hash)
