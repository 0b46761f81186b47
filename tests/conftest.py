"""Shared fixtures: a real store on SQLite and, when TANGGAP_TEST_DATABASE_URL is set, PostgreSQL."""

from __future__ import annotations

import os
import shutil
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from tanggap.config import Settings
from tanggap.domain.access import SYSTEM
from tanggap.domain.clock import FixedClock
from tanggap.domain.sla import SlaPolicy
from tanggap.services.accounts import add_authority, add_user, principal_for_key
from tanggap.store.migrate import upgrade
from tanggap.store.tables import metadata
from tanggap.store.uow import Store
from tanggap.web.app import create_app

PG_URL = os.environ.get("TANGGAP_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


SYSTEM_TOOLS = {"chromium": "/usr/bin/chromium", "dovecot": "/usr/sbin/dovecot", "pdftoppm": "/usr/bin/pdftoppm"}


def pytest_report_header(config):
    return f"store backends: {', '.join(BACKENDS)}"


def pytest_sessionstart(session):
    """CI sets TANGGAP_REQUIRE_SYSTEM_DEPS: there, tests that need these tools must not skip."""
    if os.environ.get("TANGGAP_REQUIRE_SYSTEM_DEPS"):
        missing = [tool for tool, path in SYSTEM_TOOLS.items()
                   if not shutil.which(tool) and not os.path.exists(path)]
        if missing:
            raise pytest.UsageError(f"missing system tools {missing}: run `make system-deps` as root")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """Migrate once, copy the file per test: every test gets the real schema, fast."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url():
    if not PG_URL:
        pytest.skip("TANGGAP_TEST_DATABASE_URL not set")
    engine = create_engine(PG_URL)
    try:
        with engine.begin() as connection:  # start from nothing: the migrations must build it all
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    except Exception as error:  # CI sets the variable only when PostgreSQL must be there
        pytest.fail(f"PostgreSQL at {PG_URL} is not reachable: {error}")
    finally:
        engine.dispose()
    upgrade(PG_URL)
    return PG_URL


def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        names = ", ".join(table.name for table in metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def clock():
    return FixedClock(datetime.fromisoformat("2026-03-31T23:30:00+07:00"))


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path, sqlite_template):
    if request.param == "sqlite":
        path = tmp_path / "tanggap.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    _truncate_postgres(url)
    return url


@pytest.fixture
def store(store_url, clock):
    store = Store(store_url, clock=clock)
    yield store
    store.dispose()


@pytest.fixture
def system():
    return SYSTEM


# --- actors -------------------------------------------------------------------------

@pytest.fixture
def sla():
    return SlaPolicy()


@pytest.fixture
def ministry(store):
    issued = add_authority(store.uow(), "Kemkomdigi", "ID", ["komdigi.go.id"], SYSTEM)
    return principal_for_key(store.uow(), issued.api_key)


@pytest.fixture
def eu_authority(store):
    issued = add_authority(store.uow(), "Garda Siochana", "EU", ["garda.ie"], SYSTEM)
    return principal_for_key(store.uow(), issued.api_key)


@pytest.fixture
def moderator(store):
    issued = add_user(store.uow(), "sari", "moderator", ["id", "en"], SYSTEM)
    return principal_for_key(store.uow(), issued.api_key)


@pytest.fixture(autouse=True)
def own_var_dir(tmp_path, monkeypatch):
    """Commands run in a test keep what they write under var/ (audit checkpoints, generated
    keys) in the test's folder, not in the checkout, unless the test names another."""
    monkeypatch.setenv("TANGGAP_VAR_DIR", str(tmp_path / "var"))


# --- web ---------------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path, store_url):
    # effects=inline: the web tests see the enforcement at once; tests/bus covers the workers.
    return Settings(database_url=store_url, var_dir=tmp_path / "var", secret_key="test-secret",
                    enforcement_backoff_s=0.01, effects="inline",
                    allowed_hosts=["testserver", "127.0.0.1", "localhost"])


@pytest.fixture
def make_client(settings, store):
    def make(platform=None):
        return TestClient(create_app(settings, store=store, platform=platform))
    return make


@pytest.fixture
def client(make_client):
    return make_client()


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def ministry_key(store):
    return add_authority(store.uow(), "Kemkomdigi", "ID", ["komdigi.go.id"], SYSTEM).api_key


@pytest.fixture
def eu_key(store):
    return add_authority(store.uow(), "Garda Siochana", "EU", ["garda.ie"], SYSTEM).api_key


@pytest.fixture
def moderator_login(store):
    return add_user(store.uow(), "sari", "moderator", ["id", "en"], SYSTEM)


@pytest.fixture
def senior_login(store):
    return add_user(store.uow(), "budi", "senior", ["id", "ar", "en"], SYSTEM)


@pytest.fixture
def senior(store, senior_login):
    return principal_for_key(store.uow(), senior_login.api_key)
