"""A demo platform behind its HTTP boundary, and the people of a four-eyes check."""

import httpx
import pytest

from tanggap.domain.access import SYSTEM
from tanggap.platforms.demo import DemoPlatform
from tanggap.platforms.seed import seed_world
from tanggap.services.accounts import add_user, principal_for_key
from tests.servers import seeded_demo_platform

TOKEN = "four-eyes-test-token"


def staff(store, name, role, languages=("id", "en")):
    return principal_for_key(store.uow(), add_user(store.uow(), name, role, list(languages), SYSTEM).api_key)


@pytest.fixture
def senior_a(store):
    return staff(store, "rina", "senior")


@pytest.fixture
def senior_b(store):
    return staff(store, "agus", "senior")


@pytest.fixture(scope="module")
def platform_server(tmp_path_factory):
    with seeded_demo_platform(tmp_path_factory.mktemp("platform"), TOKEN, channels=20, seed=11,
                              faults=True) as server:
        yield server


@pytest.fixture
def channels(platform_server):
    found = seed_world(platform_server.db, channels=20, seed=11)
    return [c for c in found if c.username and not c.invite_hash]


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


def visible(platform_server, username, country="ID") -> bool:
    """What a viewer in `country` sees: is the channel there?"""
    return httpx.get(f"{platform_server.url}/public/channels/{username}",
                     params={"country": country}).status_code == 200


def no_sleep(_seconds: float) -> None:
    return None
