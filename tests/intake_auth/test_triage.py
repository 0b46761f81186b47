"""Triage's three ways out, each audited; forms need CSRF; only the sender's own orders attach."""

import pytest
from sqlalchemy import select

from tanggap.domain.access import SYSTEM
from tanggap.domain.errors import DomainError, PermissionDenied
from tanggap.domain.model import OrderDraft
from tanggap.domain.targets import parse_target
from tanggap.services import triage
from tanggap.services.accounts import add_user, principal_for_key
from tanggap.services.orders import ingest_order
from tanggap.store.tables import audit_events, inbound_messages
from tests.intake_auth.corpus import NOMOR, ORDER_LETTER, dmarc_pass, letter
from tests.web.test_console import csrf_of, log_in


@pytest.fixture
def waiting(intake):
    outcome = intake(letter("Untuk diketahui: https://t.me/kanal_di_telepon dan @kanal_lain_lagi (tabel).\n",
                            subject="Informasi <b>kanal</b>", headers=[dmarc_pass()]))
    assert outcome.state == "triage"
    return outcome.inbound_id


@pytest.fixture
def moderator(store):
    add_user(store.uow(), "sari", "moderator", ["id"], SYSTEM)
    from tanggap.domain.access import Principal
    with store.uow(read_only=True) as uow:
        user = uow.users.by_name("sari")
    return Principal("user", user.id, user.name, role=user.role)


def events(store, inbound_id):
    with store.uow(read_only=True) as uow:
        return [row.kind for row in uow.session.execute(
            select(audit_events).where(audit_events.c.subject_id == inbound_id)).all()]


def state_of(store, inbound_id):
    with store.uow(read_only=True) as uow:
        return uow.session.execute(select(inbound_messages).where(inbound_messages.c.id == inbound_id)).one()


def test_turning_it_into_an_order_with_picked_and_corrected_targets(store, sla, waiting, moderator):
    outcome = triage.turn_into_order(store, sla, waiting, moderator,
                                     ["t.me/kanal_di_telepon", "hxxps://t[.]me/kanal_koreksi", "youtube.com/x"],
                                     "B-77/DJWD/2026", "terrorism")
    assert outcome.state == "released" and outcome.order_id
    with store.uow(read_only=True) as uow:
        order = uow.orders.get(outcome.order_id)
        assert sorted(t.target.canonical for t in order.targets) == [
            "https://t.me/kanal_di_telepon", "https://t.me/kanal_koreksi"]
        assert order.reference == "B-77/DJWD/2026" and order.category == "terrorism"
        assert (order.deadline_due_at - order.received_at).total_seconds() == 4 * 3600  # from receipt
    row = state_of(store, waiting)
    assert row.reviewed_by == moderator.actor and "1 not taken" in row.resolution
    assert "triage_released" in events(store, waiting)


def test_an_order_needs_at_least_one_target(store, sla, waiting, moderator):
    with pytest.raises(DomainError, match="at least one Telegram target"):
        triage.turn_into_order(store, sla, waiting, moderator, ["https://example.com"], None, "terrorism")
    assert state_of(store, waiting).state == "triage"  # nothing lost


def test_attaching_it_to_an_earlier_order_of_the_same_authority(store, sla, intake, waiting, moderator, authorities):
    first = intake(letter(ORDER_LETTER, headers=[dmarc_pass()], message_id="<first@komdigi.go.id>"))
    outcome = triage.attach(store, waiting, first.order_id, moderator)
    assert outcome.state == "attached" and outcome.order_id == first.order_id and NOMOR in outcome.reason
    assert "triage_attached" in events(store, waiting)


def test_it_cannot_be_attached_to_another_authoritys_order(store, sla, waiting, moderator, authorities):
    other = principal_for_key(store.uow(), authorities["garda"].api_key)
    receipt = ingest_order(store.uow(), sla, OrderDraft(
        authority_id=other.id, reference="TCO-IE-2026-000001", category="terrorism", jurisdiction="EU",
        targets=(parse_target("t.me/kanal_irlandia"),), legal_basis=None), other)
    with pytest.raises(PermissionDenied):
        triage.attach(store, waiting, receipt.order_id, moderator)
    assert state_of(store, waiting).state == "triage"


@pytest.mark.parametrize("reason", ["", "   ", "ok", "spam"])
def test_a_dismissal_needs_a_written_reason(store, waiting, moderator, reason):
    with pytest.raises(DomainError, match="say why"):
        triage.dismiss(store, waiting, reason, moderator)


def test_dismissing_with_a_reason_is_audited_and_settles_it_once(store, sla, waiting, moderator):
    outcome = triage.dismiss(store, waiting, "Informasi saja, kanal sudah diblokir kemarin.", moderator)
    assert outcome.state == "dismissed"
    assert state_of(store, waiting).resolution == "Informasi saja, kanal sudah diblokir kemarin."
    assert "triage_dismissed" in events(store, waiting)
    with pytest.raises(DomainError, match="no longer in triage"):
        triage.turn_into_order(store, sla, waiting, moderator, ["t.me/kanal_di_telepon"], None, "terrorism")


def test_an_auditor_sees_triage_but_cannot_act(store, sla, waiting):
    add_user(store.uow(), "audi", "auditor", ["id"], SYSTEM)
    from tanggap.domain.access import Principal
    with store.uow(read_only=True) as uow:
        user = uow.users.by_name("audi")
    auditor = Principal("user", user.id, user.name, role=user.role)
    assert [item.id for item in triage.queue(store, auditor)] == [waiting]
    with pytest.raises(PermissionDenied):
        triage.dismiss(store, waiting, "Tidak relevan untuk platform kami.", auditor)


def test_the_triage_pages_show_the_clock_escape_the_mail_and_need_csrf(make_client, store, waiting, moderator_login):
    client = make_client()
    log_in(client, "sari", moderator_login.password)
    listing = client.get("/console/triage").text
    assert f'/console/triage/{waiting}' in listing and "3h 59m" not in listing  # fixed clock: 4h 00m left
    assert "4h 00m" in listing and "Informasi &lt;b&gt;kanal&lt;/b&gt;" in listing
    page = client.get(f"/console/triage/{waiting}").text
    assert "<b>kanal</b>" not in page and "&lt;b&gt;kanal&lt;/b&gt;" in page
    assert 'value="https://t.me/kanal_di_telepon" checked' in page and "@kanal_lain_lagi (tabel)" in page
    forged = client.post(f"/console/triage/{waiting}/dismiss", data={"reason": "x" * 20, "csrf_token": "nope"})
    assert forged.status_code == 403
    short = client.post(f"/console/triage/{waiting}/dismiss", data={"reason": "no", "csrf_token": csrf_of(page)})
    assert short.status_code == 422 and "say why" in short.text
    done = client.post(f"/console/triage/{waiting}/dismiss", follow_redirects=False,
                       data={"reason": "Sudah ditangani lewat telepon.", "csrf_token": csrf_of(page)})
    assert done.status_code == 303
    assert "Nothing waits for triage." in client.get("/console/triage").text


def test_the_triage_page_speaks_indonesian(make_client, store, waiting, moderator_login):
    client = make_client()
    log_in(client, "sari", moderator_login.password)
    page = client.get("/console/triage", headers={"Accept-Language": "id"}).text
    assert "Triase" in page and "Sisa waktu" in page


def test_no_triage_page_without_logging_in(make_client, waiting):
    response = make_client().get("/console/triage", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
