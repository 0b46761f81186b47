"""Decisions are enforced by effects workers from the outbox, never inside the web request; a
worker killed mid-effect and started again enforces exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import select
from fastapi.testclient import TestClient
from ulid import ULID

from tanggap.bus.runner import BackgroundWorkers, effects_workers, transport_from_settings
from tanggap.domain.model import EnforcementStatus
from tanggap.domain.targets import Target
from tanggap.platforms.demo import DemoPlatform
from tanggap.services.decisions import DecisionRequest, decide
from tanggap.services.orders import ingest_order
from tanggap.store.outbox import outbox
from tests.builders import order_for
from tests.bus.conftest import NATS_URL, TRANSPORTS, run_async
from tests.conftest import bearer
from tests.services.test_enforcement import TOKEN



@pytest.fixture
def propaganda(world):
    return world  # the seeded propaganda channels (tests/services/test_enforcement.py's world)


@pytest.fixture(params=TRANSPORTS)
def bus_settings(request, settings, platform_server):
    prefix = f"test{str(ULID()).lower()}"
    yield settings.model_copy(update={"effects": "worker", "bus": request.param, "nats_url": NATS_URL,
                                      "nats_prefix": prefix, "platform_url": platform_server.url,
                                      "platform_token": TOKEN, "bus_lease_s": 2.0})
    if request.param == "nats":
        from tanggap.bus.nats import NatsTransport

        async def cleanup():
            transport = NatsTransport(NATS_URL, prefix=prefix)
            await transport.start()
            await transport.delete_streams()
            await transport.close()
        run_async(cleanup())


def wait_for(predicate, timeout_s=30.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def enforcement_status(store, enforcement_id):
    with store.uow(read_only=True) as uow:
        return uow.enforcements.get(enforcement_id).status


def test_the_api_answers_at_once_and_a_worker_enforces(store, bus_settings, ministry_key, moderator_login,
                                                       platform_server, propaganda):
    channel = propaganda[0]
    with DemoPlatform(platform_server.url, TOKEN) as platform:
        client = TestClient(__import__("tanggap.web.app", fromlist=["create_app"]).create_app(
            bus_settings, store=store, platform=platform))
        order = client.post("/api/v1/orders", headers=bearer(ministry_key), json={
            "reference": "B-1/BUS/2026", "category": "terrorism", "targets": [f"@{channel.username}"]}).json()
        case_id = order["targets"][0]["case_id"]
        decided = client.post(f"/api/v1/cases/{case_id}/decision", headers=bearer(moderator_login.api_key),
                              json={"action": "block", "scope": "global", "reason": "terrorist propaganda"})
        assert decided.status_code == 201
        enforcement = decided.json()["enforcement"]
        assert enforcement["status"] == "pending"  # the request did not wait for the platform
        workers = BackgroundWorkers(store, transport_from_settings(bus_settings, store),
                                    effects_workers(store, platform, bus_settings)).start()
        try:
            enforcement_id = enforcement["enforcement_id"]
            assert wait_for(lambda: enforcement_status(store, enforcement_id) is EnforcementStatus.CONFIRMED)
        finally:
            workers.stop()
        assert platform.channel(Target.channel(channel.username)).blocked_globally
    # The platform's confirmation settled the order's only case: the authority's final status is due.
    with store.uow(read_only=True) as uow:
        settled = uow.session.execute(select(outbox.c.payload).where(outbox.c.subject == "order.settled")).scalars()
        assert [payload["order_id"] for payload in settled] == [order["order_id"]]


def test_a_worker_killed_mid_effect_and_restarted_enforces_exactly_once(store, store_url, bus_settings, sla,
                                                                       ministry, moderator, propaganda, admin):
    channel = propaganda[1]
    receipt = ingest_order(store.uow(), sla, order_for(ministry, f"@{channel.username}"), ministry)
    outcome = decide(store.uow(), receipt.case_ids[0], DecisionRequest("block", "propaganda", "global"), moderator)
    with store.uow(read_only=True) as uow:
        key = uow.enforcements.get(outcome.enforcement_id).idempotency_key
    # The platform takes 3 s to act: the worker is killed while its call is in flight.
    admin.post("/admin/faults", json={"fail_next": 1, "mode": "timeout", "delay_s": 3, "methods": ["POST"]})
    env = {**os.environ, "TANGGAP_DATABASE_URL": store_url, "TANGGAP_PLATFORM_URL": bus_settings.platform_url,
           "TANGGAP_PLATFORM_TOKEN": TOKEN, "TANGGAP_BUS": bus_settings.bus, "TANGGAP_NATS_URL": NATS_URL,
           "TANGGAP_NATS_PREFIX": bus_settings.nats_prefix, "TANGGAP_BUS_LEASE_S": "2",
           "TANGGAP_ENFORCEMENT_TIMEOUT_S": "10", "TANGGAP_VAR_DIR": str(bus_settings.var_dir)}
    command = [sys.executable, "-m", "tanggap.cli", "worker", "effects"]
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: admin.get("/admin/faults").json()["remaining"] == 0, 60), "the call never came"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert enforcement_status(store, outcome.enforcement_id) is EnforcementStatus.PENDING
        second = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert wait_for(lambda: enforcement_status(store, outcome.enforcement_id)
                            is EnforcementStatus.CONFIRMED, 60)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(30)
    finally:
        if first.poll() is None:
            first.kill()
    actions = admin.get("/admin/actions", params={"idempotency_key": key}).json()["actions"]
    assert len(actions) == 1  # acted once, though asked twice


def test_metrics_show_the_lag_of_the_effects(client, store, sla, ministry, moderator_login, propaganda):
    from tanggap.services.accounts import principal_for_key

    moderator = principal_for_key(store.uow(), moderator_login.api_key)
    receipt = ingest_order(store.uow(), sla, order_for(ministry, f"@{propaganda[0].username}"), ministry)
    decide(store.uow(), receipt.case_ids[0], DecisionRequest("block", "propaganda", "global"), moderator)
    metrics = client.get("/metrics", headers=bearer(moderator_login.api_key)).text  # staff only
    assert 'tanggap_outbox_waiting{subject="enforcement.requested"} 1.0' in metrics
    assert "tanggap_outbox_dead_letters 0.0" in metrics
