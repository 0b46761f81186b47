"""`verify_audit_log` (what `tanggap audit verify` runs) against every kind of tampering, on a
store whose commits are checkpointed the way the server's and the workers' are."""

import json

import pytest
from sqlalchemy import text

from tanggap.domain.audit import event_hash
from tanggap.services.audit import verify_audit_log
from tanggap.services.decisions import DecisionRequest, decide
from tanggap.services.orders import ingest_order
from tanggap.store.audit_log import iter_events
from tanggap.store.checkpoints import CheckpointLog
from tanggap.store.uow import Store
from tests.builders import order_for

KEY = b"k" * 32


@pytest.fixture
def audited(store_url, clock, tmp_path, sla, ministry, moderator):
    """A store writing signed checkpoints after every commit, with some history in it."""
    checkpoints = CheckpointLog(tmp_path / "audit" / "checkpoints.jsonl", KEY)
    store = Store(store_url, clock=clock, checkpoints=checkpoints)
    receipt = ingest_order(store.uow(), sla, order_for(ministry, "@kabar_x", "@daulah_x"), ministry)
    decide(store.uow(), receipt.case_ids[0], DecisionRequest("block", "terrorist propaganda"), moderator)
    decide(store.uow(), receipt.case_ids[1], DecisionRequest("block", "terrorist propaganda"), moderator)
    yield store, checkpoints
    store.dispose()


def _verify(store, checkpoints):
    return verify_audit_log(store.uow(read_only=True), checkpoints=checkpoints)


def _events(store):
    with store.uow(read_only=True) as uow:
        return list(iter_events(uow.session))


def _rows(store):
    with store.engine.begin() as connection:
        return [dict(row._mapping) for row in connection.execute(text("SELECT * FROM audit_events ORDER BY seq"))]


def test_the_untouched_log_holds_with_its_checkpoints(audited):
    store, checkpoints = audited
    report = _verify(store, checkpoints)
    assert report.intact and report.checkpoints >= 3
    assert checkpoints.read()[-1].seq == report.events


def test_a_changed_payload_is_found(audited):
    store, checkpoints = audited
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET payload = :p WHERE seq = 2"), {"p": json.dumps({"x": 1})})
    report = _verify(store, checkpoints)
    assert report.broken.seq == 2 and "altered" in report.broken.reason


def test_a_deleted_tail_is_found_by_the_checkpoints(audited):
    store, checkpoints = audited
    total = _verify(store, checkpoints).events
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE seq > :keep"), {"keep": total - 2})
    assert verify_audit_log(store.uow(read_only=True)).intact  # the chain alone cannot tell
    report = _verify(store, checkpoints)
    assert not report.intact and "missing" in report.broken.reason


def test_reordered_rows_are_found(audited):
    store, checkpoints = audited
    rows = _rows(store)
    with store.engine.begin() as connection:  # swap the contents of events 3 and 4
        for seq, other in ((3, rows[3]), (4, rows[2])):
            connection.execute(text("UPDATE audit_events SET kind = :kind, subject_id = :sid, actor = :actor,"
                                    " prev_hash = :prev, hash = :hash WHERE seq = :seq"),
                               {"kind": other["kind"], "sid": other["subject_id"], "actor": other["actor"],
                                "prev": other["prev_hash"], "hash": other["hash"], "seq": seq})
    assert _verify(store, checkpoints).broken.seq == 3


def test_an_edit_with_the_chain_recomputed_is_found_only_by_the_signed_checkpoints(audited):
    store, checkpoints = audited
    events = _events(store)
    prev = events[0].hash
    with store.engine.begin() as connection:
        for event in events[1:]:
            actor = "user:someone_else" if event.seq == 2 else event.actor
            digest = event_hash(prev, event.seq, event.at, actor, event.kind, event.subject_type,
                                event.subject_id, event.payload)
            connection.execute(text("UPDATE audit_events SET actor = :actor, prev_hash = :prev, hash = :hash"
                                    " WHERE seq = :seq"), {"actor": actor, "prev": prev, "hash": digest,
                                                           "seq": event.seq})
            prev = digest
    assert verify_audit_log(store.uow(read_only=True)).intact  # a consistent forgery, link by link
    report = _verify(store, checkpoints)
    assert not report.intact and "rewritten" in report.broken.reason


def test_a_forged_checkpoint_line_is_refused(audited, tmp_path):
    store, checkpoints = audited
    lines = checkpoints.path.read_text().splitlines()
    forged = json.loads(lines[-1])
    forged["seq"] = forged["seq"] - 1
    checkpoints.path.write_text("\n".join([*lines[:-1], json.dumps(forged)]) + "\n")
    report = _verify(store, checkpoints)
    assert not report.intact and "signature" in report.broken.reason


def test_a_checkpoint_file_that_is_not_checkpoints_is_a_broken_log_not_a_crash(audited):
    """`tanggap audit verify` answers; a garbled checkpoint file is itself tampering to report."""
    store, checkpoints = audited
    with checkpoints.path.open("a") as handle:
        handle.write('{"seq": "not a number"\n')
    report = _verify(store, checkpoints)
    assert not report.intact
    assert "checkpoints.jsonl line" in report.broken.reason and "not a checkpoint" in report.broken.reason


def test_a_clock_in_wib_writes_a_chain_that_verifies(store, clock, sla, ministry, moderator):
    """The Clock protocol promises an aware time, not a UTC one; the chain must hash what the
    store gives back."""
    from datetime import datetime

    clock.at = datetime.fromisoformat("2026-11-10T09:00+07:00")
    receipt = ingest_order(store.uow(), sla, order_for(ministry, "@kabar_wib"), ministry)
    decide(store.uow(), receipt.case_ids[0], DecisionRequest("block", "terrorist propaganda"), moderator)
    report = verify_audit_log(store.uow(read_only=True))
    assert report.intact, report.broken
