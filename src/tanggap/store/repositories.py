"""Repositories: the queries the services need, and nothing they do not."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from tanggap.domain.model import (
    OPEN_STATES, ApiKey, Authority, Case, CaseState, Decision, Enforcement, EnforcementStatus,
    Order, OrderTarget, Report, User,
)
from tanggap.domain.targets import Target
from tanggap.store.tables import cases as cases_table
from tanggap.store.tables import order_targets


class Repository:
    entity: type  # the domain class this repository stores

    def __init__(self, session: Session):
        self.session = session

    def add(self, entity):
        self.session.add(entity)
        return entity

    def get(self, entity_id: str):
        return self.session.get(self.entity, entity_id)


class Authorities(Repository):
    entity = Authority

    def by_name(self, name: str) -> Authority | None:
        return self.session.scalar(select(Authority).where(Authority.name == name))

    def list(self) -> Sequence[Authority]:
        return self.session.scalars(select(Authority).order_by(Authority.name)).all()


class Users(Repository):
    entity = User

    def by_name(self, name: str) -> User | None:
        return self.session.scalar(select(User).where(User.name == name))


class ApiKeys(Repository):
    entity = ApiKey

    def by_hash(self, key_hash: str) -> ApiKey | None:
        return self.session.scalar(
            select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None)))


class Orders(Repository):
    entity = Order

    def latest_by_reference(self, authority_id: str, reference: str) -> Order | None:
        """The newest revision of the order the authority numbered `reference`."""
        return self.session.scalar(
            select(Order).where(Order.authority_id == authority_id, Order.reference == reference)
            .order_by(Order.revision.desc()).limit(1))

    def by_evidence(self, authority_id: str, sha256: str) -> Order | None:
        return self.session.scalar(select(Order).where(
            Order.authority_id == authority_id, Order.raw_evidence == sha256).limit(1))

    def add_unique(self, order: Order) -> Order | None:
        """Insert, or None when the authority already used this reference (a resend)."""
        try:
            with self.session.begin_nested():
                self.session.add(order)
                self.session.flush()
        except IntegrityError:
            return None
        return order

    def targets_of_case(self, case_id: str) -> Sequence[OrderTarget]:
        return self.session.scalars(
            select(OrderTarget).where(OrderTarget.case_id == case_id)).all()

    def for_case(self, case_id: str) -> Sequence[Order]:
        return self.session.scalars(
            select(Order).join(order_targets, order_targets.c.order_id == Order.id)
            .where(order_targets.c.case_id == case_id).order_by(Order.received_at)).all()


class Cases(Repository):
    entity = Case

    def with_decisions(self, case_ids: list[str]) -> dict[str, Case]:
        """Many cases and their decisions in a few queries (not one per case)."""
        found: dict[str, Case] = {}
        for start in range(0, len(case_ids), 500):
            query = (select(Case).where(cases_table.c.id.in_(case_ids[start:start + 500]))
                     .options(selectinload(Case.decisions)))
            found.update((case.id, case) for case in self.session.scalars(query))
        return found

    def get_for_update(self, case_id: str) -> Case | None:
        return self.session.scalar(
            select(Case).where(Case.id == case_id).with_for_update().execution_options(populate_existing=True))

    def by_targets(self, targets: Iterable[Target], lock: bool = False) -> dict[Target, Case]:
        """Existing cases for these targets, optionally locked (row locks on PostgreSQL)."""
        wanted = list({t.canonical for t in targets})
        found: dict[Target, Case] = {}
        for start in range(0, len(wanted), 500):
            query = select(Case).where(cases_table.c.target.in_(wanted[start:start + 500]))
            if lock:
                query = query.with_for_update().execution_options(populate_existing=True)
            found.update((case.target, case) for case in self.session.scalars(query))
        return found

    def add_all_or_existing(self, new_cases: Sequence[Case]) -> dict[Target, Case]:
        """Insert new cases; where another transaction created the same target first,
        return that one instead. Safe under concurrency: the unique target decides."""
        if not new_cases:
            return {}
        try:
            with self.session.begin_nested():
                self.session.add_all(new_cases)
                self.session.flush()
            return {case.target: case for case in new_cases}
        except IntegrityError:
            pass
        # Someone raced us for at least one target: go one by one.
        result: dict[Target, Case] = {}
        for case in new_cases:
            existing = self.by_targets([case.target], lock=True).get(case.target)
            if existing is None:
                try:
                    with self.session.begin_nested():
                        self.session.add(case)
                        self.session.flush()
                    existing = case
                except IntegrityError:
                    existing = self.by_targets([case.target], lock=True)[case.target]
            result[case.target] = existing
        return result

    def list(self, states: Iterable[CaseState] | None = None, limit: int = 100,
             offset: int = 0) -> Sequence[Case]:
        query = select(Case)
        if states:
            query = query.where(Case.state.in_(list(states)))
        query = query.order_by(Case.deadline_due_at.is_(None), Case.deadline_due_at,
                               Case.severity, Case.created_at)
        return self.session.scalars(query.limit(limit).offset(offset)).all()

    def queue(self, limit: int = 100) -> Sequence[Case]:
        """Open cases awaiting a human, soonest deadline first, then most severe."""
        return self.list([CaseState.QUEUED, CaseState.IN_REVIEW, CaseState.ESCALATED], limit)

    def count_by_state(self) -> dict[str, int]:
        rows = self.session.execute(select(Case.state, func.count()).group_by(Case.state)).all()
        return {str(state): count for state, count in rows}

    def open_breached(self, now: datetime) -> Sequence[Case]:
        return self.session.scalars(
            select(Case).where(Case.state.in_(list(OPEN_STATES)), Case.deadline_due_at < now)).all()


class Reports(Repository):
    entity = Report

    def for_case(self, case_id: str) -> Sequence[Report]:
        return self.session.scalars(select(Report).where(Report.case_id == case_id)).all()

    def exists(self, target: Target, reporter: str, received_at: datetime) -> bool:
        """The same reporter's report of the same entity at the same moment: already taken."""
        return self.session.scalar(select(Report.id).where(
            Report.target == target, Report.reporter == reporter,
            Report.received_at == received_at).limit(1)) is not None


class Decisions(Repository):
    entity = Decision

class Enforcements(Repository):
    entity = Enforcement

    def by_key(self, key: str) -> Enforcement | None:
        return self.session.scalar(select(Enforcement).where(Enforcement.idempotency_key == key))

    def for_case(self, case_id: str) -> Sequence[Enforcement]:
        return self.session.scalars(
            select(Enforcement).where(Enforcement.case_id == case_id).order_by(Enforcement.created_at)).all()

    def pending_ids(self, limit: int = 1000) -> list[str]:
        return list(self.session.scalars(
            select(Enforcement.id).where(Enforcement.status == EnforcementStatus.PENDING)
            .order_by(Enforcement.created_at).limit(limit)))
