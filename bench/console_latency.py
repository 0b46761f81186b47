"""Bench: moderator console latency (p50/p95/p99) with 100,000 open cases, over HTTP, on PostgreSQL.

Measured over real HTTP (uvicorn on loopback, one keep-alive httpx client per user, requests one
after another, each endpoint after its own warm-up), with a moderator (reads id, en) and a senior
logged in through the login form (CSRF token and all):

  * GET /console/queue        the queue page: the 50 cases first due that this person may work on,
                              with the counts per state
  * GET /console/queue?after= page 500 of the same queue (keyset: it starts after the last case of
                              page 499, found by walking the pages first), beside page 1: the same
                              p95 means the depth costs nothing; the count the page shows is printed
                              next to the database's
  * GET /api/v1/queue         the personal JSON queue (100 cases; bearer API key); for the
                              moderator filtered by language and by live claims
  * GET /console/cases/{id}   case pages of random open cases: the case, its orders, decisions on
                              the same channel and on similar cases, history, and the
                              `case_viewed` audit event each view commits

Peers, measured in the same run on the same database, so the reader sees DB cost vs framework cost:

  * GET /static/console.css   a trivial endpoint of the same server (HTTP, middleware, session
                              cookie; no database): the floor under every page
  * each endpoint's own SQL: every statement one real request sent, captured at the driver and
                              replayed bare on the engine (SELECTs only; the writes are left out):
                              round trips and rows fetched, no ORM objects, no HTML
  * review.queue in-process   the service call behind the queues: SQL + ORM objects, no HTTP
  * the slowest statement of each request, and EXPLAIN (ANALYZE, BUFFERS) of it (SQLite: EXPLAIN
    QUERY PLAN), so a missing index shows as a Seq Scan + Sort over every open case

The "rows" column is what the first timed answer held (cases listed; for the case page, the orders
shown) or, for replayed SQL, the rows fetched. The database is filled first with bulk INSERTs
(not part of any figure): 100,000 open cases with a realistic spread (sources order/report/
proactive; deadlines from the SLA table, ~30 % breached, reports without one; categories;
languages id/en/ar/unknown; ~3 % in review with live or expired leases, some escalated or
awaiting approval), ~12,000 orders from three authorities with their order_targets (some cases in
two orders), and 20,000 decided cases with decisions and enforcements (the history a case page
looks up), then VACUUM ANALYZE. PostgreSQL gets its own database, dropped and created afresh on
every run (never a test database) and left behind for EXPLAINing by hand. Other work on the
machine skews latency: the load average is printed before and after.

    .venv/bin/python bench/console_latency.py [--cases 100000] [--decided 20000] [--requests 200]
                          [--warmup 20] [--peer-requests 100] [--postgres URL] [--sqlite] [--page 500]
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import event, insert, text
from sqlalchemy.engine import Engine

from benchdb import fresh_postgres
from tanggap.config import Settings
from tanggap.domain.access import SYSTEM, Principal
from tanggap.domain.model import Action, CaseState, DecisionStatus, EnforcementStatus, Scope, Source, new_id
from tanggap.domain.sla import DEFAULT_CATEGORIES
from tanggap.domain.targets import TargetKind
from tanggap.serving import BackgroundServer
from tanggap.services.accounts import add_authority, add_user, principal_for_key
from tanggap.services.review import QueueFilter, queue, queue_page
from tanggap.store.engine import READ_ONLY
from tanggap.store.migrate import upgrade
from tanggap.store.tables import cases, decisions, enforcements, order_targets, orders
from tanggap.store.uow import Store
from tanggap.web.app import create_app
from tanggap.web.console import PAGE_SIZE

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/tanggap_bench_console"
BATCH = 5000
PASSWORD = "bench-console-password"
# (authority, jurisdiction, share of orders, category weights)
AUTHORITIES = [
    ("Kominfo (bench)", "ID", 0.70, {"gambling": 40, "pornography": 15, "hoax": 10, "fraud": 10,
                                      "hate_speech": 7, "public_order": 5, "terrorism": 5, "csam": 3, "other": 5}),
    ("Polri Siber (bench)", "ID", 0.20, {"terrorism": 30, "public_order": 20, "fraud": 20, "hoax": 15,
                                          "csam": 10, "other": 5}),
    ("EU IRU (bench)", "EU", 0.10, {"terrorism": 80, "hate_speech": 10, "other": 10}),
]
CASE_LINK = re.compile(r"/console/cases/([0-9A-Z]{26})")
LANGUAGES = (["id"] * 45) + (["en"] * 20) + (["ar"] * 15) + ([None] * 20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="open cases to fill (default 100,000)")
    parser.add_argument("--decided", type=int, default=20_000,
                        help="closed cases with decisions and enforcements (the history case pages look up)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per endpoint")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per endpoint first")
    parser.add_argument("--peer-requests", type=int, default=100,
                        help="timed runs of each replayed-SQL and in-process peer")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--sqlite", action="store_true", help="also run on SQLite (WAL, temp file)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--page", type=int, default=500, help="the deep queue page timed beside page 1")
    args = parser.parse_args()
    print(f"console latency: {args.requests} timed requests per endpoint after {args.warmup} warm-up; "
          f"one keep-alive client, sequential; server = uvicorn thread in this process; "
          f"Python {platform.python_version()}, {_cores()} CPU cores, load average {_load()}\n")
    with tempfile.TemporaryDirectory() as folder:
        backends = []
        if fresh_postgres(args.postgres):
            backends.append(("PostgreSQL", args.postgres))
        else:
            print(f"PostgreSQL at {args.postgres} not reachable: skipped")
        if args.sqlite:
            backends.append(("SQLite (WAL, file)", f"sqlite:///{Path(folder) / 'console.db'}"))
        for name, url in backends:
            bench_backend(name, url, args, Path(folder))


def bench_backend(name: str, url: str, args, folder: Path) -> None:
    started = time.perf_counter()
    upgrade(url)
    store = Store(url)
    settings = Settings(database_url=url, var_dir=folder / "var", secret_key="bench-console")
    people = _accounts(store)
    fill = _fill(store, settings, args.cases, args.decided, random.Random(args.seed), people["moderator_id"])
    print(f"== {name} {_server_version(store)}: {fill['summary']}; filled in "
          f"{time.perf_counter() - started:.1f} s (not part of the figures)")
    if store.dialect == "postgresql":
        print("   " + _pg_settings(store))
    n, warm = args.requests, args.warmup
    peer_n, peer_warm = args.peer_requests, max(1, args.warmup // 2)
    picks = random.Random(args.seed + 1).sample(fill["case_ids"], n + warm + 1)
    principals = {who: principal_for_key(store.uow(read_only=True), people[f"{who}_key"])
                  for who in ("moderator", "senior")}
    # Keyset pages: the place where page N starts, found by walking the pages as a reader would.
    deep = {who: _page_start(store, principal, args.page) for who, principal in principals.items()}
    for who, (_, reached) in deep.items():
        print(f"   {who}: deep page is page {reached}" + (" (the last one)" if reached < args.page else ""))
    endpoints = [  # (label, client, path of the i-th request, what the first timed answer holds)
        ("GET /console/queue (moderator session)", "moderator", lambda i: "/console/queue", queue_rows),
        (f"GET /console/queue page {deep['moderator'][1]} (moderator session)", "moderator",
         lambda i: f"/console/queue?after={deep['moderator'][0]}&page={deep['moderator'][1]}", queue_rows),
        ("GET /console/queue (senior session)", "senior", lambda i: "/console/queue", queue_rows),
        (f"GET /console/queue page {deep['senior'][1]} (senior session)", "senior",
         lambda i: f"/console/queue?after={deep['senior'][0]}&page={deep['senior'][1]}", queue_rows),
        ("GET /api/v1/queue (moderator bearer)", "moderator_api", lambda i: "/api/v1/queue", json_rows),
        ("GET /api/v1/queue (senior bearer)", "senior_api", lambda i: "/api/v1/queue", json_rows),
        ("GET /console/cases/{random open case} (moderator)", "moderator",
         lambda i: f"/console/cases/{picks[i]}", order_rows),
    ]
    rows: list[tuple[str, str, list[float]]] = []
    captured: dict[str, list[tuple[str, object]]] = {}
    with BackgroundServer(create_app(settings, store=store)) as server, ExitStack() as stack:
        clients = {
            "moderator": _session(stack, server.url, "bench_moderator"),
            "senior": _session(stack, server.url, "bench_senior"),
            "moderator_api": stack.enter_context(httpx.Client(
                base_url=server.url, timeout=60, headers=_bearer(people["moderator_key"]))),
            "senior_api": stack.enter_context(httpx.Client(
                base_url=server.url, timeout=60, headers=_bearer(people["senior_key"]))),
        }
        for label, who, path_of, shows in endpoints:
            rows.append((label, *_http(clients[who], path_of, n, warm, shows)))
            # One more request, its SQL captured as the driver received it, for the peers below.
            captured[label] = _capture(store.engine, lambda client=clients[who], path_of=path_of:
                                       client.get(path_of(n + warm)).raise_for_status())
        shown = _shown_total(clients["senior"].get("/console/queue").text)
        print(f"   open cases: the senior's queue shows {shown:,}; the database holds {_open_in_db(store):,}")
        rows.append(("peer: GET /static/console.css (same server, session cookie, no DB)",
                     *_http(clients["moderator"], lambda i: "/static/console.css", n, warm, lambda r: "-")))

    slowest: dict[str, tuple[str, object, float]] = {}
    for label, statements in captured.items():
        reads = [(sql, params) for sql, params in statements if _is_read(sql)]
        writes = sum(1 for sql, _ in statements if _is_write(sql))
        note = f"{len(reads)} SELECTs" + (f" (+{writes} write{'s' * (writes > 1)} not replayed)" if writes else "")
        rows.append((f"peer: {label.removeprefix('GET ')}: its {note}, bare",
                     *_repeat(lambda reads=reads: _replay(store.engine, reads), peer_n, peer_warm)))
        timed = [(sql, params, _median_ms(lambda sql=sql, params=params: _replay(store.engine, [(sql, params)])))
                 for sql, params in reads]
        slowest[label] = max(timed, key=lambda item: item[2])
    for who, principal in principals.items():
        rows.append((f"peer: review.queue (100) in-process, ORM objects, {who}",
                     *_repeat(lambda principal=principal: str(len(_review_queue(store, principal))),
                              peer_n, peer_warm)))
    _print_table(rows)

    print("\n   slowest statement of each request (bare, median of 15):")
    for label, (sql, _, ms) in slowest.items():
        print(f"     {ms:7.2f} ms  {label}: {_gist(sql)}")
    explained = {}
    for label, (sql, params, _) in slowest.items():
        explained.setdefault(_shape(sql), (label, sql, params))
    how = "(ANALYZE, BUFFERS)" if store.dialect == "postgresql" else "QUERY PLAN"
    for label, sql, params in explained.values():
        print(f"\n   EXPLAIN {how} of the slowest statement of {label}:")
        for line in _explain(store.engine, sql, params):
            print(f"     {line}")
    print(f"\n   load average after this backend: {_load()}\n")
    store.dispose()


# --- filling ---------------------------------------------------------------------------------


def _accounts(store: Store) -> dict:
    moderator = add_user(store.uow(), "bench_moderator", "moderator", ["id", "en"], SYSTEM, PASSWORD)
    senior = add_user(store.uow(), "bench_senior", "senior", ["id"], SYSTEM, PASSWORD)
    for name, jurisdiction, _, _ in AUTHORITIES:
        add_authority(store.uow(), name, jurisdiction, [], SYSTEM)
    return {"moderator_id": moderator.owner_id, "moderator_key": moderator.api_key,
            "senior_id": senior.owner_id, "senior_key": senior.api_key}


def _fill(store: Store, settings: Settings, count: int, decided: int, rng: random.Random,
          moderator_id: str) -> dict:
    """Bulk-insert `count` open cases with their orders and order_targets, and `decided` closed
    cases with their decisions and enforcements (the history the case page looks up)."""
    sla = settings.sla
    now = datetime.now(UTC)
    with store.uow(read_only=True) as uow:
        authority_ids = {name: uow.authorities.by_name(name).id for name, *_ in AUTHORITIES}
    colleagues = [new_id() for _ in range(8)] + [moderator_id]  # who holds claims, who decided
    case_rows: list[dict] = []
    decision_rows: list[dict] = []
    for n in range(count):
        created = now - timedelta(hours=rng.uniform(0, 36))
        source = rng.choices([Source.ORDER, Source.REPORT, Source.PROACTIVE], [70, 20, 10])[0]
        state = rng.choices([CaseState.QUEUED, CaseState.IN_REVIEW, CaseState.ESCALATED,
                             CaseState.PENDING_APPROVAL], [950, 30, 15, 5])[0]
        post = rng.random() < 0.15
        target = f"https://t.me/bench{n:07d}" + (f"/{rng.randint(1, 90000)}" if post else "")
        category = None if source is Source.ORDER else rng.choice([None, "hoax", "pornography", "gambling"])
        row = {"id": new_id(), "target": target, "kind": TargetKind.POST if post else TargetKind.CHANNEL,
               "state": state, "created_at": created, "updated_at": created, "deadline_due_at": None,
               "deadline_basis": None, "category": category,
               "severity": sla.severity(category) if category else None, "source": source,
               "actioned_at": None, "language": rng.choice(LANGUAGES),
               "subscribers": int(rng.lognormvariate(7, 2)), "claimed_by": None, "lease_until": None}
        if state is CaseState.IN_REVIEW:
            row["claimed_by"] = rng.choice(colleagues)
            row["lease_until"] = now + timedelta(minutes=rng.uniform(-45, 15))  # some expired
        if state is CaseState.PENDING_APPROVAL:  # a moderator's proposal awaits a senior
            decision_rows.append(_decision(row["id"], Action.BLOCK, rng.choice(colleagues),
                                           created + timedelta(minutes=20), DecisionStatus.PROPOSED))
        case_rows.append(row)

    # Orders: the order-sourced cases in runs of 1..16 targets; ~5% also named by a second order.
    by_order = [row for row in case_rows if row["source"] is Source.ORDER]
    order_rows: list[dict] = []
    link_rows: list[dict] = []
    at = 0
    while at < len(by_order):
        size = min(rng.choice([1, 1, 2, 3, 5, 8, 10, 16]), len(by_order) - at)
        members = by_order[at:at + size]
        at += size
        if rng.random() < 0.05:
            members = members + rng.sample(by_order[:at - size], min(2, at - size))
        name, jurisdiction, _, weights = rng.choices(AUTHORITIES, [a[2] for a in AUTHORITIES])[0]
        category = rng.choices(list(weights), list(weights.values()))[0]
        received = now - timedelta(hours=rng.uniform(0, 30))
        deadline = sla.deadline(received, jurisdiction, category)
        order = {"id": new_id(), "authority_id": authority_ids[name],
                 "reference": f"BENCH/{len(order_rows):06d}/{jurisdiction}", "category": category,
                 "jurisdiction": jurisdiction, "legal_basis": "Permenkominfo 5/2020 Pasal 14",
                 "received_at": received, "deadline_due_at": deadline.due_at,
                 "deadline_basis": deadline.basis, "channel": rng.choice(["api", "email"]),
                 "rejected": [], "raw_evidence": None, "revision": 1}
        order_rows.append(order)
        for position, row in enumerate(members):
            link_rows.append({"id": new_id(), "order_id": order["id"], "case_id": row["id"],
                              "target": row["target"], "spelling": row["target"], "position": position})
            if row["deadline_due_at"] is None:  # its first order opened the case
                row["created_at"] = row["updated_at"] = received
            if row["deadline_due_at"] is None or deadline.due_at < row["deadline_due_at"]:
                row["deadline_due_at"], row["deadline_basis"] = deadline.due_at, deadline.basis
                row["category"] = category
            severity = sla.severity(category)
            row["severity"] = severity if row["severity"] is None else min(row["severity"], severity)

    # History: decided cases of the last 90 days (new channels, and posts of open channels).
    history_rows: list[dict] = []
    enforcement_rows: list[dict] = []
    for n in range(decided):
        created = now - timedelta(days=rng.uniform(1, 90))
        if rng.random() < 0.3:
            target, kind = f"https://t.me/bench{rng.randrange(count):07d}/{100_000 + n}", TargetKind.POST
        else:
            target, kind = f"https://t.me/benchd{n:07d}", TargetKind.CHANNEL
        category = rng.choice(DEFAULT_CATEGORIES)
        action = rng.choices([Action.BLOCK, Action.NO_ACTION, Action.REMOVE_POST], [80, 15, 5])[0]
        decided_at = created + timedelta(hours=rng.uniform(0.2, 20))
        row = {"id": new_id(), "target": target, "kind": kind,
               "state": CaseState.CLOSED if action is Action.NO_ACTION else CaseState.ACTIONED,
               "created_at": created, "updated_at": decided_at,
               "deadline_due_at": created + timedelta(hours=24), "deadline_basis": "ID/* 24h",
               "category": category, "severity": sla.severity(category), "source": Source.ORDER,
               "actioned_at": None if action is Action.NO_ACTION else decided_at,
               "language": rng.choice(LANGUAGES), "subscribers": int(rng.lognormvariate(7, 2)),
               "claimed_by": None, "lease_until": None}
        history_rows.append(row)
        decision = _decision(row["id"], action, rng.choice(colleagues), decided_at, DecisionStatus.EFFECTIVE)
        decision_rows.append(decision)
        if action is not Action.NO_ACTION:
            enforcement_rows.append({
                "id": new_id(), "case_id": row["id"], "decision_id": decision["id"], "action": action,
                "scope": decision["scope"], "target": target, "idempotency_key": f"bench:{decision['id']}",
                "status": EnforcementStatus.CONFIRMED, "attempts": 1, "last_error": None,
                "platform_reference": f"ref-{n}", "created_at": decided_at, "updated_at": decided_at,
                "confirmed_at": decided_at})

    with store.engine.begin() as connection:
        for table, batch_rows in ((cases, case_rows + history_rows), (orders, order_rows),
                                  (order_targets, link_rows), (decisions, decision_rows),
                                  (enforcements, enforcement_rows)):
            for start in range(0, len(batch_rows), BATCH):
                connection.execute(insert(table), batch_rows[start:start + BATCH])
    _analyze(store.engine)

    states = Counter(str(row["state"]) for row in case_rows)
    breached = sum(1 for row in case_rows if row["deadline_due_at"] and row["deadline_due_at"] < now)
    no_deadline = sum(1 for row in case_rows if row["deadline_due_at"] is None)
    summary = (f"{count:,} open cases ({', '.join(f'{s} {c:,}' for s, c in states.most_common())}; "
               f"{breached:,} past their deadline, {no_deadline:,} without one), {len(order_rows):,} orders, "
               f"{len(link_rows):,} order targets; {decided:,} decided cases with {len(decision_rows):,} "
               f"decisions and {len(enforcement_rows):,} enforcements")
    return {"case_ids": [row["id"] for row in case_rows], "summary": summary}


def _decision(case_id: str, action: Action, by: str, at: datetime, status: DecisionStatus) -> dict:
    return {"id": new_id(), "case_id": case_id, "action": action,
            "scope": Scope.parse("global" if action is not Action.REMOVE_POST else "ID"),
            "reason": "bench decision", "legal_basis": "UU 11/2008 Pasal 40", "note": None,
            "decided_by": by, "decided_at": at, "reason_code": "illegal_gambling", "status": status,
            "approval_rule": "subscribers over 100,000" if status is DecisionStatus.PROPOSED else None,
            "approved_by": None, "approved_at": None}


def _analyze(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


# --- measuring -------------------------------------------------------------------------------


def queue_rows(response: httpx.Response) -> str:
    return str(len(set(CASE_LINK.findall(response.text))))


def json_rows(response: httpx.Response) -> str:
    return str(len(response.json()["cases"]))


def order_rows(response: httpx.Response) -> str:
    return str(response.text.count("BENCH/"))


def _session(clients: ExitStack, base_url: str, name: str) -> httpx.Client:
    """A keep-alive client logged in through the console's login form (CSRF token included)."""
    client = clients.enter_context(httpx.Client(base_url=base_url, timeout=60))
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token},
                         follow_redirects=False)
    if answer.status_code != 303:
        raise RuntimeError(f"login of {name} failed: {answer.status_code}")
    return client


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _http(client: httpx.Client, path_of: Callable[[int], str], n: int, warm: int,
          shows: Callable[[httpx.Response], str]) -> tuple[str, list[float]]:
    """Time n GETs after `warm` untimed ones; every answer must be a 200. Returns (rows, seconds)."""
    seconds, shown = [], "?"
    for i in range(warm + n):
        path = path_of(i)
        began = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - began
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:300]}")
        if i >= warm:
            seconds.append(elapsed)
        if i == warm:
            shown = shows(response)
    return shown, seconds


