"""Enforcement through the demo platform's HTTP boundary: retried, idempotent, never falsely actioned."""

import httpx
import pytest

from tanggap.domain.model import CaseState, EnforcementStatus
from tanggap.platforms.demo import DemoPlatform
from tanggap.platforms.seed import seed_world
from tanggap.services.decisions import DecisionRequest, decide
from tanggap.services.enforcement import RetryPolicy, carry_out, carry_out_pending
from tanggap.services.orders import ingest_order, order_status
from tests.servers import seeded_demo_platform
from tests.builders import order_for

TOKEN = "enforcement-test-token"


@pytest.fixture(scope="module")
def platform_server(tmp_path_factory):
    with seeded_demo_platform(tmp_path_factory.mktemp("platform"), TOKEN, channels=20, seed=7,
                              faults=True) as server:
        yield server


@pytest.fixture
def world(platform_server):
    channels = seed_world(platform_server.db, channels=20, seed=7)
    return [c for c in channels if c.username and c.kind == "propaganda"]


@pytest.fixture
def admin(platform_server):
    with httpx.Client(base_url=platform_server.url, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        client.delete("/admin/faults")
        yield client
        client.delete("/admin/faults")


@pytest.fixture
def platform(platform_server):
    with DemoPlatform(platform_server.url, TOKEN, timeout=1.0) as adapter:
        yield adapter


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def decided(store, sla, ministry, moderator, world):
    """An order for one propaganda channel, decided as a global block, not yet enforced."""
    channel = world[0]
    receipt = ingest_order(store.uow(), sla, order_for(ministry, f"@{channel.username}"), ministry)
    outcome = decide(store.uow(), receipt.case_ids[0],
                     DecisionRequest("block", "terrorist propaganda", "global"), moderator)
    return receipt, outcome, channel


def actions_for(admin, key):
    return admin.get("/admin/actions", params={"idempotency_key": key}).json()["actions"]


def public_status(platform_server, username, country):
    return httpx.get(f"{platform_server.url}/public/channels/{username}", params={"country": country}).status_code


def test_confirmed_block_actions_the_case_and_the_channel_is_gone(
        store, platform, platform_server, admin, decided, ministry, sleeps):
    receipt, outcome, channel = decided
    result = carry_out(store, platform, outcome.enforcement_id, sleep=sleeps.append)
    assert result.status is EnforcementStatus.CONFIRMED and result.tries == 1
    with store.uow() as uow:
        case = uow.cases.get(outcome.case_id)
        assert case.state == CaseState.ACTIONED
        actioned_at = case.actioned_at
    assert actioned_at is not None
    assert public_status(platform_server, channel.username, "ID") == 404
    status = order_status(store.uow(), receipt.order_id, ministry).targets[0]
    assert (status.status, status.action, status.scope) == ("actioned", "block", "global")
    assert status.actioned_at == actioned_at


def test_transient_errors_are_retried_with_backoff(store, platform, admin, decided, sleeps):
    _, outcome, _ = decided
    admin.post("/admin/faults", json={"fail_next": 2, "status": 503, "methods": ["POST"]})
    result = carry_out(store, platform, outcome.enforcement_id, RetryPolicy(4, 0.5), sleep=sleeps.append)
    assert result.status is EnforcementStatus.CONFIRMED and result.tries == 3
    assert sleeps == [0.5, 1.0]  # exponential backoff between the tries
    with store.uow() as uow:
        assert uow.enforcements.get(outcome.enforcement_id).attempts == 3


def test_a_platform_outage_leaves_the_case_decided_and_retryable(store, platform, admin, decided, sleeps):
    _, outcome, _ = decided
    admin.post("/admin/faults", json={"fail_next": 100, "status": 503})
    result = carry_out(store, platform, outcome.enforcement_id, RetryPolicy(3, 0.1), sleep=sleeps.append)
    assert result.status is EnforcementStatus.PENDING and "503" in result.error
    with store.uow() as uow:
        assert uow.cases.get(outcome.case_id).state == CaseState.DECIDED  # never a false "actioned"
        enforcement = uow.enforcements.get(outcome.enforcement_id)
        assert enforcement.attempts == 3 and enforcement.last_error
    admin.delete("/admin/faults")
    swept = carry_out_pending(store, platform, RetryPolicy(3, 0.1), sleep=sleeps.append)
    assert [o.status for o in swept] == [EnforcementStatus.CONFIRMED]
    with store.uow() as uow:
        assert uow.cases.get(outcome.case_id).state == CaseState.ACTIONED


def test_a_timeout_after_the_platform_acted_is_not_acted_twice(store, platform, admin, decided, sleeps):
    _, outcome, _ = decided
    # The platform acts but answers too late: the client gives up and retries with the same key.
    admin.post("/admin/faults", json={"fail_next": 1, "mode": "timeout", "delay_s": 1.5, "methods": ["POST"]})
    result = carry_out(store, platform, outcome.enforcement_id, RetryPolicy(4, 0.01), sleep=sleeps.append)
    assert result.status is EnforcementStatus.CONFIRMED and result.tries == 2
    with store.uow() as uow:
        key = uow.enforcements.get(outcome.enforcement_id).idempotency_key
    assert len(actions_for(admin, key)) == 1


def test_a_target_the_platform_does_not_know_fails_for_good_without_retries(
        store, sla, ministry, moderator, platform, sleeps):
    receipt = ingest_order(store.uow(), sla, order_for(ministry, "@no_such_channel_here"), ministry)
    outcome = decide(store.uow(), receipt.case_ids[0], DecisionRequest("block", "propaganda"), moderator)
    result = carry_out(store, platform, outcome.enforcement_id, sleep=sleeps.append)
    assert result.status is EnforcementStatus.FAILED and result.tries == 1 and sleeps == []
    with store.uow() as uow:
        assert uow.cases.get(outcome.case_id).state == CaseState.DECIDED


def test_country_scoped_block_hides_the_channel_only_there(
        store, sla, ministry, moderator, platform, platform_server, world, sleeps):
    channel = world[1]
    receipt = ingest_order(store.uow(), sla, order_for(ministry, f"t.me/{channel.username}"), ministry)
    outcome = decide(store.uow(), receipt.case_ids[0],
                     DecisionRequest("block", "terrorist propaganda", ["ID"]), moderator)
    assert carry_out(store, platform, outcome.enforcement_id, sleep=sleeps.append).error is None
    assert public_status(platform_server, channel.username, "ID") == 404
    assert public_status(platform_server, channel.username, "SG") == 200
