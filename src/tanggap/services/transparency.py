"""Public counts, @isiswatch style: channels blocked per day, by category and source."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import distinct, func, select

from tanggap.domain.model import Action, EnforcementStatus
from tanggap.store.tables import cases, enforcements
from tanggap.store.uow import UnitOfWork


@dataclass(frozen=True)
class DailyCounts:
    day: date
    timezone: str
    total: int
    by_category: dict[str, int]
    by_source: dict[str, int]
    terrorism_today: int
    terrorism_this_month: int

    @property
    def sentence(self) -> str:
        channels = "channel" if self.terrorism_today == 1 else "channels"
        return (f"{self.terrorism_today} terrorist {channels} banned on "
                f"{self.day.strftime('%B')} {self.day.day}. Total this month: {self.terrorism_this_month}")


def daily_counts(uow: UnitOfWork, day: date, timezone: str = "UTC") -> DailyCounts:
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(), zone)
    end = start + timedelta(days=1)
    month_start = datetime.combine(day.replace(day=1), time(), zone)
    with uow:
        rows = uow.session.execute(_blocked_between(start, end)).all()
        month_terrorism = uow.session.scalar(
            select(func.count(distinct(enforcements.c.case_id)))
            .select_from(enforcements.join(cases, cases.c.id == enforcements.c.case_id))
            .where(*_confirmed_blocks(month_start, end), cases.c.category == "terrorism"))
    by_category = Counter(row.category or "uncategorised" for row in rows)
    by_source = Counter(str(row.source) if row.source else "unknown" for row in rows)
    return DailyCounts(day, timezone, len(rows), dict(by_category), dict(by_source),
                       by_category.get("terrorism", 0), month_terrorism or 0)


def _confirmed_blocks(start: datetime, end: datetime):
    return (enforcements.c.action == Action.BLOCK,
            enforcements.c.status == EnforcementStatus.CONFIRMED,
            enforcements.c.confirmed_at >= start, enforcements.c.confirmed_at < end)


def _blocked_between(start: datetime, end: datetime):
    """One row per case blocked in the window (a case blocked twice counts once)."""
    return (select(cases.c.id, cases.c.category, cases.c.source)
            .select_from(enforcements.join(cases, cases.c.id == enforcements.c.case_id))
            .where(*_confirmed_blocks(start, end)).distinct())
