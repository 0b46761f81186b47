"""Reads of the intake mailbox for the triage queue: what waits, one message, its raw bytes."""

from __future__ import annotations

from sqlalchemy import select

from tanggap.store.tables import evidence, inbound_messages, orders
from tanggap.store.uow import UnitOfWork


def waiting_for_triage(uow: UnitOfWork, limit: int = 500):  # type: ignore[no-untyped-def]
    """Messages in triage, the soonest clock first."""
    return uow.session.execute(
        select(inbound_messages).where(inbound_messages.c.state == "triage")
        .order_by(inbound_messages.c.triage_due_at, inbound_messages.c.received_at).limit(limit)).all()


def inbound(uow: UnitOfWork, inbound_id: str):  # type: ignore[no-untyped-def]
    return uow.session.execute(
        select(inbound_messages).where(inbound_messages.c.id == inbound_id)).first()


def raw_bytes(uow: UnitOfWork, sha256: str) -> bytes:
    return bytes(uow.session.execute(
        select(evidence.c.content).where(evidence.c.sha256 == sha256)).scalar_one())


def recent_orders_of(uow: UnitOfWork, authority_id: str, limit: int = 100):  # type: ignore[no-untyped-def]
    """The authority's latest orders, to attach a message to one of them."""
    return uow.session.execute(
        select(orders.c.id, orders.c.reference, orders.c.revision, orders.c.received_at)
        .where(orders.c.authority_id == authority_id)
        .order_by(orders.c.received_at.desc()).limit(limit)).all()
