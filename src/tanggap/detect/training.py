"""Training: out-of-fold scores choose the gate, the calibration and the threshold; then the two
heads are fitted on every training example.

Only the *train* part of the split (``corpus.split``) is ever passed here; the test part is for
``evaluation``. Out-of-fold (k-fold) scores stand in for a separate calibration split, so that
no labelled example is wasted on calibration alone.
"""

from __future__ import annotations

import hashlib
import platform
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import numpy as np
import scipy
import sklearn
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import StratifiedKFold

from tanggap.detect import prefilter, resources
from tanggap.detect.corpus import SPLIT_SEED, Example
from tanggap.detect.features import FeatureSpace, hashed_counts, lexicon_features
from tanggap.detect.baseline import Baseline
from tanggap.detect.model import (FIRST_STAGE_HEADS, Calibration, LinearHead, Stack, TerrorismModel, combine, logit,
                                 sigmoid)
from tanggap.detect.normalise import NormalisedText
from tanggap.detect.prefilter import FirstStage

Progress = Callable[[str], None]


@dataclass(frozen=True)
class TrainingConfig:
    folds: int = 5
    radical_c: float = 10.0
    hate_c: float = 20.0
    # The rank head orders posts within each side of the gate's line (model.banded). Indonesian
    # rows only and a stronger regularisation rank the netifier rows best: the English weak
    # positives and news teach the label, not the order of Indonesian posts (measured in
    # bench/model_frontier.py: C = 1 without English, ROC AUC 0.959 against 0.951 as the radical head).
    rank_c: float = 1.0
    gate_powers: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 12.0, 16.0, 24.0)
    # The operating point: best out-of-fold F1 on radikalisme with at most this share of
    # religion-targeted hate speech labelled terrorism. None: a fifth of what the baseline
    # (baseline.py) flags out of fold on the same folds, the project's acceptance bar.
    max_religion_fpr: float | None = None
    baseline_share: float = 0.2
    min_religion_fpr: float = 0.005  # floor for small runs where the baseline flags nothing
    min_df: int = 2
    seed: int = 0
    # The cascade's first stage (prefilter.py): its pass head learns which training texts the
    # full model scores at least this share of its threshold; its cutoff passes on this share of
    # the texts the full model labels out of fold; its rank head is a ridge regression.
    first_stage_near: float = 0.5
    first_stage_recall: float = 0.99
    first_stage_c: float = 4.0
    first_stage_rank_alpha: float = 0.3
    # The first stage's advocacy head (a TF-IDF logistic regression of the label on the rank
    # head's rows), stacked with the rank head: C as the one that ranked best on re-splits.
    first_stage_advocacy_c: float = 16.0


def _fold_codes(examples: Sequence[Example], folds: int) -> np.ndarray:
    codes = [f"{e.dataset}|{e.label}|{e.religion_hate}" for e in examples]
    counts = Counter(codes)
    return np.array([code if counts[code] >= folds else str(e.label) for code, e in zip(codes, examples, strict=True)])


def _fit_head(matrix, labels: np.ndarray, weights: np.ndarray, c: float) -> LinearHead:
    if len(set(labels.tolist())) < 2:  # nothing to learn: a constant head
        prior = float(labels.mean()) if len(labels) else 0.0
        return LinearHead(np.zeros(matrix.shape[1], dtype=np.float32), float(logit(np.array([prior]))[0]))
    model = LogisticRegression(solver="liblinear", C=c, random_state=0)
    model.fit(matrix, labels, sample_weight=weights)
    return LinearHead(model.coef_.ravel().astype(np.float32), float(model.intercept_[0]))


ENGLISH_DATASETS = ("isis-tweets-en", "news-en")
HEADS = ("radical", "hate", "rank")


