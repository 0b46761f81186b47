"""Reads of the intake mailbox for the triage queue: what waits, one message, its raw bytes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, insert, select, update
from sqlalchemy.exc import IntegrityError

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


# --- receiving, settling and answering messages ---------------------------------------------

@dataclass(frozen=True)
class InboundMessage:
    """One message that reached intake, as its row holds it (not its bytes: see raw_bytes)."""

    id: str
    evidence_sha256: str
    dedupe_key: str
    channel: str
    received_at: datetime
    state: str
    reason: str | None
    message_id: str | None
    sender: str | None
    subject: str | None
    warnings: list[str]
    authority_id: str | None
    order_id: str | None
    ack_sent_at: datetime | None
    final_sent_at: datetime | None
    reversals_notified: int
    reviewed_by: str | None
    triage_due_at: datetime | None
    resolution: str | None
    resolved_at: datetime | None

    @classmethod
    def of(cls, row: Any) -> InboundMessage:
        return cls(**row._mapping)


def id_by_dedupe_key(uow: UnitOfWork, key: str) -> str | None:
    """The message already stored under this dedupe key (the same e-mail delivered again)."""
    return uow.session.execute(
        select(inbound_messages.c.id).where(inbound_messages.c.dedupe_key == key)).scalar()


def keep_evidence(uow: UnitOfWork, sha256: str, raw: bytes, now: datetime, retain_until: datetime) -> None:
    """Store the bytes once under their digest; bytes seen before are kept until `retain_until`."""
    if uow.session.execute(select(evidence.c.sha256).where(evidence.c.sha256 == sha256)).first():
        uow.session.execute(update(evidence).where(evidence.c.sha256 == sha256)
                            .values(retain_until=retain_until))
        return
    try:
        with uow.session.begin_nested():
            uow.session.execute(insert(evidence).values(
                sha256=sha256, content=raw, size=len(raw), first_seen_at=now, retain_until=retain_until))
    except IntegrityError:
        pass  # stored meanwhile by a concurrent delivery: same bytes, same address


def add_message(uow: UnitOfWork, inbound_id: str, sha256: str, key: str, channel: str, now: datetime,
                state: str) -> bool:
    """A row saying the message arrived; False when a concurrent delivery of it won the key."""
    try:
        with uow.session.begin_nested():
            uow.session.execute(insert(inbound_messages).values(
                id=inbound_id, evidence_sha256=sha256, dedupe_key=key, channel=channel,
                received_at=now, state=state, warnings=[]))
    except IntegrityError:
        return False
    return True


def ids_in_state(uow: UnitOfWork, state: str, limit: int) -> list[str]:
    """Messages in this state, the oldest arrival first."""
    return list(uow.session.scalars(
        select(inbound_messages.c.id).where(inbound_messages.c.state == state)
        .order_by(inbound_messages.c.received_at).limit(limit)))


def settle(uow: UnitOfWork, inbound_id: str, expected_state: str, **values: Any) -> bool:
    """Change the message only if it is still in `expected_state`: of two people (or workers)
    settling it at once, one wins and the other learns it (False)."""
    result = uow.session.execute(
        update(inbound_messages)
        .where(inbound_messages.c.id == inbound_id, inbound_messages.c.state == expected_state)
        .values(**values))
    return bool(cast(CursorResult, result).rowcount)


# Which answered messages still owe the authority a reply, per stage of the order's life.
_OWED = {
    "acknowledgement": (inbound_messages.c.ack_sent_at.is_(None),),
    "final_status": (inbound_messages.c.ack_sent_at.is_not(None), inbound_messages.c.final_sent_at.is_(None)),
    "reversal": (inbound_messages.c.final_sent_at.is_not(None),),
}


@dataclass(frozen=True)
class OwedReply:
    """A message owed a reply: it became an order and has a sender (the query guarantees both)."""

    id: str
    order_id: str
    sender: str
    subject: str | None
    message_id: str | None
    reversals_notified: int
    warnings: tuple[str, ...] = ()  # what reading the message said, "incomplete: ..." included


def owed_replies(uow: UnitOfWork, stage: str, answered_states: tuple[str, ...],
                 order_id: str | None = None, limit: int = 1000) -> list[OwedReply]:
    """Messages that became an order, have a sender to answer, and still owe this stage's reply
    (of one order only, for an event handler)."""
    only = [inbound_messages.c.order_id == order_id] if order_id else []
    return [OwedReply(row.id, row.order_id, row.sender, row.subject, row.message_id, row.reversals_notified,
                      tuple(row.warnings or ()))
            for row in uow.session.execute(select(inbound_messages).where(
            inbound_messages.c.state.in_(answered_states), inbound_messages.c.order_id.is_not(None),
            inbound_messages.c.sender.is_not(None), *_OWED[stage], *only)
        .order_by(inbound_messages.c.received_at).limit(limit))]
