"""Fixtures for the platform tests: one demo platform server per session, a fresh world per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tanggap.platforms.demo import DemoPlatform
from tanggap.platforms.demo_server import create_platform_app
from tanggap.platforms.seed import seed_world
from tanggap.serving import BackgroundServer
from tests.platforms.demo_probe import DemoWorldProbe

PLATFORM_TOKEN = "platform-test-token-7f3a9c01"
WORLD_CHANNELS = 40  # small: every kind, a private channel, and fast to reseed per test


@pytest.fixture(scope="session")
def platform_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo-platform") / "platform.db"


@pytest.fixture(scope="session")
def platform_server(platform_db: Path) -> Iterator[BackgroundServer]:
    """The demo platform over real HTTP, with fault injection, for the whole session."""
    app = create_platform_app(platform_db, PLATFORM_TOKEN, faults=True)
    with BackgroundServer(app) as server:
        yield server


@pytest.fixture
def demo_world(platform_server: BackgroundServer, platform_db: Path) -> Iterator[DemoWorldProbe]:
    """A freshly seeded world (the same every time) and the probe the contract checks use."""
    channels = seed_world(platform_db, channels=WORLD_CHANNELS, seed=2017)
    probe = DemoWorldProbe(platform_server.url, PLATFORM_TOKEN, channels)
    probe.clear_faults()
    yield probe
    probe.close()


@pytest.fixture
def demo_platform(platform_server: BackgroundServer) -> Iterator[DemoPlatform]:
    with DemoPlatform(platform_server.url, PLATFORM_TOKEN, timeout=5.0) as platform:
        yield platform
