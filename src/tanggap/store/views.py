"""Read models: the queries behind pages and API reads, each returning what its reader shows.

The web and the services never build SQL; they ask here (or a repository) by name. What to
show stays their decision (who may see which case, which columns a page prints); how to
find it fast (keyset order, index-friendly LIKE prefixes, batches of 500) is decided here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from tanggap.domain.audit import AuditEvent
from tanggap.domain.model import Action, Case, CaseState, Decision, DecisionStatus, EnforcementStatus
from tanggap.domain.targets import Target
from tanggap.store.inbound import InboundMessage
from tanggap.store.tables import (
    audit_events, authorities, case_signals, cases, decisions, enforcements, evidence, inbound_messages,
    order_targets, orders, reports,
)

BATCH = 500  # ids per IN (...): well under every database's limit on bound parameters


# --- the review queue -----------------------------------------------------------------------

@dataclass(frozen=True)
class QueueScope:
    """Which open cases a person's queue holds: the service decides, the query only follows.

    `languages` None: every language; otherwise cases in these (or of unknown language).
    `assignees` None: whoever a case is assigned to; otherwise unassigned ones or these.
    `claimable_by` set: only cases free, held by that person, or whose lease ran out by `now`."""

    states: tuple[CaseState, ...]
    languages: tuple[str, ...] | None = None
    assignees: tuple[str, ...] | None = None
    category: str | None = None
    source: str | None = None
    order_id: str | None = None
    authority_id: str | None = None
    claimable_by: str | None = None
    now: datetime | None = None


# The two keyset orders: cases with a deadline by the deadline (the strongest signal first among
# an order's many targets), then cases without one by risk: signal strength, then reach.
_DEADLINE_ORDER = (cases.c.deadline_due_at, cases.c.signal_strength.desc(), cases.c.id)
_REACH = func.coalesce(cases.c.subscribers, 0)
_RISK_ORDER = (cases.c.signal_strength.desc(), _REACH.desc(), cases.c.id)


def queue_cases(session: Session, scope: QueueScope, limit: int, offset: int = 0) -> list[Case]:
    """The queue from `offset`: cases with a deadline by deadline, then the others by risk."""
    where = _queue_where(scope)
    wanted_rows = offset + limit
    found = list(session.scalars(select(Case).where(*where, cases.c.deadline_due_at.is_not(None))
                                 .order_by(*_DEADLINE_ORDER).limit(wanted_rows)))
    if len(found) < wanted_rows:
        found += session.scalars(select(Case).where(*where, cases.c.deadline_due_at.is_(None))
                                 .order_by(*_RISK_ORDER).limit(wanted_rows - len(found)))
    return found[offset:]


def queue_cases_after(session: Session, scope: QueueScope, limit: int, after: str | None) -> list[Case]:
    """Up to `limit` + 1 cases of the queue after the case `after` (keyset: page 500 costs
    what page 1 costs); the extra one tells the caller there is a next page."""
    where = _queue_where(scope)
    anchor = _anchor(session, after)
    found: list[Case] = []
    if anchor is None or anchor.deadline_due_at is not None:
        query = select(Case).where(*where, cases.c.deadline_due_at.is_not(None))
        if anchor is not None:
            query = query.where(_after_deadline(anchor))
        found = list(session.scalars(query.order_by(*_DEADLINE_ORDER).limit(limit + 1)))
    if len(found) <= limit:
        query = select(Case).where(*where, cases.c.deadline_due_at.is_(None))
        if anchor is not None and anchor.deadline_due_at is None:
            query = query.where(_after_risk(anchor))
        found += session.scalars(query.order_by(*_RISK_ORDER).limit(limit + 1 - len(found)))
    return found


def queue_counts(session: Session, scope: QueueScope) -> dict[str, int]:
    """Cases per state in the scope (every state of the scope, zero included)."""
    query = select(cases.c.state, func.count()).where(*_queue_where(scope)).group_by(cases.c.state)
    counts = {str(state): 0 for state in scope.states}
    counts.update({str(state): count for state, count in session.execute(query)})
    return counts


def _queue_where(scope: QueueScope) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [cases.c.state.in_(list(scope.states))]
    if scope.languages is not None:
        where.append(or_(cases.c.language.is_(None), cases.c.language == "und",
                         cases.c.language.in_(list(scope.languages))))
    if scope.assignees is not None:
        where.append(or_(cases.c.assigned_to.is_(None), cases.c.assigned_to.in_(list(scope.assignees))))
    if scope.category:
        where.append(cases.c.category == scope.category)
    if scope.source:
        where.append(cases.c.source == scope.source)
    if scope.order_id or scope.authority_id:
        linked = select(order_targets.c.case_id).join(orders, orders.c.id == order_targets.c.order_id)
        if scope.order_id:
            linked = linked.where(orders.c.id == scope.order_id)
        if scope.authority_id:
            linked = linked.where(orders.c.authority_id == scope.authority_id)
        where.append(cases.c.id.in_(linked))
    if scope.claimable_by is not None:
        where.append(or_(cases.c.claimed_by.is_(None), cases.c.claimed_by == scope.claimable_by,
                         cases.c.lease_until <= scope.now))
    return where


def _anchor(session: Session, after: str | None):  # type: ignore[no-untyped-def]
    """The sort key of the case a page starts after (a case that left the queue since still
    marks the place)."""
    if not after:
        return None
    return session.execute(
        select(cases.c.id, cases.c.deadline_due_at, cases.c.signal_strength, _REACH.label("reach"))
        .where(cases.c.id == after)).first()


def _after_deadline(anchor):  # type: ignore[no-untyped-def]
    due, strength = anchor.deadline_due_at, anchor.signal_strength
    # The leading `>=` lets the index start at the anchor; the rest breaks ties exactly.
    return and_(cases.c.deadline_due_at >= due, or_(
        cases.c.deadline_due_at > due,
        and_(cases.c.deadline_due_at == due, or_(
            cases.c.signal_strength < strength,
            and_(cases.c.signal_strength == strength, cases.c.id > anchor.id)))))


def _after_risk(anchor):  # type: ignore[no-untyped-def]
    strength, reach = anchor.signal_strength, anchor.reach
    return and_(cases.c.signal_strength <= strength, or_(
        cases.c.signal_strength < strength,
        and_(cases.c.signal_strength == strength, or_(
            _REACH < reach, and_(_REACH == reach, cases.c.id > anchor.id)))))


# --- orders as the queue and the case page list them ----------------------------------------

@dataclass(frozen=True)
class OrderLink:
    """An order as a line on a page: which case it names (when listed per case), its number
    and the authority that sent it."""

    id: str
    reference: str | None
    authority: str
    case_id: str | None = None


def orders_by_case(session: Session, case_ids: list[str]) -> dict[str, list[OrderLink]]:
    """Case id -> the orders naming it, oldest first."""
    linked: dict[str, list[OrderLink]] = {}
    for start in range(0, len(case_ids), BATCH):
        rows = session.execute(
            select(order_targets.c.case_id, orders.c.id, orders.c.reference, authorities.c.name.label("authority"))
            .join(orders, orders.c.id == order_targets.c.order_id)
            .join(authorities, authorities.c.id == orders.c.authority_id)
            .where(order_targets.c.case_id.in_(case_ids[start:start + BATCH]))
            .order_by(orders.c.received_at))
        for row in rows:
            linked.setdefault(row.case_id, []).append(OrderLink(row.id, row.reference, row.authority, row.case_id))
    return linked


def recent_orders(session: Session, chosen: str | None = None, limit: int = 100) -> list[OrderLink]:
    """The latest orders, newest first, and the `chosen` one even when it is older."""
    query = (select(orders.c.id, orders.c.reference, authorities.c.name.label("authority"))
             .join(authorities, authorities.c.id == orders.c.authority_id))
    recent = [OrderLink(row.id, row.reference, row.authority)
              for row in session.execute(query.order_by(orders.c.received_at.desc()).limit(limit))]
    if chosen and all(link.id != chosen for link in recent):
        recent += [OrderLink(row.id, row.reference, row.authority)
                   for row in session.execute(query.where(orders.c.id == chosen))]
    return recent


def case_orders(session: Session, case_id: str) -> list[dict]:
    """The orders naming a case with their authority's name, oldest first (for a record)."""
    return [dict(row._mapping) for row in session.execute(
        select(orders.c.reference, orders.c.category, orders.c.legal_basis, orders.c.received_at,
               orders.c.raw_evidence, authorities.c.name)
        .select_from(order_targets.join(orders, orders.c.id == order_targets.c.order_id)
                     .join(authorities, authorities.c.id == orders.c.authority_id))
        .where(order_targets.c.case_id == case_id).order_by(orders.c.received_at))]


