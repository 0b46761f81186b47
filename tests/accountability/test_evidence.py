"""Evidence frozen at decision time: after the platform purges a blocked channel, the case and
appeal pages, the statement of reasons and training from decisions still see what the
moderator saw; a legal hold keeps it; expiry deletes it with an audit event."""

import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import select

from tanggap.detect.decisions import harvest
from tanggap.domain.targets import parse_target
from tanggap.platforms.demo import DemoPlatform
from tanggap.platforms.seed import seed_world
from tanggap.services.accounts import add_user
from tanggap.services.decisions import DecisionRequest, decide
from tanggap.services.enforcement import RetryPolicy, carry_out
from tanggap.services.evidence import expire_snapshots, read_snapshot, set_legal_hold
from tanggap.services.orders import ingest_order
from tanggap.services.statements import statements_since
from tanggap.store.tables import audit_events, evidence
from tests.servers import seeded_demo_platform
from tests.accountability.world import at
from tests.builders import order_for
from tests.web.test_console import log_in

TOKEN = "evidence-test-token"


@pytest.fixture(scope="module")
def platform_server(tmp_path_factory):
    with seeded_demo_platform(tmp_path_factory.mktemp("platform"), TOKEN, channels=12, seed=5) as server:
        yield server


@pytest.fixture
def platform(platform_server):
    seed_world(platform_server.db, channels=12, seed=5)  # a fresh world for each test
    with DemoPlatform(platform_server.url, TOKEN, timeout=2.0) as adapter:
        yield adapter


@pytest.fixture
def channel(platform_server, platform):
    with sqlite3.connect(platform_server.db) as db:
        return db.execute("SELECT c.id, c.username FROM channels c JOIN posts p ON p.channel_id = c.id "
                          "WHERE c.username IS NOT NULL GROUP BY c.id HAVING count(*) >= 3 LIMIT 1").fetchone()


def purge(platform_server, channel_id):
    """The platform deletes the blocked channel and its posts, as platforms do."""
    with sqlite3.connect(platform_server.db) as db:
        db.execute("DELETE FROM posts WHERE channel_id = ?", (channel_id,))
        db.execute("DELETE FROM channels WHERE id = ?", (channel_id,))


@pytest.fixture
def blocked(store, sla, ministry, moderator, platform, channel):
    """A channel the moderator saw, decided on, and enforced (the snapshot is taken first)."""
    target = f"@{channel[1]}"
    seen = [p.text for p in platform.recent_posts(parse_target(target), 20)]
    case_id = ingest_order(store.uow(), sla, order_for(ministry, target), ministry).case_ids[0]
    outcome = decide(store.uow(), case_id, DecisionRequest("block", "ISIS propaganda", "global", "UU 5/2018",
                                                           None, "terrorist_content"), moderator)
    result = carry_out(store, platform, outcome.enforcement_id, RetryPolicy(attempts=1), sleep=lambda s: None)
    assert str(result.status) == "confirmed"
    return {"case_id": case_id, "decision_id": outcome.decision_id, "seen": seen, "target": target}


def test_after_a_purge_every_reader_still_sees_what_the_moderator_saw(
        store, blocked, platform, platform_server, channel, make_client, senior_login):
    purge(platform_server, channel[0])
    snapshot = read_snapshot(store.uow(), blocked["decision_id"])
    assert [p["text"] for p in snapshot.posts] == blocked["seen"]
    assert snapshot.channel["username"] == channel[1]
    # the statement of reasons
    (statement,) = [s for s in statements_since(store.uow(), at("2020-01-01T00:00+00:00"), "https://x/appeal")
                    if s.decision_id == blocked["decision_id"]]
    assert statement.own["evidence"]["snapshot_sha256"] == snapshot.sha256
    assert statement.own["evidence"]["posts"] == len(blocked["seen"])
    earliest = min(p["posted_at"] for p in snapshot.posts)[:10]
    assert statement.dsa["content_date"] == earliest and not statement.dsa_problems
    # training from decisions: the platform no longer has the channel, the snapshot does
    harvested = harvest(store, platform)
    texts = {e.example.text for e in harvested.examples if e.case_id == blocked["case_id"]}
    assert texts == {t for t in blocked["seen"] if t.strip()}
    assert harvested.counts["cases from snapshots"] >= 1
    # the case page, in the console
    client = make_client(platform)
    assert log_in(client, "budi", senior_login.password).status_code == 303
    page = client.get(f"/console/cases/{blocked['case_id']}").text
    assert "What the moderator saw" in page
    assert all(_escaped(text) in page for text in blocked["seen"][:3])
    # the appeal page, where someone else reviews the owner's complaint
    from tanggap.services.appeals import submit_appeal
    appeal = submit_appeal(store.uow(), blocked["target"], "Owner", "this is news", None, "public:test")
    appeal_page = client.get(f"/console/appeals/{appeal.appeal_id}").text
    assert "What the moderator saw" in appeal_page
    assert all(_escaped(text) in appeal_page for text in blocked["seen"][:3])


