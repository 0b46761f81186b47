"""Repositories: the queries the services need, and nothing they do not."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import QueryableAttribute, Session, class_mapper, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from tanggap.domain.model import (
    OPEN_STATES, ApiKey, Appeal, AppealStatus, Authority, Case, CaseState, Decision, DecisionStatus,
    Enforcement, EnforcementStatus, Order, OrderTarget, Report, User,
)
from tanggap.domain.targets import Target
from tanggap.store import tables
from tanggap.store.tables import appeals as appeals_table
from tanggap.store.tables import authorities as authorities_table
from tanggap.store.tables import cases as cases_table
from tanggap.store.tables import decisions as decisions_table
from tanggap.store.tables import order_targets
from tanggap.store.tables import users as users_table


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

    def reload(self, entity) -> None:  # type: ignore[no-untyped-def]
        """Read the entity again from the database (after taking a lock that guards it)."""
        self.session.refresh(entity)

    def detach(self, entity) -> None:  # type: ignore[no-untyped-def]
        """Keep an unchanged entity readable past the unit of work's closing rollback."""
        self.session.expunge(entity)


class Authorities(Repository):
    entity = Authority

    def by_name(self, name: str) -> Authority | None:
        return self.session.scalar(select(Authority).where(tables.authorities.c.name == name))

    def list(self) -> Sequence[Authority]:
        return self.session.scalars(select(Authority).order_by(tables.authorities.c.name)).all()

    def names(self, ids: Iterable[str] | None = None) -> dict[str, str]:
        """Authority id -> name, for these ids (None: every authority)."""
        query = select(authorities_table.c.id, authorities_table.c.name)
        if ids is not None:
            query = query.where(authorities_table.c.id.in_(list(ids)))
        return {authority_id: name for authority_id, name in self.session.execute(query)}


class Users(Repository):
    entity = User

    def by_name(self, name: str) -> User | None:
        return self.session.scalar(select(User).where(tables.users.c.name == name))

    def exists(self, user_id: str) -> bool:
        return self.session.scalar(select(users_table.c.id).where(users_table.c.id == user_id)) is not None

    def list(self) -> Sequence[User]:
        return self.session.scalars(select(User).order_by(users_table.c.name)).all()

    def names(self, ids: Iterable[str] | None = None) -> dict[str, str]:
        """User id -> name, for these ids (None: everyone)."""
        query = select(users_table.c.id, users_table.c.name)
        if ids is not None:
            query = query.where(users_table.c.id.in_(list(ids)))
        return {user_id: name for user_id, name in self.session.execute(query.order_by(users_table.c.name))}

    def locale_of(self, user_id: str) -> str | None:
        return self.session.scalar(select(users_table.c.locale).where(users_table.c.id == user_id))

    def set_locale(self, user_id: str, locale: str | None) -> None:
        self.session.execute(update(users_table).where(users_table.c.id == user_id).values(locale=locale))


class ApiKeys(Repository):
    entity = ApiKey

    def by_hash(self, key_hash: str) -> ApiKey | None:
        return self.session.scalar(
            select(ApiKey).where(tables.api_keys.c.key_hash == key_hash, tables.api_keys.c.revoked_at.is_(None)))