def case_reports(session: Session, case_id: str) -> list[dict]:
    """Reports on a case without who sent them: the reason, trusted flagger or not, when."""
    return [dict(row._mapping) for row in session.execute(
        select(reports.c.reason, reports.c.trusted_flagger, reports.c.received_at)
        .where(reports.c.case_id == case_id))]


# --- the case page --------------------------------------------------------------------------

def same_channel_decisions(session: Session, case: Case, limit: int = 20) -> list[tuple[Decision, Target]]:
    """Decisions on the same channel's other cases (its posts, the channel itself), newest first."""
    channel = case.target.channel_target
    where: ColumnElement[bool]
    if channel.internal_id is not None:  # t.me/c/<id>/<post>: the channel is the prefix
        where = cases.c.target.like(_prefix_pattern(f"https://t.me/c/{channel.internal_id}/"), escape="/")
    else:
        where = (cases.c.target == channel.canonical) | cases.c.target.like(
            _prefix_pattern(channel.canonical + "/"), escape="/")
    query = (select(Decision, cases.c.target).join(cases, cases.c.id == decisions.c.case_id)
             .where(where, cases.c.id != case.id).order_by(decisions.c.decided_at.desc()).limit(limit))
    return [(decision, target) for decision, target in session.execute(query)]


def _prefix_pattern(prefix: str) -> str:
    """A LIKE pattern with a constant prefix (an index range scan under the C collation);
    `_` is common in usernames and must not match any character."""
    return prefix.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def category_decisions(session: Session, case: Case, limit: int = 8) -> list[tuple[Decision, Target]]:
    """The latest standing decisions on other cases of the case's category, newest first."""
    query = (select(Decision, cases.c.target).join(cases, cases.c.id == decisions.c.case_id)
             .where(cases.c.category == case.category, cases.c.id != case.id,
                    decisions.c.status != DecisionStatus.REJECTED)
             .order_by(decisions.c.decided_at.desc()).limit(limit))
    return [(decision, target) for decision, target in session.execute(query)]


