"""Measuring a scorer on a held-out slice, with confidence intervals, next to the baseline.

Figures (each with a 95 % interval):

- precision, recall, F1 and ROC AUC on netifier's ``radikalisme`` label (percentile bootstrap
  over the held-out netifier rows);
- the false-positive rate on religion-targeted hate speech (id-hatespeech ``HS_Religion`` = 1):
  the share labelled terrorism, with a Wilson interval;
- checks on the source confound: false-positive rates on netifier's own SARA-not-radical rows
  (hard negatives from the *same* source as the positives, so a model that only learned
  "id-hatespeech looks different" gains nothing there), on all id-hatespeech rows, and per
  platform;
- calibration: Brier score and expected calibration error (10 bins) on the Indonesian rows;
- English and Arabic on their own (``extra``): recall on the pro-IS accounts' English (jargon)
  and Arabic-script tweets, and the false-positive rate on English news (all of it, and the
  parts about terrorism and about Islam).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import roc_auc_score

from tanggap.detect.corpus import Example

Z95 = 1.959963984540054


def _rounded(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


@dataclass(frozen=True)
class Interval:
    value: float | None
    low: float | None
    high: float | None

    def __str__(self) -> str:
        if self.value is None:
            return "n/a"
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"

    def as_json(self) -> dict:
        return {"value": _rounded(self.value), "ci95": [_rounded(self.low), _rounded(self.high)]}


@dataclass(frozen=True)
class Rate:
    hits: int
    total: int

    @property
    def interval(self) -> Interval:
        return wilson(self.hits, self.total)

    def __str__(self) -> str:
        if not self.total:
            return "n/a"
        interval = self.interval
        return f"{self.hits / self.total:.3f} [{interval.low:.3f}, {interval.high:.3f}] ({self.hits}/{self.total})"

    def as_json(self) -> dict:
        return {**self.interval.as_json(), "hits": self.hits, "total": self.total}


def wilson(hits: int, total: int, z: float = Z95) -> Interval:
    if not total:
        return Interval(None, None, None)
    p = hits / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


def _prf(labels: np.ndarray, flagged: np.ndarray) -> tuple[float, float, float]:
    tp = float((flagged & (labels == 1)).sum())
    precision = tp / flagged.sum() if flagged.sum() else 0.0
    recall = tp / (labels == 1).sum() if (labels == 1).sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    return float(roc_auc_score(labels, scores)) if 0 < labels.sum() < len(labels) else None


def bootstrap(labels: np.ndarray, scores: np.ndarray, threshold: float, resamples: int, seed: int
              ) -> dict[str, Interval]:
    """Percentile intervals for precision, recall, F1 and ROC AUC."""
    flagged = scores >= threshold
    point: dict[str, float | None] = dict(zip(("precision", "recall", "f1"), _prf(labels, flagged), strict=True))
    point["roc_auc"] = _auc(labels, scores)
    if not len(labels):
        return {name: Interval(None, None, None) for name in point}
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {name: [] for name in point}
    for _ in range(resamples):
        pick = rng.integers(0, len(labels), len(labels))
        sample_labels, sample_flags = labels[pick], flagged[pick]
        for name, value in zip(("precision", "recall", "f1"), _prf(sample_labels, sample_flags), strict=True):
            draws[name].append(value)
        auc = _auc(sample_labels, scores[pick])
        if auc is not None:
            draws["roc_auc"].append(auc)
    return {name: Interval(point[name], *(np.percentile(draws[name], [2.5, 97.5]).tolist()
                                          if draws[name] and point[name] is not None else (None, None)))
            for name in point}


def calibration_error(labels: np.ndarray, scores: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: the weighted gap between mean score and positive share."""
    if not len(labels):
        return float("nan")
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(scores, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            total += members.sum() * abs(scores[members].mean() - labels[members].mean())
    return float(total / len(labels))


@dataclass
class Evaluation:
    name: str
    threshold: float
    radicalism: dict[str, Interval]
    religion_hate_fpr: Rate
    same_source_hard_negative_fpr: Rate  # netifier SARA = 1, radikalisme = 0
    hate_speech_fpr: Rate  # every id-hatespeech row
    by_source: dict[str, dict[str, Rate]] = field(default_factory=dict)
    brier: float | None = None
    ece: float | None = None
    extra: dict[str, Rate] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "threshold": round(self.threshold, 4),
            "radikalisme": {name: interval.as_json() for name, interval in self.radicalism.items()},
            "religion_hate_fpr": self.religion_hate_fpr.as_json(),
            "same_source_hard_negative_fpr": self.same_source_hard_negative_fpr.as_json(),
            "hate_speech_fpr": self.hate_speech_fpr.as_json(),
            "by_source": {source: {name: rate.as_json() for name, rate in rates.items()}
                          for source, rates in self.by_source.items()},
            "brier": None if self.brier is None else round(self.brier, 4),
            "ece": None if self.ece is None else round(self.ece, 4),
            **{name: rate.as_json() for name, rate in self.extra.items()},
        }


def _rate(flagged: np.ndarray, members: np.ndarray) -> Rate:
    return Rate(int((flagged & members).sum()), int(members.sum()))


def _language_rates(flagged: np.ndarray, dataset: np.ndarray, source: np.ndarray) -> dict[str, Rate]:
    """English and Arabic apart from the Indonesian figures: recall on the pro-IS accounts' tweets
    (English ones with jargon; every Arabic-script one), false positives on English news. There
    are no Arabic negatives, so no Arabic false-positive rate."""
    news = dataset == "news-en"
    groups = {"english_recall": dataset == "isis-tweets-en",
              "english_false_positive_rate": news,
              "english_terrorism_news_fpr": news & (source == "huffpost/terrorism"),
              "english_islam_news_fpr": news & (source == "huffpost/islam"),
              "arabic_recall": dataset == "isis-tweets-ar"}
    return {name: _rate(flagged, members) for name, members in groups.items() if members.any()}