def head_rows(examples: Sequence[Example]) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """For each head: (row indices, labels, weights).

    radical: every example with a radicalism label except id-hatespeech (whose rows say nothing
    about radicalism; their job is the hate head's). hate: hateful-not-radical (1) against
    radical (0) Indonesian examples. rank: the radical head's rows without the English ones.
    """
    radical_rows = [i for i, e in enumerate(examples) if e.dataset != "id-hatespeech"]
    rank_rows = [i for i in radical_rows if examples[i].dataset not in ENGLISH_DATASETS]
    hate_rows = [i for i, e in enumerate(examples)
                 if e.hateful or (e.label == 1 and e.dataset in ("netifier", "decisions"))]
    return {
        "radical": (np.array(radical_rows, dtype=int), np.array([examples[i].label for i in radical_rows]),
                    np.array([examples[i].weight for i in radical_rows])),
        "hate": (np.array(hate_rows, dtype=int), np.array([int(examples[i].hateful) for i in hate_rows]),
                 np.array([examples[i].weight for i in hate_rows])),
        "rank": (np.array(rank_rows, dtype=int), np.array([examples[i].label for i in rank_rows]),
                 np.array([examples[i].weight for i in rank_rows])),
    }


def _fit_heads(counts, lexicon, rows: np.ndarray, examples: Sequence[Example], config: TrainingConfig,
               names: tuple[str, ...] = HEADS):
    space = FeatureSpace.fit(counts, rows, config.min_df)
    chosen = set(rows.tolist())
    strength = {"radical": config.radical_c, "hate": config.hate_c, "rank": config.rank_c}
    heads = {}
    for name, (indices, labels, weights) in head_rows(examples).items():
        if name not in names:
            continue
        keep = np.array([i in chosen for i in indices], dtype=bool)
        matrix = space.from_counts(counts, lexicon, indices[keep])
        heads[name] = _fit_head(matrix, labels[keep], weights[keep], strength[name])
    return space, heads


def choose_threshold(scores: np.ndarray, labels: np.ndarray, judged: np.ndarray, religion: np.ndarray,
                     max_religion_fpr: float) -> tuple[float, float]:
    """The threshold with the best F1 on ``judged`` rows whose religion-hate FPR stays within
    the limit; returns (threshold, that F1)."""
    judged_scores, judged_labels = scores[judged], labels[judged]
    candidates = np.unique(judged_scores[judged_labels == 1]) if judged_labels.any() else np.array([0.5])
    religion_scores = np.sort(scores[religion])
    best = (float(candidates.max()) if len(candidates) else 0.5, -1.0)
    positives = judged_labels.sum()
    order = np.sort(judged_scores)
    order_pos = np.sort(judged_scores[judged_labels == 1])
    for threshold in candidates:
        if len(religion_scores):
            false_positives = len(religion_scores) - np.searchsorted(religion_scores, threshold, side="left")
            if false_positives / len(religion_scores) > max_religion_fpr:
                continue
        flagged = len(order) - np.searchsorted(order, threshold, side="left")
        caught = len(order_pos) - np.searchsorted(order_pos, threshold, side="left")
        f1 = 2 * caught / (flagged + positives) if flagged + positives else 0.0
        if f1 > best[1]:
            best = (float(threshold), float(f1))
    if best[1] < 0:  # nothing met the limit: the highest religion score, just above
        best = (float(np.nextafter(religion_scores.max(), 1.0)) if len(religion_scores) else 0.5, 0.0)
    return best


def fit_calibration(raw: np.ndarray, labels: np.ndarray) -> Calibration:
    if len(set(labels.tolist())) < 2:
        return Calibration(1.0, 0.0)
    platt = LogisticRegression(C=1e4, max_iter=1000).fit(logit(raw).reshape(-1, 1), labels)
    return Calibration(float(platt.coef_[0, 0]), float(platt.intercept_[0]))


def fold_splits(examples: Sequence[Example], config: TrainingConfig) -> list[tuple[np.ndarray, np.ndarray]]:
    folds = StratifiedKFold(config.folds, shuffle=True, random_state=config.seed)
    return list(folds.split(np.zeros(len(examples)), _fold_codes(examples, config.folds)))


