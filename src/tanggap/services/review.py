"""The review queue: who sees which case, claims with leases, bulk decisions, channel profiles."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import timedelta

from tanggap.detect.language import FAMILIES, FUNCTION_WORDS, detect_language, readable_by
from tanggap.domain.access import SYSTEM, Permission, Principal
from tanggap.domain.errors import DomainError, InvalidDecision, NotFound, PermissionDenied
from tanggap.domain.model import Case, CaseState
from tanggap.platforms.interface import Platform, PlatformError
from tanggap.services.decisions import DEFAULT_LEASE, DecisionOutcome, DecisionRequest, check_escalation, decide
from tanggap.services.signals import media_signals, record_signals
from tanggap.store import views
from tanggap.store.uow import Store, UnitOfWork

log = logging.getLogger(__name__)
LANGUAGES = (*FUNCTION_WORDS, "ar")  # the language teams a case can be given to


@dataclass(frozen=True)
class QueueFilter:
    authority_id: str | None = None
    order_id: str | None = None
    category: str | None = None
    source: str | None = None
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True)
class QueuePage:
    """One page of a person's queue, and the truth about the rest of it."""

    cases: list[Case]
    next_after: str | None  # the id to pass as `after` for the next page; None on the last page
    counts: dict[str, int]  # open cases per state this person may see (filters applied)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


OPEN_STATES = (CaseState.QUEUED, CaseState.IN_REVIEW, CaseState.ESCALATED, CaseState.PENDING_APPROVAL)


def queue(uow: UnitOfWork, by: Principal, wanted: QueueFilter = QueueFilter()) -> list[Case]:
    """Cases this person should work on: by deadline, then the cases without one by risk.

    Moderators see cases in languages they read (Indonesian and Malay as one family) and cases
    whose language is unknown; seniors also see escalations and decisions awaiting approval.
    A case claimed by someone else shows again once the claim's lease has run out. A case a
    senior assigned to someone else (or to a team the person is not in) is not shown.
    """
    return views.queue_cases(uow.session, _workable(uow, by, wanted), wanted.limit, wanted.offset)


def queue_page(uow: UnitOfWork, by: Principal, wanted: QueueFilter = QueueFilter(),
               after: str | None = None) -> QueuePage:
    """A page of the queue that starts after the case `after` (keyset: page 500 costs what
    page 1 costs), with the counts per state."""
    found = views.queue_cases_after(uow.session, _workable(uow, by, wanted), wanted.limit, after)
    shown = found[:wanted.limit]
    more = len(found) > wanted.limit
    return QueuePage(shown, shown[-1].id if more and shown else None, queue_counts(uow, by, wanted))


def queue_counts(uow: UnitOfWork, by: Principal, wanted: QueueFilter = QueueFilter()) -> dict[str, int]:
    """Open cases per state among those this person may see, claimed by others or not."""
    return views.queue_counts(uow.session, _visible(by, wanted))


def next_case(uow: UnitOfWork, by: Principal, after_decided: str | None = None) -> str | None:
    """The case to open after deciding one: the first of the person's queue they may take
    (their own claims count), other than the one just decided."""
    for case in queue(uow, by, QueueFilter(limit=5)):
        if case.id != after_decided:
            return case.id
    return None


def _states_for(by: Principal) -> list[CaseState]:
    states = [CaseState.QUEUED, CaseState.IN_REVIEW]
    if by.can(Permission.APPROVE):
        states += [CaseState.ESCALATED, CaseState.PENDING_APPROVAL]
    return states


def _workable(uow: UnitOfWork, by: Principal, wanted: QueueFilter) -> views.QueueScope:
    """What the person may see and may take now: free cases, their own, and lapsed leases."""
    return replace(_visible(by, wanted), claimable_by=by.id, now=uow.clock.now())


def _visible(by: Principal, wanted: QueueFilter) -> views.QueueScope:
    by.require(Permission.VIEW_CASES)
    languages = assignees = None
    if by.kind == "user" and not by.can(Permission.APPROVE):
        languages = _readable(by.languages)
        assignees = (by.id, *(f"team:{lang}" for lang in by.languages))
    return views.QueueScope(tuple(_states_for(by)), languages, assignees, wanted.category, wanted.source,
                            wanted.order_id, wanted.authority_id)


def _readable(languages: tuple[str, ...]) -> tuple[str, ...]:
    readable = set(languages) | {member for member, head in FAMILIES.items() if head in languages}
    readable |= {FAMILIES[lang] for lang in languages if lang in FAMILIES}
    return tuple(sorted(readable))


def claim(uow: UnitOfWork, case_id: str, by: Principal, lease: timedelta = DEFAULT_LEASE) -> Case:
    by.require(Permission.DECIDE)
    with uow:
        case = _case(uow, case_id)
        if not by.can(Permission.APPROVE) and not readable_by(case.language, by.languages):
            raise NotFound(f"no case {case_id} in your languages")
        check_escalation(case, by)
        case.claim(by.id, uow.clock.now(), lease, by.actor)
        uow.commit()
        return case


def assign(uow: UnitOfWork, case_id: str, assignee: str | None, by: Principal) -> Case:
    """A senior gives a case to one person (user id) or a language team ("team:id"); None or ""
    gives it back to everyone who reads its language."""
    by.require(Permission.APPROVE)
    assignee = (assignee or "").strip() or None
    with uow:
        case = _case(uow, case_id)
        if assignee is not None and not assignee.startswith("team:"):
            if not uow.users.exists(assignee):
                raise InvalidDecision(f"no user {assignee}", "assigned_to")
        elif assignee is not None and assignee.removeprefix("team:") not in LANGUAGES:
            raise InvalidDecision(f"no language team {assignee}", "assigned_to")
        case.assign(assignee, by.actor)
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
            uow.cases.detach(case)
        return case


def expire_leases(store: Store) -> int:
    """Return cases whose reviewer went away to the queue (the sweep; queries also ignore them)."""
    with store.uow() as uow:
        now = uow.clock.now()
        stale = uow.cases.stale_leases(now)
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
        pending = uow.cases.unprofiled(limit)
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
