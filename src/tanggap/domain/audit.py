"""The audit log's hash chain: each event's hash covers its content and the previous hash,
so changing, removing or reordering any row breaks every link after it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEvent:
    seq: int
    at: datetime
    actor: str
    kind: str
    subject_type: str
    subject_id: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


def event_hash(prev_hash: str, seq: int, at: datetime, actor: str, kind: str,
               subject_type: str, subject_id: str, payload: dict[str, Any]) -> str:
    body = json.dumps(
        [seq, at.isoformat(timespec="microseconds"), actor, kind, subject_type, subject_id, payload],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


@dataclass(frozen=True)
class BrokenLink:
    seq: int
    reason: str


def verify_chain(events: Iterable[AuditEvent]) -> BrokenLink | None:
    """The first event whose link does not hold, or None when the whole chain is intact."""
    expected_prev, expected_seq = GENESIS, 1
    for event in events:
        if event.seq != expected_seq:
            return BrokenLink(expected_seq, f"event {expected_seq} is missing (next is {event.seq})")
        if event.prev_hash != expected_prev:
            return BrokenLink(event.seq, "prev_hash does not match the previous event's hash")
        recomputed = event_hash(event.prev_hash, event.seq, event.at, event.actor, event.kind,
                                event.subject_type, event.subject_id, event.payload)
        if recomputed != event.hash:
            return BrokenLink(event.seq, "content does not match its hash (row was altered)")
        expected_prev, expected_seq = event.hash, event.seq + 1
    return None