def evaluate(name: str, scores: np.ndarray, threshold: float, examples: Sequence[Example],
             resamples: int = 1000, seed: int = 0, calibrated: bool = True) -> Evaluation:
    scores = np.asarray(scores, dtype=float)
    labels = np.array([e.label for e in examples])
    dataset = np.array([e.dataset for e in examples])
    source = np.array([e.source for e in examples])
    netifier = dataset == "netifier"
    hatespeech = dataset == "id-hatespeech"
    flagged = scores >= threshold
    by_source = {}
    for platform in sorted(set(source[netifier].tolist())):
        here = netifier & (source == platform)
        by_source[platform] = {"recall": _rate(flagged, here & (labels == 1)),
                               "false_positive_rate": _rate(flagged, here & (labels == 0))}
    indonesian = netifier | hatespeech
    extra = {}
    decisions = dataset == "decisions"
    if decisions.any():
        precision, recall, f1 = _prf(labels[decisions], flagged[decisions])
        extra["decisions_recall"] = _rate(flagged, decisions & (labels == 1))
        extra["decisions_false_positive_rate"] = _rate(flagged, decisions & (labels == 0))
    extra.update(_language_rates(flagged, dataset, source))
    calibrate = calibrated and bool(indonesian.any())
    return Evaluation(
        name=name, threshold=threshold,
        radicalism=bootstrap(labels[netifier], scores[netifier], threshold, resamples, seed),
        religion_hate_fpr=_rate(flagged, np.array([e.religion_hate for e in examples]) & (labels == 0)),
        same_source_hard_negative_fpr=_rate(flagged, netifier & np.array([e.hateful for e in examples])),
        hate_speech_fpr=_rate(flagged, hatespeech),
        by_source=by_source,
        brier=float(np.mean((scores[indonesian] - labels[indonesian]) ** 2)) if calibrate else None,
        ece=calibration_error(labels[indonesian], scores[indonesian]) if calibrate else None,
        extra=extra,
    )


def decision_f1(evaluation: Evaluation) -> float | None:
    """F1 on moderators' decisions in the slice, if it has both kinds."""
    recall_rate = evaluation.extra.get("decisions_recall")
    fp_rate = evaluation.extra.get("decisions_false_positive_rate")
    if not recall_rate or not recall_rate.total or not fp_rate or not fp_rate.total:
        return None
    tp, fp = recall_rate.hits, fp_rate.hits
    fn = recall_rate.total - tp
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def paired_f1_difference(labels: np.ndarray, ours: np.ndarray, theirs: np.ndarray, resamples: int = 1000,
                         seed: int = 0) -> Interval:
    """F1(ours) - F1(theirs) on the same bootstrap resamples (both as 0/1 flags)."""
    point = _prf(labels, ours)[2] - _prf(labels, theirs)[2]
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(resamples):
        pick = rng.integers(0, len(labels), len(labels))
        draws.append(_prf(labels[pick], ours[pick])[2] - _prf(labels[pick], theirs[pick])[2])
    low, high = np.percentile(draws, [2.5, 97.5]).tolist() if draws else (None, None)
    return Interval(point, low, high)


ROWS: tuple[tuple[str, Callable[[Evaluation], object]], ...] = (
    ("radikalisme precision", lambda e: e.radicalism["precision"]),
    ("radikalisme recall", lambda e: e.radicalism["recall"]),
    ("radikalisme F1", lambda e: e.radicalism["f1"]),
    ("radikalisme ROC AUC", lambda e: e.radicalism["roc_auc"]),
    ("FPR religion-targeted hate speech", lambda e: e.religion_hate_fpr),
    ("FPR netifier SARA-not-radical", lambda e: e.same_source_hard_negative_fpr),
    ("FPR all id-hatespeech", lambda e: e.hate_speech_fpr),
)


def side_by_side(evaluations: Sequence[Evaluation]) -> str:
    """A plain-text table, one column per scorer."""
    rows = [("", [e.name for e in evaluations]), ("threshold", [f"{e.threshold:.3f}" for e in evaluations])]
    for label, get in ROWS:
        rows.append((label, [str(get(e)) for e in evaluations]))
    sources = sorted({s for e in evaluations for s in e.by_source})
    for source in sources:
        for metric in ("recall", "false_positive_rate"):
            label = f"netifier/{source} {'recall' if metric == 'recall' else 'FPR'}"
            rows.append((label, [str(e.by_source.get(source, {}).get(metric, Rate(0, 0))) for e in evaluations]))
    extras = sorted({name for e in evaluations for name in e.extra})
    for name in extras:
        rows.append((name.replace("_", " "), [str(e.extra.get(name, Rate(0, 0))) for e in evaluations]))
    rows.append(("Brier (Indonesian rows)", [f"{e.brier:.4f}" if e.brier is not None else "n/a" for e in evaluations]))
    rows.append(("ECE, 10 bins", [f"{e.ece:.4f}" if e.ece is not None else "n/a" for e in evaluations]))
    label_width = max(len(label) for label, _ in rows)
    widths = [max(len(cells[i]) for _, cells in rows) for i in range(len(evaluations))]
    lines = []
    for label, cells in rows:
        padded = (cell.ljust(w) for cell, w in zip(cells, widths, strict=True))
        lines.append("  ".join([label.ljust(label_width), *padded]).rstrip())
    return "\n".join(lines)
