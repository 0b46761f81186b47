"""Proactive scan over the demo platform with the shipped classifier."""

import pytest

from tanggap.detect.registry import ModelRegistry
from tanggap.domain.model import CaseState
from tanggap.platforms.demo import DemoPlatform
from tanggap.platforms.seed import seed_world
from tanggap.services.scan import ModelScorer, ScanSettings, scan
from tanggap.services.signals import signals_for
from tests.servers import seeded_demo_platform

TOKEN = "scan-test-token"


@pytest.fixture(scope="module")
def platform_server(tmp_path_factory):
    with (seeded_demo_platform(tmp_path_factory.mktemp("platform"), TOKEN, channels=40, seed=5) as server,
          DemoPlatform(server.url, TOKEN) as platform):
        yield server.db, platform


@pytest.fixture
def world(platform_server):
    """The same world for every test: blocks from an earlier test are undone by reseeding."""
    db, platform = platform_server
    channels = seed_world(db, channels=40, seed=5)
    return platform, {c.username: c.kind for c in channels if c.username}


@pytest.fixture(scope="module")
def scorer(tmp_path_factory):
    return ModelScorer(ModelRegistry(tmp_path_factory.mktemp("models")).load())


def test_scan_opens_proactive_cases_for_propaganda_channels_with_explained_signals(store, world, scorer):
    platform, kinds = world
    report = scan(store, platform, scorer, ScanSettings(threshold=0.8))
    assert report.channels == len(kinds) and report.posts > 0
    assert report.cases_opened, "the seeded propaganda channels should be found"
    with store.uow(read_only=True) as uow:
        opened = [uow.cases.get(case_id) for case_id in report.cases_opened]
        assert all(case.source == "proactive" and case.state == CaseState.QUEUED for case in opened)
        # routed like any case: the language of the channel's posts is known when it opens
        assert all(case.language not in (None, "und") for case in opened), [c.language for c in opened]
        found_kinds = [kinds[case.target.username] for case in opened]
    assert found_kinds.count("propaganda") >= len(found_kinds) * 0.75, found_kinds
    assert found_kinds.count("ordinary") == 0
    signals = signals_for(store, report.cases_opened[0])
    assert signals[0]["source"] == "channel_risk" and signals[0]["strength"] >= 0.8
    assert any(s["source"] == "classifier" and "posts score" in s["explanation"] for s in signals)


def test_scanning_again_adds_signals_but_no_second_case(store, world, scorer):
    platform, _ = world
    first = scan(store, platform, scorer, ScanSettings(threshold=0.8, max_channels=15))
    again = scan(store, platform, scorer, ScanSettings(threshold=0.8, max_channels=15))
    assert again.cases_opened == [] and again.signals_added >= first.signals_added > 0


def test_reposted_releases_match_the_hash_bank_and_carry_the_case(store, world, scorer):
    from tanggap.detect.banks.service import create_bank, import_hash_list
    from tanggap.platforms.demo_media import release_hash_list

    platform, kinds = world
    create_bank(store, "demo-releases", "positive", verified=True)
    assert import_hash_list(store, "demo-releases", release_hash_list(), "csv").added == 4
    report = scan(store, platform, scorer, ScanSettings(threshold=0.8, media_per_channel=10))
    assert report.hash_matches > 0
    with store.uow(read_only=True) as uow:
        sources = {}
        for case_id in report.cases_opened:
            sources[case_id] = {s["source"] for s in signals_for(store, case_id)}
            assert kinds[uow.cases.get(case_id).target.username] != "ordinary"
    assert any(any(source.startswith("hash:pdq") for source in found) for found in sources.values())


def second_senior(store):
    from tanggap.domain.access import SYSTEM
    from tanggap.services.accounts import add_user, principal_for_key

    return principal_for_key(store.uow(), add_user(store.uow(), "wati", "senior", ["id"], SYSTEM).api_key)


