"""The audit log's hash chain: each event's hash covers its content and the previous hash,
so changing, removing or reordering any row breaks every link after it."""

from __future__ import annotations

import hashlib
import hmac
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


# --- signed checkpoints -------------------------------------------------------------------
# The chain alone cannot tell a rewritten history whose hashes were recomputed, nor a log whose
# newest rows were cut off. A checkpoint is the chain head (seq, hash) signed with a key that
# is not in the database; checkpoints are appended to a file outside it (and published), so
# the database must still hold at least as many events, and the same head, as each one says.


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: datetime
    mac: str

    @classmethod
    def sign(cls, key: bytes, seq: int, head: str, at: datetime) -> Checkpoint:
        return cls(seq, head, at, checkpoint_mac(key, seq, head, at))

    def signature_holds(self, key: bytes) -> bool:
        return hmac.compare_digest(self.mac, checkpoint_mac(key, self.seq, self.hash, self.at))


def checkpoint_mac(key: bytes, seq: int, head: str, at: datetime) -> str:
    message = f"tanggap-audit-checkpoint:{seq}:{head}:{at.isoformat(timespec='microseconds')}"
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def check_against_checkpoints(events_total: int, heads: dict[int, str],
                              checkpoints: Iterable[Checkpoint], key: bytes) -> BrokenLink | None:
    """The first promise of the checkpoints the database does not keep. `heads` maps a
    checkpointed seq to the hash the database holds for it (absent: the row is gone)."""
    ordered = sorted(checkpoints, key=lambda c: c.seq)
    for checkpoint in ordered:
        if not checkpoint.signature_holds(key):
            return BrokenLink(checkpoint.seq, f"checkpoint for event {checkpoint.seq} "
                                              f"({checkpoint.at.isoformat()}) has a wrong signature")
    if ordered and ordered[-1].seq > events_total:
        latest = ordered[-1]
        return BrokenLink(events_total + 1, (
            f"events {events_total + 1}..{latest.seq} are missing: the checkpoint of "
            f"{latest.at.isoformat()} covers {latest.seq} events, the database holds {events_total}"))
    for checkpoint in ordered:
        if checkpoint.seq not in heads:
            return BrokenLink(checkpoint.seq, f"event {checkpoint.seq}, covered by a checkpoint, is missing")
        if heads[checkpoint.seq] != checkpoint.hash:
            return BrokenLink(checkpoint.seq, (
                f"event {checkpoint.seq} does not match the signed checkpoint of {checkpoint.at.isoformat()} "
                "(history was rewritten and its hashes recomputed)"))
    return None
