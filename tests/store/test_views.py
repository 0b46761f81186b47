"""Read models and the mailbox's writes, against the real schema (SQLite and PostgreSQL)."""

from __future__ import annotations

from tanggap.domain.audit import AuditEvent
from tanggap.services.intake import InboundState, receive_raw
from tanggap.services.orders import ingest_order
from tanggap.store import inbound as mailbox
from tanggap.store import views
from tests.builders import order_for

RAW = (b"From: someone@example.org\r\nTo: abuse@tanggap.example\r\nSubject: hello\r\n"
       b"Message-ID: <one@example.org>\r\n\r\nt.me/kabar_x\r\n")


def test_orders_of_cases_name_their_authority(store, sla, ministry):
    first = ingest_order(store.uow(), sla, order_for(ministry, "@kabar_x", "@daulah_x"), ministry)
    second = ingest_order(store.uow(), sla, order_for(ministry, "@kabar_x", reference="B-2"), ministry)
    with store.uow(read_only=True) as uow:
        linked = views.orders_by_case(uow.session, list(first.case_ids))
        recent = views.recent_orders(uow.session)
    shared = first.case_ids[0]  # @kabar_x: named by both orders, oldest first
    assert [(link.id, link.authority) for link in linked[shared]] == [
        (first.order_id, "Kemkomdigi"), (second.order_id, "Kemkomdigi")]
    assert [link.id for link in linked[first.case_ids[1]]] == [first.order_id]
    assert {link.id for link in recent} == {first.order_id, second.order_id}


def test_the_chosen_order_is_offered_even_beyond_the_recent_ones(store, sla, ministry):
    old = ingest_order(store.uow(), sla, order_for(ministry, "@kabar_x", reference="B-1"), ministry)
    ingest_order(store.uow(), sla, order_for(ministry, "@daulah_x", reference="B-2"), ministry)
    with store.uow(read_only=True) as uow:
        newest_only = views.recent_orders(uow.session, limit=1)
        with_chosen = views.recent_orders(uow.session, chosen=old.order_id, limit=1)
    assert old.order_id not in [link.id for link in newest_only]
    assert [link.id for link in with_chosen][-1] == old.order_id


def test_audit_pages_go_back_and_forth_through_the_chain(store, sla, ministry):
    receipt = ingest_order(store.uow(), sla, order_for(ministry, "@kabar_x"), ministry)
    with store.uow(read_only=True) as uow:
        total = views.audit_count(uow.session)
        newest = views.audit_newest(uow.session, 2)
        older = views.audit_newest(uow.session, 100, before=newest[-1].seq)
        of_case = views.audit_after(uow.session, 0, 100, "case", receipt.case_ids[0])
        after_first = views.audit_after(uow.session, 1, 100)
    assert all(isinstance(event, AuditEvent) for event in newest + older + of_case)
    assert [e.seq for e in newest] == [total, total - 1]
    assert [e.seq for e in older] == list(range(total - 2, 0, -1))
    assert of_case and {(e.subject_type, e.subject_id) for e in of_case} == {("case", receipt.case_ids[0])}
    assert [e.seq for e in after_first] == list(range(2, total + 1))


def test_a_message_is_kept_once_and_settled_once(store):
    receipt = receive_raw(store.uow(), RAW, "smtp")
    again = receive_raw(store.uow(), RAW, "smtp")
    assert again.duplicate and again.inbound_id == receipt.inbound_id
    with store.uow() as uow:
        first = mailbox.settle(uow, receipt.inbound_id, InboundState.RECEIVED, state=InboundState.NOT_ORDER,
                               reason="machine mail")
        second = mailbox.settle(uow, receipt.inbound_id, InboundState.RECEIVED, state=InboundState.QUARANTINED,
                                reason="too late")
        uow.commit()
    assert (first, second) == (True, False)
    with store.uow(read_only=True) as uow:
        listed = views.inbound_list(uow.session)
        not_orders = views.inbound_list(uow.session, InboundState.NOT_ORDER)
        quarantined = views.inbound_list(uow.session, InboundState.QUARANTINED)
        assert mailbox.raw_bytes(uow, listed[0].evidence_sha256) == RAW
    assert [(m.id, m.state, m.reason) for m in listed] == [(receipt.inbound_id, "not_order", "machine mail")]
    assert [m.id for m in not_orders] == [receipt.inbound_id] and quarantined == []


def test_names_of_people_and_authorities(store, ministry, moderator):
    with store.uow(read_only=True) as uow:
        assert uow.users.names() == {moderator.id: "sari"}
        assert uow.users.names(["nobody"]) == {}
        assert uow.users.exists(moderator.id) and not uow.users.exists("nobody")
        assert uow.authorities.names([ministry.id]) == {ministry.id: "Kemkomdigi"}
