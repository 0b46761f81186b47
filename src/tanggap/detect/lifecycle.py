"""A model version's life: trained (from the base data, and the platform's decisions), measured
next to the baseline, run in shadow, and promoted only when it beats the live one.

The CLI (``detect/cli.py``) is a thin layer over these functions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from tanggap.detect import corpus, decisions
from tanggap.detect.baseline import DESCRIPTION as BASELINE_DESCRIPTION
from tanggap.detect.baseline import Baseline
from tanggap.detect.card import model_card
from tanggap.detect.corpus import Example
from tanggap.detect.evaluation import (
    Evaluation, Interval, decision_f1, evaluate, paired_f1_difference, side_by_side,
)
from tanggap.detect.model import TerrorismModel
from tanggap.detect.registry import PACKAGED_DIR, REGISTRY_FILE, ModelRegistry, _write_json
from tanggap.detect.training import TrainingConfig, train

HOLDOUT_FILE = "decisions_holdout.jsonl"
Progress = Callable[[str], None]


@dataclass
class EvaluationRun:
    model: Evaluation
    baseline: Evaluation
    f1_difference: Interval  # F1(model) - F1(baseline), paired bootstrap
    examples: int

    @property
    def table(self) -> str:
        return side_by_side([self.model, self.baseline])

    @property
    def verdict(self) -> str:
        """The project's acceptance bar, in words."""
        ours, theirs = self.model, self.baseline
        f1_ok = (ours.radicalism["f1"].value or 0) > (theirs.radicalism["f1"].value or 0)
        ours_fpr = ours.religion_hate_fpr.interval.value or 0.0
        theirs_fpr = theirs.religion_hate_fpr.interval.value or 0.0
        fpr_ok = ours_fpr <= theirs_fpr / 5
        ours_auc, theirs_auc = ours.radicalism["roc_auc"].value or 0, theirs.radicalism["roc_auc"].value or 0
        return (f"higher F1 on radikalisme than the baseline: {'yes' if f1_ok else 'NO'} "
                f"(difference {self.f1_difference}, paired bootstrap); "
                f"ROC AUC at least the baseline's: {'yes' if ours_auc >= theirs_auc else 'NO'} "
                f"({ours_auc:.4f} vs {theirs_auc:.4f}); "
                f"religion-hate FPR at most a fifth of the baseline's: {'yes' if fpr_ok else 'NO'} "
                f"({ours_fpr:.3f} vs {theirs_fpr:.3f} / 5 = {theirs_fpr / 5:.3f})")


