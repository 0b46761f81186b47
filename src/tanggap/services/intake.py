"""E-mail intake: store the raw message first, then parse, check the sender, and open the order.

`receive_raw` is what the SMTP listener, the IMAP poller and `intake import` call; it commits
before it returns, so whoever answers "250" or deletes from a mailbox may do so safely.
`process_inbound` does the rest, and can be rerun: a crash between the two loses nothing.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from tanggap.domain.access import SYSTEM, Principal
from tanggap.domain.errors import DomainError, NotFound
from tanggap.domain.events import OrderReceived
from tanggap.domain.model import AuditDraft, OrderDraft
from tanggap.domain.senders import Verdict, check_sender
from tanggap.domain.sla import SlaPolicy
from tanggap.domain.targets import Target
from tanggap.domain.triage import triage_deadline
from tanggap.intake.authentication import SenderTrust, sender_evidence
from tanggap.intake.parse import ParseLimits, ParsedMessage, parse_message
from tanggap.services.user_reports import file_reports
from tanggap.services.orders import ingest_order
from tanggap.store import inbound as mailbox
from tanggap.store.uow import Store, UnitOfWork

log = logging.getLogger(__name__)
RETENTION = timedelta(days=183)  # at least 6 months (DSA appeals window)
HEADER_END = re.compile(rb"\r?\n\r?\n")
MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.I | re.M)


class InboundState:
    RECEIVED = "received"  # stored, not yet parsed
    ORDER = "order"  # became an order
    REVISION = "revision"  # a follow-up of an order the authority sent before
    TRIAGE = "triage"  # an authority's authenticated mail that is no order yet: a human, with a clock
    REPORT = "report"  # a member of the public names channels: user reports, for a moderator
    NOT_ORDER = "not_order"  # machine mail (auto-replies, bounces, mailings), or no authority's and names nothing
    QUARANTINED = "quarantined"  # waits for a human: claims an authority unproven, or unreadable
    RELEASED = "released"  # a human confirmed it as an order (from quarantine or triage)
    ATTACHED = "attached"  # a human attached it to an order the authority sent before
    DISMISSED = "dismissed"  # a human read it and wrote why it needs nothing
    REJECTED = "rejected"  # a human confirmed it is no order


@dataclass(frozen=True)
class InboundReceipt:
    inbound_id: str
    sha256: str
    duplicate: bool


@dataclass(frozen=True)
class InboundOutcome:
    inbound_id: str
    state: str
    reason: str
    order_id: str | None = None
    authority_id: str | None = None
    message_id: str | None = None


def dedupe_key(raw: bytes) -> str:
    """Message-ID plus a digest of what the message says: transport headers (Received,
    Delivered-To) differ between two deliveries of one message, and so may the body's bytes
    (a relay without 8BITMIME re-encodes 8bit text as quoted-printable); the decoded parts do not."""
    headers, body = _split(raw)
    message_id = _message_id(headers)
    return hashlib.sha256(message_id + b"\n" + (_content_digest(headers, body) if message_id
                                                  else hashlib.sha256(raw).digest())).hexdigest()


def legacy_dedupe_key(raw: bytes) -> str:
    """The key before content digests (the body's bytes as they came): a message stored under it
    and delivered again after an upgrade is still the same message."""
    headers, body = _split(raw)
    message_id = _message_id(headers)
    return hashlib.sha256(message_id + b"\n" + hashlib.sha256(body if message_id else raw).digest()).hexdigest()


def _split(raw: bytes) -> tuple[bytes, bytes]:
    header_end = HEADER_END.search(raw)
    return (raw[:header_end.start()], raw[header_end.end():]) if header_end else (raw, b"")


def _message_id(headers: bytes) -> bytes:
    found = MESSAGE_ID.search(headers[:65536])
    return b" ".join(found.group(1).split()) if found else b""


def _content_digest(headers: bytes, body: bytes) -> bytes:
    """Each leaf part's type and decoded bytes, line ends and trailing blanks left out. Never
    fails: a message the parser cannot walk is digested as its bytes."""
    try:
        message = email.message_from_bytes(headers + b"\r\n\r\n" + body, policy=email.policy.compat32)
        digest = hashlib.sha256()
        for part in message.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True)
            lines = payload.splitlines() if isinstance(payload, bytes) else []
            digest.update(part.get_content_type().encode() + b"\0" + b"\n".join(map(bytes.rstrip, lines)) + b"\0")
        return digest.digest()
    except Exception:  # the bytes are kept whatever happens: the key must not fail
        return hashlib.sha256(body).digest()


def receive_raw(uow: UnitOfWork, raw: bytes, channel: str) -> InboundReceipt:
    """Keep the bytes and a row saying they arrived; commit. Same e-mail again: no new row."""
    sha256 = hashlib.sha256(raw).hexdigest()
    key = dedupe_key(raw)
    with uow:
        now = uow.clock.now()
        existing = mailbox.id_by_dedupe_key(uow, key) or mailbox.id_by_dedupe_key(uow, legacy_dedupe_key(raw))
        if existing:
            return InboundReceipt(existing, sha256, duplicate=True)
        _store_evidence(uow, sha256, raw, now)
        inbound_id = _new_inbound(uow, sha256, key, channel, now)
        if inbound_id is None:  # a concurrent delivery of the same message won
            existing = mailbox.id_by_dedupe_key(uow, key)
            if existing is None:  # the winner's row is there: the insert failed on its key
                raise RuntimeError(f"no inbound message under dedupe key {key}")
            return InboundReceipt(existing, sha256, duplicate=True)
        uow.record(AuditDraft("message_received", "inbound", inbound_id, f"intake:{channel}",
                              {"sha256": sha256, "size": len(raw)}))
        uow.commit()
    return InboundReceipt(inbound_id, sha256, duplicate=False)


def _store_evidence(uow: UnitOfWork, sha256: str, raw: bytes, now: datetime) -> None:
    mailbox.keep_evidence(uow, sha256, raw, now, now + RETENTION)


def _new_inbound(uow: UnitOfWork, sha256: str, key: str, channel: str, now: datetime) -> str | None:
    from tanggap.domain.model import new_id

    inbound_id = new_id()
    if not mailbox.add_message(uow, inbound_id, sha256, key, channel, now, InboundState.RECEIVED):
        return None
    return inbound_id


def pending_ids(store: Store, limit: int = 500) -> list[str]:
    with store.uow(read_only=True) as uow:
        return mailbox.ids_in_state(uow, InboundState.RECEIVED, limit)


def process_inbound(store: Store, sla: SlaPolicy, inbound_id: str,
                    limits: ParseLimits = ParseLimits(), trust: SenderTrust | None = None) -> InboundOutcome:
    """Parse one stored message and act on it. Never raises on a bad message: it quarantines.

    Every authenticated message of an authority ends as an order, a revision or in triage;
    only machine mail may end as "not an order" without a human."""
    with store.uow(read_only=True) as uow:
        row = _inbound(uow, inbound_id)
        if row.state != InboundState.RECEIVED:
            return InboundOutcome(inbound_id, row.state, row.reason or "", row.order_id)
        raw = mailbox.raw_bytes(uow, row.evidence_sha256)
        authorities = list(uow.authorities.list())
    parsed = parse_message(raw, limits, sla)
    check = check_sender(sender_evidence(raw, trust or SenderTrust(dns=None)), authorities)
    authority_id = check.authority.id if check.authority else None
    if check.verdict is Verdict.QUARANTINE:
        return _settle(store, row, parsed, InboundState.QUARANTINED, check.reason, authority_id)
    if parsed.error:  # an authority's own unreadable mail still gets a human, with its clock
        if check.verdict is Verdict.TRUSTED:
            return _to_triage(store, sla, row, parsed, check.authority, f"unreadable: {parsed.error}")
        return _settle(store, row, parsed, InboundState.QUARANTINED, f"unreadable: {parsed.error}",
                       authority_id)
    if parsed.machine:
        return _settle(store, row, parsed, InboundState.NOT_ORDER, f"machine mail ({parsed.machine})",
                       authority_id)
    if check.verdict is Verdict.TRUSTED:
        return _from_authority(store, sla, row, parsed, check.authority)
    if parsed.is_order:  # an order, but from a domain no authority has verified
        return _settle(store, row, parsed, InboundState.QUARANTINED,
                       f"order from {check.reason}; no authority has verified it")
    if parsed.mentioned_targets:
        return _as_reports(store, row, parsed)
    return _settle(store, row, parsed, InboundState.NOT_ORDER, parsed.order_reason or "not an order")


def _from_authority(store: Store, sla: SlaPolicy, row, parsed: ParsedMessage, authority) -> InboundOutcome:
    """An authenticated authority's message: an order, a revision of one, or triage."""
    if not parsed.is_order:
        return _to_triage(store, sla, row, parsed, authority, parsed.order_reason or "not read as an order")
    if not parsed.targets:
        return _to_triage(store, sla, row, parsed, authority, "an order that names no Telegram target")
    try:
        opened = _open_order(store, sla, row, parsed, authority)
    except DomainError as error:  # e.g. an unknown category: a human must look, with the clock running
        return _to_triage(store, sla, row, parsed, authority, f"could not open order: {error.message}")
    state = InboundState.REVISION if opened.revision_of else InboundState.ORDER
    reason = f"authenticated sender of {authority.name}"
    if opened.revision_of:
        reason += f"; follows up order {opened.reference}" + ("" if opened.new else " (nothing new)")
    return _settle(store, row, parsed, state, reason, authority.id, opened.order_id)


def _to_triage(store: Store, sla: SlaPolicy, row, parsed: ParsedMessage, authority, reason: str) -> InboundOutcome:
    due = triage_deadline(sla, authority.jurisdiction, row.received_at)
    return _settle(store, row, parsed, InboundState.TRIAGE, f"{authority.name}: {reason}", authority.id,
                   triage_due_at=due.due_at)


def _as_reports(store: Store, row, parsed: ParsedMessage) -> InboundOutcome:
    """A member of the public names channels: one user report per channel, for a moderator."""
    reporter = (parsed.sender_address or "unknown sender")[:200]
    reason = f"e-mail: {parsed.subject or '(no subject)'}"[:500]
    filed = file_reports(store.uow(), parsed.mentioned_targets, reporter, reason, row.received_at,
                         f"inbound:{row.id}")
    return _settle(store, row, parsed, InboundState.REPORT,
                   f"{len(filed)} user report(s) from {reporter}", None)


def process_pending(store: Store, sla: SlaPolicy, limits: ParseLimits = ParseLimits(),
                    trust: SenderTrust | None = None) -> list[InboundOutcome]:
    outcomes = []
    for inbound_id in pending_ids(store):
        try:
            outcomes.append(process_inbound(store, sla, inbound_id, limits, trust))
        except Exception:  # one bad message must not stop the others; it stays "received"
            log.exception("intake processing failed", extra={"status": inbound_id})
    return outcomes


def release(store: Store, sla: SlaPolicy, inbound_id: str, authority_name: str, by: Principal,
            limits: ParseLimits = ParseLimits()) -> InboundOutcome:
    """A human vouches for a quarantined order (e.g. confirmed by phone with the ministry)."""
    from tanggap.domain.access import Permission

    by.require(Permission.MANAGE)
    with store.uow(read_only=True) as uow:
        row = _inbound(uow, inbound_id)
        authority = uow.authorities.by_name(authority_name)
        raw = mailbox.raw_bytes(uow, row.evidence_sha256)
    if authority is None:
        raise NotFound(f"no authority {authority_name!r}", "authority")
    if row.state != InboundState.QUARANTINED:
        raise DomainError(f"message {inbound_id} is {row.state}, not quarantined", "state")
    parsed = parse_message(bytes(raw), limits)
    if not (parsed.targets or parsed.mentioned_targets):
        raise DomainError("the message names no targets to act on", "targets")
    opened = _open_order(store, sla, row, parsed, authority)
    return _settle(store, row, parsed, InboundState.RELEASED, f"released by {by.name}", authority.id,
                   opened.order_id, reviewed_by=by.actor, expected_state=InboundState.QUARANTINED)


@dataclass(frozen=True)
class OpenedOrder:
    order_id: str
    reference: str | None
    revision_of: str | None = None  # the earlier order this one follows up
    new: bool = True  # False when the follow-up added nothing to the earlier order


@dataclass(frozen=True)
class OrderTerms:
    """What a person (or the parser) says the order is: its targets, number and category."""

    targets: tuple[Target, ...]
    spellings: tuple[str, ...]
    reference: str | None
    category: str
    jurisdiction: str
    rejected: tuple[dict[str, str], ...] = ()


def terms_from(parsed: ParsedMessage, authority) -> OrderTerms:  # type: ignore[no-untyped-def]
    targets = parsed.targets or parsed.mentioned_targets  # a released message the parser doubted
    return OrderTerms(
        targets=tuple(targets),
        spellings=tuple(parsed.spellings.get(t.canonical, (t.canonical,))[0] for t in targets),
        reference=parsed.order_reference, category=parsed.category or "other",
        # The authority's registered jurisdiction, as for its API orders: a letter's wording (a
        # ministry quoting the EU Regulation) does not give it another legal clock.
        jurisdiction=authority.jurisdiction or parsed.jurisdiction or "",
        rejected=tuple({"input": link, "reason": "not a Telegram link (out of scope)"}
                       for link in parsed.out_of_scope))


def _open_order(store: Store, sla: SlaPolicy, row, parsed: ParsedMessage, authority) -> OpenedOrder:
    return open_order(store, sla, row, terms_from(parsed, authority), authority)


def open_order(store: Store, sla: SlaPolicy, row, terms: OrderTerms, authority) -> OpenedOrder:  # type: ignore[no-untyped-def]
    """The order this message opens (or opened before a crash: the evidence names it). A
    message under the number of an earlier order is its revision: the earlier order's targets
    and the new ones, each once."""
    with store.uow(read_only=True) as uow:
        earlier = uow.orders.by_evidence(authority.id, row.evidence_sha256)
        if earlier is not None:
            return OpenedOrder(earlier.id, earlier.reference,
                               None if earlier.revision == 1 else earlier.id)
        previous = (uow.orders.latest_by_reference(authority.id, terms.reference)
                    if terms.reference else None)
        before = [(link.target, link.spelling) for link in previous.targets] if previous else []
    targets = list(terms.targets)
    spellings = list(terms.spellings)
    for target, spelling in before:  # the quoted order's targets count, once
        if target not in targets:
            targets.append(target)
            spellings.append(spelling)
    draft = OrderDraft(
        authority_id=authority.id, reference=terms.reference, category=terms.category,
        jurisdiction=terms.jurisdiction, targets=tuple(targets), legal_basis=None, channel="email",
        spellings=tuple(spellings), rejected=terms.rejected, raw_evidence=row.evidence_sha256,
        received_at=row.received_at, follow_up=True)
    acting = Principal("authority", authority.id, authority.name, jurisdiction=authority.jurisdiction)
    receipt = ingest_order(store.uow(), sla, draft, acting)
    if previous is None:
        return OpenedOrder(receipt.order_id, receipt.reference)
    return OpenedOrder(receipt.order_id, receipt.reference, previous.id, not receipt.duplicate_of_existing)


def _settle(store: Store, row, parsed: ParsedMessage, state: str, reason: str,
            authority_id: str | None = None, order_id: str | None = None,
            reviewed_by: str | None = None, expected_state: str = InboundState.RECEIVED,
            triage_due_at: datetime | None = None) -> InboundOutcome:
    with store.uow() as uow:
        changed = mailbox.settle(
            uow, row.id, expected_state, state=state, reason=_text(reason)[:2000], authority_id=authority_id,
            order_id=order_id, reviewed_by=reviewed_by, triage_due_at=triage_due_at,
            message_id=_text(parsed.message_id)[:998] or None,
            sender=_text(parsed.sender_address)[:320] or None,
            subject=_text(parsed.subject)[:2000] or None,
            warnings=[_text(w) for w in parsed.warnings[:50]])
        if changed:
            uow.record(AuditDraft(f"message_{state}", "inbound", row.id, reviewed_by or SYSTEM.actor,
                                  {"reason": _text(reason)[:500], "order_id": order_id,
                                   "triage_due_at": triage_due_at.isoformat() if triage_due_at else None}))
            if order_id is not None:  # filed under its order: the acknowledgement can go now
                uow.publish(OrderReceived(order_id, "email", row.id))
            uow.commit()
    if state == InboundState.QUARANTINED:
        log.warning("message quarantined", extra={"status": reason[:200]})
    return InboundOutcome(row.id, state, reason, order_id, authority_id, parsed.message_id)


def _text(value: str | None) -> str:
    """Header text as the database takes it: raw 8-bit header bytes reach us as surrogate
    escapes (a raw UTF-8 "kоmdigi.go.id"), which no database encoding accepts."""
    if not value:
        return ""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace").replace("\x00", "")


def _inbound(uow: UnitOfWork, inbound_id: str):
    row = mailbox.inbound(uow, inbound_id)
    if row is None:
        raise NotFound(f"no inbound message {inbound_id}")
    return row
