"""Bench: a month of public counts (the /transparency page's data) from N confirmed blocks.

Builds a month with N blocked cases (a tenth of them country-scoped, one in fifty reversed, a
third ordered by an authority with its order) directly in the tables, then times:

- `month_report` + `public_month`: every figure the page, CSV, JSON and Atom feed publish
  (per day, category, source, scope, net of reversals; per authority, median and p95 time to
  action);
- GET /transparency.json over HTTP (uvicorn on loopback);
- peer, on the same database in the same run: one bare SQL aggregate of confirmed blocks per UTC
  day (`GROUP BY` date), the floor any implementation pays to read the month at all.

    .venv/bin/python bench/transparency_month.py [--blocks 20000] [--runs 5] [--postgres URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, insert, select, text

from benchdb import backends
from tanggap.config import Settings
from tanggap.domain.access import SYSTEM
from tanggap.domain.model import Scope, new_id
from tanggap.domain.targets import parse_target
from tanggap.serving import BackgroundServer
from tanggap.services.accounts import add_authority
from tanggap.services.transparency import month_report, public_month
from tanggap.store.migrate import upgrade
from tanggap.store.tables import cases, decisions, enforcements, order_targets, orders
from tanggap.store.uow import Store
from tanggap.web.app import create_app

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/tanggap_bench_transparency"
START = datetime.fromisoformat("2026-11-01T00:00:00+07:00")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        stores = backends(folder, args.postgres)
        print(f"a month of {args.blocks} blocks, median of {args.runs} runs\n")
        print(f"{'backend':20} {'report s':>9} {'GET .json s':>12} {'peer: bare GROUP BY s':>22}")
        for name, url in stores:
            result = bench_backend(url, args.blocks, args.runs, Path(folder))
            print(f"{name:20} {result['report']:9.3f} {result['http']:12.3f} {result['peer']:22.4f}")


def bench_backend(url: str, blocks: int, runs: int, folder: Path) -> dict[str, float]:
    upgrade(url)
    store = Store(url)
    authority_id = add_authority(store.uow(), f"Bench ministry {time.time_ns()}", "ID", [], SYSTEM).owner_id
    _fill(store, authority_id, blocks)
    report_times, http_times, peer_times = [], [], []
    settings = Settings(database_url=url, var_dir=folder / "var", secret_key="bench")
    with BackgroundServer(create_app(settings, store=store)) as server, httpx.Client(base_url=server.url) as client:
        for _ in range(runs):
            began = time.perf_counter()
            published = public_month(month_report(store.uow(read_only=True), 2026, 11), 5)
            report_times.append(time.perf_counter() - began)
            assert published.report.blocked == blocks, published.report.blocked
            began = time.perf_counter()
            assert client.get("/transparency.json", params={"month": "2026-11"}).status_code == 200
            http_times.append(time.perf_counter() - began)
            began = time.perf_counter()
            with store.engine.connect() as connection:
                connection.execute(select(func.date(enforcements.c.confirmed_at), func.count())
                                   .where(enforcements.c.status == "confirmed", enforcements.c.action == "block")
                                   .group_by(func.date(enforcements.c.confirmed_at))).all()
            peer_times.append(time.perf_counter() - began)
    store.dispose()
    return {"report": statistics.median(report_times), "http": statistics.median(http_times),
            "peer": statistics.median(peer_times)}


def _fill(store: Store, authority_id: str, blocks: int) -> None:
    """N cases, decided and confirmed across the month; rows written directly (fast)."""
    case_rows, decision_rows, enforcement_rows, order_rows, link_rows = [], [], [], [], []
    for n in range(blocks):
        at = START + timedelta(seconds=(n * 2_592_000) // blocks)
        case_id, decision_id = new_id(), new_id()
        ordered = n % 3 == 0
        scope = Scope(("ID",)) if n % 10 == 0 else Scope()
        case_rows.append(dict(id=case_id, target=parse_target(f"@bench_channel_{n:07d}"), kind="channel",
                              state="actioned", created_at=at, updated_at=at, category="terrorism",
                              source="order" if ordered else "proactive", actioned_at=at, signal_strength=0))
        decision_rows.append(dict(id=decision_id, case_id=case_id, action="block", scope=scope, reason="bench",
                                  decided_by="bench", decided_at=at, reason_code="terrorist_content",
                                  status="reversed" if n % 50 == 0 else "effective"))
        enforcement_rows.append(dict(id=new_id(), case_id=case_id, decision_id=decision_id, action="block",
                                     scope=scope, target=parse_target(f"@bench_channel_{n:07d}"),
                                     idempotency_key=f"bench-{decision_id}", status="confirmed", attempts=1,
                                     created_at=at, updated_at=at, confirmed_at=at))
        if ordered:
            order_id = new_id()
            received = at - timedelta(hours=2)
            order_rows.append(dict(id=order_id, authority_id=authority_id, reference=f"B-{n}", category="terrorism",
                                   jurisdiction="ID", received_at=received,
                                   deadline_due_at=received + timedelta(hours=4),
                                   deadline_basis="ID/terrorism 4h", channel="api", rejected=[], revision=1))
            link_rows.append(dict(id=new_id(), order_id=order_id, case_id=case_id,
                                  target=parse_target(f"@bench_channel_{n:07d}"), spelling="x", position=0))
    with store.engine.begin() as connection:
        for table, rows in ((cases, case_rows), (decisions, decision_rows), (enforcements, enforcement_rows),
                            (orders, order_rows), (order_targets, link_rows)):
            for start in range(0, len(rows), 5000):
                connection.execute(insert(table), rows[start:start + 5000])
        if store.dialect == "postgresql":
            connection.execute(text("ANALYZE"))


if __name__ == "__main__":
    main()
