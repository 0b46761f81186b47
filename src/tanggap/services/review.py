"""The review queue: who sees which case, claims with leases, bulk decisions, channel profiles."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, select

from tanggap.detect.language import FAMILIES, detect_language, readable_by
from tanggap.domain.access import SYSTEM, Permission, Principal
from tanggap.domain.errors import DomainError, NotFound, PermissionDenied
from tanggap.domain.model import Case, CaseState
from tanggap.platforms.interface import Platform, PlatformError
from tanggap.services.decisions import DecisionOutcome, DecisionRequest, decide
from tanggap.services.signals import media_signals, record_signals
from tanggap.store.tables import cases, order_targets, orders
from tanggap.store.uow import Store, UnitOfWork

log = logging.getLogger(__name__)
DEFAULT_LEASE = timedelta(minutes=15)


@dataclass(frozen=True)
class QueueFilter:
    authority_id: str | None = None
    order_id: str | None = None
    category: str | None = None
    source: str | None = None
    limit: int = 100
    offset: int = 0


def queue(uow: UnitOfWork, by: Principal, wanted: QueueFilter = QueueFilter()) -> list[Case]:
    """Cases this person should work on, soonest deadline first, then most severe, then the
    strongest detection signal.

    Moderators see cases in languages they read (Indonesian and Malay as one family) and cases
    whose language is unknown; seniors also see escalations and decisions awaiting approval.
    A case claimed by someone else shows again once the claim's lease has run out.
    """
    by.require(Permission.VIEW_CASES)
    now = uow.clock.now()
    states = [CaseState.QUEUED, CaseState.IN_REVIEW]
    if by.can(Permission.APPROVE):
        states += [CaseState.ESCALATED, CaseState.PENDING_APPROVAL]
    query = select(Case).where(
        cases.c.state.in_(states),
        or_(cases.c.claimed_by.is_(None), cases.c.claimed_by == by.id, cases.c.lease_until <= now))
    if by.kind == "user" and not by.can(Permission.APPROVE):
        query = query.where(_readable(by.languages))
    if wanted.category:
        query = query.where(cases.c.category == wanted.category)
    if wanted.source:
        query = query.where(cases.c.source == wanted.source)
    if wanted.order_id or wanted.authority_id:
        linked = select(order_targets.c.case_id).join(orders, orders.c.id == order_targets.c.order_id)
        if wanted.order_id:
            linked = linked.where(orders.c.id == wanted.order_id)
        if wanted.authority_id:
            linked = linked.where(orders.c.authority_id == wanted.authority_id)
        query = query.where(cases.c.id.in_(linked))
    query = query.order_by(cases.c.deadline_due_at.is_(None), cases.c.deadline_due_at,
                           cases.c.severity, cases.c.signal_strength.desc(), cases.c.created_at)
    return list(uow.session.scalars(query.limit(wanted.limit).offset(wanted.offset)))


def _readable(languages: tuple[str, ...]):
    readable = set(languages) | {member for member, head in FAMILIES.items() if head in languages}
    readable |= {FAMILIES[lang] for lang in languages if lang in FAMILIES}
    return or_(cases.c.language.is_(None), cases.c.language == "und", cases.c.language.in_(sorted(readable)))


def claim(uow: UnitOfWork, case_id: str, by: Principal, lease: timedelta = DEFAULT_LEASE) -> Case:
    by.require(Permission.DECIDE)
    with uow:
        case = _case(uow, case_id)
        if not by.can(Permission.APPROVE) and not readable_by(case.language, by.languages):
            raise NotFound(f"no case {case_id} in your languages")
        case.claim(by.id, uow.clock.now(), lease, by.actor)
        uow.commit()
        return case


def release(uow: UnitOfWork, case_id: str, by: Principal) -> Case:
    by.require(Permission.DECIDE)
    with uow:
        case = _case(uow, case_id)
        if case.claimed_by == by.id or by.can(Permission.APPROVE):
            case.release(uow.clock.now(), by.actor)
            uow.commit()
        else:  # nothing changed: keep the case readable past the closing rollback (was a 500)
            uow.session.expunge(case)
        return case


def expire_leases(store: Store) -> int:
    """Return cases whose reviewer went away to the queue (the sweep; queries also ignore them)."""
    with store.uow() as uow:
        now = uow.clock.now()
        query = select(Case).where(and_(cases.c.state == CaseState.IN_REVIEW, cases.c.lease_until <= now))
        if uow.session.get_bind().dialect.name == "postgresql":
            # Many sweepers (one per process) may run at once: each takes the rows no other holds.
            # SQLite needs nothing: its writers are serialised by BEGIN IMMEDIATE.
            query = query.with_for_update(skip_locked=True)
        stale = uow.session.scalars(query).all()
        expired = sum(case.expire_lease(now, SYSTEM.actor) for case in stale)
        uow.commit()
    return expired


def decide_order(uow_factory, order_id: str, request: DecisionRequest, confirmed_case_ids: set[str],
                 by: Principal) -> list[DecisionOutcome]:
    """One decision over the targets of an order, each target confirmed by the moderator.
    A target that cannot take it (decided otherwise meanwhile, claimed by someone else) is
    skipped and reported by the caller from the outcomes; it does not stop the others."""
    with uow_factory(read_only=True) as uow:
        order = uow.orders.get(order_id)
        if order is None:
            raise NotFound(f"no order {order_id}")
        case_ids = [link.case_id for link in order.targets if link.case_id in confirmed_case_ids]
    outcomes = []
    for case_id in case_ids:
        try:
            outcomes.append(decide(uow_factory(), case_id, request, by))
        except DomainError as error:
            if isinstance(error, PermissionDenied) and "may not" in error.message:
                raise  # the role itself may not decide: nothing to do per target
            log.info("bulk decision skipped a target", extra={"case_id": case_id, "error": error.message})
    return outcomes


def profile_cases(store: Store, platform: Platform, limit: int = 200) -> int:
    """Fill in what routing and four-eyes need from the platform (language, subscribers), and
    match every media item of the channel's recent posts against the hash banks."""
    with store.uow(read_only=True) as uow:
        pending = uow.session.execute(
            select(cases.c.id, cases.c.target).where(cases.c.language.is_(None),
                                                     cases.c.state.in_([CaseState.QUEUED, CaseState.NEW]))
            .limit(limit)).all()
    profiled = 0
    for case_id, target in pending:
        try:
            channel = platform.channel(target)
            posts = platform.recent_posts(target, 20)
        except PlatformError as error:
            if error.transient:  # try again next round
                continue
            log.info("profile: not on the platform", extra={"case_id": case_id, "error": str(error)[:200]})
            language, subscribers, matches = "und", None, []
        else:
            language = detect_language([p.text for p in posts] + [channel.title, channel.description])
            subscribers = channel.subscribers
            matches = [signal for found in media_signals(store, platform, posts).values() for signal in found]
        with store.uow() as uow:
            case = uow.cases.get(case_id)
            case.language, case.subscribers = language, subscribers
            record_signals(uow, case.id, matches, uow.clock.now())
            uow.commit()
        profiled += 1
    return profiled


def _case(uow: UnitOfWork, case_id: str) -> Case:
    case = uow.cases.get_for_update(case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case
