"""Public counts, @isiswatch style: channels blocked per day, by category, source and country
scope, net of reversals; per authority, how fast its orders were acted on.

Every figure comes from `store.accountability` rows, the same rows the statements of reasons and
the compliance reports read, so a journalist, a regulator and the ministry see one truth.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tanggap.domain.accountability import (
    Timeliness, day_bounds, local_day, median, month_bounds, percentile,
)
from tanggap.store.accountability import BlockRow, OrderTargetRow, block_rows, order_target_rows
from tanggap.store.uow import UnitOfWork

TERRORISM = "terrorism"
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
         "Oktober", "November", "Desember")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


@dataclass(frozen=True)
class DayCounts:
    day: date
    blocked: int  # confirmed that day, before reversals
    reversed: int  # of those, later reversed (appeal, post-hoc review)
    by_category: dict[str, int]  # net of reversals
    by_source: dict[str, int]
    by_scope: dict[str, int]  # "global" or a country code; a block in two countries counts in each
    terrorism: int

    @property
    def net(self) -> int:
        return self.blocked - self.reversed


@dataclass(frozen=True)
class DailyCounts(DayCounts):
    timezone: str = "Asia/Jakarta"
    terrorism_this_month: int = 0

    @property
    def total(self) -> int:
        return self.net

    @property
    def terrorism_today(self) -> int:
        return self.terrorism

    @property
    def sentence(self) -> str:
        return daily_sentence(self.day, self.terrorism, self.terrorism_this_month, "en")

    @property
    def sentence_id(self) -> str:
        return daily_sentence(self.day, self.terrorism, self.terrorism_this_month, "id")


def daily_sentence(day: date, today: int, this_month: int, language: str = "en") -> str:
    if language == "id":
        return (f"{today} kanal dan bot teroris diblokir pada {day.day} {BULAN[day.month - 1]}. "
                f"Total bulan ini: {this_month}")
    channels = "channel" if today == 1 else "channels"
    return (f"{today} terrorist {channels} banned on {MONTHS[day.month - 1]} {day.day}. "
            f"Total this month: {this_month}")


@dataclass(frozen=True)
class AuthorityFigures:
    authority: str
    orders: int
    targets: int
    actioned: int
    refused: int
    refusal_reasons: dict[str, int]  # by policy reason (its label), never the free text
    unreadable: int  # spellings in the order that name no target we can act on
    pending: int
    in_time: int
    breaches: int
    median_hours: float | None
    p95_hours: float | None
    deadline_hours: float | None  # the most common deadline these orders carried


@dataclass(frozen=True)
class MonthReport:
    year: int
    month: int
    timezone: str
    days: list[DayCounts]
    authorities: list[AuthorityFigures] = field(default_factory=list)

    @property
    def blocked(self) -> int:
        return sum(d.blocked for d in self.days)

    @property
    def reversed(self) -> int:
        return sum(d.reversed for d in self.days)

    @property
    def net(self) -> int:
        return self.blocked - self.reversed

    @property
    def terrorism(self) -> int:
        return sum(d.terrorism for d in self.days)

    def total(self, attribute: str) -> dict[str, int]:
        summed: Counter[str] = Counter()
        for day in self.days:
            summed.update(getattr(day, attribute))
        return dict(summed)


def day_counts(rows: list[BlockRow], day: date) -> DayCounts:
    """Figures for the blocks of one day (rows already restricted to that day)."""
    kept = [row for row in rows if not row.reversed]
    by_category = Counter(row.category or "uncategorised" for row in kept)
    by_source = Counter(row.source or "unknown" for row in kept)
    by_scope: Counter[str] = Counter()
    for row in kept:
        by_scope.update(row.countries or ("global",))
    return DayCounts(day, len(rows), len(rows) - len(kept), dict(by_category), dict(by_source),
                     dict(by_scope), by_category.get(TERRORISM, 0))


def daily_counts(uow: UnitOfWork, day: date, timezone: str = "Asia/Jakarta") -> DailyCounts:
    zone = ZoneInfo(timezone)
    start, end = day_bounds(day, zone)
    month_start, _ = month_bounds(day.year, day.month, zone)
    with uow:
        rows = block_rows(uow.session, month_start, end)
    today = [row for row in rows if row.confirmed_at >= start]
    counts = day_counts(today, day)
    month_terrorism = sum(1 for row in rows if not row.reversed and row.category == TERRORISM)
    return DailyCounts(**counts.__dict__, timezone=timezone, terrorism_this_month=month_terrorism)


def month_report(uow: UnitOfWork, year: int, month: int, timezone: str = "Asia/Jakarta",
                 until: date | None = None) -> MonthReport:
    """Every day of the month (up to `until`, e.g. today) and every authority's figures."""
    zone = ZoneInfo(timezone)
    start, end = month_bounds(year, month, zone)
    with uow:
        rows = block_rows(uow.session, start, end)
        lines = order_target_rows(uow.session, start, end)
        now = uow.clock.now()
    by_day: dict[date, list[BlockRow]] = {}
    for row in rows:
        by_day.setdefault(local_day(row.confirmed_at, zone), []).append(row)
    days, day = [], start.date()
    last = min(end.date() - timedelta(days=1), until) if until else end.date() - timedelta(days=1)
    while day <= last:
        days.append(day_counts(by_day.get(day, []), day))
        day += timedelta(days=1)
    return MonthReport(year, month, timezone, days, authority_figures(lines, now))


