"""Nothing assumes one copy: sweeps and effects run in several processes at once and each piece
of work is done once."""

from __future__ import annotations

import threading
from datetime import timedelta

from tanggap.domain.clock import FixedClock
from tanggap.services.orders import ingest_order
from tanggap.services.review import claim, expire_leases
from tanggap.store.audit_log import events_for
from tanggap.store.uow import Store
from tests.builders import order_for


def test_two_sweepers_at_once_expire_each_lease_exactly_once(store, store_url, sla, ministry, moderator):
    receipt = ingest_order(store.uow(), sla, order_for(ministry, *[f"@sapu_{n}" for n in range(40)]), ministry)
    for case_id in receipt.case_ids:
        claim(store.uow(), case_id, moderator)
    later = FixedClock(store.clock.now() + timedelta(hours=1))
    sweepers = [Store(store_url, clock=later) for _ in range(2)]  # two processes: two connection pools
    barrier = threading.Barrier(2)
    expired = [0, 0]

    def sweep(number: int) -> None:
        barrier.wait()
        expired[number] = expire_leases(sweepers[number])

    threads = [threading.Thread(target=sweep, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for sweeper in sweepers:
        sweeper.dispose()
    assert sum(expired) == 40
    with store.uow(read_only=True) as uow:
        for case_id in receipt.case_ids:
            releases = [e for e in events_for(uow.session, "case", case_id) if e.kind == "case_release"]
            assert len(releases) == 1, case_id


def test_a_sweeper_skips_the_cases_another_holds_instead_of_waiting(store, store_url, sla, ministry, moderator):
    """Deterministic on PostgreSQL: another process holds half the rows; this sweep takes the
    rest at once (SKIP LOCKED), and the other half is expired once, later."""
    import pytest
    from sqlalchemy import create_engine, text

    if not store_url.startswith("postgresql"):
        pytest.skip("row locks need a server database; SQLite serialises writers")
    receipt = ingest_order(store.uow(), sla, order_for(ministry, *[f"@kunci_{n}" for n in range(10)]), ministry)
    for case_id in receipt.case_ids:
        claim(store.uow(), case_id, moderator)
    held, free = receipt.case_ids[:5], receipt.case_ids[5:]
    sweeper = Store(store_url, clock=FixedClock(store.clock.now() + timedelta(hours=1)))
    other = create_engine(store_url)
    try:
        with other.connect() as connection:
            transaction = connection.begin()
            connection.execute(text("SELECT id FROM cases WHERE id = ANY(:ids) FOR UPDATE"), {"ids": held})
            result = {}
            worker = threading.Thread(target=lambda: result.update(first=expire_leases(sweeper)))
            worker.start()
            worker.join(15)
            assert not worker.is_alive(), "the sweep waited on rows another process holds"
            assert result["first"] == len(free)
            transaction.rollback()
        assert expire_leases(sweeper) == len(held)
    finally:
        other.dispose()
        sweeper.dispose()
