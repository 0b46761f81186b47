"""Fixtures for the platform tests: one demo platform server and one Synapse per session, a fresh
world per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tanggap.platforms.demo import DemoPlatform
from tanggap.platforms.demo_server import create_platform_app
from tanggap.platforms.seed import seed_world
from tanggap.serving import BackgroundServer
from tanggap.platforms.matrix import MatrixPlatform
from tests.platforms.demo_probe import DemoWorldProbe
from tests.platforms.matrix_probe import MatrixWorldProbe
from tests.platforms.synapse import MatrixUser, Synapse, synapse_installed

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


# ----------------------------------------------------------------------------- a real Synapse

@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    """One Synapse homeserver process for the session (installed by scripts/synapse-deps.sh)."""
    if not synapse_installed():
        message = "Synapse is not installed: run `make system-deps` (scripts/synapse-deps.sh)"
        if os.environ.get("TANGGAP_REQUIRE_SYSTEM_DEPS"):
            pytest.fail(message)
        pytest.skip(message)
    with Synapse(tmp_path_factory.mktemp("synapse")) as server:
        yield server


@pytest.fixture(scope="session")
def matrix_users(synapse: Synapse) -> dict[str, MatrixUser]:
    """A server admin (whose token Tanggap uses), a room owner, two members and an outsider."""
    return {"admin": synapse.register("tanggap_admin", admin=True),
            "owner": synapse.register("pemilik"), "member": synapse.register("anggota"),
            "member2": synapse.register("anggota2"), "outsider": synapse.register("warga")}


@pytest.fixture
def matrix_world(synapse: Synapse, matrix_users: dict[str, MatrixUser]) -> Iterator[MatrixWorldProbe]:
    probe = MatrixWorldProbe(synapse, matrix_users["admin"], matrix_users["owner"],
                             [matrix_users["member"], matrix_users["member2"]], matrix_users["outsider"])
    yield probe
    probe.close()


@pytest.fixture
def matrix_platform(matrix_world: MatrixWorldProbe) -> MatrixPlatform:
    return matrix_world.platform(timeout=10.0)