def test_auto_block_on_a_verified_match_awaits_post_hoc_review(store, world, scorer, senior, moderator):
    from tanggap.detect.banks.service import create_bank, import_hash_list
    from tanggap.domain.errors import PermissionDenied
    from tanggap.platforms.demo_media import release_hash_list
    from tanggap.services.automatic import AutoBlockRule, awaiting_review, review
    from tanggap.services.reversals import approve_reversal

    platform, _ = world
    create_bank(store, "releases", "positive", verified=True)
    import_hash_list(store, "releases", release_hash_list(), "csv")
    assert ScanSettings().auto_block.enabled is False
    off = scan(store, platform, scorer, ScanSettings(threshold=0.8, media_per_channel=10, max_channels=3))
    assert off.auto_blocked == []  # off by default
    # Re-posts differ from the originals by a few PDQ bits; a rule this loose is for the test only.
    loose = AutoBlockRule(enabled=True, max_pdq_distance=31)
    on = scan(store, platform, scorer, ScanSettings(threshold=0.8, media_per_channel=10, auto_block=loose))
    assert on.auto_blocked, "a channel re-posting a verified release should be blocked automatically"
    waiting = [case.id for case in awaiting_review(store.uow(read_only=True), senior)]
    assert len(waiting) >= 2 and set(waiting) <= set(on.auto_blocked)
    confirmed, reversed_ = waiting[0], waiting[-1]
    with store.uow(read_only=True) as uow:
        assert uow.cases.get(confirmed).state == CaseState.ACTIONED  # blocked on the platform
    with pytest.raises(PermissionDenied):
        review(store.uow(), confirmed, True, "looks right", moderator)
    assert review(store.uow(), confirmed, True, "release confirmed", senior) is None
    assert review(store.uow(), reversed_, False, "a news report quoting the image", senior) is None
    with store.uow(read_only=True) as uow:  # one senior's reversal is a proposal: still blocked
        assert uow.cases.get(reversed_).state == CaseState.PENDING_APPROVAL
    with pytest.raises(PermissionDenied):
        approve_reversal(store.uow(), reversed_, senior)
    approved = approve_reversal(store.uow(), reversed_, second_senior(store))
    with store.uow(read_only=True) as uow:
        assert uow.cases.get(reversed_).state == CaseState.REVERSED
        assert uow.enforcements.get(approved.enforcement_id).action == "unblock"
    assert confirmed not in [c.id for c in awaiting_review(store.uow(read_only=True), senior)]


def test_order_cases_get_their_channel_media_matched_when_profiled(store, sla, ministry, world):
    from tanggap.detect.banks.service import create_bank, import_hash_list
    from tanggap.platforms.demo_media import release_hash_list
    from tanggap.services.orders import ingest_order
    from tanggap.services.review import profile_cases
    from tests.builders import order_for

    platform, kinds = world
    create_bank(store, "releases", "positive", verified=True)
    import_hash_list(store, "releases", release_hash_list(), "csv")
    propaganda = [name for name, kind in kinds.items() if kind == "propaganda"]
    receipt = ingest_order(store.uow(), sla, order_for(ministry, *propaganda), ministry)
    profile_cases(store, platform)
    matched = [case_id for case_id in receipt.case_ids
               if any(s["source"].startswith("hash:") for s in signals_for(store, case_id))]
    assert matched, "channels re-posting known releases carry hash-bank signals"


def test_a_senior_reviews_automatic_blocks_in_the_console_and_another_approves_the_unblock(
        store, world, scorer, make_client, senior_login):
    from tanggap.detect.banks.service import create_bank, import_hash_list
    from tanggap.platforms.demo_media import release_hash_list
    from tanggap.services.automatic import AutoBlockRule
    from tests.web.test_console import csrf_of, log_in

    platform, _ = world
    create_bank(store, "releases", "positive", verified=True)
    import_hash_list(store, "releases", release_hash_list(), "csv")
    report = scan(store, platform, scorer, ScanSettings(threshold=0.8, media_per_channel=10,
                                                        auto_block=AutoBlockRule(True, 31)))
    client = make_client(platform)
    log_in(client, "budi", senior_login.password)
    page = client.get("/console/approvals").text
    case_id = report.auto_blocked[0]
    assert f'action="/console/cases/{case_id}/posthoc"' in page
    done = client.post(f"/console/cases/{case_id}/posthoc", follow_redirects=False,
                       data={"verdict": "reverse", "reason": "quoted in a news report", "csrf_token": csrf_of(page)})
    assert done.status_code == 303
    with store.uow(read_only=True) as uow:  # one senior alone does not unblock
        assert uow.cases.get(case_id).state == CaseState.PENDING_APPROVAL
    assert "another senior decides it" in client.get(f"/console/reversals/{case_id}").text
    refused = client.post(f"/console/reversals/{case_id}", data={"verdict": "approve", "csrf_token": csrf_of(page)})
    assert refused.status_code == 403
    from tanggap.domain.access import SYSTEM
    from tanggap.services.accounts import add_user

    second = make_client(platform)
    log_in(second, "wati", add_user(store.uow(), "wati", "senior", ["id"], SYSTEM).password)
    assert f"/console/reversals/{case_id}" in second.get("/console/reversals").text
    page = second.get(f"/console/reversals/{case_id}").text
    assert "quoted in a news report" in page and "hash:" in page  # the evidence is on the page
    approved = second.post(f"/console/reversals/{case_id}", data={"verdict": "approve", "csrf_token": csrf_of(page)},
                           follow_redirects=False)
    assert approved.status_code == 303
    with store.uow(read_only=True) as uow:
        assert uow.cases.get(case_id).state == CaseState.REVERSED
