"""Plain values of the hash banks: what a hash, a hit, a signal and an import report are."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from tanggap.domain.errors import DomainError
from tanggap.domain.signals import Signal


class BankKind(StrEnum):
    POSITIVE = "positive"  # terrorist content: a match is evidence against the channel
    NEGATIVE = "negative"  # known-benign media: a match cancels the item's positive matches


class BankError(DomainError):
    field = "bank"


@dataclass(frozen=True)
class MediaHash:
    """One signal type's hash of one media item, or why there is none."""

    signal_type: str
    value: str | None
    reason: str | None = None  # set when value is None: "PDQ quality 0 < 50 (flat image)"
    quality: int | None = None
    applies: bool = True  # False: this kind of media has no such hash (PDQ of a video)

    @property
    def ok(self) -> bool:
        return self.value is not None

    @property
    def flagged(self) -> bool:
        """The media should have had this hash and has none: worth a human look."""
        return self.applies and self.value is None


@dataclass(frozen=True)
class HashSignal(Signal):
    """A case's evidence from a bank match: a domain :class:`Signal` (source "hash:pdq",
    strength, the explanation a moderator reads) that also names the bank, the entry and the
    distance. `details` carries the same, so the stored case signal keeps them."""

    bank: str = ""
    entry_id: str = ""
    distance: int = 0
    verified: bool = False  # the bank is vetted; later rules may block on verified matches alone
    labels: tuple[str, ...] = ()

    def __post_init__(self):
        super().__post_init__()
        if not self.details:
            object.__setattr__(self, "details", {
                "bank": self.bank, "entry_id": self.entry_id, "distance": self.distance,
                "verified": self.verified, "labels": list(self.labels)})


@dataclass(frozen=True)
class BankHit:
    """One bank entry one media item matched (before negatives are weighed)."""

    entry_id: str
    bank: str
    kind: BankKind
    verified: bool
    signal_type: str
    hash_value: str
    distance: int
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class MediaMatch:
    """What the banks say about one media item."""

    item_id: str
    content_sha256: str
    hashes: tuple[MediaHash, ...]
    signals: tuple[HashSignal, ...] = ()  # positive matches that stand
    cancelled: tuple[BankHit, ...] = ()  # positive matches a negative bank cancelled
    negatives: tuple[BankHit, ...] = ()  # the negative-bank matches
    quarantined: tuple[str, ...] = ()  # entry ids this item's match pushed over the flood limit

    @property
    def flags(self) -> tuple[str, ...]:
        """Why some hash is missing (e.g. PDQ quality too low): worth a human look."""
        return tuple(f"{h.signal_type}: {h.reason}" for h in self.hashes if h.flagged)

    @property
    def matched(self) -> bool:
        return bool(self.signals)


@dataclass(frozen=True)
class FloodPolicy:
    """An entry that matches more than `max_distinct` different media within `window` is
    suspended and flagged: a real propaganda image is forwarded as the same file, while a
    bad hash (a degenerate PDQ, a logo) matches thousands of unrelated pictures."""

    max_distinct: int = 1000
    window: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class HashRecord:
    """One parsed, validated row of a hash list."""

    signal_type: str
    value: str
    labels: tuple[str, ...]
    source_ref: str  # where in the list: "line 12", "record 3 (tat id 88)"
    withdrawn: bool = False  # the list's curator retracted it (deleted / should_delete)


@dataclass(frozen=True)
class Reject:
    """A row that could not be imported, and why; the raw file is kept beside it."""

    where: str
    reason: str
    raw: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"where": self.where, "reason": self.reason, "raw": self.raw[:500]}


@dataclass
class ImportReport:
    bank: str
    format: str
    sha256: str  # of the raw file, kept in the evidence store
    import_id: str = ""
    rows: int = 0
    added: int = 0
    updated: int = 0  # already in the bank; labels merged
    unchanged: int = 0
    withdrawn: int = 0
    rejects: list[Reject] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    def summary(self) -> str:
        return (f"{self.bank}: {self.rows} rows, {self.added} added, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.withdrawn} withdrawn, {self.rejected} rejected")