def out_of_fold(examples: Sequence[Example], counts, lexicon, config: TrainingConfig,
                progress: Progress) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Out-of-fold probabilities of the radical and hate heads (they choose the gate and the
    line) and decisions of the rank head (for the stack, which orders but does not move the line)."""
    radical, hate, rank = np.zeros(len(examples)), np.zeros(len(examples)), np.zeros(len(examples))
    for number, (fit_rows, held_rows) in enumerate(fold_splits(examples, config), start=1):
        progress(f"fold {number}/{config.folds}")
        space, heads = _fit_heads(counts, lexicon, fit_rows, examples, config)
        matrix = space.from_counts(counts, lexicon, held_rows)
        radical[held_rows] = sigmoid(heads["radical"].decision(matrix))
        hate[held_rows] = sigmoid(heads["hate"].decision(matrix))
        rank[held_rows] = heads["rank"].decision(matrix)
    return radical, hate, rank


def fit_first_stage(examples: Sequence[Example], normalised: Sequence[NormalisedText], full: TerrorismModel,
                    labelled_out_of_fold: np.ndarray, rank_out_of_fold: np.ndarray, config: TrainingConfig,
                    progress: Progress) -> tuple[FirstStage, Stack, dict]:
    """The cascade's first stage (prefilter.py) over tf-idf columns of the training texts, and
    the stack that orders posts.

    - pass head: which texts the full model scores at least ``first_stage_near`` of its
      threshold (logistic regression, classes balanced);
    - rank head: the full rank head's decision (ridge regression), for the texts not passed on;
    - advocacy head: the label itself, on the rank head's rows (logistic regression);
    - cutoff: out of fold, the pass decision that passes on ``first_stage_recall`` of the texts
      the full model labels out of fold (``labelled_out_of_fold``: how it treats text it has not
      seen, the first stage's case in use);
    - stack: a logistic regression of the label on the rank head's and the advocacy head's
      out-of-fold decisions (``rank_out_of_fold``), on the rank head's rows."""
    present = prefilter.presence([e.text for e in examples])
    idf = prefilter.fit_idf(present)
    matrix = prefilter.tfidf(present, idf)
    progress("first stage: the full model's scores of the training texts")
    teacher = full.features.transform(normalised)
    near = (full.gated(teacher) >= config.first_stage_near * full.threshold).astype(int)
    assert full.rank is not None
    rank_decisions = np.asarray(full.rank.decision(teacher), dtype=np.float64)
    rank_rows, rank_labels, rank_weights = head_rows(examples)["rank"]
    in_rank_rows = np.zeros(len(examples), dtype=bool)
    in_rank_rows[rank_rows] = True
    labels = np.array([e.label for e in examples])
    weights_of = np.array([e.weight for e in examples])
    decisions, advocacy = np.zeros(len(examples)), np.zeros(len(examples))
    for number, (fit_rows, held_rows) in enumerate(fold_splits(examples, config), start=1):
        progress(f"first stage fold {number}/{config.folds}")
        weights, intercept = _fit_pass_head(matrix[fit_rows], near[fit_rows], config)
        decisions[held_rows] = matrix[held_rows] @ weights + intercept
        learn = fit_rows[in_rank_rows[fit_rows]]
        coef, offset = _fit_advocacy_head(matrix[learn], labels[learn], weights_of[learn], config)
        advocacy[held_rows] = matrix[held_rows] @ coef + offset
    if labelled_out_of_fold.any():
        cutoff = float(np.quantile(decisions[labelled_out_of_fold], 1.0 - config.first_stage_recall, method="lower"))
    else:  # the full model labels nothing: pass on what the pass head calls near
        cutoff = 0.0
    pass_weights, pass_intercept = _fit_pass_head(matrix, near, config)
    ranker = Ridge(alpha=config.first_stage_rank_alpha).fit(matrix, rank_decisions)
    advocacy_weights, advocacy_intercept = _fit_advocacy_head(matrix[rank_rows], rank_labels, rank_weights, config)
    stack = fit_stack(rank_out_of_fold[rank_rows], advocacy[rank_rows], rank_labels, rank_weights)
    weights = np.stack([pass_weights, ranker.coef_.astype(np.float32), advocacy_weights], axis=1)
    intercepts = np.array([pass_intercept, float(ranker.intercept_), advocacy_intercept])
    passed = decisions >= cutoff
    report = {"pass_head_positives": int(near.sum()), "recall_target": config.first_stage_recall,
              "labelled_passed_out_of_fold": (round(float(passed[labelled_out_of_fold].mean()), 4)
                                              if labelled_out_of_fold.any() else None),
              "passed_out_of_fold": round(float(passed.mean()), 4) if len(passed) else None}
    return FirstStage(weights, intercepts, cutoff, idf, FIRST_STAGE_HEADS), stack, report


def fit_stack(rank: np.ndarray, advocacy: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> Stack:
    """How much each head counts in the order of posts, from their out-of-fold decisions."""
    if len(set(labels.tolist())) < 2:  # nothing to learn from: the rank head alone, as in v3
        return Stack(1.0, 0.0, 0.0)
    model = LogisticRegression(C=1e4, max_iter=1000).fit(np.column_stack([rank, advocacy]), labels,
                                                         sample_weight=weights)
    return Stack(float(model.coef_[0, 0]), float(model.coef_[0, 1]), float(model.intercept_[0]))


def _fit_advocacy_head(matrix, labels: np.ndarray, weights: np.ndarray,
                       config: TrainingConfig) -> tuple[np.ndarray, float]:
    if len(set(labels.tolist())) < 2:
        return np.zeros(matrix.shape[1], dtype=np.float32), 0.0
    model = LogisticRegression(C=config.first_stage_advocacy_c, max_iter=3000)
    model.fit(matrix, labels, sample_weight=weights)
    return model.coef_.ravel().astype(np.float32), float(model.intercept_[0])


def _fit_pass_head(matrix, near: np.ndarray, config: TrainingConfig) -> tuple[np.ndarray, float]:
    if len(set(near.tolist())) < 2:  # nothing to learn: pass everything, or nothing
        return np.zeros(matrix.shape[1], dtype=np.float32), (1.0 if near.all() else -1.0)
    model = LogisticRegression(C=config.first_stage_c, class_weight="balanced", max_iter=3000)
    model.fit(matrix, near)
    return model.coef_.ravel().astype(np.float32), float(model.intercept_[0])


def baseline_religion_fpr(examples: Sequence[Example], config: TrainingConfig, progress: Progress) -> float | None:
    """The baseline's out-of-fold false-positive rate on religion-targeted hate speech."""
    religion = np.array([e.religion_hate for e in examples])
    if not religion.any():
        return None
    flagged = np.zeros(len(examples), dtype=bool)
    for number, (fit_rows, held_rows) in enumerate(fold_splits(examples, config), start=1):
        progress(f"baseline fold {number}/{config.folds}")
        try:
            model = Baseline.fit([examples[i] for i in fit_rows])
        except ValueError:
            return None
        held = held_rows[religion[held_rows]]
        flagged[held] = model.scores([examples[i].text for i in held]) >= model.threshold
    return float(flagged[religion].mean())


def train(examples: Sequence[Example], config: TrainingConfig = TrainingConfig(),
          normalised: Sequence[NormalisedText] | None = None, progress: Progress = lambda _: None,
          created: datetime | None = None, data_hashes: dict[str, str] | None = None,
          parent: str | None = None) -> TerrorismModel:
    examples = list(examples)
    created = created or datetime.now(UTC)
    progress(f"normalising {len(examples)} texts")
    normaliser = resources.default_normaliser()
    normalised = list(normalised) if normalised is not None else [normaliser(e.text) for e in examples]
    counts = hashed_counts(normalised)
    lexicon = lexicon_features(normalised)
    labels = np.array([e.label for e in examples])
    judged = np.array([e.dataset in ("netifier", "decisions") for e in examples])
    religion = np.array([e.religion_hate for e in examples])
    # Calibrated on the Indonesian rows the model is judged on (not the English ones).
    indonesian = np.array([e.dataset in ("netifier", "id-hatespeech", "decisions") for e in examples])

    radical, hate, rank_out_of_fold = out_of_fold(examples, counts, lexicon, config, progress)
    baseline_fpr = None
    max_religion_fpr = config.max_religion_fpr
    if max_religion_fpr is None:
        baseline_fpr = baseline_religion_fpr(examples, config, progress)
        max_religion_fpr = 0.01 if baseline_fpr is None else max(config.baseline_share * baseline_fpr,
                                                                 config.min_religion_fpr)
    progress(f"operating point: at most {max_religion_fpr:.2%} of religion-targeted hate speech flagged")
    best = None
    for power in config.gate_powers:
        raw = combine(radical, hate, power)
        _, f1 = choose_threshold(raw, labels, judged, religion, max_religion_fpr)
        if best is None or f1 > best[1] + 1e-9:
            best = (power, f1)
    assert best is not None  # gate_powers is never empty
    gate_power = best[0]
    raw = combine(radical, hate, gate_power)
    calibration = fit_calibration(raw[indonesian], labels[indonesian])
    calibrated = calibration(raw)
    threshold, oof_f1 = choose_threshold(calibrated, labels, judged, religion, max_religion_fpr)
    progress(f"gate power {gate_power:g}, threshold {threshold:.3f} (out-of-fold F1 {oof_f1:.3f})")

    progress("fitting on all training examples")
    space, heads = _fit_heads(counts, lexicon, np.arange(len(examples)), examples, config)
    full = TerrorismModel("unsaved", space, heads["radical"], heads["hate"], gate_power, calibration,
                          threshold, {}, normaliser, rank=heads["rank"])
    first_stage, stack, first_stage_report = fit_first_stage(examples, normalised, full, calibrated >= threshold,
                                                              rank_out_of_fold, config, progress)
    progress(f"first stage passes {first_stage_report['passed_out_of_fold'] or 0:.1%} of the training texts on "
             f"(out of fold), {first_stage_report['labelled_passed_out_of_fold'] or 0:.1%} of those labelled")
    manifest = {
        "created": created.isoformat(timespec="seconds"),
        "parent": parent,
        "training": {
            "config": asdict(config),
            "split_seed": SPLIT_SEED,
            "examples": dict(sorted(Counter(f"{e.dataset}:{'positive' if e.label else 'negative'}"
                                            for e in examples).items())),
            "data_hashes": data_hashes or {},
            "out_of_fold": out_of_fold_metrics(calibrated, labels, judged, religion, threshold),
            "first_stage": first_stage_report,
            "stack": stack.settings(),
            "operating_point": {"max_religion_fpr": round(max_religion_fpr, 5),
                                "baseline_religion_fpr_out_of_fold": baseline_fpr},
        },
        "normalisation_hashes": resources.normalisation_hashes(),
        "software": {"python": platform.python_version(), "numpy": np.__version__,
                     "scipy": scipy.__version__, "scikit-learn": sklearn.__version__},
    }
    model = TerrorismModel("unsaved", space, heads["radical"], heads["hate"], gate_power, calibration,
                           threshold, manifest, normaliser, rank=heads["rank"], first_stage=first_stage, stack=stack)
    model.version = version_for(model, created)
    return model


def out_of_fold_metrics(scores: np.ndarray, labels: np.ndarray, judged: np.ndarray, religion: np.ndarray,
                        threshold: float) -> dict[str, float | None]:
    flagged = scores >= threshold
    tp = int((flagged & judged & (labels == 1)).sum())
    fp = int((flagged & judged & (labels == 0)).sum())
    fn = int((~flagged & judged & (labels == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": round(precision, 4), "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        "religion_hate_fpr": round(float(flagged[religion].mean()), 4) if religion.any() else None,
    }


def version_for(model: TerrorismModel, created: datetime) -> str:
    digest = hashlib.sha256()
    rank = () if model.rank is None else (model.rank.coef,)
    first = () if model.first_stage is None else (model.first_stage.weights,)
    for array in (model.radical.coef, model.hate.coef, *rank, *first, model.features.char_columns,
                  model.features.word_columns):
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update(repr((model.gate_power, model.calibration, model.threshold, model.stack)).encode())
    return f"{created:%Y%m%d}-{digest.hexdigest()[:8]}"
