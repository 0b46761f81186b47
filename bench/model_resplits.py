"""Bench: does the model beat the baseline on *other* held-out splits, not just the shipped one?

For each of N split seeds, the shipped data is re-split (``corpus.split(examples, seed=...)``,
deduplicated and stratified as the fixed split is), our training code (``training.train``, the
shipped configuration but with ``--folds`` folds) and the baseline (``baseline.Baseline``) are
both trained on the train part in the same run and scored on the test part. The three acceptance
criteria are counted per split:

- F1 on netifier ``radikalisme`` rows at least the baseline's;
- ROC AUC on netifier rows at least the baseline's;
- religion-targeted hate speech (id-hatespeech ``HS_Religion``) flagged at most a fifth as often.

    nice .venv/bin/python bench/model_resplits.py [--seeds 8] [--first 0] [--folds 3] [--baseline-share 0.2]

"Ours" is the cascade as shipped (``model.scores``: the first stage, then the full model on what
it passes on); each line also gives the full model alone on every post. Texts are normalised
once (normalisation does not depend on the split). Prints one line per split
and the pass counts; about 3-6 minutes a split on one shared core.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace


from tanggap.detect import corpus, resources
from tanggap.detect.baseline import Baseline
from tanggap.detect.evaluation import Evaluation, evaluate
from tanggap.detect.training import TrainingConfig, train

CRITERIA = ("f1", "auc", "fpr", "all")


def figures(evaluation: Evaluation) -> tuple[float, float, int, int]:
    rate = evaluation.religion_hate_fpr
    return (float(evaluation.radicalism["f1"].value or 0.0), float(evaluation.radicalism["roc_auc"].value or 0.0),
            rate.hits, rate.total)


def one_split(examples, normalised, seed: str, config: TrainingConfig) -> dict[str, bool]:
    started = time.perf_counter()
    position = {id(example): row for row, example in enumerate(examples)}
    train_part, test_part = corpus.split(examples, seed=seed)
    model = train(train_part, config, normalised=[normalised[position[id(e)]] for e in train_part])
    test_normalised = [normalised[position[id(e)]] for e in test_part]
    full_alone = model.scores_normalised(test_normalised, model.advocacy([e.text for e in test_part]))
    ours = model.scores([e.text for e in test_part])  # the cascade: its first stage, then the full model
    baseline = Baseline.fit(train_part)
    theirs = baseline.scores([e.text for e in test_part])
    f1, auc, hits, total = figures(evaluate("model", ours, model.threshold, test_part, resamples=0))
    full_f1, full_auc, full_hits, _ = figures(evaluate("full", full_alone, model.threshold, test_part, resamples=0))
    base_f1, base_auc, base_hits, _ = figures(evaluate("baseline", theirs, baseline.threshold, test_part, resamples=0))
    passed = {"f1": f1 >= base_f1, "auc": auc >= base_auc, "fpr": hits * 5 <= base_hits}
    passed["all"] = all(passed.values())
    print(f"{seed}: F1 {f1:.3f} vs {base_f1:.3f} | AUC {auc:.4f} vs {base_auc:.4f} | religion FP "
          f"{hits}/{total} vs {base_hits}/{total} | gate {model.gate_power:g} "
          f"threshold {model.threshold:.3f} | full model alone F1 {full_f1:.3f} AUC {full_auc:.4f} FP {full_hits} | "
          f"pass {' '.join(c for c in CRITERIA if passed[c]) or '-'} "
          f"({time.perf_counter() - started:.0f} s)", flush=True)
    return passed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--baseline-share", type=float, default=TrainingConfig().baseline_share,
                        help="the training bar: this share of the baseline's out-of-fold religion-hate FPR")
    args = parser.parse_args()
    examples = corpus.base_examples()
    normaliser = resources.default_normaliser()
    normalised = [normaliser(e.text) for e in examples]
    config = replace(TrainingConfig(), folds=args.folds, baseline_share=args.baseline_share)
    print(f"{len(examples)} examples; config {config}", flush=True)
    counts = dict.fromkeys(CRITERIA, 0)
    seeds = [f"resplit-{n}" for n in range(args.first, args.first + args.seeds)]
    for seed in seeds:
        for criterion, passed in one_split(examples, normalised, seed, config).items():
            counts[criterion] += passed
    print("passes over " + f"{len(seeds)} re-splits: " + ", ".join(f"{c} {counts[c]}/{len(seeds)}" for c in CRITERIA))


if __name__ == "__main__":
    main()
