"""Malformed input an attacker can send without an account, or with a moderator's, must be
refused with a 4xx that names the problem, never a 500, and must store nothing (both stores:
PostgreSQL text cannot hold NUL, where SQLite stored it silently)."""

from sqlalchemy import func, select

from tanggap.domain.access import SYSTEM
from tanggap.services.accounts import add_user
from tanggap.store.tables import audit_events, login_failures
from tests.web.conftest import bearer
from tests.web.test_console import csrf_of
from tests.web_attack.conftest import logged_in, page_token


def count(store, table, **where) -> int:
    query = select(func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    with store.engine.connect() as connection:
        return connection.execute(query).scalar_one()


def test_a_nul_in_the_login_form_is_a_422_before_any_account_is_touched(store, attacker_client, moderator_login):
    anonymous = attacker_client()
    token = csrf_of(anonymous.get("/login").text)
    before = count(store, audit_events)
    for form in ({"name": "sa\x00ri", "password": "x"}, {"name": "sari", "password": "pass\x00word"}):
        answer = anonymous.post("/login", data=form | {"csrf_token": token}, follow_redirects=False)
        assert answer.status_code == 422, answer.text
        assert "must not contain a NUL character" in answer.json()["detail"]
    assert count(store, login_failures) == 0 and count(store, audit_events) == before


def test_a_nul_in_a_console_form_is_a_422_and_the_case_is_left_as_it_was(store, attacker_client, ministry_key,
                                                                       moderator_login):
    moderator = logged_in(attacker_client, "sari", moderator_login.password)
    order = moderator.post("/api/v1/orders", headers=bearer(ministry_key), json={
        "reference": "B-NUL", "category": "terrorism", "targets": ["@kabar_nul"]}).json()
    case_id = order["targets"][0]["case_id"]
    token = page_token(moderator, f"/console/cases/{case_id}")
    for form in ({"action": "no_action", "reason": "not\x00violating"},
                 {"action": "escalate", "note": "what\x00now"},
                 {"action": "no_action", "reason": "x", "legal_basis": "\x00"}):
        answer = moderator.post(f"/console/cases/{case_id}/decision", data=form | {"csrf_token": token},
                                follow_redirects=False)
        assert answer.status_code == 422, (form, answer.status_code)
    case = moderator.get(f"/api/v1/cases/{case_id}", headers=bearer(moderator_login.api_key)).json()
    assert case["state"] == "queued" and case["decisions"] == []


def test_a_nul_in_a_console_address_is_a_422(store, attacker_client, moderator_login):
    auditor = add_user(store.uow(), "audrey", "auditor", ["en"], SYSTEM)
    for client, path in ((logged_in(attacker_client, "sari", moderator_login.password), "/console/cases/%00"),
                         (logged_in(attacker_client, "sari", moderator_login.password), "/console/orders/%00"),
                         (logged_in(attacker_client, "sari", moderator_login.password), "/console/appeals/%00"),
                         (logged_in(attacker_client, "sari", moderator_login.password), "/console/triage/%00"),
                         (logged_in(attacker_client, "sari", moderator_login.password), "/console/live?case=%00"),
                         (logged_in(attacker_client, "sari", moderator_login.password), "/console/queue?after=%00"),
                         (logged_in(attacker_client, "audrey", auditor.password), "/console/audit?subject_id=%00"),
                         (logged_in(attacker_client, "audrey", auditor.password),
                          "/console/audit/export.csv?subject_id=%00")):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 422, (path, answer.status_code)


def test_a_csrf_token_with_non_ascii_characters_is_refused_not_a_500(attacker_client, moderator_login):
    anonymous = attacker_client()
    anonymous.get("/login")  # the session now holds a CSRF token to compare with
    answer = anonymous.post("/login", data={"name": "sari", "password": moderator_login.password,
                                            "csrf_token": "é"}, follow_redirects=False)
    assert answer.status_code == 403
    anonymous.get("/appeal")
    answer = anonymous.post("/appeal", data={"channel": "@kabar", "name": "owner", "grounds": "wrong",
                                             "csrf_token": "tokén"})
    assert answer.status_code == 403 and "The form expired" in answer.text
    moderator = logged_in(attacker_client, "sari", moderator_login.password)
    page_token(moderator)
    answer = moderator.post("/api/v1/cases/01NOCASE/claim", headers=[(b"x-csrf-token", "é".encode("latin-1"))])
    assert answer.status_code == 403


def test_an_audit_page_cursor_past_the_integer_range_is_a_422(store, attacker_client):
    auditor = add_user(store.uow(), "audrey", "auditor", ["en"], SYSTEM)
    client = logged_in(attacker_client, "audrey", auditor.password)
    answer = client.get("/console/audit", params={"before": 2**64})
    assert answer.status_code == 422, answer.status_code
    assert client.get("/console/audit", params={"before": 2**63 - 1}).status_code == 200