def _repeat(call: Callable[[], str], n: int, warm: int) -> tuple[str, list[float]]:
    seconds, shown = [], "?"
    for i in range(warm + n):
        began = time.perf_counter()
        result = call()
        elapsed = time.perf_counter() - began
        if i >= warm:
            seconds.append(elapsed)
            shown = result
    return shown, seconds


def _median_ms(call: Callable[[], object], times: int = 15) -> float:
    call()
    seconds = []
    for _ in range(times):
        began = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds) * 1000


def _page_start(store: Store, principal: Principal, page: int) -> tuple[str | None, int]:
    """(the `after` of page `page`, the page reached): the last page if there are fewer."""
    after = None
    for number in range(1, page):
        with store.uow(read_only=True) as uow:
            found = queue_page(uow, principal, QueueFilter(limit=PAGE_SIZE), after=after)
        if found.next_after is None:
            return after, number
        after = found.next_after
    return after, page


def _shown_total(html: str) -> int:
    return int(re.search(r"([\d,]+) open", html).group(1).replace(",", ""))


def _open_in_db(store: Store) -> int:
    with store.uow(read_only=True) as uow:
        return uow.session.scalar(text("SELECT count(*) FROM cases WHERE state IN "
                                       "('queued', 'in_review', 'escalated', 'pending_approval')"))


