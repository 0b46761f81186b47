"""Bench: proactive-scan throughput on one core, posts per second, text only and with images.

What one scanned post costs, platform HTTP aside: the shipped classifier and the lexicon on its
text, the channel-risk roll-up, and — with images — PDQ/MD5/SHA-256 hashing of one JPEG per post
and a lookup in the hash banks (a verified bank of the demo releases plus 100,000 other PDQ
hashes, on a SQLite store, match counters written as in production).

Posts: the demo world's texts (`src/tanggap/demo/seed/`), in channels of 20; images drawn by the
demo platform, half of them re-posted releases that match the bank.

Peer, measured in the same run on the same posts and core: the scikit-learn baseline (TF-IDF
char 2-5 + word 1-2, logistic regression) scoring the same texts.

    .venv/bin/python bench/scan_throughput.py [--posts 2000] [--runs 3]
"""

from __future__ import annotations

import os

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from threadpoolctl import threadpool_limits  # noqa: E402

from tanggap.detect.banks.service import create_bank, import_hash_list, match_media  # noqa: E402
from tanggap.detect.baseline import Baseline  # noqa: E402
from tanggap.detect.channel_risk import PostEvidence, channel_risk  # noqa: E402
from tanggap.detect.corpus import base_split  # noqa: E402
from tanggap.detect.registry import ModelRegistry  # noqa: E402
from tanggap.platforms.demo_media import release_hash_list, render  # noqa: E402
from tanggap.platforms.seed import sample_texts  # noqa: E402
from tanggap.services.scan import ModelScorer  # noqa: E402
from tanggap.store.migrate import upgrade  # noqa: E402
from tanggap.store.uow import Store  # noqa: E402

CHANNEL = 20  # posts per channel, as the scan reads them


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    texts = [s.text for s in sample_texts()]
    posts = [texts[n % len(texts)] for n in range(args.posts)]
    rng = random.Random(7)
    images = [render(f"demo-media://release-{n % 4}/{n}.jpg" if rng.random() < 0.5 else f"demo-media://other/{n}.jpg")
              for n in range(args.posts)]
    with tempfile.TemporaryDirectory() as folder, threadpool_limits(1):
        store = _store_with_bank(Path(folder))
        scorer = ModelScorer(ModelRegistry(Path(folder) / "models").load())
        baseline = Baseline.fit(base_split()[0])
        text_only = _rate(lambda: _scan_text(scorer, posts), len(posts), args.runs)
        with_images = _rate(lambda: _scan_with_images(store, scorer, posts, images), len(posts), args.runs)
        peer = _rate(lambda: baseline.scores(posts), len(posts), args.runs)
    print(f"{args.posts} posts in channels of {CHANNEL}; one core; median of {args.runs} runs")
    print(f"{'scan, text only (classifier + lexicon + channel risk)':60} {text_only:8.0f} posts/s")
    print(f"{'scan, with one image per post (+ hashing + bank lookup)':60} {with_images:8.0f} posts/s")
    print(f"{'peer: baseline TF-IDF + logistic regression, text scores':60} {peer:8.0f} posts/s")


def _store_with_bank(folder: Path) -> Store:
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    store = Store(url)
    create_bank(store, "releases", "positive", verified=True)
    import_hash_list(store, "releases", release_hash_list(), "csv")
    rng = random.Random(11)
    others = "hash_type,hash,labels\n" + "".join(
        f"PDQ,{rng.getrandbits(256):064x},other\n" for _ in range(100_000))
    create_bank(store, "others", "positive")
    import_hash_list(store, "others", others.encode(), "csv")
    return store


def _scan_text(scorer, posts):
    for start in range(0, len(posts), CHANNEL):
        batch = posts[start:start + CHANNEL]
        scores = scorer.score_posts(batch)
        channel_risk([PostEvidence(str(n), s.score, s.terms) for n, s in enumerate(scores)])


def _scan_with_images(store, scorer, posts, images):
    for start in range(0, len(posts), CHANNEL):
        batch = posts[start:start + CHANNEL]
        scores = scorer.score_posts(batch)
        matches = match_media(store, [(str(n), images[start + n]) for n in range(len(batch))])
        channel_risk([PostEvidence(str(n), s.score, s.terms, tuple(m.signals))
                      for n, (s, m) in enumerate(zip(scores, matches, strict=True))])


def _rate(work, count: int, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return count / statistics.median(timings)


if __name__ == "__main__":
    main()
