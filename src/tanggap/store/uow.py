"""Unit of work: one transaction, its repositories, and the audit events it produced."""

from __future__ import annotations

from sqlalchemy import Engine, inspect
from sqlalchemy import event as orm_events
from sqlalchemy.orm import Session, sessionmaker

from tanggap.domain.clock import Clock, SystemClock
from tanggap.domain.events import (
    AppealResolved, DecisionTaken, EnforcementRequested, Event, OrderSettled, settles_its_orders,
)
from tanggap.domain.model import Appeal, AppealStatus, AuditDraft, Case, Decision, Enforcement, RecordsEvents
from tanggap.store import outbox
from tanggap.store import repositories as repos
from tanggap.store.account_security import ConsoleSessions, LoginFailures
from tanggap.store.audit_log import append_events
from tanggap.store.checkpoints import CheckpointLog
from tanggap.store.engine import READ_ONLY, make_engine
from tanggap.store.tables import map_domain


FINAL_APPEAL = (AppealStatus.UPHELD, AppealStatus.REVERSED)


def _changed(entity, attribute: str) -> bool:
    return inspect(entity).attrs[attribute].history.has_changes()


class Store:
    """The database: an engine and a factory of units of work."""

    def __init__(self, url: str, clock: Clock | None = None, engine: Engine | None = None,
                 checkpoints: CheckpointLog | None = None):
        map_domain()
        self.url = url
        # Where the chain head is signed after each commit; None writes no checkpoints (a later
        # one from a process that has the key covers these events too).
        self.checkpoints = checkpoints
        self.engine = engine or make_engine(url)
        self.clock = clock or SystemClock()
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = sessionmaker(self._snapshot_engine(READ_ONLY), expire_on_commit=False)
        self.snapshot_sessions = sessionmaker(self._snapshot_engine(), expire_on_commit=False)

    def _snapshot_engine(self, *flags: str) -> Engine:
        # A reader sees one moment: under PostgreSQL's READ COMMITTED each statement has its own
        # snapshot, so a page could show a case still "decided" beside the enforcement that had
        # just actioned it. SQLite's deferred transaction in WAL mode is one snapshot already.
        options: dict = {flag: True for flag in flags}
        if self.engine.dialect.name == "postgresql":
            options["isolation_level"] = "REPEATABLE READ"
        return self.engine.execution_options(**options)

    def uow(self, read_only: bool = False, snapshot: bool = False) -> UnitOfWork:
        """A unit of work; `read_only` ones never take SQLite's write lock and cannot commit.

        Read-only ones, and `snapshot` ones, read the database as of one moment (REPEATABLE READ
        on PostgreSQL). A snapshot unit of work may commit what only adds rows (a page view's
        event); one that updates rows others may change could fail to serialise, so writers
        keep the default."""
        if read_only:
            return UnitOfWork(self.read_sessions, self.clock, read_only=True)
        if snapshot:
            return UnitOfWork(self.snapshot_sessions, self.clock, checkpoints=self.checkpoints)
        return UnitOfWork(self.sessions, self.clock, checkpoints=self.checkpoints)

    @classmethod
    def for_settings(cls, settings, clock: Clock | None = None) -> Store:
        """The store a server or command uses: its commits are checkpointed under var/."""
        return cls(settings.database_url, clock=clock,
                   checkpoints=CheckpointLog(settings.audit_checkpoint_path, settings.audit_key_value()))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()


