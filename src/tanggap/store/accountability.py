"""Read models for accountability: the one set of rows that public counts, feeds, statements of
reasons and compliance reports are all computed from (so their figures cannot disagree)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from tanggap.domain.accountability import category_of
from tanggap.domain.clock import as_utc
from tanggap.domain.model import Action, CaseState, DecisionStatus, EnforcementStatus
from tanggap.store.tables import authorities, cases, decisions, enforcements, order_targets, orders

RESTRICTIVE = (Action.BLOCK, Action.REMOVE_POST, Action.RESTRICT)
# A case in these states waits for a (new) decision: an earlier refusal no longer answers for it.
REVIEW_AGAIN = (CaseState.QUEUED, CaseState.IN_REVIEW, CaseState.ESCALATED, CaseState.PENDING_APPROVAL)


@dataclass(frozen=True)
class BlockRow:
    """One block the platform confirmed; `reversed_at` when it was later undone (appeal, review)."""

    case_id: str
    decision_id: str
    target: str
    category: str | None
    source: str | None
    countries: tuple[str, ...]  # empty: global
    confirmed_at: datetime
    reversed: bool
    reversed_at: datetime | None


def block_rows(session: Session, start: datetime, end: datetime) -> list[BlockRow]:
    """Blocks confirmed in [start, end), one per case (a case blocked twice counts once; the
    block in force, if any, rather than one reversed)."""
    query = (select(cases.c.id, decisions.c.id.label("decision_id"), _raw(cases.c.target), cases.c.category,
                    cases.c.source, enforcements.c.scope, enforcements.c.confirmed_at,
                    decisions.c.status, decisions.c.approved_at, decisions.c.reason_code)
             .select_from(enforcements.join(cases, cases.c.id == enforcements.c.case_id)
                          .join(decisions, decisions.c.id == enforcements.c.decision_id))
             .where(enforcements.c.action == Action.BLOCK,
                    enforcements.c.status == EnforcementStatus.CONFIRMED,
                    enforcements.c.confirmed_at >= start, enforcements.c.confirmed_at < end)
             .order_by(enforcements.c.confirmed_at, cases.c.id))
    found = session.execute(query).all()
    undone = _unblocked_at(session, [row.decision_id for row in found if row.status == DecisionStatus.REVERSED])
    rows: dict[str, BlockRow] = {}
    for row in found:
        reversed_ = row.status == DecisionStatus.REVERSED
        if row.id in rows and (reversed_ or not rows[row.id].reversed):
            continue  # the case's block in force wins over one that was reversed
        # The reversal's moment: the confirmed unblock, else the reversing review itself.
        reversed_at = undone.get(row.decision_id) or (row.approved_at if reversed_ else None)
        rows[row.id] = BlockRow(row.id, row.decision_id, row.target,
                                category_of(row.category, row.reason_code),
                                str(row.source) if row.source else None, tuple(row.scope.countries),
                                as_utc(row.confirmed_at), reversed_, as_utc(reversed_at) if reversed_at else None)
    return list(rows.values())


def _raw(target_column):
    """The stored canonical spelling as text: a read model has no use for a parsed Target, and
    parsing every row's costs more than the query (bench/transparency_month.py)."""
    return type_coerce(target_column, String).label("target")


def _unblocked_at(session: Session, decision_ids: list[str]) -> dict[str, datetime]:
    """decision -> when the unblock that undid it was confirmed (one query per 500, not per row)."""
    found: dict[str, datetime] = {}
    for start in range(0, len(decision_ids), 500):
        for row in session.execute(
                select(enforcements.c.decision_id, func.min(enforcements.c.confirmed_at))
                .where(enforcements.c.decision_id.in_(decision_ids[start:start + 500]),
                       enforcements.c.action == Action.UNBLOCK, enforcements.c.status == EnforcementStatus.CONFIRMED)
                .group_by(enforcements.c.decision_id)):
            found[row[0]] = row[1]
    return found


@dataclass(frozen=True)
class OrderTargetRow:
    """One target of one order and what became of it: the compliance report's line."""

    authority: str
    order_id: str
    reference: str | None
    category: str
    received_at: datetime
    deadline_due_at: datetime
    deadline_basis: str
    target: str
    case_id: str | None
    outcome: str  # actioned | refused | rejected | pending
    acted_at: datetime | None
    action: str | None
    reason: str | None
    reversed: bool = False
    jurisdiction: str = ""
    reason_code: str | None = None


