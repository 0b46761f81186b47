"""Rules that every accountability figure shares: what counts as a day, a breach, a percentile,
and which small numbers are too small to publish."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC-comparable bounds of a calendar day in `zone` (a WIB day starts 17:00 UTC)."""
    start = datetime.combine(day, time(), zone)
    return start, datetime.combine(day + timedelta(days=1), time(), zone)


def month_bounds(year: int, month: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return datetime.combine(first, time(), zone), datetime.combine(following, time(), zone)


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def percentile(values: Iterable[float], fraction: float) -> float | None:
    """Nearest-rank percentile (no interpolation: every figure is one that happened)."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median(values: Iterable[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


@dataclass(frozen=True)
class Timeliness:
    """One target of an order against its deadline."""

    received_at: datetime
    deadline: datetime
    acted_at: datetime | None

    def hours_to_action(self) -> float | None:
        if self.acted_at is None:
            return None
        return (self.acted_at - self.received_at).total_seconds() / 3600

    def late_by(self, now: datetime) -> timedelta | None:
        """How far past the deadline it was acted on (or, still open, is now); None if in time."""
        finished = self.acted_at or now
        late = finished - self.deadline
        return late if late > timedelta(0) else None


@dataclass(frozen=True)
class Suppressed:
    """A breakdown with every figure under the publication threshold folded into `other`."""

    shown: dict[str, int]
    other: int
    folded: int  # how many small groups went into `other`


def suppress_small(counts: Mapping[str, int], minimum: int) -> Suppressed:
    """Small groups are not published one by one (they could single a person or channel out);
    their sum is, as `other`, so the totals still add up."""
    shown, other, folded = {}, 0, 0
    for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if count <= 0:
            continue
        if count < minimum:
            other += count
            folded += 1
        else:
            shown[name] = count
    return Suppressed(shown, other, folded)


# What a block is counted under: the moderator's policy reason (the verdict) when it names one,
# else the category the order claimed. A proactive case has no order, so only the former.
CATEGORY_OF_REASON = {
    "terrorist_content": "terrorism", "violent_extremism": "terrorism", "child_sexual_abuse": "csam",
    "public_order": "public_order", "illegal_hate_speech": "hate_speech", "illegal_gambling": "gambling",
}


def category_of(case_category: str | None, reason_code: str | None) -> str | None:
    return CATEGORY_OF_REASON.get(reason_code or "") or case_category
