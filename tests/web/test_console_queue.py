"""The console's queue and case pages over HTTP: pages and counts, decide and next, live updates,
the user's language before the browser's, dates in WIB with the reader's month names."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tanggap.store.tables import cases
from tanggap.web import i18n
from tanggap.web.console import PAGE_SIZE, wib_date
from tests.web.conftest import bearer
from tests.web.test_console import csrf_of, log_in


@pytest.fixture
def signed_in(client, moderator_login):
    assert log_in(client, "sari", moderator_login.password).status_code == 303
    return client


def order(client, key, *usernames, category="terrorism", reference="B-1"):
    answer = client.post("/api/v1/orders", json={"reference": reference, "category": category,
                                                 "targets": [f"@{u}" for u in usernames]}, headers=bearer(key))
    assert answer.status_code == 201, answer.text
    return [t["case_id"] for t in answer.json()["targets"]]


def test_the_queue_counts_every_open_case_and_pages_through_all_of_them(signed_in, ministry_key, store):
    order(signed_in, ministry_key, *[f"kanal_{i:03d}" for i in range(PAGE_SIZE + 7)])
    first = signed_in.get("/console/queue").text
    with store.uow(read_only=True) as uow:
        open_in_db = uow.session.scalar(select(func.count()).select_from(cases).where(cases.c.state == "queued"))
    assert open_in_db == PAGE_SIZE + 7
    assert f"{open_in_db} open" in first and "queued: <b>57</b>" in first
    assert first.count('class="queue-row"') == PAGE_SIZE
    next_url = first.split('class="next-page"')[0].rsplit('<a href="', 1)[1].split('"')[0]
    second = signed_in.get(next_url.replace("&amp;", "&")).text
    assert second.count('class="queue-row"') == 7 and 'rel="next"' not in second
    assert "page 2" in second and 'rel="first"' in second


def test_deciding_opens_the_next_case_and_finished_cases_say_when_they_were_done(signed_in, ministry_key):
    first, second = order(signed_in, ministry_key, "kabar_a", "kabar_b")
    token = csrf_of(signed_in.get(f"/console/cases/{first}").text)
    answer = signed_in.post(f"/console/cases/{first}/decision", data={
        "action": "block", "scope_kind": "global", "reason_code": "terrorist_content", "csrf_token": token},
        follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"/console/cases/{second}"
    live = signed_in.get("/console/live", params={"case": [first, second]}).json()["cases"]
    assert live[first]["badge"] == "done"
    assert live[first]["label"] == "done at 31 Mar 2026 23:30 WIB (240 min before the deadline)"
    assert live[second]["state"] == "queued" and live[second]["label"] == "4h 00m"


def test_live_updates_need_a_session(client):
    assert client.get("/console/live", params={"case": "x"}, follow_redirects=False).status_code == 303


def test_an_escalation_without_a_question_is_refused_and_keeps_what_was_typed(signed_in, ministry_key):
    (case_id,) = order(signed_in, ministry_key, "kabar_a")
    token = csrf_of(signed_in.get(f"/console/cases/{case_id}").text)
    refused = signed_in.post(f"/console/cases/{case_id}/decision", data={
        "action": "escalate", "note": "  ", "legal_basis": "UU 5/2018", "csrf_token": token})
    assert refused.status_code == 422 and "escalating needs a question" in refused.text
    assert 'value="UU 5/2018"' in refused.text


def test_without_a_category_the_moderator_must_choose_the_reason(signed_in, ministry_key, store):
    (case_id,) = order(signed_in, ministry_key, "kanal_judi", category="other")
    page = signed_in.get(f"/console/cases/{case_id}").text
    assert 'data-suggested-reason=""' in page and '<option value="" selected>' in page
    (terror,) = order(signed_in, ministry_key, "kanal_teror", reference="B-2")
    assert 'data-suggested-reason="terrorist_content"' in signed_in.get(f"/console/cases/{terror}").text


def test_the_users_own_language_comes_before_the_browsers(signed_in):
    assert '<html lang="id">' in signed_in.get("/console/queue", headers={"Accept-Language": "id-ID"}).text
    token = csrf_of(signed_in.get("/console/profile").text)
    signed_in.post("/console/profile", data={"locale": "en", "csrf_token": token})
    english = signed_in.get("/console/queue", headers={"Accept-Language": "id-ID"}).text
    assert '<html lang="en">' in english and ">Queue <small>" in english
    signed_in.post("/console/profile", data={"locale": "id", "csrf_token": token})
    indonesian = signed_in.get("/console/queue", headers={"Accept-Language": "en-GB"}).text
    assert '<html lang="id">' in indonesian and ">Antrean <small>" in indonesian and "Antrean kosong." in indonesian
    assert signed_in.post("/console/profile", data={"locale": "fr", "csrf_token": token}).status_code == 422


def test_the_choice_is_kept_for_the_next_login(client, moderator_login):
    log_in(client, "sari", moderator_login.password)
    client.post("/console/profile", data={"locale": "id", "csrf_token": csrf_of(client.get("/console/profile").text)})
    client.cookies.clear()
    log_in(client, "sari", moderator_login.password)
    assert '<html lang="id">' in client.get("/console/queue", headers={"Accept-Language": "en"}).text


@pytest.mark.parametrize(("locale", "shown"), [("id", "17 Agu 2026 07:00 WIB"), ("en", "17 Aug 2026 07:00 WIB")])
def test_dates_are_in_jakarta_time_with_the_readers_month_names(locale, shown):
    token = i18n.current_locale.set(locale)
    try:
        assert wib_date(datetime(2026, 8, 17, 0, 0, tzinfo=UTC)) == shown
    finally:
        i18n.current_locale.reset(token)


def test_only_a_senior_assigns_cases(signed_in, ministry_key):
    (case_id,) = order(signed_in, ministry_key, "kabar_a")
    token = csrf_of(signed_in.get(f"/console/cases/{case_id}").text)
    refused = signed_in.post(f"/console/cases/{case_id}/assign", data={"assigned_to": "team:id", "csrf_token": token})
    assert refused.status_code == 403