def order_target_rows(session: Session, start: datetime, end: datetime,
                      authority_name: str | None = None) -> list[OrderTargetRow]:
    """Every target of every order received in [start, end), including the spellings we could
    not read as targets (outcome `rejected`), with the action taken and when."""
    where = [orders.c.received_at >= start, orders.c.received_at < end]
    if authority_name is not None:
        where.append(authorities.c.name == authority_name)
    order_list = session.execute(
        select(orders, authorities.c.name.label("authority"))
        .select_from(orders.join(authorities, authorities.c.id == orders.c.authority_id))
        .where(*where).order_by(orders.c.received_at, orders.c.id)).all()
    if not order_list:
        return []
    order_ids = [o.id for o in order_list]
    targets = session.execute(
        select(order_targets.c.order_id, _raw(order_targets.c.target), order_targets.c.case_id)
        .where(order_targets.c.order_id.in_(order_ids)).order_by(order_targets.c.position)).all()
    case_ids = list({t.case_id for t in targets})
    first_action = _first_actions(session, case_ids)
    refusals = _refusals(session, case_ids)
    by_order: dict[str, list] = {}
    for target in targets:
        by_order.setdefault(target.order_id, []).append(target)
    asked_before = _asked_in_earlier_revisions(session, [o for o in order_list if (o.revision or 1) > 1])
    lines: list[OrderTargetRow] = []
    for order in order_list:
        base = dict(authority=order.authority, order_id=order.id, reference=order.reference,
                    category=order.category, jurisdiction=order.jurisdiction, received_at=as_utc(order.received_at),
                    deadline_due_at=as_utc(order.deadline_due_at), deadline_basis=order.deadline_basis)
        for target in by_order.get(order.id, []):
            if target.target in asked_before.get(order.id, ()):
                continue  # its line (and its deadline) is the first receipt's, not the revision's
            acted = first_action.get(target.case_id)
            refused = _refusal_for(refusals.get(target.case_id), base["received_at"])
            if acted:
                # A channel already blocked when the order came was acted on at its receipt, not
                # before it (hours to action are never negative).
                lines.append(OrderTargetRow(**base, target=target.target, case_id=target.case_id,
                                            outcome="actioned", acted_at=max(acted[0], base["received_at"]),
                                            action=acted[1],
                                            reason=acted[2], reversed=acted[3]))
            elif refused:
                lines.append(OrderTargetRow(**base, target=target.target, case_id=target.case_id,
                                            outcome="refused", acted_at=refused[0], action="no_action",
                                            reason=refused[1], reason_code=refused[2]))
            else:
                lines.append(OrderTargetRow(**base, target=target.target, case_id=target.case_id,
                                            outcome="pending", acted_at=None, action=None, reason=None))
        for rejected in order.rejected or []:
            lines.append(OrderTargetRow(**base, target=str(rejected.get("input", ""))[:300], case_id=None,
                                        outcome="rejected", acted_at=as_utc(order.received_at), action=None,
                                        reason=rejected.get("reason")))
    return lines


def _asked_in_earlier_revisions(session: Session, revised: list) -> dict[str, set[str]]:
    """order -> the targets an earlier revision of it (same authority, same reference) already
    carried. A revision repeats the earlier targets; each is accounted once, under the first
    receipt and its deadline (a revision does not restart the clock of a target already asked for)."""
    found: dict[str, set[str]] = {}
    references = sorted({order.reference for order in revised if order.reference})
    for start in range(0, len(references), 500):
        earlier = session.execute(
            select(orders.c.authority_id, orders.c.reference, orders.c.revision, _raw(order_targets.c.target))
            .select_from(order_targets.join(orders, orders.c.id == order_targets.c.order_id))
            .where(orders.c.reference.in_(references[start:start + 500]))).all()
        for order in revised:
            found[order.id] = found.get(order.id, set()) | {
                row.target for row in earlier if row.authority_id == order.authority_id
                and row.reference == order.reference and (row.revision or 1) < order.revision}
    return found


def _first_actions(session: Session, case_ids: list[str]) -> dict[str, tuple]:
    """case -> (confirmed_at, action, reason, reversed) of its first confirmed restriction."""
    found: dict[str, tuple] = {}
    for start in range(0, len(case_ids), 500):
        query = (select(enforcements.c.case_id, enforcements.c.confirmed_at, enforcements.c.action,
                        decisions.c.reason, decisions.c.status)
                 .select_from(enforcements.join(decisions, decisions.c.id == enforcements.c.decision_id))
                 .where(enforcements.c.case_id.in_(case_ids[start:start + 500]),
                        enforcements.c.action.in_(RESTRICTIVE),
                        enforcements.c.status == EnforcementStatus.CONFIRMED)
                 .order_by(enforcements.c.confirmed_at))
        for row in session.execute(query):
            found.setdefault(row.case_id, (as_utc(row.confirmed_at), str(row.action), row.reason,
                                           row.status == DecisionStatus.REVERSED))
    return found