class Orders(Repository):
    entity = Order

    def latest_by_reference(self, authority_id: str, reference: str) -> Order | None:
        """The newest revision of the order the authority numbered `reference`, in any letter
        case: a reminder quotes the number as its writer typed it (``b-0700/djwd/...``)."""
        return self.session.scalar(
            select(Order).where(tables.orders.c.authority_id == authority_id,
                                func.upper(tables.orders.c.reference) == reference.upper())
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


    def by_ids(self, case_ids: Iterable[str]) -> Sequence[Case]:
        wanted = list(case_ids)
        return self.session.scalars(select(Case).where(cases_table.c.id.in_(wanted))).all() if wanted else []

    def stale_leases(self, now: datetime) -> Sequence[Case]:
        """Cases in review whose claim's lease ran out, locked for the sweep."""
        query = select(Case).where(and_(cases_table.c.state == CaseState.IN_REVIEW, cases_table.c.lease_until <= now))
        if self.session.get_bind().dialect.name == "postgresql":
            # Many sweepers (one per process) may run at once: each takes the rows no other holds.
            # SQLite needs nothing: its writers are serialised by BEGIN IMMEDIATE.
            query = query.with_for_update(skip_locked=True)
        return self.session.scalars(query).all()

    def unprofiled(self, limit: int) -> Sequence[tuple[str, Target]]:
        """(id, target) of new and queued cases whose language nobody looked up yet."""
        return [(case_id, target) for case_id, target in self.session.execute(
            select(cases_table.c.id, cases_table.c.target).where(
                cases_table.c.language.is_(None), cases_table.c.state.in_([CaseState.QUEUED, CaseState.NEW]))
            .limit(limit))]

    def automatic_unreviewed(self, system_id: str) -> Sequence[Case]:
        """Cases with an effective automatic decision no human approved yet, oldest change first."""
        automatic = select(decisions_table.c.case_id).where(
            decisions_table.c.decided_by == system_id, decisions_table.c.approved_by.is_(None),
            decisions_table.c.status == DecisionStatus.EFFECTIVE)
        return self.session.scalars(select(Case).where(cases_table.c.id.in_(automatic))
                                    .options(_with_decisions())
                                    .order_by(cases_table.c.updated_at)).all()

    def reversals_proposed(self) -> Sequence[Case]:
        """Cases awaiting a senior's approval of a proposed reversal, oldest proposal first."""
        return self.session.scalars(
            select(Case).where(cases_table.c.state == CaseState.PENDING_APPROVAL,
                               cases_table.c.reversal_proposed_by.is_not(None))
            .options(_with_decisions()).order_by(cases_table.c.reversal_proposed_at)).all()

    def raise_signal_strength(self, case_id: str, strongest: float) -> None:
        """The case keeps its strongest signal (a weaker one never lowers it)."""
        self.session.execute(update(cases_table).where(
            cases_table.c.id == case_id, cases_table.c.signal_strength < strongest)
            .values(signal_strength=strongest))


def _with_decisions() -> LoaderOption:
    """Load the cases' decisions in one more query, not one per case. (Through the mapper:
    the domain class, mapped imperatively, shows type checkers no `Case.decisions`.)"""
    return selectinload(class_mapper(Case).attrs["decisions"].class_attribute)


class Appeals(Repository):
    entity = Appeal

    def get_for_update(self, appeal_id: str) -> Appeal | None:
        return self.session.get(Appeal, appeal_id, with_for_update=True)

    def pending_for_case(self, case_id: str) -> Appeal | None:
        """The case's appeal still being heard (open, or its reversal proposed), if any."""
        return self.session.scalars(
            select(Appeal).where(appeals_table.c.case_id == case_id,
                                 appeals_table.c.status.in_([AppealStatus.OPEN, AppealStatus.REVERSAL_PROPOSED]))
            .order_by(appeals_table.c.submitted_at).limit(1)).first()

    def open(self) -> Sequence[Appeal]:
        return self.session.scalars(select(Appeal).where(appeals_table.c.status == AppealStatus.OPEN)
                                    .order_by(appeals_table.c.submitted_at)).all()

    def for_case(self, case_id: str) -> Sequence[Appeal]:
        return self.session.scalars(select(Appeal).where(appeals_table.c.case_id == case_id)
                                    .order_by(appeals_table.c.submitted_at)).all()

    def final_with_e_mail_since(self, since: datetime) -> Sequence[Appeal]:
        """Appeals upheld or reversed, reviewed since `since`, whose appellant gave an e-mail
        address: the ones owed an outcome notice."""
        return self.session.scalars(select(Appeal).where(
            appeals_table.c.status.in_([AppealStatus.UPHELD, AppealStatus.REVERSED]),
            appeals_table.c.reviewed_at >= since, appeals_table.c.contact.contains("@"))
            .order_by(appeals_table.c.reviewed_at)).all()


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