class UnitOfWork:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock, read_only: bool = False,
                 checkpoints: CheckpointLog | None = None):
        self._sessions = sessions
        self._checkpoints = checkpoints
        self.clock = clock
        self.read_only = read_only
        self.extra_events: list[AuditDraft] = []
        self.outgoing: list[Event] = []

    def __enter__(self) -> UnitOfWork:
        self.session = self._sessions()
        s = self.session
        self.authorities = repos.Authorities(s)
        self.users = repos.Users(s)
        self.api_keys = repos.ApiKeys(s)
        self.orders = repos.Orders(s)
        self.cases = repos.Cases(s)
        self.reports = repos.Reports(s)
        self.decisions = repos.Decisions(s)
        self.enforcements = repos.Enforcements(s)
        self.appeals = repos.Appeals(s)
        self.console_sessions = ConsoleSessions(s)
        self.login_failures = LoginFailures(s)
        self.extra_events = []
        self.outgoing = []
        self._changed_appeals: dict[str, Appeal] = {}
        self._changed_cases: dict[str, Case] = {}
        if not self.read_only:
            orm_events.listen(s, "before_flush", self._note_changes)
        return self

    def __exit__(self, *exc_info) -> None:
        if not self.read_only:
            self.session.rollback()  # whatever was not committed is undone
        # close() hands the connection back (reset there); what a read-only unit of work
        # loaded stays readable on the detached objects.
        self.session.close()

    def record(self, draft: AuditDraft) -> None:
        """An audit event that belongs to no entity's state (a view, a login, a key issued)."""
        self.extra_events.append(draft)

    def publish(self, event: Event) -> None:
        """A domain event for the bus: written to the outbox by this transaction's commit, so
        its side effects happen if and only if the change itself committed."""
        self.outgoing.append(event)

    def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        drafts, sources = self._collect_events()
        self._raise_domain_events()
        self.session.flush()
        self._raise_outcome_events()
        now = self.clock.now()
        events = append_events(self.session, drafts, now)
        outbox.append(self.session, self.outgoing, now)
        self.session.commit()
        self.outgoing = []
        if events and self._checkpoints is not None:
            # After the commit, not at shutdown: a server stopped by a signal never gets there.
            self._checkpoints.append(events[-1].seq, events[-1].hash, now)
        for entity in sources:
            entity.events.clear()
        self.extra_events = []

    def _raise_domain_events(self) -> None:
        """Every new decision and every new enforcement is an event for the bus, whichever use
        case made it (a decision, an approval, a reversal, an automatic block)."""
        for entity in list(self.session.new):
            if isinstance(entity, Decision):
                self.outgoing.append(DecisionTaken(entity.case_id, entity.id))
            elif isinstance(entity, Enforcement):
                self.outgoing.append(EnforcementRequested(entity.id))

    def _note_changes(self, session: Session, *_) -> None:
        """Before every flush (autoflushes too, which reset attribute history): the appeals and
        cases whose outcome changed, for the events raised at commit."""
        for entity in [*session.new, *session.dirty]:
            if isinstance(entity, Appeal) and _changed(entity, "status"):
                self._changed_appeals[entity.id] = entity
            elif isinstance(entity, Case) and (_changed(entity, "state") or _changed(entity, "actioned_at")):
                self._changed_cases[entity.id] = entity

    def _raise_outcome_events(self) -> None:
        """After the last flush: appeals that reached their outcome, orders whose last open
        case became final (only a changed case that is final costs a query)."""
        for appeal in self._changed_appeals.values():
            if appeal.status in FINAL_APPEAL:
                self.outgoing.append(AppealResolved(appeal.id, appeal.case_id, str(appeal.status)))
        settled: list[str] = []
        for case in [case for case in self._changed_cases.values() if settles_its_orders(case)]:
            for order in self.orders.for_case(case.id):
                if order.id in settled:
                    continue
                cases = self.cases.with_decisions([link.case_id for link in order.targets])
                if all(settles_its_orders(other) for other in cases.values()):
                    settled.append(order.id)
        self.outgoing.extend(OrderSettled(order_id) for order_id in settled)
        self._changed_appeals, self._changed_cases = {}, {}

    def rollback(self) -> None:
        self.session.rollback()
        self._changed_appeals, self._changed_cases = {}, {}

    def _collect_events(self) -> tuple[list[AuditDraft], list[RecordsEvents]]:
        sources = [obj for obj in {*self.session.new, *self.session.identity_map.values()}
                   if isinstance(obj, RecordsEvents) and obj.events]
        drafts = [draft for entity in sources for draft in entity.events] + self.extra_events
        drafts.sort(key=lambda d: d.created)
        return drafts, sources