@dataclass(frozen=True)
class _Refusals:
    """A case's effective no-action decisions, oldest first, and whether it waits for review again."""

    made: list[tuple]  # (effective_at, reason, reason_code)
    reopened: bool


def _refusal_for(refusals: _Refusals | None, received_at: datetime) -> tuple | None:
    """The refusal that answers an order received at `received_at`: the first one made since;
    else the last one before, unless the case was reopened (another authority's order asked for
    a fresh look, and until it is decided the order is pending, not refused)."""
    if refusals is None:
        return None
    since = [made for made in refusals.made if made[0] >= received_at]
    if since:
        return since[0]
    return None if refusals.reopened else refusals.made[-1]


def _refusals(session: Session, case_ids: list[str]) -> dict[str, _Refusals]:
    """case -> its effective no-action decisions and whether it is open for review again."""
    made: dict[str, list[tuple]] = {}
    reopened: set[str] = set()
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start:start + 500]
        query = (select(decisions.c.case_id, decisions.c.decided_at, decisions.c.approved_at, decisions.c.reason,
                        decisions.c.reason_code)
                 .where(decisions.c.case_id.in_(chunk),
                        decisions.c.action == Action.NO_ACTION,
                        decisions.c.status == DecisionStatus.EFFECTIVE))
        for row in session.execute(query):
            # Under four-eyes the refusal takes effect when approved, not when proposed.
            at = row.approved_at or row.decided_at
            made.setdefault(row.case_id, []).append((as_utc(at), row.reason, row.reason_code))
        reopened.update(session.scalars(select(cases.c.id).where(
            cases.c.id.in_(chunk), cases.c.state.in_([str(state) for state in REVIEW_AGAIN]))))
    return {case_id: _Refusals(sorted(found, key=lambda made: made[0]), case_id in reopened)
            for case_id, found in made.items()}


@dataclass(frozen=True)
class DecisionRow:
    """A decision with what a statement of reasons needs about its case and orders."""

    decision_id: str
    case_id: str
    target: str
    kind: str
    action: str
    countries: tuple[str, ...]
    reason: str
    reason_code: str | None
    legal_basis: str | None
    status: str
    decided_by: str
    decided_at: datetime
    approved_at: datetime | None
    category: str | None
    source: str | None
    language: str | None
    case_created_at: datetime
    enforced_at: datetime | None
    reversed_at: datetime | None
    order_references: tuple[tuple[str, str | None, str | None], ...]  # (authority, reference, legal basis)
    trusted_flagger: bool


def decision_rows(session: Session, since: datetime, until: datetime | None = None) -> list[DecisionRow]:
    """Decisions in force or reversed (not proposals) taken since `since`, oldest first."""
    where = [decisions.c.decided_at >= since,
             decisions.c.status.in_([DecisionStatus.EFFECTIVE, DecisionStatus.REVERSED])]
    if until is not None:
        where.append(decisions.c.decided_at < until)
    return _decision_rows(session, where)


# The lifecycle steps that reverse a decision, as the audit chain records them (their moment).
REVERSAL_STEPS = ("case_approve_reversal", "case_reverse", "case_reverse_automatic")


def reversed_decision_rows(session: Session, since: datetime, until: datetime | None = None) -> list[DecisionRow]:
    """Decisions taken before `since` and reversed in [since, until): their reversal belongs to
    the window it happened in, whenever the decision was taken."""
    from tanggap.store.tables import audit_events

    stepped = select(audit_events.c.subject_id).where(
        audit_events.c.subject_type == "case", audit_events.c.kind.in_(REVERSAL_STEPS), audit_events.c.at >= since)
    unblocked = select(enforcements.c.case_id).where(
        enforcements.c.action == Action.UNBLOCK, enforcements.c.status == EnforcementStatus.CONFIRMED,
        enforcements.c.confirmed_at >= since)
    if until is not None:
        stepped = stepped.where(audit_events.c.at < until)
        unblocked = unblocked.where(enforcements.c.confirmed_at < until)
    case_ids = sorted(set(session.scalars(stepped)) | set(session.scalars(unblocked)))
    found: list[DecisionRow] = []
    for start in range(0, len(case_ids), 500):
        found += _decision_rows(session, [decisions.c.case_id.in_(case_ids[start:start + 500]),
                                          decisions.c.status == DecisionStatus.REVERSED,
                                          decisions.c.decided_at < since])
    return sorted((row for row in found if row.reversed_at is not None and row.reversed_at >= since
                   and (until is None or row.reversed_at < until)),
                  key=lambda row: (row.reversed_at, row.decision_id))


