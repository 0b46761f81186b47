"""Bench: scan throughput of the terrorism classifier, posts per second on one core, text only.

Measured on the held-out posts of the shipped data (real Indonesian and English social-media
texts, about 4,000 of them), in batches of 512, through the whole path a `tanggap classify` run takes:
normalisation (escapes, markup, slang, spelling, lexicon), language identification, features,
both heads, calibration, label.

Peer, measured in the same run on the same posts and the same core: the scikit-learn baseline
(TF-IDF char 2-5 + word 1-2 and logistic regression, `tanggap.detect.baseline`), trained here on
netifier's train part, scoring with `predict_proba`.

    .venv/bin/python bench/classify_throughput.py [--runs 3] [--posts 4036] [--model VERSION]
"""

from __future__ import annotations

import os

# One core: pin the process and every BLAS/OpenMP pool before numpy is imported.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from threadpoolctl import threadpool_limits  # noqa: E402

from tanggap.detect.baseline import DESCRIPTION, Baseline  # noqa: E402
from tanggap.detect.corpus import base_split  # noqa: E402
from tanggap.detect.registry import ModelRegistry  # noqa: E402

BATCH = 512


def rate(score, texts: list[str], runs: int) -> tuple[float, list[float]]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        for start in range(0, len(texts), BATCH):
            score(texts[start:start + BATCH])
        timings.append(time.perf_counter() - started)
    return len(texts) / statistics.median(timings), timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--posts", type=int, default=None, help="at most this many posts")
    parser.add_argument("--model", default=None, help="a model version (default: the live one)")
    parser.add_argument("--models-dir", type=Path, default=Path("var/models"))
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    train_part, test_part = base_split()
    texts = [e.text for e in test_part][: args.posts]
    model = ModelRegistry(args.models_dir).load(args.model)
    baseline = Baseline.fit(train_part)
    chars = sum(map(len, texts))
    with threadpool_limits(limits=1):
        model.classify(texts[:BATCH]), baseline.scores(texts[:BATCH])  # warm caches and lazy loads
        ours, our_runs = rate(model.classify, texts, args.runs)
        scores_only, _ = rate(model.scores, texts, args.runs)
        theirs, their_runs = rate(baseline.scores, texts, args.runs)
    print(f"posts: {len(texts)} held-out texts, mean {chars / len(texts):.0f} characters; one core; "
          f"batches of {BATCH}; median of {args.runs} runs")
    print(f"{'scorer':<58} {'posts/s':>9}  runs (s)")
    print(f"{'tanggap ' + model.version + ' classify (score, label, language)':<58} {ours:>9.0f}  "
          + " ".join(f"{t:.2f}" for t in our_runs))
    print(f"{'tanggap ' + model.version + ' scores only':<58} {scores_only:>9.0f}")
    print(f"{'baseline: ' + DESCRIPTION[:47]:<58} {theirs:>9.0f}  " + " ".join(f"{t:.2f}" for t in their_runs))
    print(f"ratio tanggap/baseline: {ours / theirs:.2f}")


if __name__ == "__main__":
    main()