def authority_figures(lines: list[OrderTargetRow], now: datetime) -> list[AuthorityFigures]:
    grouped: dict[str, list[OrderTargetRow]] = {}
    for line in lines:
        grouped.setdefault(line.authority, []).append(line)
    return [figures_for(name, grouped[name], now) for name in sorted(grouped)]


def figures_for(authority: str, lines: list[OrderTargetRow], now: datetime) -> AuthorityFigures:
    readable = [line for line in lines if line.outcome != "rejected"]
    actioned = [line for line in readable if line.outcome == "actioned"]
    refused = [line for line in readable if line.outcome == "refused"]
    timings = [Timeliness(line.received_at, line.deadline_due_at, line.acted_at) for line in actioned]
    hours = [h for t in timings if (h := t.hours_to_action()) is not None]
    # A breach: acted on after the deadline, or still not acted on with the deadline gone.
    breaches = sum(1 for line in readable if line.outcome in {"actioned", "pending"}
                   and Timeliness(line.received_at, line.deadline_due_at, line.acted_at).late_by(now))
    deadline_hours = Counter(round((line.deadline_due_at - line.received_at).total_seconds() / 3600, 2)
                             for line in readable).most_common(1)
    return AuthorityFigures(
        # An order is its Nomor: its revisions are one order (an order without one, by its id).
        authority, len({line.reference or line.order_id for line in lines}), len(readable), len(actioned), len(refused),
        dict(Counter(_public_reason(line.reason_code) for line in refused)), len(lines) - len(readable),
        sum(1 for line in readable if line.outcome == "pending"),
        sum(1 for t in timings if t.late_by(now) is None), breaches,
        median(hours), percentile(hours, 0.95), deadline_hours[0][0] if deadline_hours else None)


@dataclass(frozen=True)
class PublicDay:
    day: date
    blocked: int
    reversed: int
    net: int
    terrorism: int
    by_category: dict[str, int]
    by_source: dict[str, int]
    by_scope: dict[str, int]


@dataclass(frozen=True)
class PublicMonth:
    """What is published for a month: the same figures in the page, CSV, JSON and Atom.
    Categories and country scopes whose month total is under the minimum are folded into
    `other` on every day, so no small group can be picked out of any one of them."""

    report: MonthReport
    minimum: int
    categories: list[str]
    scopes: list[str]
    sources: list[str]
    days: list[PublicDay]

    def totals(self, attribute: str) -> dict[str, int]:
        summed: Counter[str] = Counter()
        for day in self.days:
            summed.update(getattr(day, attribute))
        return dict(summed)


SOURCES = ("order", "report", "proactive")


def public_month(report: MonthReport, minimum: int) -> PublicMonth:
    categories = _published(report.total("by_category"), minimum)
    scopes = _published(report.total("by_scope"), minimum)
    extra_sources = sorted(set(report.total("by_source")) - set(SOURCES))
    days = [PublicDay(d.day, d.blocked, d.reversed, d.net, d.terrorism,
                      _fold(d.by_category, categories), {s: d.by_source.get(s, 0) for s in (*SOURCES, *extra_sources)},
                      _fold(d.by_scope, scopes)) for d in report.days]
    names = lambda kept, per_day: kept + (["other"] if any(day.get("other") for day in per_day) else [])  # noqa: E731
    return PublicMonth(report, minimum, names(categories, [d.by_category for d in days]),
                       names(scopes, [d.by_scope for d in days]), [*SOURCES, *extra_sources], days)


def _published(totals: dict[str, int], minimum: int) -> list[str]:
    return sorted((name for name, count in totals.items() if count >= minimum),
                  key=lambda name: (-totals[name], name))


def _fold(counts: dict[str, int], kept: list[str]) -> dict[str, int]:
    folded = {name: counts.get(name, 0) for name in kept}
    other = sum(count for name, count in counts.items() if name not in kept)
    if other:
        folded["other"] = other
    return folded


def _public_reason(code: str | None) -> str:
    """A refusal is published by its policy reason, not the moderator's own words (which may
    name people or channels)."""
    from tanggap.domain.policy import PolicyTaxonomy

    reason = PolicyTaxonomy().by_code.get(code or "")
    return reason.label if reason else "other reason"