def _reversal_moments(session: Session, rows: Sequence[Any]) -> dict[str, datetime]:
    """decision -> when its reversal was approved: the first reversing step on its case after it
    was taken (a later decision on the same case is taken only after that reversal)."""
    from tanggap.store.tables import audit_events

    reversed_rows = [row for row in rows if row.status == DecisionStatus.REVERSED]
    steps: dict[str, list[datetime]] = {}
    case_ids = sorted({row.case_id for row in reversed_rows})
    for start in range(0, len(case_ids), 500):
        for step in session.execute(
                select(audit_events.c.subject_id, audit_events.c.at)
                .where(audit_events.c.subject_type == "case", audit_events.c.kind.in_(REVERSAL_STEPS),
                       audit_events.c.subject_id.in_(case_ids[start:start + 500]))
                .order_by(audit_events.c.seq)):
            steps.setdefault(step.subject_id, []).append(as_utc(step.at))
    found: dict[str, datetime] = {}
    for row in reversed_rows:
        after = [moment for moment in steps.get(row.case_id, []) if moment >= as_utc(row.decided_at)]
        if after:
            found[row.id] = after[0]
    return found


def _decision_rows(session: Session, where: list) -> list[DecisionRow]:
    from tanggap.store.tables import reports  # local: only this read needs it

    rows = session.execute(
        select(decisions, cases.c.target, cases.c.kind, cases.c.category, cases.c.source, cases.c.language,
               cases.c.created_at.label("case_created_at"))
        .select_from(decisions.join(cases, cases.c.id == decisions.c.case_id))
        .where(*where).order_by(decisions.c.decided_at, decisions.c.id)).all()
    case_ids = list({row.case_id for row in rows})
    decision_ids = [row.id for row in rows]
    enforced: dict[tuple[str, str], datetime] = {}
    for start in range(0, len(decision_ids), 500):
        for e in session.execute(
                select(enforcements.c.decision_id, enforcements.c.action, enforcements.c.confirmed_at)
                .where(enforcements.c.decision_id.in_(decision_ids[start:start + 500]),
                       enforcements.c.status == EnforcementStatus.CONFIRMED)):
            key = (e.decision_id, "undo" if e.action == Action.UNBLOCK else "do")
            enforced.setdefault(key, as_utc(e.confirmed_at))
    references: dict[str, list] = {}
    flagged: set[str] = set()
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start:start + 500]
        for o in session.execute(
                select(order_targets.c.case_id, authorities.c.name, orders.c.reference, orders.c.legal_basis)
                .select_from(order_targets.join(orders, orders.c.id == order_targets.c.order_id)
                             .join(authorities, authorities.c.id == orders.c.authority_id))
                .where(order_targets.c.case_id.in_(chunk)).order_by(orders.c.received_at)):
            references.setdefault(o.case_id, []).append((o.name, o.reference, o.legal_basis))
        flagged.update(session.scalars(select(reports.c.case_id).where(
            reports.c.case_id.in_(chunk), reports.c.trusted_flagger.is_(True))))
    approved_reversal = _reversal_moments(session, rows)
    result = []
    for row in rows:
        # When the restriction was lifted: the confirmed unblock, else the approved reversal
        # (not the decision's own approval under four-eyes, which came before it).
        reversed_at = enforced.get((row.id, "undo")) or approved_reversal.get(row.id)
        result.append(DecisionRow(
            row.id, row.case_id, row.target.canonical, str(row.kind), str(row.action),
            tuple(row.scope.countries), row.reason, row.reason_code, row.legal_basis, str(row.status),
            row.decided_by, as_utc(row.decided_at), as_utc(row.approved_at) if row.approved_at else None,
            category_of(row.category, row.reason_code), str(row.source) if row.source else None,
            row.language, as_utc(row.case_created_at),
            enforced.get((row.id, "do")), reversed_at, tuple(references.get(row.case_id, [])),
            row.case_id in flagged))
    return result


