"""Two orders arriving at once for the same channel still give one case."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text

from tanggap.services.orders import ingest_order
from tests.builders import order_for


def test_concurrent_orders_for_the_same_channels_merge_into_one_case_each(store, sla, ministry, eu_authority):
    barrier = threading.Barrier(2)
    channels = [f"@kabar_ramai_{n}" for n in range(30)]

    def send(authority, reference):
        barrier.wait()
        return ingest_order(store.uow(), sla, order_for(authority, *channels, reference=reference), authority)

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(send, ministry, "B-1/2026")
        second = pool.submit(send, eu_authority, "TCO-IE-2026-000001")
        a, b = first.result(), second.result()
    assert a.case_ids == b.case_ids
    with store.uow() as uow:
        assert uow.cases.count_by_state() == {"queued": 30}
        assert all(len(uow.orders.for_case(case_id)) == 2 for case_id in a.case_ids)


def test_an_order_racing_an_uncommitted_case_joins_it_after_commit(store, store_url, sla, ministry):
    """Deterministic race on PostgreSQL: a second connection holds the insert open."""
    if not store_url.startswith("postgresql"):
        pytest.skip("row-level races need a server database; SQLite serialises writers")
    other = create_engine(store_url)
    with other.connect() as connection:
        transaction = connection.begin()
        connection.execute(text(
            "INSERT INTO cases (id, target, kind, state, created_at, updated_at, source) "
            "VALUES ('01RACEWINNER0000000000000', 'https://t.me/kabar_x', 'channel', 'queued', now(), now(), 'order')"))
        result = {}
        worker = threading.Thread(target=lambda: result.update(
            receipt=ingest_order(store.uow(), sla, order_for(ministry, "@kabar_x", "@fresh_one"), ministry)))
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive(), "the second writer should wait on the unique target"
        transaction.commit()
        worker.join(10)
    other.dispose()
    receipt = result["receipt"]
    assert receipt.case_ids[0] == "01RACEWINNER0000000000000"
    with store.uow() as uow:
        assert uow.cases.count_by_state() == {"queued": 2}
