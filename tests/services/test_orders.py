from datetime import datetime, timedelta

import pytest

from tanggap.domain.errors import DuplicateReference, NotFound, PermissionDenied
from tanggap.services.decisions import DecisionRequest, approve, decide
from tanggap.services.orders import ingest_order, order_status
from tests.builders import order_for

T0 = datetime.fromisoformat("2026-03-31T23:30:00+07:00")


def test_order_creates_one_queued_case_per_target_with_its_deadline(store, sla, ministry):
    receipt = ingest_order(store.uow(), sla, order_for(
        ministry, "@kabar_x", "https://t.me/daulah_update/12", "t.me/+AAAAAPD2O80g1MHgSHaHhk"), ministry)
    assert [t.target for t in receipt.targets] == [
        "https://t.me/kabar_x", "https://t.me/daulah_update/12", "https://t.me/+AAAAAPD2O80g1MHgSHaHhk"]
    assert len(set(receipt.case_ids)) == 3
    assert all(t.case_state == "queued" for t in receipt.targets)
    assert receipt.deadline.due_at == T0 + timedelta(hours=4)
    with store.uow() as uow:
        case = uow.cases.get(receipt.case_ids[0])
        assert case.deadline.due_at == T0 + timedelta(hours=4)
        assert case.deadline.due_at.utcoffset() == timedelta(0)
        assert case.source == "order" and case.category == "terrorism"


def test_unparseable_targets_are_rejected_with_a_reason_and_the_rest_accepted(store, sla, ministry):
    receipt = ingest_order(store.uow(), sla, order_for(
        ministry, "@kabar_x", "https://example.com/x", "t.me/ab", "t.me/kabar_x"), ministry)
    assert [t.target for t in receipt.targets] == ["https://t.me/kabar_x"]
    assert [r["input"] for r in receipt.rejected] == ["https://example.com/x", "t.me/ab"]
    assert "not a Telegram host" in receipt.rejected[0]["reason"]


def test_two_orders_for_one_channel_share_one_case_and_the_earliest_deadline(
        store, sla, clock, ministry, eu_authority):
    first = ingest_order(store.uow(), sla, order_for(ministry, "@kabar_x", category="gambling"), ministry)
    clock.advance(timedelta(minutes=40))
    second = ingest_order(store.uow(), sla, order_for(
        eu_authority, "t.me/Kabar_X", reference="TCO-IE-2026-000214"), eu_authority)
    assert first.case_ids == second.case_ids
    with store.uow() as uow:
        case = uow.cases.get(first.case_ids[0])
        assert case.deadline.due_at == T0 + timedelta(minutes=100)  # EU 1 h beats ID 24 h
        assert case.deadline.basis == "EU/terrorism 1h"
        assert len(uow.orders.for_case(case.id)) == 2


def test_resending_the_same_order_is_idempotent(store, sla, ministry):
    first = ingest_order(store.uow(), sla, order_for(ministry, "@kabar_x", "@daulah_x"), ministry)
    again = ingest_order(store.uow(), sla, order_for(ministry, "t.me/daulah_x", "@kabar_x"), ministry)
    assert again.order_id == first.order_id and again.duplicate_of_existing
    with pytest.raises(DuplicateReference):
        ingest_order(store.uow(), sla, order_for(ministry, "@other_channel"), ministry)


def test_an_authority_sees_only_its_own_orders(store, sla, ministry, eu_authority, moderator):
    receipt = ingest_order(store.uow(), sla, order_for(ministry, "@kabar_x"), ministry)
    assert order_status(store.uow(), receipt.order_id, ministry).reference == receipt.reference
    with pytest.raises(NotFound):
        order_status(store.uow(), receipt.order_id, eu_authority)
    assert order_status(store.uow(), receipt.order_id, moderator).order_id == receipt.order_id


def test_authorities_cannot_decide_and_moderators_cannot_submit_orders(store, sla, ministry, moderator):
    receipt = ingest_order(store.uow(), sla, order_for(ministry, "@kabar_x"), ministry)
    with pytest.raises(PermissionDenied):
        decide(store.uow(), receipt.case_ids[0], DecisionRequest("block", "terrorism"), ministry)
    with pytest.raises(PermissionDenied):
        ingest_order(store.uow(), sla, order_for(ministry, "@kabar_y", reference="B-2"), moderator)


def test_an_authority_cannot_submit_in_another_authority_name(store, sla, ministry, eu_authority):
    with pytest.raises(PermissionDenied):
        ingest_order(store.uow(), sla, order_for(ministry, "@kabar_x"), eu_authority)


def test_status_follows_the_case(store, sla, ministry, moderator, senior):
    receipt = ingest_order(store.uow(), sla, order_for(ministry, "@kabar_x", "@innocent_x"), ministry)
    blocked, spared = receipt.case_ids
    decide(store.uow(), spared, DecisionRequest("no_action", "news reporting, not propaganda"), moderator)
    assert order_status(store.uow(), receipt.order_id, ministry).targets[1].status == "in_review"
    approve(store.uow(), spared, senior)  # four-eyes: not acting on an order needs a senior
    decide(store.uow(), blocked, DecisionRequest("block", "terrorist propaganda", ["ID"]), moderator)
    status = {t.target: t for t in order_status(store.uow(), receipt.order_id, ministry).targets}
    assert status["https://t.me/innocent_x"].status == "no_action"
    assert status["https://t.me/innocent_x"].reason == "news reporting, not propaganda"
    assert status["https://t.me/kabar_x"].status == "in_review"  # decided, platform not yet confirmed