def case_signals_of(session: Session, case_id: str) -> list[dict]:
    """A case's stored signals, strongest first, each as a dict of its columns."""
    return [dict(row._mapping) for row in session.execute(
        select(case_signals).where(case_signals.c.case_id == case_id).order_by(case_signals.c.strength.desc()))]


def blocked_targets(session: Session) -> list[Target]:
    """Every target a block was confirmed on (each once)."""
    return list(session.execute(
        select(cases.c.target).join(enforcements, enforcements.c.case_id == cases.c.id)
        .where(enforcements.c.action == Action.BLOCK, enforcements.c.status == EnforcementStatus.CONFIRMED)
        .distinct()).scalars().all())


# --- raw evidence, the mailbox, the audit log -----------------------------------------------

def evidence_content(session: Session, sha256: str) -> bytes | None:
    """The raw bytes stored under this digest, or None."""
    return session.execute(select(evidence.c.content).where(evidence.c.sha256 == sha256)).scalar()


def inbound_list(session: Session, state: str | None = None, limit: int = 200) -> list[InboundMessage]:
    """The mailbox as the intake page lists it: newest first, optionally one state only."""
    query = select(inbound_messages).order_by(inbound_messages.c.received_at.desc()).limit(limit)
    if state:
        query = query.where(inbound_messages.c.state == state)
    return [InboundMessage.of(row) for row in session.execute(query)]


def audit_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(audit_events)) or 0


def audit_newest(session: Session, limit: int, subject_type: str = "", subject_id: str = "", kind: str = "",
                 before: int | None = None) -> list[AuditEvent]:
    """Audit events newest first, optionally of one subject or kind, before the sequence `before`."""
    query = select(audit_events).order_by(audit_events.c.seq.desc()).limit(limit)
    query = query.where(*_audit_filter(subject_type, subject_id, kind))
    if before:
        query = query.where(audit_events.c.seq < before)
    return [AuditEvent(**row._mapping) for row in session.execute(query)]


def audit_after(session: Session, after_seq: int, limit: int, subject_type: str | None = None,
                subject_id: str | None = None) -> list[AuditEvent]:
    """Audit events in chain order after the sequence `after_seq` (an export's next page)."""
    query = select(audit_events).where(audit_events.c.seq > after_seq).order_by(audit_events.c.seq).limit(limit)
    query = query.where(*_audit_filter(subject_type, subject_id, None))
    return [AuditEvent(**row._mapping) for row in session.execute(query)]


def _audit_filter(subject_type: str | None, subject_id: str | None, kind: str | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if subject_type:
        where.append(audit_events.c.subject_type == subject_type)
    if subject_id:
        where.append(audit_events.c.subject_id == subject_id)
    if kind:
        where.append(audit_events.c.kind == kind)
    return where

