"""An attacker's clients: server errors come back as responses (a 500 is a finding, not a crash
of the test), so each test can say what the attacker gets instead."""

import pytest
from fastapi.testclient import TestClient

from tanggap.web.app import create_app
from tests.web.test_console import csrf_of, log_in


@pytest.fixture
def attacker_client(settings, store):
    """make() -> a client of a fresh app on the test store that answers 500s instead of raising."""
    def make(platform=None):
        return TestClient(create_app(settings, store=store, platform=platform), raise_server_exceptions=False)
    return make


def logged_in(make, name: str, password: str) -> TestClient:
    client = make()
    assert log_in(client, name, password).status_code == 303
    return client


def page_token(client: TestClient, path: str = "/console/profile") -> str:
    """The session's CSRF token, as a page of the console carries it."""
    return csrf_of(client.get(path).text)
