"""Time: the one place code asks what time it is, so tests can fix it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved; for tests and replays."""

    def __init__(self, at: datetime):
        self.at = as_utc(at)

    def now(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at += delta


def as_utc(moment: datetime) -> datetime:
    """Refuse naive datetimes: a time without a zone is a bug waiting for a deadline."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: give a timezone")
    return moment.astimezone(UTC)


def in_wib(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(WIB)


def format_wib(moment: datetime) -> str:
    return in_wib(moment).strftime("%d-%m-%Y %H:%M WIB")
