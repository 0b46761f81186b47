"""Compliance reports: per authority and month, every order's targets against the deadline
(Indonesia's 4 h / 24 h, the TCO Regulation's 1 h); and the TCO Article 7 annual report.

Built from the same `store.accountability` rows as the public counts and the statements of
reasons; the files (CSV, PDF) are written by `notify.report_files`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tanggap.domain.accountability import Timeliness, month_bounds
from tanggap.domain.dsa import EEA_COUNTRIES
from tanggap.domain.errors import NotFound
from tanggap.services.transparency import AuthorityFigures, TERRORISM, figures_for
from tanggap.store.accountability import (
    OrderTargetRow, appeal_rows, block_rows, order_target_rows,
)
from tanggap.store.uow import UnitOfWork


@dataclass(frozen=True)
class ComplianceLine:
    row: OrderTargetRow
    late_by: timedelta | None  # past the deadline by this much (still open: as of the report)

    @property
    def breached(self) -> bool:
        return self.late_by is not None and self.row.outcome in {"actioned", "pending"}

    @property
    def late_minutes(self) -> int | None:
        """Whole minutes past the deadline, for a breach only."""
        if self.late_by is None or not self.breached:
            return None
        return int(self.late_by.total_seconds() // 60)

    @property
    def hours_to_action(self) -> float | None:
        return Timeliness(self.row.received_at, self.row.deadline_due_at, self.row.acted_at).hours_to_action() \
            if self.row.outcome == "actioned" else None


@dataclass(frozen=True)
class ComplianceReport:
    authority: str
    year: int
    month: int
    timezone: str
    generated_at: datetime
    lines: list[ComplianceLine]
    summary: AuthorityFigures

    @property
    def breaches(self) -> list[ComplianceLine]:
        return [line for line in self.lines if line.breached]


def compliance_report(uow: UnitOfWork, authority: str, year: int, month: int,
                      timezone: str = "Asia/Jakarta") -> ComplianceReport:
    start, end = month_bounds(year, month, ZoneInfo(timezone))
    with uow:
        if uow.authorities.by_name(authority) is None:
            raise NotFound(f"no authority named {authority!r}", "authority")
        rows = order_target_rows(uow.session, start, end, authority)
        now = uow.clock.now()
    lines = [ComplianceLine(row, _late_by(row, now)) for row in rows]
    return ComplianceReport(authority, year, month, timezone, now, lines, figures_for(authority, rows, now))


def _late_by(row: OrderTargetRow, now: datetime) -> timedelta | None:
    if row.outcome not in {"actioned", "pending"}:
        return None
    return Timeliness(row.received_at, row.deadline_due_at, row.acted_at).late_by(now)


# --- TCO Regulation (EU) 2021/784, Article 7: the annual transparency report ---------------------

EU_JURISDICTIONS = frozenset({"EU", *EEA_COUNTRIES})


@dataclass(frozen=True)
class TcoReport:
    year: int
    timezone: str
    generated_at: datetime
    removed_on_orders: int  # targets of EU removal orders acted on
    removed_on_orders_late: int  # of those, after the one-hour deadline
    removed_by_own_measures: int  # terrorist content we found and blocked ourselves
    orders_not_acted_on: dict[str, int]  # why -> targets
    complaints: dict[str, int]  # outcome -> complaints about terrorist-content decisions
    restored_after_complaint: int
    restored_otherwise: int  # reversed on post-hoc review of an automatic decision

    def rows(self) -> list[tuple[str, str, int]]:
        """(section, item, figure): the report as a table (CSV and PDF read this)."""
        found = [("Art. 7(3)(c)", "terrorist content removed or disabled following removal orders",
                  self.removed_on_orders),
                 ("Art. 7(3)(c)", "of which acted on after the one-hour deadline", self.removed_on_orders_late),
                 ("Art. 7(3)(c)", "terrorist content removed or disabled by specific (own) measures",
                  self.removed_by_own_measures)]
        found += [("Art. 7(3)(c)", f"removal order targets not acted on: {why}", count)
                  for why, count in sorted(self.orders_not_acted_on.items())]
        found += [("Art. 7(3)(d)", f"complaints: {outcome}", count)
                  for outcome, count in sorted(self.complaints.items())]
        found += [("Art. 7(3)(f)", "content reinstated following a complaint", self.restored_after_complaint),
                  ("Art. 7(3)(f)", "content reinstated after our own review", self.restored_otherwise)]
        return found


def tco_report(uow: UnitOfWork, year: int, timezone: str = "Asia/Jakarta") -> TcoReport:
    zone = ZoneInfo(timezone)
    start, _ = month_bounds(year, 1, zone)
    _, end = month_bounds(year, 12, zone)
    with uow:
        orders = [row for row in order_target_rows(uow.session, start, end) if row.jurisdiction in EU_JURISDICTIONS]
        blocks = block_rows(uow.session, start, end)
        complaints = [row for row in appeal_rows(uow.session, start, end) if row.category == TERRORISM]
        now = uow.clock.now()
    acted = [row for row in orders if row.outcome == "actioned"]
    not_acted = Counter(f"{row.outcome}: {row.reason}" if row.reason else row.outcome
                        for row in orders if row.outcome != "actioned")
    own = [row for row in blocks if row.source == "proactive" and row.category == TERRORISM]
    order_cases = {row.case_id for row in orders}
    reversed_on_appeal = {row.case_id for row in complaints if row.status == "reversed"}
    restored_otherwise = sum(1 for row in blocks if row.reversed and row.category == TERRORISM
                             and row.case_id not in reversed_on_appeal)
    return TcoReport(
        year, timezone, now, len(acted),
        sum(1 for row in acted if Timeliness(row.received_at, row.deadline_due_at, row.acted_at).late_by(now)),
        sum(1 for row in own if row.case_id not in order_cases),
        dict(not_acted), dict(Counter(row.status for row in complaints)), len(reversed_on_appeal),
        restored_otherwise)