def _escaped(text):
    from markupsafe import escape
    return str(escape(text))


def test_the_snapshot_is_taken_once_and_recorded(store, blocked, platform):
    with store.uow() as uow:
        kinds = [row.kind for row in uow.session.execute(
            select(audit_events.c.kind).where(audit_events.c.subject_id == blocked["case_id"]))]
    assert kinds.count("evidence_snapshot_taken") == 1
    assert kinds.index("evidence_snapshot_taken") < kinds.index("case_enforced")


def test_expiry_deletes_with_an_audit_event_unless_a_legal_hold_keeps_it(store, blocked, clock, system):
    admin = add_user(store.uow(), "ayu", "admin", ["id"], system)
    from tanggap.services.accounts import principal_for_key
    admin = principal_for_key(store.uow(), admin.api_key)
    sha = read_snapshot(store.uow(), blocked["decision_id"]).sha256
    clock.advance(timedelta(days=100))
    assert expire_snapshots(store.uow()) == 0  # within six months
    set_legal_hold(store.uow(), blocked["case_id"], "Polri investigation LP/123/2026", admin)
    clock.advance(timedelta(days=100))
    assert expire_snapshots(store.uow()) == 0  # held
    from tanggap.services.evidence import release_legal_hold
    release_legal_hold(store.uow(), blocked["case_id"], "investigation closed", admin)
    assert expire_snapshots(store.uow()) == 1
    assert read_snapshot(store.uow(), blocked["decision_id"]) is None
    with store.uow() as uow:
        assert uow.session.scalar(select(evidence.c.sha256).where(evidence.c.sha256 == sha)) is None
        kinds = [row.kind for row in uow.session.execute(
            select(audit_events.c.kind).where(audit_events.c.subject_id == blocked["case_id"]))]
    assert {"legal_hold_set", "legal_hold_released", "evidence_expired"} <= set(kinds)


def test_only_an_admin_sets_a_legal_hold(store, blocked, moderator):
    from tanggap.domain.errors import PermissionDenied
    with pytest.raises(PermissionDenied):
        set_legal_hold(store.uow(), blocked["case_id"], "because", moderator)


def test_the_owner_hears_the_statement_and_the_reversal_once_each(store, blocked, platform, platform_server,
                                                                   channel, senior):
    from tanggap.notify.owner_statements import notify_owners
    from tanggap.services.appeals import resolve_appeal, submit_appeal
    from tanggap.domain.access import SYSTEM
    from tanggap.services.accounts import add_user, principal_for_key
    from tanggap.services.enforcement import carry_out as enforce
    from tanggap.services.reversals import approve_reversal

    appeal = submit_appeal(store.uow(), blocked["target"], "Owner", "this is news", None, "public:test")
    proposed = resolve_appeal(store.uow(), appeal.appeal_id, True, "news reporting", senior)
    second = principal_for_key(store.uow(), add_user(store.uow(), "dewi", "senior", ["id"], SYSTEM).api_key)
    approved = approve_reversal(store.uow(), proposed.case_id, second)  # a second senior unblocks
    enforce(store, platform, approved.enforcement_id, RetryPolicy(attempts=1), sleep=lambda s: None)
    found = statements_since(store.uow(), at("2020-01-01T00:00+00:00"), "https://tanggap.example/appeal")
    first = notify_owners(store, platform, found)
    again = notify_owners(store, platform, found)
    assert (first.sent, again.sent, again.already) == (2, 0, 2)
    with sqlite3.connect(platform_server.db) as db:
        notices = [row[0] for row in db.execute("SELECT text FROM owner_notices WHERE channel_id = ? ORDER BY seq",
                                                (channel[0],))]
    assert len(notices) == 2
    assert "Statement of reasons" in notices[0] and "https://tanggap.example/appeal" in notices[0]
    assert "ISIS propaganda" in notices[0] and blocked["decision_id"] in notices[0]
    assert "Decision reversed" in notices[1]