def _review_queue(store: Store, principal: Principal) -> list:
    """What GET /api/v1/queue asks of the service (default limit 100), without HTTP."""
    with store.uow(read_only=True) as uow:
        return queue(uow, principal, QueueFilter())


def _capture(engine: Engine, call: Callable[[], object]) -> list[tuple[str, object]]:
    """Every statement `call` made the engine send (the server runs in this process)."""
    seen: list[tuple[str, object]] = []

    def listen(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return seen


def _is_read(sql: str) -> bool:
    return sql.lstrip().upper().startswith(("SELECT", "WITH")) and "pg_advisory" not in sql


def _is_write(sql: str) -> bool:
    return sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))


def _replay(engine: Engine, statements: list[tuple[str, object]]) -> str:
    """Run the statements on one pooled connection, fetch every row; returns the rows fetched."""
    fetched = 0
    with engine.connect().execution_options(**{READ_ONLY: True}) as connection:  # as the app reads
        for sql, params in statements:
            fetched += len(connection.exec_driver_sql(sql, params).fetchall())
    return str(fetched)


def _gist(sql: str) -> str:
    """SELECT ... FROM x JOIN y WHERE ... ORDER BY ... in one short line."""
    flat = " ".join(sql.split())
    upper = flat.upper()
    at = upper.find(" FROM ")
    tail = flat[at:] if at >= 0 else flat
    return ("SELECT …" + tail)[:150] + ("…" if len(tail) > 142 else "")


