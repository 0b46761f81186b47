"""Repositories: the queries the services need, and nothing they do not."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import QueryableAttribute, Session, selectinload

from tanggap.domain.model import (
    OPEN_STATES, ApiKey, Authority, Case, CaseState, Decision, Enforcement, EnforcementStatus,
    Order, OrderTarget, Report, User,
)
from tanggap.domain.targets import Target
from tanggap.store import tables
from tanggap.store.tables import cases as cases_table
from tanggap.store.tables import order_targets


def _relationship(entity: type, name: str) -> QueryableAttribute[Any]:
    """A mapped relationship as SQLAlchemy sees it: the domain class declares a plain list,
    which the imperative mapping instruments only at runtime, so type checkers cannot see it."""
    return inspect(entity).relationships[name].class_attribute


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
        return self.session.scalar(select(Authority).where(tables.authorities.c.name == name))

    def list(self) -> Sequence[Authority]:
        return self.session.scalars(select(Authority).order_by(tables.authorities.c.name)).all()


class Users(Repository):
    entity = User

    def by_name(self, name: str) -> User | None:
        return self.session.scalar(select(User).where(tables.users.c.name == name))


class ApiKeys(Repository):
    entity = ApiKey

    def by_hash(self, key_hash: str) -> ApiKey | None:
        return self.session.scalar(
            select(ApiKey).where(tables.api_keys.c.key_hash == key_hash, tables.api_keys.c.revoked_at.is_(None)))


class Orders(Repository):
    entity = Order

    def latest_by_reference(self, authority_id: str, reference: str) -> Order | None:
        """The newest revision of the order the authority numbered `reference`."""
        return self.session.scalar(
            select(Order).where(tables.orders.c.authority_id == authority_id, tables.orders.c.reference == reference)
            .order_by(tables.orders.c.revision.desc()).limit(1))

    def by_evidence(self, authority_id: str, sha256: str) -> Order | None:
        return self.session.scalar(select(Order).where(
            tables.orders.c.authority_id == authority_id, tables.orders.c.raw_evidence == sha256).limit(1))

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
            select(OrderTarget).where(tables.order_targets.c.case_id == case_id)).all()

    def for_case(self, case_id: str) -> Sequence[Order]:
        return self.session.scalars(
            select(Order).join(order_targets, order_targets.c.order_id == tables.orders.c.id)
            .where(order_targets.c.case_id == case_id).order_by(tables.orders.c.received_at)).all()


class Cases(Repository):
    entity = Case

    def with_decisions(self, case_ids: list[str]) -> dict[str, Case]:
        """Many cases and their decisions in a few queries (not one per case)."""
        found: dict[str, Case] = {}
        for start in range(0, len(case_ids), 500):
            query = (select(Case).where(cases_table.c.id.in_(case_ids[start:start + 500]))
                     .options(selectinload(_relationship(Case, "decisions"))))
            found.update((case.id, case) for case in self.session.scalars(query))
        return found

    def get_for_update(self, case_id: str) -> Case | None:
        return self.session.scalar(
            select(Case).where(cases_table.c.id == case_id).with_for_update().execution_options(populate_existing=True))

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
            query = query.where(cases_table.c.state.in_(list(states)))
        query = query.order_by(cases_table.c.deadline_due_at.is_(None), cases_table.c.deadline_due_at,
                               cases_table.c.severity, cases_table.c.created_at)
        return self.session.scalars(query.limit(limit).offset(offset)).all()

    def queue(self, limit: int = 100) -> Sequence[Case]:
        """Open cases awaiting a human, soonest deadline first, then most severe."""
        return self.list([CaseState.QUEUED, CaseState.IN_REVIEW, CaseState.ESCALATED], limit)

    def count_by_state(self) -> dict[str, int]:
        rows = self.session.execute(select(cases_table.c.state, func.count()).group_by(cases_table.c.state)).all()
        return {str(state): count for state, count in rows}

    def open_breached(self, now: datetime) -> Sequence[Case]:
        return self.session.scalars(
            select(Case).where(cases_table.c.state.in_(list(OPEN_STATES)), cases_table.c.deadline_due_at < now)).all()


class Reports(Repository):
    entity = Report

    def for_case(self, case_id: str) -> Sequence[Report]:
        return self.session.scalars(select(Report).where(tables.reports.c.case_id == case_id)).all()

    def exists(self, target: Target, reporter: str, received_at: datetime) -> bool:
        """The same reporter's report of the same entity at the same moment: already taken."""
        return self.session.scalar(select(tables.reports.c.id).where(
            tables.reports.c.target == target, tables.reports.c.reporter == reporter,
            tables.reports.c.received_at == received_at).limit(1)) is not None


class Decisions(Repository):
    entity = Decision

class Enforcements(Repository):
    entity = Enforcement

    def by_key(self, key: str) -> Enforcement | None:
        return self.session.scalar(select(Enforcement).where(tables.enforcements.c.idempotency_key == key))

    def for_case(self, case_id: str) -> Sequence[Enforcement]:
        return self.session.scalars(
            select(Enforcement).where(tables.enforcements.c.case_id == case_id)
            .order_by(tables.enforcements.c.created_at)).all()

    def pending_ids(self, limit: int = 1000) -> list[str]:
        return list(self.session.scalars(
            select(tables.enforcements.c.id).where(tables.enforcements.c.status == EnforcementStatus.PENDING)
            .order_by(tables.enforcements.c.created_at).limit(limit)))
