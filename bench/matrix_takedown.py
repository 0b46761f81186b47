"""How long a takedown of a public room takes on a real Synapse, next to peers measured in the
same run.

    .venv/bin/python bench/matrix_takedown.py [--rooms 10] [--members 5] [--posts 20]

Needs Synapse in .synapse-venv (``make system-deps``); it is started here as a separate
process on SQLite (the tests' harness, tests/platforms/synapse.py). Each room is public, with
``--members`` members and ``--posts`` text posts plus one image. Figures per room (median and
max over ``--rooms``):

* ``MatrixPlatform.block``: what Tanggap does — copy the evidence (details, state, members,
  100 events), start the shutdown, poll ``delete_status`` until complete.
* of which the evidence copy alone.
* peer: the bare admin call a naive takedown would make, ``PUT /_synapse/admin/v1/rooms/{id}/block``
  (fast, but it removes nobody: members keep reading and posting).
* peer: ``DemoPlatform.block`` on the built-in demo platform (a single HTTP call to a server
  that flips a flag), in the same process.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tanggap.domain.model import Scope  # noqa: E402
from tanggap.platforms.demo import DemoPlatform  # noqa: E402
from tanggap.platforms.demo_server import create_platform_app  # noqa: E402
from tanggap.platforms.matrix import MatrixPlatform  # noqa: E402
from tanggap.platforms.seed import seed_world  # noqa: E402
from tanggap.serving import BackgroundServer  # noqa: E402
from tests.platforms.synapse import Synapse, png_bytes, synapse_installed  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rooms", type=int, default=10)
    parser.add_argument("--members", type=int, default=5)
    parser.add_argument("--posts", type=int, default=20)
    args = parser.parse_args()
    if not synapse_installed():
        print("Synapse is not installed: run `make system-deps`", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch, Synapse(Path(scratch) / "synapse") as synapse:
        admin = synapse.register("bench_admin", admin=True)
        owner = synapse.register("bench_owner")
        members = [synapse.register(f"bench_member{n}") for n in range(args.members)]

        def room(tag: str):
            return synapse.create_public_room(owner, f"{tag}_{uuid.uuid4().hex[:8]}", "Bench", "",
                                              members, [f"post {n}" for n in range(args.posts)], png_bytes(1))

        takedown, evidence, bare_block = [], [], []
        with MatrixPlatform(synapse.url, admin.access_token, timeout=30, poll_interval_s=0.05) as matrix:
            for _ in range(args.rooms):
                target = room("takedown").target
                started = time.perf_counter()
                matrix.evidence(target)
                evidence.append(time.perf_counter() - started)
                target = room("takedown").target
                started = time.perf_counter()
                matrix.block(target, Scope(), uuid.uuid4().hex)
                takedown.append(time.perf_counter() - started)
                bare = room("bare")
                started = time.perf_counter()
                synapse.call(admin, "PUT", f"/_synapse/admin/v1/rooms/{quote(bare.room_id, safe='')}/block",
                             json={"block": True}).raise_for_status()
                bare_block.append(time.perf_counter() - started)
        demo = _demo_blocks(Path(scratch) / "demo.db", args.rooms)
    print(f"Synapse 1.163.2 on SQLite; {args.rooms} rooms of {args.members + 1} members, "
          f"{args.posts} posts + 1 image")
    print(f"{'':44} {'median ms':>10} {'max ms':>8}")
    for label, figures in (("MatrixPlatform.block (evidence + shutdown)", takedown),
                           ("  of which: evidence copy", evidence),
                           ("peer: bare PUT .../block (removes nobody)", bare_block),
                           ("peer: DemoPlatform.block", demo)):
        print(f"{label:44} {statistics.median(figures) * 1000:10.0f} {max(figures) * 1000:8.0f}")
    return 0


def _demo_blocks(db: Path, count: int) -> list[float]:
    channels = [c for c in seed_world(db, channels=max(40, count * 4), seed=2017) if c.username]
    timings = []
    with BackgroundServer(create_platform_app(db, "bench-token-0123456789")) as server, \
            DemoPlatform(server.url, "bench-token-0123456789") as platform:
        for channel in channels[:count]:
            started = time.perf_counter()
            platform.block(channel.target, Scope(), uuid.uuid4().hex)
            timings.append(time.perf_counter() - started)
    return timings


if __name__ == "__main__":
    sys.exit(main())