def authority_names(session: Session) -> list[str]:
    return list(session.scalars(select(authorities.c.name).order_by(authorities.c.name)))




# --- statements of reasons delivered -----------------------------------------------------------

def settled_puids(session: Session, puids: list[str]) -> set[str]:
    """The puids the Transparency Database already has (or refused for good)."""
    from tanggap.store.accountability_tables import sor_deliveries

    found: set[str] = set()
    for start in range(0, len(puids), 500):
        found.update(session.scalars(select(sor_deliveries.c.puid)
                                     .where(sor_deliveries.c.puid.in_(puids[start:start + 500]))))
    return found


def record_delivery(session: Session, puid: str, decision_id: str, status: str, detail: str | None,
                    endpoint: str, at: datetime) -> bool:
    """Insert once; a concurrent submitter that got there first wins (returns False)."""
    from sqlalchemy.exc import IntegrityError

    from tanggap.store.accountability_tables import sor_deliveries

    try:
        with session.begin_nested():
            session.execute(sor_deliveries.insert().values(
                puid=puid, decision_id=decision_id, status=status, detail=detail, endpoint=endpoint,
                delivered_at=at))
        return True
    except IntegrityError:
        return False


@dataclass(frozen=True)
class AppealRow:
    appeal_id: str
    case_id: str
    category: str | None
    status: str  # open | upheld | reversed
    submitted_at: datetime
    reviewed_at: datetime | None


def appeal_rows(session: Session, start: datetime, end: datetime) -> list[AppealRow]:
    """Complaints submitted in [start, end), with the category of the decision complained of."""
    from tanggap.store.tables import appeals

    query = (select(appeals.c.id, appeals.c.case_id, appeals.c.status, appeals.c.submitted_at,
                    appeals.c.reviewed_at, cases.c.category, decisions.c.reason_code)
             .select_from(appeals.join(cases, cases.c.id == appeals.c.case_id)
                          .join(decisions, decisions.c.id == appeals.c.decision_id))
             .where(appeals.c.submitted_at >= start, appeals.c.submitted_at < end)
             .order_by(appeals.c.submitted_at))
    return [AppealRow(row.id, row.case_id, category_of(row.category, row.reason_code), str(row.status),
                      as_utc(row.submitted_at), as_utc(row.reviewed_at) if row.reviewed_at else None)
            for row in session.execute(query)]


# --- publications: the daily sentence, once per day and destination ---------------------------

def claim_publication(session: Session, day, destination: str, text: str, now: datetime) -> tuple[str, str | None]:
    """(status, reference) of the day's publication to `destination`, claiming it when new.
    The unique (day, destination) makes two publishers, or a re-run, agree on one post."""
    from sqlalchemy.exc import IntegrityError

    from tanggap.domain.model import new_id
    from tanggap.store.accountability_tables import publications

    existing = session.execute(select(publications.c.status, publications.c.reference).where(
        publications.c.day == day, publications.c.destination == destination)).first()
    if existing is not None:
        return existing.status, existing.reference
    try:
        with session.begin_nested():
            session.execute(publications.insert().values(id=new_id(), day=day, destination=destination, text=text,
                                                         status="claimed", claimed_at=now))
    except IntegrityError:
        return "claimed", None  # another publisher claimed it a moment ago
    return "new", None


def finish_publication(session: Session, day, destination: str, reference: str | None, error: str | None,
                       now: datetime) -> None:
    from sqlalchemy import update

    from tanggap.store.accountability_tables import publications

    values = {"status": "failed", "error": error[:2000]} if error else {
        "status": "posted", "reference": reference, "posted_at": now, "error": None}
    session.execute(update(publications).where(publications.c.day == day,
                                               publications.c.destination == destination).values(**values))



# --- statements told to channel owners ------------------------------------------------------------

def notified_puids(session: Session, puids: list[str]) -> set[str]:
    from tanggap.store.accountability_tables import statement_notices

    found: set[str] = set()
    for start in range(0, len(puids), 500):
        found.update(session.scalars(select(statement_notices.c.puid)
                                     .where(statement_notices.c.puid.in_(puids[start:start + 500]))))
    return found


def record_notice(session: Session, puid: str, case_id: str, reference: str | None, at: datetime) -> bool:
    from sqlalchemy.exc import IntegrityError

    from tanggap.store.accountability_tables import statement_notices

    try:
        with session.begin_nested():
            session.execute(statement_notices.insert().values(puid=puid, case_id=case_id, reference=reference,
                                                              sent_at=at))
        return True
    except IntegrityError:
        return False