def held_out(sample_size: int | None = None) -> tuple[list[Example], list[Example]]:
    train_part, test_part = corpus.base_split()
    test_size = sample_size and max(200, sample_size // 4)
    return corpus.sample(train_part, sample_size), corpus.sample(test_part, test_size)


def evaluate_against_baseline(model: TerrorismModel, train_part: Sequence[Example], test_part: Sequence[Example],
                              resamples: int = 1000, progress: Progress = lambda _: None) -> EvaluationRun:
    progress(f"scoring {len(test_part)} held-out examples with {model.version}")
    ours = model.scores([e.text for e in test_part])
    progress("training the baseline on the same train part: " + BASELINE_DESCRIPTION)
    baseline = Baseline.fit(train_part)
    theirs = baseline.scores([e.text for e in test_part])
    model_eval = evaluate(f"model {model.version}", ours, model.threshold, test_part, resamples)
    baseline_eval = evaluate("baseline tfidf+logreg", theirs, baseline.threshold, test_part, resamples)
    netifier = np.array([e.dataset == "netifier" for e in test_part])
    labels = np.array([e.label for e in test_part])[netifier]
    difference = paired_f1_difference(labels, ours[netifier] >= model.threshold,
                                      theirs[netifier] >= baseline.threshold, resamples)
    return EvaluationRun(model_eval, baseline_eval, difference, len(test_part))


@dataclass
class TrainedVersion:
    model: TerrorismModel
    path: Path
    evaluation: EvaluationRun
    decision_counts: dict = field(default_factory=dict)


def train_version(registry: ModelRegistry, *, harvest: decisions.Harvest | None = None,
                  sample_size: int | None = None, config: TrainingConfig = TrainingConfig(),
                  resamples: int = 1000, ship: bool = False, created: datetime | None = None,
                  progress: Progress = lambda _: None) -> TrainedVersion:
    """Train on the base train part (plus decisions), evaluate on the held-out parts, save the
    version (in shadow, or as the packaged default with ``ship``)."""
    train_part, test_part = held_out(sample_size)
    decision_train: list[Example] = []
    decision_holdout: list[Example] = []
    if harvest is not None:
        decision_train, decision_holdout = decisions.split_harvest(harvest.examples, train_part, test_part)
        progress(f"decisions: {len(decision_train)} posts to train on, {len(decision_holdout)} held out")
    parent = None
    if harvest is not None:
        try:
            parent = registry.live_version
        except Exception:  # noqa: BLE001 - a first model has no parent
            parent = None
    model = train([*train_part, *decision_train], config, progress=progress, created=created,
                  data_hashes=corpus.training_hashes(), parent=parent)
    if decision_train and harvest is not None:
        model.manifest["training"]["decisions"] = {"train_posts": len(decision_train),
                                                   "holdout_posts": len(decision_holdout),
                                                   **{k: int(v) for k, v in harvest.counts.items()}}
    run = evaluate_against_baseline(model, train_part, [*test_part, *decision_holdout], resamples, progress)
    model.manifest["evaluation"] = {"held_out": run.model.as_json(), "baseline": run.baseline.as_json(),
                                    "baseline_description": BASELINE_DESCRIPTION,
                                    "f1_difference": run.f1_difference.as_json(),
                                    "examples": run.examples, "sampled": sample_size is not None}
    card = model_card(model, f"{run.table}\n\n{run.verdict}")
    extra = {HOLDOUT_FILE: decisions.to_jsonl(decision_holdout)} if decision_holdout else {}
    if ship:
        path = ship_version(model, card)
    else:
        path = registry.add(model, card, extra)
    return TrainedVersion(model, path, run, dict(harvest.counts) if harvest else {})


def ship_version(model: TerrorismModel, card: str, packaged: Path = PACKAGED_DIR) -> Path:
    """Make ``model`` the default shipped inside the package (for maintainers)."""
    target = packaged / model.version
    model.save(target)
    (target / "MODEL_CARD.md").write_text(card)
    _write_json(packaged / REGISTRY_FILE, {"live": model.version})
    return target


# -- promotion -------------------------------------------------------------------------------

@dataclass
class Promotion:
    live: Evaluation
    candidate: Evaluation
    promoted: bool
    reasons: list[str]

    @property
    def table(self) -> str:
        rows = [side_by_side([self.live, self.candidate])]
        live_f1, candidate_f1 = decision_f1(self.live), decision_f1(self.candidate)
        if live_f1 is not None and candidate_f1 is not None:
            rows.append(f"F1 on decisions hold-out: live {live_f1:.3f}, candidate {candidate_f1:.3f}")
        return "\n".join(rows)


def promotion_slice(registry: ModelRegistry, *versions: str, sample_size: int | None = None) -> list[Example]:
    """The base test part and every decision hold-out kept by the versions compared."""
    _, test_part = held_out(sample_size)
    extra: list[Example] = []
    for version in versions:
        holdout = registry.path_of(version) / HOLDOUT_FILE
        if holdout.exists():
            extra.extend(decisions.from_jsonl(holdout.read_text()))
    return [*test_part, *corpus.deduplicate(extra)]


def judge(live: Evaluation, candidate: Evaluation) -> tuple[bool, list[str]]:
    """Promote only if the candidate is no worse on every measure and better on one."""
    measures = [
        ("F1 on radikalisme", live.radicalism["f1"].value, candidate.radicalism["f1"].value, +1),
        ("religion-hate FPR", live.religion_hate_fpr.interval.value, candidate.religion_hate_fpr.interval.value, -1),
        ("F1 on decisions hold-out", decision_f1(live), decision_f1(candidate), +1),
    ]
    reasons, worse, better = [], False, False
    for name, old, new, direction in measures:
        if old is None or new is None:
            continue
        delta = (new - old) * direction
        if delta < -1e-12:
            worse = True
            reasons.append(f"{name} worse: {new:.3f} vs live {old:.3f}")
        elif delta > 1e-12:
            better = True
            reasons.append(f"{name} better: {new:.3f} vs live {old:.3f}")
        else:
            reasons.append(f"{name} equal: {new:.3f}")
    if not better and not worse:
        reasons.append("not better than the live model on any measure")
    return (better and not worse), reasons


def promote(registry: ModelRegistry, version: str, sample_size: int | None = None, resamples: int = 200,
            force_slice: Sequence[Example] | None = None) -> Promotion:
    live_version = registry.live_version
    if version == live_version:
        raise ValueError(f"{version} is already live")
    live_model, candidate_model = registry.load(live_version), registry.load(version)
    held = list(force_slice) if force_slice is not None else promotion_slice(
        registry, live_version, version, sample_size=sample_size)
    live_eval = evaluate(f"live {live_version}", live_model.scores([e.text for e in held]), live_model.threshold,
                         held, resamples)
    candidate_eval = evaluate(f"candidate {version}", candidate_model.scores([e.text for e in held]),
                              candidate_model.threshold, held, resamples)
    promoted, reasons = judge(live_eval, candidate_eval)
    if promoted:
        registry.set_live(version, evidence={"live": live_eval.as_json(), "candidate": candidate_eval.as_json()})
    return Promotion(live_eval, candidate_eval, promoted, reasons)


# -- shadow ----------------------------------------------------------------------------------

@dataclass
class ShadowSummary:
    posts: int
    live_version: str
    candidate_version: str
    live_flagged: int
    candidate_flagged: int
    disagreements: int
    mean_score_change: float
    labelled: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        lines = [f"{self.posts} posts; live {self.live_version} flagged {self.live_flagged}, "
                 f"shadow {self.candidate_version} flagged {self.candidate_flagged}; "
                 f"labels differ on {self.disagreements}; mean |score change| {self.mean_score_change:.3f}"]
        if self.labelled:
            lines.append("on the labelled lines: " + ", ".join(f"{k} {v:.3f}" for k, v in self.labelled.items()))
        return lines


def shadow_compare(live: TerrorismModel, candidate: TerrorismModel, texts: Sequence[str],
                   labels: Sequence[int | None]) -> tuple[ShadowSummary, np.ndarray, np.ndarray]:
    live_scores, candidate_scores = live.scores(texts), candidate.scores(texts)
    live_flags, candidate_flags = live_scores >= live.threshold, candidate_scores >= candidate.threshold
    summary = ShadowSummary(len(texts), live.version, candidate.version, int(live_flags.sum()),
                            int(candidate_flags.sum()), int((live_flags != candidate_flags).sum()),
                            float(np.abs(live_scores - candidate_scores).mean()) if len(texts) else 0.0)
    known = np.array([label is not None for label in labels], dtype=bool)
    if known.any():
        truth = np.array([label or 0 for label in labels])[known]
        for name, flags in (("live F1", live_flags[known]), ("shadow F1", candidate_flags[known])):
            tp = int((flags & (truth == 1)).sum())
            summary.labelled[name] = 2 * tp / (flags.sum() + truth.sum()) if flags.sum() + truth.sum() else 0.0
    return summary, live_scores, candidate_scores


def shadow_record(post_id, live: TerrorismModel, live_score: float, candidate: TerrorismModel,
                  candidate_score: float, at: str) -> str:
    """One line of the shadow log: ids and scores, never the text."""
    return json.dumps({"id": post_id, "at": at,
                       "live": {"version": live.version, "score": round(live_score, 6),
                                "label": live.label(live_score)},
                       "shadow": {"version": candidate.version, "score": round(candidate_score, 6),
                                  "label": candidate.label(candidate_score)}}, ensure_ascii=False) + "\n"
