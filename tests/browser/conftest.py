"""Browser tests: Playwright (the PyPI package) driving Debian's Chromium against the real app,
served over HTTP by uvicorn, on SQLite and PostgreSQL, with the demo platform beside it.

Debian's Chromium is used rather than a browser Playwright downloads: `scripts/browser-deps.sh`
installs it. Without /usr/bin/chromium (or without the playwright package) these tests skip
and say why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher

from tanggap.domain.access import SYSTEM
from tanggap.platforms.demo import DemoPlatform
from tanggap.platforms.demo_server import create_platform_app
from tanggap.platforms.seed import SeededChannel, seed_world
from tanggap.serving import BackgroundServer
from tanggap.services import accounts
from tanggap.services.accounts import IssuedCredentials, add_authority, add_user, principal_for_key
from tanggap.services.review import profile_cases
from tanggap.web.app import create_app

CHROMIUM = Path(os.environ.get("TANGGAP_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PLATFORM_TOKEN = "browser-test-token"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1400, "height": 1000}
TIMEOUT_MS = 10_000
STAFF = {"sari": ("moderator", ["id", "en"]), "dewi": ("moderator", ["ms"]),
         "budi": ("senior", ["id", "ar", "en"]), "audrey": ("auditor", ["en"])}

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None


@pytest.fixture(scope="session")
def browser():
    if sync_playwright is None:
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run scripts/browser-deps.sh (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class World:
    """Everything a browser test needs: the console's URL, the platform, people and keys."""

    url: str
    platform_url: str
    platform: DemoPlatform
    channels: list[SeededChannel]
    store: object
    ministry_key: str
    eu_key: str
    people: dict[str, IssuedCredentials]

    def person(self, name: str) -> IssuedCredentials:
        """A member of staff (see STAFF), created when a test first needs them."""
        if name not in self.people:
            role, languages = STAFF[name]
            self.people[name] = add_user(self.store.uow(), name, role, languages, SYSTEM)
        return self.people[name]

    def principal(self, name: str):
        return principal_for_key(self.store.uow(), self.person(name).api_key)

    def order(self, reference: str, category: str, *targets: str, key: str | None = None) -> dict:
        answer = httpx.post(f"{self.url}/api/v1/orders",
                            headers={"Authorization": f"Bearer {key or self.ministry_key}"},
                            json={"reference": reference, "category": category, "targets": list(targets),
                                  "legal_basis": "UU 5/2018; Permenkominfo 5/2020"})
        assert answer.status_code == 201, answer.text
        return answer.json()

    def profile(self) -> None:
        """What the background sweep does while serving: language and subscribers per case."""
        profile_cases(self.store, self.platform)

    def visible(self, username: str, country: str = "ID") -> bool:
        answer = httpx.get(f"{self.platform_url}/public/channels/{username}", params={"country": country})
        assert answer.status_code in (200, 404), answer.text
        return answer.status_code == 200


@pytest.fixture
def light_passwords(monkeypatch):
    """Argon2 still, with light parameters: the browser tests log in a dozen times, and the
    production cost (about 0.4 s a hash on a 2-core machine) is not what they test."""
    monkeypatch.setattr(accounts, "passwords", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1))


@pytest.fixture
def world(store, settings, tmp_path, light_passwords):
    platform_db = tmp_path / "platform.db"
    channels = seed_world(platform_db, channels=20, seed=11)
    people: dict[str, IssuedCredentials] = {}
    ministry_key = add_authority(store.uow(), "Kemkomdigi", "ID", ["komdigi.go.id"], SYSTEM).api_key
    eu_key = add_authority(store.uow(), "Garda Siochana", "EU", ["garda.ie"], SYSTEM).api_key
    with BackgroundServer(create_platform_app(platform_db, PLATFORM_TOKEN)) as platform_server:
        platform = DemoPlatform(platform_server.url, PLATFORM_TOKEN)
        with BackgroundServer(create_app(settings, store=store, platform=platform)) as console:
            yield World(console.url, platform_server.url, platform, channels, store, ministry_key, eu_key,
                        people)
        platform.close()


@pytest.fixture
def new_page(browser, world):
    """A page in a fresh browser context (its own cookies): one per person in a test."""
    contexts = []

    def make():
        context = browser.new_context(viewport=VIEWPORT, base_url=world.url)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def log_in(page, world: World, name: str) -> None:
    page.goto("/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", world.person(name).password)
    page.click("form.login button")
    page.wait_for_url("**/console/queue")


def csrf_of(page) -> str:
    return page.locator("input[name=csrf_token]").first.get_attribute("value")
