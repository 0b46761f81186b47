"""Every transport, for real: the embedded one on the test store, NATS JetStream on the local
server (127.0.0.1:4222, started for every session and CI run) under a prefix of its own."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest
from ulid import ULID

from tanggap.bus.embedded import EmbeddedTransport
from tanggap.bus.nats import NatsTransport
# The demo platform and its seeded world, shared with the enforcement tests (test_effects.py).
from tests.services.test_enforcement import admin, platform_server, world  # noqa: F401 (fixtures)

NATS_URL = os.environ.get("TANGGAP_TEST_NATS_URL", "nats://127.0.0.1:4222")
TRANSPORTS = ["embedded", "nats"]


class ThreadLoop:
    """An event loop in a thread of its own: the browser tests' Playwright keeps a loop running
    in the main thread for the whole session, where asyncio.run would refuse to start."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run_until_complete(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def run_async(coroutine):
    runner = ThreadLoop()
    try:
        return runner.run_until_complete(coroutine)
    finally:
        runner.close()


@pytest.fixture
def loop():
    runner = ThreadLoop()
    yield runner
    runner.close()


@pytest.fixture(params=TRANSPORTS)
def transport(request, store, loop):
    if request.param == "embedded":
        transport = EmbeddedTransport(store, lease_s=0.3, poll_s=0.01)
        loop.run_until_complete(transport.start())
        yield transport
        return
    transport = NatsTransport(NATS_URL, prefix=f"test{str(ULID()).lower()}", ack_wait_s=1.0)
    try:
        loop.run_until_complete(asyncio.wait_for(transport.start(), 5))
    except Exception as error:
        pytest.fail(f"NATS JetStream at {NATS_URL} is not reachable: {error}")
    yield transport
    loop.run_until_complete(transport.delete_streams())
    loop.run_until_complete(transport.close())
