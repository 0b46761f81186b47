"""Triage: a person settles an authority's authenticated e-mail that was not read as an order.

Three ways out, each audited with who did it and why: turn it into an order (with the targets
the person picked or corrected), attach it to an order the authority sent before, or dismiss it
with a written reason. The message's clock runs until then (see ``domain/triage.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tanggap.domain.access import Permission, Principal
from tanggap.domain.errors import DomainError, NotFound, PermissionDenied
from tanggap.domain.events import OrderReceived
from tanggap.domain.model import AuditDraft
from tanggap.domain.sla import Deadline, SlaPolicy
from tanggap.domain.triage import dismissal_reason
from tanggap.intake.parse import ParsedMessage, parse_message
from tanggap.services.intake import InboundOutcome, InboundState, OrderTerms, open_order
from tanggap.services.orders import parse_targets
from tanggap.store import inbound as mailbox
from tanggap.store.uow import Store

MAX_TARGETS = 5000


@dataclass(frozen=True)
class TriageItem:
    """One message in the queue, as the list shows it."""

    id: str
    received_at: datetime
    deadline: Deadline
    sender: str | None
    subject: str | None
    reason: str | None
    authority_id: str | None


@dataclass(frozen=True)
class TriageView:
    """One message opened: what it says, what the parser saw, and where it could go."""

    item: TriageItem
    state: str
    authority: object
    parsed: ParsedMessage
    orders: list  # the authority's recent orders (id, reference, revision, received_at)
    resolution: str | None
    reviewed_by: str | None


def queue(store: Store, by: Principal) -> list[TriageItem]:
    by.require(Permission.VIEW_ALL_ORDERS)
    with store.uow(read_only=True) as uow:
        return [_item(row) for row in mailbox.waiting_for_triage(uow)]


def view(store: Store, inbound_id: str, by: Principal) -> TriageView:
    by.require(Permission.VIEW_ALL_ORDERS)
    with store.uow(read_only=True) as uow:
        row = _row(uow, inbound_id)
        if row.triage_due_at is None:
            raise NotFound(f"message {inbound_id} was never in triage")
        raw = mailbox.raw_bytes(uow, row.evidence_sha256)
        authority = uow.authorities.get(row.authority_id)
        recent = mailbox.recent_orders_of(uow, row.authority_id)
    return TriageView(_item(row), row.state, authority, parse_message(raw), list(recent),
                      row.resolution, row.reviewed_by)


def turn_into_order(store: Store, sla: SlaPolicy, inbound_id: str, by: Principal, targets: list[str],
                    reference: str | None, category: str) -> InboundOutcome:
    """Open the order the person read in the message, with the targets they picked or wrote."""
    by.require(Permission.DECIDE)
    row, authority = _waiting(store, inbound_id)
    spellings = [t.strip() for t in targets if t and t.strip()][:MAX_TARGETS]
    found, kept, rejected = parse_targets(spellings)
    if not found:
        why = "; ".join(f"{r['input'][:60]}: {r['reason']}" for r in rejected[:5])
        raise DomainError("name at least one Telegram target" + (f" ({why})" if why else ""), "targets")
    terms = OrderTerms(tuple(found), tuple(kept), (reference or "").strip()[:120] or None,
                       sla.category(category), authority.jurisdiction, tuple(rejected))
    opened = open_order(store, sla, row, terms, authority)
    note = f"{len(found)} target(s)" + (f", {len(rejected)} not taken" if rejected else "")
    return _resolve(store, row, by, InboundState.RELEASED, f"turned into an order by {by.name}", note,
                    opened.order_id)


def attach(store: Store, inbound_id: str, order_id: str, by: Principal) -> InboundOutcome:
    """The message belongs to an order the authority sent before (a reminder, a covering note)."""
    by.require(Permission.DECIDE)
    row, authority = _waiting(store, inbound_id)
    with store.uow(read_only=True) as uow:
        order = uow.orders.get(order_id)
        if order is None:
            raise NotFound(f"no order {order_id}", "order_id")
        if order.authority_id != authority.id:  # a message is attached only to its sender's orders
            raise PermissionDenied("the order belongs to another authority")
        reference = order.reference or order.id
    return _resolve(store, row, by, InboundState.ATTACHED, f"attached to order {reference} by {by.name}",
                    None, order_id)


def dismiss(store: Store, inbound_id: str, reason: str, by: Principal) -> InboundOutcome:
    """Nothing to act on, and the person says why (kept for whoever reviews this later)."""
    by.require(Permission.DECIDE)
    written = dismissal_reason(reason)
    row, _ = _waiting(store, inbound_id)
    return _resolve(store, row, by, InboundState.DISMISSED, f"dismissed by {by.name}", written, None)


def _waiting(store: Store, inbound_id: str):  # type: ignore[no-untyped-def]
    with store.uow(read_only=True) as uow:
        row = _row(uow, inbound_id)
        if row.state != InboundState.TRIAGE:
            raise DomainError(f"message {inbound_id} is {row.state}, no longer in triage", "state")
        authority = uow.authorities.get(row.authority_id)
    return row, authority


def _resolve(store: Store, row, by: Principal, state: str, reason: str, note: str | None,
             order_id: str | None) -> InboundOutcome:
    """Settle it once: a second person acting on the same message at the same time is refused."""
    with store.uow() as uow:
        now = uow.clock.now()
        changed = mailbox.settle(uow, row.id, InboundState.TRIAGE, state=state, reason=reason[:2000],
                                 resolution=note, resolved_at=now, reviewed_by=by.actor, order_id=order_id)
        if not changed:
            raise DomainError(f"message {row.id} was settled meanwhile by someone else", "state")
        uow.record(AuditDraft(f"triage_{state}", "inbound", row.id, by.actor,
                              {"order_id": order_id, "resolution": (note or "")[:500],
                               "waited_s": int((now - _utc(row.received_at)).total_seconds())}))
        if order_id is not None:  # filed under its order: the acknowledgement can go now
            uow.publish(OrderReceived(order_id, "email", row.id))
        uow.commit()
    return InboundOutcome(row.id, state, reason, order_id, row.authority_id, row.message_id)


def _row(uow, inbound_id: str):  # type: ignore[no-untyped-def]
    row = mailbox.inbound(uow, inbound_id)
    if row is None:
        raise NotFound(f"no inbound message {inbound_id}")
    return row


def _item(row) -> TriageItem:  # type: ignore[no-untyped-def]
    basis = "triage (shortest deadline the authority could mean)"
    return TriageItem(row.id, row.received_at, Deadline(_utc(row.triage_due_at), basis), row.sender,
                      row.subject, row.reason, row.authority_id)


def _utc(moment: datetime) -> datetime:
    from tanggap.domain.clock import as_utc

    return as_utc(moment)
