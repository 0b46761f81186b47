import pytest
from fastapi.testclient import TestClient

from tanggap.config import Settings
from tanggap.domain.access import SYSTEM
from tanggap.services.accounts import add_authority, add_user
from tanggap.web.app import create_app


@pytest.fixture
def settings(tmp_path, store_url):
    return Settings(database_url=store_url, var_dir=tmp_path / "var", secret_key="test-secret",
                    enforcement_backoff_s=0.01)


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
