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


@pytest.mark.parametrize("kind", ["read_only", "snapshot"])
def test_a_page_reads_the_case_and_its_enforcements_as_of_one_moment(store, store_url, sla, ministry, kind):
    """A commit landing between two statements of a page's reads is not half seen: the case
    page showed a case still "decided" beside the enforcement that had just actioned it."""
    if kind == "snapshot" and not store_url.startswith("postgresql"):
        pytest.skip("a SQLite writer holds the write lock from its first read: nobody commits meanwhile")
    case_id = ingest_order(store.uow(), sla, order_for(ministry, "@kabar_snapshot"), ministry).case_ids[0]
    other = create_engine(store_url)
    with store.uow(read_only=kind == "read_only", snapshot=kind == "snapshot") as uow:
        assert uow.cases.get(case_id).state == "queued"
        with other.begin() as connection:  # another writer commits meanwhile
            connection.execute(text("UPDATE cases SET state = 'in_review' WHERE id = :id"), {"id": case_id})
        again = uow.session.execute(text("SELECT state FROM cases WHERE id = :id"), {"id": case_id}).scalar_one()
        assert again == "queued"
    other.dispose()
    with store.uow(read_only=True) as uow:
        assert uow.cases.get(case_id).state == "in_review"
