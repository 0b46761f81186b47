"""Bench: one order of 1,000 targets, from POST to all cases queued, on SQLite and PostgreSQL.

Measured over real HTTP (uvicorn on loopback) through the whole path: authentication, target
parsing, order row, 1,000 cases opened and triaged, 1,000 order links, ~2,000 hash-chained
audit events, commit. The POST answers only after the commit, so its latency is the time to
"all cases queued"; the script then checks that 1,000 queued cases really exist.

Peer, measured in the same run on the same database: a bare executemany of 1,000 rows into a
table shaped like `cases` — the floor any implementation pays to persist the cases at all.

    .venv/bin/python bench/order_intake.py [--runs 5] [--targets 1000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import text

from benchdb import backends
from tanggap.config import Settings
from tanggap.domain.access import SYSTEM
from tanggap.serving import BackgroundServer
from tanggap.services.accounts import add_authority
from tanggap.store.migrate import upgrade
from tanggap.store.uow import Store
from tanggap.web.app import create_app

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/tanggap_bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--targets", type=int, default=1000)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        stores = backends(folder, args.postgres)
        print(f"order of {args.targets} targets, POST to all cases queued, {args.runs} runs each\n")
        print(f"{'backend':22} {'median s':>9} {'min s':>7} {'targets/s':>10} {'merge s':>8} "
              f"{'peer: bare insert s':>20}")
        for name, url in stores:
            result = bench_backend(url, args.targets, args.runs, Path(folder))
            print(f"{name:22} {result['median']:9.3f} {result['min']:7.3f} "
                  f"{args.targets / result['median']:10.0f} {result['merge']:8.3f} {result['peer']:20.4f}")


def bench_backend(url: str, targets: int, runs: int, folder: Path) -> dict[str, float]:
    upgrade(url)
    store = Store(url)
    key = add_authority(store.uow(), f"Bench authority {time.time_ns()}", "ID", [], SYSTEM).api_key
    settings = Settings(database_url=url, var_dir=folder / "var", secret_key="bench")
    timings = []
    with BackgroundServer(create_app(settings, store=store)) as server, \
            httpx.Client(base_url=server.url, timeout=300, headers={"Authorization": f"Bearer {key}"}) as http:
        for run in range(runs):
            stamp = time.time_ns() % 10**9
            names = [f"https://t.me/bench_{stamp}_{run}_{n}" for n in range(targets)]
            timings.append(_post(http, f"BENCH-{time.time_ns()}", names))
            _check_queued(store, names)
        # The same targets again from another order: every target merges into an existing case.
        merge = _post(http, f"BENCH-MERGE-{time.time_ns()}", names)
    peer = _bare_insert(store, targets)
    store.dispose()
    return {"median": statistics.median(timings), "min": min(timings), "merge": merge, "peer": peer}


def _post(http: httpx.Client, reference: str, names: list[str]) -> float:
    started = time.perf_counter()
    response = http.post("/api/v1/orders", json={"reference": reference, "category": "terrorism", "targets": names})
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    assert len(response.json()["targets"]) == len(names)
    return elapsed


def _check_queued(store: Store, names: list[str]) -> None:
    with store.engine.connect() as connection:
        queued = connection.execute(text(
            "SELECT count(*) FROM cases WHERE state = 'queued' AND target LIKE :prefix"),
            {"prefix": names[0].rsplit("_", 1)[0] + "_%"}).scalar_one()
    assert queued == len(names), f"{queued} of {len(names)} cases queued"


def _bare_insert(store: Store, rows: int) -> float:
    with store.engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS bench_floor (id varchar(26) PRIMARY KEY, "
                                "target varchar(300) UNIQUE, state varchar(20), created_at varchar(40))"))
        connection.execute(text("DELETE FROM bench_floor"))
    started = time.perf_counter()
    with store.engine.begin() as connection:
        connection.execute(text("INSERT INTO bench_floor VALUES (:id, :target, 'queued', :at)"),
                           [{"id": f"{n:026d}", "target": f"https://t.me/floor_{n}", "at": "2026-11-28"}
                            for n in range(rows)])
    elapsed = time.perf_counter() - started
    with store.engine.begin() as connection:
        connection.execute(text("DROP TABLE bench_floor"))
    return elapsed


if __name__ == "__main__":
    main()
