"""Signals: evidence from detection that a moderator can read and weigh."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tanggap.domain.model import new_id


@dataclass(frozen=True)
class Signal:
    source: str  # "classifier:<version>", "lexicon", "hash:pdq", "evasion", "channel_risk"
    strength: float  # 0..1
    explanation: str  # a sentence a moderator can check
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if not 0.0 <= self.strength <= 1.0:
            raise ValueError(f"signal strength {self.strength} is outside 0..1")


@dataclass(frozen=True)
class RecordedSignal:
    """A signal as stored on a case."""

    case_id: str
    signal: Signal
    recorded_at: datetime
    id: str = field(default_factory=new_id)
