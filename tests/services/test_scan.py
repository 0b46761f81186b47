"""Proactive scan over the demo platform with the shipped classifier."""

import pytest

from tanggap.detect.registry import ModelRegistry
from tanggap.domain.model import CaseState
from tanggap.platforms.demo import DemoPlatform
from tanggap.platforms.demo_server import create_platform_app
from tanggap.platforms.seed import seed_world
from tanggap.serving import BackgroundServer
from tanggap.services.scan import ModelScorer, ScanSettings, scan
from tanggap.services.signals import signals_for

TOKEN = "scan-test-token"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db = tmp_path_factory.mktemp("platform") / "platform.db"
    channels = seed_world(db, channels=40, seed=5)
    with BackgroundServer(create_platform_app(db, TOKEN)) as server, DemoPlatform(server.url, TOKEN) as platform:
        yield platform, {c.username: c.kind for c in channels if c.username}


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
