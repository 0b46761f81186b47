from dataclasses import replace
from datetime import UTC, datetime

from tanggap.domain.audit import GENESIS, AuditEvent, event_hash, verify_chain


def chain(n):
    events, prev = [], GENESIS
    for seq in range(1, n + 1):
        at = datetime(2026, 11, 28, 12, seq, tzinfo=UTC)
        payload = {"n": seq}
        digest = event_hash(prev, seq, at, "system", "test", "case", f"c{seq}", payload)
        events.append(AuditEvent(seq, at, "system", "test", "case", f"c{seq}", payload, prev, digest))
        prev = digest
    return events


def test_intact_chain_verifies():
    assert verify_chain(chain(5)) is None


def test_altered_payload_is_the_first_broken_link():
    events = chain(5)
    events[2] = replace(events[2], payload={"n": 999})
    assert verify_chain(events).seq == 3


def test_removed_event_is_detected():
    events = chain(5)
    del events[1]
    assert verify_chain(events).seq == 2


def test_rehashed_forgery_breaks_the_next_link():
    events = chain(5)
    forged = replace(events[2], actor="mallory")
    forged = replace(forged,
                     hash=event_hash(forged.prev_hash, 3, forged.at, "mallory", "test", "case", "c3", forged.payload))
    events[2] = forged
    assert verify_chain(events).seq == 4
