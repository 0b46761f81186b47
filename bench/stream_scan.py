"""Bench: the post stream through 1, 2 and 4 scan worker processes on NATS JetStream and
PostgreSQL, one worker killed with SIGKILL midway in every run (a replacement is started, as a
process supervisor would), nothing lost and nothing counted twice.

Posts: the demo world's texts (src/tanggap/demo/seed/) in channels of 20 posts of one kind (one
channel in ten propaganda, the rest the other kinds in turn); a share of them carry
one image drawn by the demo platform (half re-posted releases), stored by SHA-256 as a
platform's media store would hold them, hashed (PDQ/MD5/SHA-256) and matched by the workers.

Counted from the database, not from the workers: `scanned` = distinct posts with a scan record,
`duplicates` = scan records and channel counts beyond one per post, `lost` = posts published
and never scanned. Throughput: posts / seconds from the first scan record to the last.
Peer, measured in the same run: one worker without a broker or a database, scoring the same
posts in-process (the ceiling of one core).

    .venv/bin/python bench/stream_scan.py [--posts 100000] [--workers 1,2,4] [--image-share 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select
from ulid import ULID

sys.path.insert(0, str(Path(__file__).parent))
from benchdb import fresh_postgres  # noqa: E402

from tanggap.bus.nats import NatsTransport  # noqa: E402
from tanggap.detect.registry import ModelRegistry  # noqa: E402
from tanggap.domain.events import PostSeen  # noqa: E402
from tanggap.platforms.demo_media import render  # noqa: E402
from tanggap.platforms.seed import sample_texts  # noqa: E402
from tanggap.services.scan import ModelScorer  # noqa: E402
from tanggap.services.stream_scan import DirectoryMedia, message_id  # noqa: E402
from tanggap.store import stream  # noqa: E402
from tanggap.store.migrate import upgrade  # noqa: E402
from tanggap.store.outbox import scanned_posts  # noqa: E402
from tanggap.store.uow import Store  # noqa: E402

DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/tanggap_bench_stream"
NATS = os.environ.get("TANGGAP_NATS_URL", "nats://127.0.0.1:4222")


def make_posts(count: int, image_share: float, media: DirectoryMedia) -> list[PostSeen]:
    """Channels of 20 posts of one kind, as in the demo world: one channel in ten propaganda."""
    rng = random.Random(7)
    by_kind: dict[str, list[str]] = {}
    for sample in sample_texts():
        by_kind.setdefault(sample.kind, []).append(sample.text)
    kinds = sorted(by_kind)
    images = [media.put(render(f"bench-{n}" if n % 2 else f"release-{n % 12}")) for n in range(40)]
    posts = []
    for number in range(count):
        channel = number // 20
        kind = "propaganda" if channel % 10 == 0 and "propaganda" in by_kind else kinds[channel % len(kinds)]
        attached = (rng.choice(images),) if rng.random() < image_share else ()
        posts.append(PostSeen("bench", f"channel_{channel}", str(number), rng.choice(by_kind[kind]), attached))
    return posts


async def publish(posts: list[PostSeen], prefix: str) -> float:
    transport = NatsTransport(NATS, prefix=prefix, max_posts_backlog=len(posts) + 1000)
    await transport.start()
    started = time.perf_counter()
    for start in range(0, len(posts), 1000):
        await asyncio.gather(*(transport.publish(post.subject, post.payload(), message_id(post))
                               for post in posts[start:start + 1000]))
    elapsed = time.perf_counter() - started
    await transport.close()
    return elapsed


async def drop_streams(prefix: str) -> None:
    transport = NatsTransport(NATS, prefix=prefix)
    await transport.start()
    await transport.delete_streams()
    await transport.close()


def counts(store: Store) -> dict:
    with store.uow(read_only=True) as uow:
        totals = stream.totals(uow.session)
        first, last = uow.session.execute(select(func.min(scanned_posts.c.scanned_at),
                                                 func.max(scanned_posts.c.scanned_at))).one()
    return totals | {"first": first, "last": last}


def run(posts: list[PostSeen], workers: int, media_dir: Path, timeout_s: float) -> dict:
    if not fresh_postgres(DATABASE):
        raise SystemExit("PostgreSQL is needed for this bench")
    upgrade(DATABASE)
    store = Store(DATABASE)
    prefix = f"bench{str(ULID()).lower()}"
    publish_s = asyncio.run(publish(posts, prefix))
    env = {**os.environ, "TANGGAP_DATABASE_URL": DATABASE, "TANGGAP_BUS": "nats", "TANGGAP_NATS_URL": NATS,
           "TANGGAP_NATS_PREFIX": prefix, "TANGGAP_BUS_LEASE_S": "5", "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "tanggap.cli", "worker", "scan", "--media-dir", str(media_dir),
               "--batch", "100"]
    spawn = lambda: subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: E731
    processes = [spawn() for _ in range(workers)]
    killed = False
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            now = counts(store)
            if not killed and now["distinct_posts"] >= len(posts) // 2:
                processes[0].send_signal(signal.SIGKILL)  # midway, with a batch in hand
                processes[0].wait()
                processes[0] = spawn()
                killed = True
            if now["distinct_posts"] >= len(posts):
                break
            time.sleep(0.25)
        time.sleep(6)  # past the lease: anything redelivered after the end would show as a duplicate
        final = counts(store)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        asyncio.run(drop_streams(prefix))
        store.dispose()
    seconds = (final["last"] - final["first"]).total_seconds() if final["first"] else float("nan")
    return {"posts": len(posts), "scanned": final["distinct_posts"],
            "duplicates": (final["rows"] - final["distinct_posts"])
            + (final["counted_in_channels"] - final["rows"]),
            "lost": len(posts) - final["distinct_posts"], "workers": workers, "killed": killed,
            "publish_s": round(publish_s, 2), "posts_per_s": round(len(posts) / seconds, 1) if seconds else None}


def in_process_peer(posts: list[PostSeen], limit: int = 5000) -> float:
    scorer = ModelScorer(ModelRegistry(Path(tempfile.mkdtemp()) / "models").load())
    sample = [post.text for post in posts[:limit]]
    started = time.perf_counter()
    for start in range(0, len(sample), 100):
        scorer.score_posts(sample[start:start + 100])
    return len(sample) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--image-share", type=float, default=0.05)
    parser.add_argument("--timeout", type=float, default=1800.0, help="per run, seconds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        media = DirectoryMedia(Path(folder) / "media")
        posts = make_posts(args.posts, args.image_share, media)
        print(f"{len(posts)} posts, {sum(bool(p.media_sha256) for p in posts)} with an image; "
              f"{os.cpu_count()} cores here")
        peer = in_process_peer(posts)
        print(f"peer: in-process scoring without broker or database, one core: {peer:,.0f} posts/s")
        result = {}
        for workers in [int(n) for n in args.workers.split(",")]:
            result = run(posts, workers, media.root, args.timeout)
            print(f"workers={workers}: {result['posts_per_s']} posts/s (publish {result['publish_s']} s), "
                  f"scanned {result['scanned']}, lost {result['lost']}, duplicates {result['duplicates']}, "
                  f"one worker SIGKILLed midway: {result['killed']}")
        print(json.dumps({key: result[key] for key in
                          ("posts", "scanned", "duplicates", "lost", "workers", "posts_per_s")}))


if __name__ == "__main__":
    main()