def _shape(sql: str) -> str:
    return " ".join(sql.split())


def _explain(engine: Engine, statement: str, parameters) -> list[str]:
    prefix = ("EXPLAIN (ANALYZE, BUFFERS) " if engine.dialect.name == "postgresql"
              else "EXPLAIN QUERY PLAN ")
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement, parameters).fetchall()
    if engine.dialect.name == "postgresql":
        return [row[0] for row in rows]
    return [f"{'  ' * _depth(rows, row)}{row[-1]}" for row in rows]


def _depth(rows, row) -> int:
    parents = {r[0]: r[1] for r in rows}
    depth, parent = 0, row[1]
    while parent in parents:
        depth, parent = depth + 1, parents[parent]
    return depth


def _print_table(rows: list[tuple[str, str, list[float]]]) -> None:
    print(f"\n   {'measured':84} {'rows':>5} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for label, shown, seconds in rows:
        ms = [s * 1000 for s in seconds]
        cuts = statistics.quantiles(ms, n=100, method="inclusive")
        print(f"   {label:84} {shown:>5} {len(ms):4} {statistics.median(ms):8.2f} {cuts[94]:8.2f} "
              f"{cuts[98]:8.2f} {statistics.fmean(ms):8.2f}")


# --- databases -------------------------------------------------------------------------------


def _server_version(store: Store) -> str:
    with store.engine.connect() as connection:
        if store.dialect == "postgresql":
            return connection.exec_driver_sql("SHOW server_version").scalar_one().split()[0]
        return connection.exec_driver_sql("SELECT sqlite_version()").scalar_one()


def _pg_settings(store: Store) -> str:
    names = ["shared_buffers", "work_mem", "jit", "synchronous_commit", "random_page_cost"]
    with store.engine.connect() as connection:
        return ", ".join(f"{name}={connection.exec_driver_sql(f'SHOW {name}').scalar_one()}" for name in names)


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _load() -> str:
    """Other work on the machine skews latency: the 1/5/15-minute load average says how much."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


if __name__ == "__main__":
    main()
