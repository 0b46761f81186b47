"""Bench: scan throughput of the terrorism classifier, posts per second on one core, text only.

Measured on the held-out posts of the shipped data (real Indonesian and English social-media
texts, about 4,000 of them), in batches of 512, through the whole path a `tanggap classify` run takes:
normalisation (escapes, markup, slang, spelling, lexicon), language identification, features,
both heads, calibration, label.

Peer, measured in the same run on the same posts and the same core: the scikit-learn baseline
(TF-IDF char 2-5 + word 1-2 and logistic regression, `tanggap.detect.baseline`), trained here on
netifier's train part, scoring with `predict_proba`.

The text path keeps per-word memos (`tanggap.detect.memo`: spelling keys, folded chunks, language
evidence). So that repeating the same posts does not flatter it, every timed run starts with the
memos emptied and then filled by *other* posts (the train part, untimed): a service that has seen
earlier traffic, but not these posts. A "cold" row shows a run with the memos empty. Times are
wall-clock (median of the runs) and process CPU time (the machine may be shared).

The live model is a cascade (format v3): a compiled first stage scores every post and passes the
few near or above the line on to the full path. A row "full model alone" times the same model with
its first stage switched off (every post through the full path, as before v3), and the share of
posts passed on is printed. The baseline gives a score only: the like-for-like row is "scores
only"; "classify" also names each post's language.

``--stages`` adds where the CPU time of the classify path goes per post (medians): normalisation
with language routing on the first pass after the steady fill (new chunks computed), the same on
the same posts again (every chunk known: the per-chunk look-ups and joins alone), and features
with both heads and calibration.

    .venv/bin/python bench/classify_throughput.py [--runs 3] [--posts 4036] [--model VERSION] [--stages]
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

from tanggap.detect import memo  # noqa: E402
from tanggap.detect.baseline import DESCRIPTION, Baseline  # noqa: E402
from tanggap.detect.corpus import base_split  # noqa: E402
from tanggap.detect.registry import ModelRegistry  # noqa: E402

BATCH = 512


def rate(score, texts: list[str], runs: int, prepare=None) -> tuple[float, float, list[float]]:
    """Posts per second by wall clock and by CPU time (medians), and the wall time of each run;
    ``prepare`` runs before each timed run, untimed."""
    timings, cpu = [], []
    for _ in range(runs):
        if prepare is not None:
            prepare()
        started, started_cpu = time.perf_counter(), time.process_time()
        for start in range(0, len(texts), BATCH):
            score(texts[start:start + BATCH])
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return len(texts) / statistics.median(timings), len(texts) / statistics.median(cpu), timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--posts", type=int, default=None, help="at most this many posts")
    parser.add_argument("--model", default=None, help="a model version (default: the live one)")
    parser.add_argument("--models-dir", type=Path, default=Path("var/models"))
    parser.add_argument("--stages", action="store_true", help="also time the stages of the classify path")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    train_part, test_part = base_split()
    texts = [e.text for e in test_part][: args.posts]
    model = ModelRegistry(args.models_dir).load(args.model)
    baseline = Baseline.fit(train_part)
    chars = sum(map(len, texts))
    earlier = [e.text for e in train_part]

    def steady() -> None:  # memos hold the words of earlier posts, not of these
        memo.clear_all()
        model.classify(earlier)

    with threadpool_limits(limits=1):
        model.classify(texts[:BATCH]), baseline.scores(texts[:BATCH])  # compile, lazy loads
        ours = rate(model.classify, texts, args.runs, steady)
        scores_only = rate(model.scores, texts, args.runs, steady)
        cold = rate(model.classify, texts, args.runs, memo.clear_all)
        # every post through the full model (its advocacy head from the first stage's pass, if it stacks)
        full_alone = rate(model._classify_fully, texts, args.runs, steady) if model.first_stage is not None else None
        theirs = rate(baseline.scores, texts, args.runs)
    print(f"posts: {len(texts)} held-out texts, mean {chars / len(texts):.0f} characters; one core; "
          f"batches of {BATCH}; median of {args.runs} runs")
    print(f"{'scorer':<58} {'posts/s':>9} {'CPU posts/s':>12}  runs (s)")
    rows = [(f"tanggap {model.version} classify (score, label, language)", ours),
            (f"tanggap {model.version} scores only", scores_only),
            (f"tanggap {model.version} classify, memos cold", cold),
            *([(f"tanggap {model.version} full model alone, classify", full_alone)] if full_alone else []),
            (f"baseline: {DESCRIPTION[:47]}", theirs)]
    for name, (wall, cpu, runs) in rows:
        print(f"{name:<58} {wall:>9.0f} {cpu:>12.0f}  " + " ".join(f"{t:.2f}" for t in runs))
    print(f"ratio tanggap/baseline, scores only: {scores_only[0] / theirs[0]:.2f} (CPU time: "
          f"{scores_only[1] / theirs[1]:.2f}); classify: {ours[0] / theirs[0]:.2f} "
          f"(CPU time: {ours[1] / theirs[1]:.2f}; "
          f"memos cold: {cold[0] / theirs[0]:.2f})")
    if model.first_stage is not None and full_alone is not None:
        passed = sum(len(model._first_pass(texts[start:start + BATCH])[1]) for start in range(0, len(texts), BATCH))
        print(f"first stage passed {passed} of {len(texts)} posts ({passed / len(texts):.1%}) on to the full model; "
              f"full model alone: {full_alone[0] / theirs[0]:.2f}x the baseline")
    if args.stages:
        with threadpool_limits(limits=1):
            first, again, scoring = stages(model, texts, args.runs, steady)
            first_stage = first_stage_time(model, texts, args.runs)
        print(f"CPU µs per post: first stage {first_stage:.1f}; full path (every post, as the full model alone "
              f"runs it): normalise + language {first:.1f} on the first pass ({again:.1f} with every chunk known), "
              f"features + heads + calibration {scoring:.1f}; baseline {1e6 / theirs[1]:.1f} in all")


def first_stage_time(model, texts: list[str], runs: int) -> float:
    """CPU µs per post of the first stage's decisions (median), 0 for a model without one."""
    if model.first_stage is None:
        return 0.0
    spent = []
    for _ in range(runs):
        begin = time.process_time()
        for start in range(0, len(texts), BATCH):
            model.first_stage.decisions(texts[start:start + BATCH])
        spent.append((time.process_time() - begin) / len(texts) * 1e6)
    return statistics.median(spent)


def stages(model, texts: list[str], runs: int, prepare) -> tuple[float, float, float]:
    """CPU µs per post (medians): normalise + route on the first pass, the same again, scoring."""
    normaliser = model._normaliser()
    first, again, scoring = [], [], []
    for _ in range(runs):
        prepare()
        spent = [0.0, 0.0, 0.0]
        for start in range(0, len(texts), BATCH):
            batch = texts[start:start + BATCH]
            begin = time.process_time()
            normalised, _ = normaliser.with_languages(batch)
            middle = time.process_time()
            model.scores_normalised(normalised, model.advocacy(batch))
            spent[2] += time.process_time() - middle
            spent[0] += middle - begin
        begin = time.process_time()
        for start in range(0, len(texts), BATCH):
            normaliser.with_languages(texts[start:start + BATCH])
        spent[1] = time.process_time() - begin
        for total, spent_here in zip((first, again, scoring), spent, strict=True):
            total.append(spent_here / len(texts) * 1e6)
    return statistics.median(first), statistics.median(again), statistics.median(scoring)


if __name__ == "__main__":
    main()
