"""The terrorism classifier as shipped: three linear heads, a gate, calibration, a threshold.

- The **radical head** scores advocacy of terrorism or radical violence (trained on netifier's
  ``radikalisme`` label, pro-IS English tweets with jargon, and moderators' decisions).
- The **hate head** scores "religious or ethnic hate rather than radical advocacy" (trained on
  religion-targeted hate speech and netifier's SARA-not-radical rows against radical ones).
- The raw score is ``p_radical * (1 - p_hate) ** gate_power``: hate speech that only *sounds*
  radical (``kafir``, ``usir``) is held down unless the radical head is very sure.
- Platt scaling turns the raw score into a probability; ``threshold`` (chosen on out-of-fold
  scores in training) turns it into the label ``terrorism`` or ``none``.
- The **rank head** (format v2) scores advocacy again, trained on the Indonesian rows alone at
  a stronger regularisation: it orders posts *within* each side of the line. The gate decides
  the label; the score of a labelled post is ``threshold + (1 - threshold) * p_rank``, of any
  other ``threshold * p_rank``. The gate alone crushes the ranking (hate speech that also reads
  as advocacy is pushed to the bottom with the plain posts, and so are the radical posts that
  use its words), so a queue ordered by it, and its ROC AUC, lose to a plain TF-IDF model; the
  banded score keeps the gate's labels and the advocacy head's order. The score is then a
  ranking, not a calibrated probability (the model card gives its Brier score and ECE).

- The **first stage** (format v3, :mod:`tanggap.detect.prefilter`) makes it a cascade: two
  compiled linear heads over hashed n-grams of the raw text score every post. Posts at or above
  the *pass* head's cutoff (it is trained to find what the full model labels) go on to
  normalisation and the three heads; the others are labelled ``none`` and score
  ``threshold * sigmoid(first-stage rank decision)``, a head trained to give the full rank head's
  decision from the raw text, so that they sit in the lower band where the full model would put
  them.
- The **stack** (format v4) orders posts by ``a * rank + b * advocacy + c`` instead of the rank
  head alone: ``advocacy`` is the first stage's third head, a TF-IDF logistic regression of the
  label over the raw text's n-grams (the baseline's kind of model, on the first stage's columns),
  and ``a``, ``b``, ``c`` are a logistic regression on both heads' out-of-fold decisions. The
  two read different texts (normalised and lexicon-aware; raw) and err on different posts, so
  together they rank better than either. On the posts the first stage keeps, ``rank`` is its rank
  head's estimate; the gate still decides every label.

Stored as plain arrays (``model.npz``, loaded with ``allow_pickle=False``) and a JSON
``manifest.json``: nothing executable is loaded from a model directory.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

from tanggap.detect import resources
from tanggap.detect.features import LEXICON_FEATURES, FeatureSpace
from tanggap.detect.language_scan import languages_of
from tanggap.detect.lexicon import evidence
from tanggap.detect.normalise import NormalisedText, Normaliser
from tanggap.detect.prefilter import FirstStage

MODEL_FILE = "model.npz"
MANIFEST_FILE = "manifest.json"
CARD_FILE = "MODEL_CARD.md"
FORMAT = "tanggap-terrorism-cascade-v4"
# v1: no rank head, the gated probability is the score; v2: banded by the rank head, no first
# stage; v3: a cascade ordered by the rank head alone; v4: ordered by the stack
FORMATS = ("tanggap-terrorism-2heads-v1", "tanggap-terrorism-3heads-v2", "tanggap-terrorism-cascade-v3", FORMAT)
LABEL_POSITIVE = "terrorism"
LABEL_NEGATIVE = "none"
_NO_EVIDENCE = evidence(()).explanation
FIRST_STAGE_HEADS = ("pass", "rank", "advocacy")  # v4; v3 has the first two
PASS, RANK, ADVOCACY = range(3)  # their columns
_NOT_RESCORED = "first stage: below its cutoff, not re-scored (no lexicon reading)"


class ModelFileError(Exception):
    """A model directory that is missing, damaged or made for other normalisation data."""


def sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(values, -40, 40)))


def logit(probabilities: np.ndarray) -> np.ndarray:
    clipped = np.clip(probabilities, 1e-9, 1 - 1e-9)
    return np.log(clipped / (1 - clipped))


@dataclass
class LinearHead:
    coef: np.ndarray  # over FeatureSpace.n_features, float32
    intercept: float

    def decision(self, features: sparse.csr_matrix) -> np.ndarray:
        return features @ self.coef + self.intercept

    def arrays(self, name: str, space: FeatureSpace) -> dict[str, np.ndarray]:
        size = 2 ** space.n_bits
        return {f"{name}_char": self.coef[space.char_columns].astype(np.float32),
                f"{name}_word": self.coef[size + space.word_columns].astype(np.float32),
                f"{name}_lexicon": self.coef[2 * size:].astype(np.float32)}

    @classmethod
    def from_arrays(cls, arrays, name: str, space: FeatureSpace, intercept: float) -> LinearHead:
        size = 2 ** space.n_bits
        coef = np.zeros(space.n_features, dtype=np.float32)
        coef[space.char_columns] = arrays[f"{name}_char"]
        coef[size + space.word_columns] = arrays[f"{name}_word"]
        coef[2 * size:] = arrays[f"{name}_lexicon"]
        return cls(coef, intercept)


@dataclass(frozen=True)
class Calibration:
    """Platt scaling on the logit of the raw score."""

    slope: float
    offset: float

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        return sigmoid(self.slope * logit(raw) + self.offset)


@dataclass(frozen=True)
class Stack:
    """The order of posts (v4): ``rank * rank decision + advocacy * advocacy decision + intercept``."""

    rank: float
    advocacy: float
    intercept: float

    def __call__(self, rank: np.ndarray, advocacy: np.ndarray) -> np.ndarray:
        return self.rank * rank + self.advocacy * advocacy + self.intercept

    def settings(self) -> dict:
        return {"rank": self.rank, "advocacy": self.advocacy, "intercept": self.intercept}


@dataclass(frozen=True)
class Verdict:
    score: float
    label: str
    language: str
    evidence: str  # the lexicon's reading, for a moderator


@dataclass
class TerrorismModel:
    version: str
    features: FeatureSpace
    radical: LinearHead
    hate: LinearHead
    gate_power: float
    calibration: Calibration
    threshold: float
    manifest: dict = field(default_factory=dict)
    normaliser: Normaliser | None = None
    rank: LinearHead | None = None  # None: a v1 model, scored by the gate alone
    first_stage: FirstStage | None = None  # None: every post goes through the full model (v1, v2)
    stack: Stack | None = None  # None: the rank head alone orders (v2, v3)

    @property
    def format(self) -> str:
        if self.rank is None:
            return FORMATS[0]
        if self.first_stage is None:
            return FORMATS[1]
        return FORMATS[2] if self.stack is None else FORMAT

    @property
    def stacked(self) -> bool:
        return self.stack is not None and self.first_stage is not None and self.rank is not None

    def _normaliser(self) -> Normaliser:
        if self.normaliser is None:
            self.normaliser = resources.default_normaliser()
        return self.normaliser

    def normalise(self, texts: Sequence[str]) -> list[NormalisedText]:
        normaliser = self._normaliser()
        return [normaliser(text) for text in texts]

    def heads(self, normalised: Sequence[NormalisedText]) -> tuple[np.ndarray, np.ndarray]:
        matrix = self.features.transform(normalised)
        return sigmoid(self.radical.decision(matrix)), sigmoid(self.hate.decision(matrix))

    def gated(self, matrix: sparse.csr_matrix) -> np.ndarray:
        """The calibrated gate: what decides the label."""
        radical, hate = sigmoid(self.radical.decision(matrix)), sigmoid(self.hate.decision(matrix))
        return self.calibration(combine(radical, hate, self.gate_power))

    def scores_from_features(self, matrix: sparse.csr_matrix, advocacy: np.ndarray | None = None) -> np.ndarray:
        """``advocacy``: the first stage's advocacy decisions of the same posts, which a stacked
        model (v4) needs to order them."""
        gated = self.gated(matrix)
        if self.rank is None:
            return gated
        rank = self.rank.decision(matrix)
        if self.stacked:
            if advocacy is None:
                raise ValueError(f"a {FORMAT} model orders posts by its first stage's advocacy head too")
            assert self.stack is not None
            rank = self.stack(rank, advocacy)
        return banded(gated, sigmoid(rank), self.threshold)

    def probabilities_normalised(self, normalised: Sequence[NormalisedText]) -> np.ndarray:
        """The calibrated gate: a probability, for evidence that is combined with other evidence
        (channel risk). It labels as ``scores`` does; ``scores`` orders better."""
        if not normalised:
            return np.zeros(0)
        return self.gated(self.features.transform(normalised))

    def scores_normalised(self, normalised: Sequence[NormalisedText], advocacy: np.ndarray | None = None) -> np.ndarray:
        if not normalised:
            return np.zeros(0)
        return self.scores_from_features(self.features.transform(normalised), advocacy)

    def advocacy(self, texts: Sequence[str]) -> np.ndarray | None:
        """The first stage's advocacy decisions of ``texts`` (None: a model that does not stack)."""
        if not self.stacked:
            return None
        assert self.first_stage is not None
        return self.first_stage.decisions(list(texts))[:, ADVOCACY]

    def scores_fully(self, texts: Sequence[str]) -> np.ndarray:
        """Every post through the full model, none kept by the first stage: the cascade's
        second stage alone (benches and tests compare the two)."""
        texts = list(texts)
        return self.scores_normalised(self.normalise(texts), self.advocacy(texts))

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Scores in [0, 1]; at or above ``threshold`` exactly when a text is labelled terrorism."""
        texts = list(texts)
        if self.first_stage is None:
            return self.scores_normalised(self.normalise(texts))
        scores, escalated, advocacy = self._first_pass(texts)
        if len(escalated):
            scores[escalated] = self.scores_normalised(self.normalise([texts[i] for i in escalated]),
                                                       None if advocacy is None else advocacy[escalated])
        return scores

    def _first_pass(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The first stage's scores (the lower band, by its rank head, stacked in v4), the
        positions of the posts at or above its pass head's cutoff, which the full model
        re-scores, and every post's advocacy decision (v4; else None)."""
        assert self.first_stage is not None
        decisions = self.first_stage.decisions(texts)
        rank, advocacy = decisions[:, RANK], (decisions[:, ADVOCACY] if self.stacked else None)
        if advocacy is not None:
            assert self.stack is not None
            rank = self.stack(rank, advocacy)
        scores = np.minimum(self.threshold * sigmoid(rank), np.nextafter(self.threshold, 0.0))
        return scores, np.flatnonzero(decisions[:, PASS] >= self.first_stage.cutoff), advocacy

    def label(self, score: float) -> str:
        return LABEL_POSITIVE if score >= self.threshold else LABEL_NEGATIVE

    def classify(self, texts: Sequence[str]) -> list[Verdict]:
        texts = list(texts)
        if self.first_stage is None:
            return self._classify_fully(texts)
        scores, escalated, advocacy = self._first_pass(texts)
        passed_on = np.zeros(len(texts), dtype=bool)
        passed_on[escalated] = True
        kept = np.flatnonzero(~passed_on).tolist()
        verdicts: list[Verdict | None] = [None] * len(texts)
        for position, language in zip(kept, languages_of([texts[i] for i in kept]), strict=True):
            verdicts[position] = Verdict(float(scores[position]), LABEL_NEGATIVE, language, _NOT_RESCORED)
        passed_advocacy = None if advocacy is None else advocacy[escalated]
        for position, verdict in zip(escalated.tolist(),
                                     self._classify_fully([texts[i] for i in escalated], passed_advocacy), strict=True):
            verdicts[position] = verdict
        return [verdict for verdict in verdicts if verdict is not None]

    def _classify_fully(self, texts: list[str], advocacy: np.ndarray | None = None) -> list[Verdict]:
        # the languages come from the normaliser's per-chunk work: the same as detect_language([text])
        normalised, languages = self._normaliser().with_languages(texts)
        if advocacy is None:
            advocacy = self.advocacy(texts)
        scores = self.scores_normalised(normalised, advocacy).tolist()
        return [Verdict(score, LABEL_POSITIVE if score >= self.threshold else LABEL_NEGATIVE, language,
                        evidence(item.hits).explanation if item.hits else _NO_EVIDENCE)
                for item, score, language in zip(normalised, scores, languages, strict=True)]

    # -- storage

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {**self.features.arrays(), **self.radical.arrays("radical", self.features),
                  **self.hate.arrays("hate", self.features)}
        heads = {"radical_intercept": self.radical.intercept, "hate_intercept": self.hate.intercept}
        if self.rank is not None:
            arrays.update(self.rank.arrays("rank", self.features))
            heads["rank_intercept"] = self.rank.intercept
        if self.first_stage is not None:
            arrays.update(self.first_stage.arrays())
        np.savez_compressed(directory / MODEL_FILE, allow_pickle=False, **arrays)
        manifest = dict(self.manifest)
        for stale in ("first_stage", "stack"):  # a copy without its first stage (or stack) saves as v2 (or v3)
            manifest.pop(stale, None)
        manifest.update({
            "version": self.version,
            "format": self.format,
            "features": self.features.settings(),
            "heads": heads,
            "scoring": "banded" if self.rank is not None else "gated",
            "gate_power": self.gate_power,
            "calibration": {"method": "platt", "slope": self.calibration.slope, "offset": self.calibration.offset},
            "threshold": self.threshold,
            **({"first_stage": self.first_stage.settings()} if self.first_stage is not None else {}),
            **({"stack": self.stack.settings()} if self.stacked and self.stack is not None else {}),
            "labels": [LABEL_NEGATIVE, LABEL_POSITIVE],
        })
        self.manifest = manifest
        (directory / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, directory: Path, check_resources: bool = True) -> TerrorismModel:
        try:
            manifest = json.loads((directory / MANIFEST_FILE).read_text())
            with np.load(directory / MODEL_FILE, allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files}
        except (OSError, ValueError) as error:
            raise ModelFileError(f"cannot read the model in {directory}: {error}") from error
        if manifest.get("format") not in FORMATS:
            raise ModelFileError(f"{directory}: format {manifest.get('format')!r}, expected one of {FORMATS!r}")
        if manifest["format"] != FORMATS[0] and "rank_intercept" not in manifest.get("heads", {}):
            raise ModelFileError(f"{directory}: a {manifest['format']} model without its rank head")
        cascade = manifest["format"] in FORMATS[2:]
        if cascade and ("first_stage" not in manifest or "first_weights" not in arrays):
            raise ModelFileError(f"{directory}: a {manifest['format']} model without its first stage")
        if manifest["format"] == FORMAT and "stack" not in manifest:
            raise ModelFileError(f"{directory}: a {FORMAT} model without its stack")
        if check_resources:
            expected = manifest.get("normalisation_hashes", {})
            actual = resources.normalisation_hashes()
            changed = sorted(name for name, digest in expected.items() if actual.get(name) != digest)
            if changed:
                raise ModelFileError(f"model {manifest['version']} was trained with other normalisation "
                                     f"data ({', '.join(changed)}): retrain it")
        if len(manifest["features"]["lexicon_features"]) != len(LEXICON_FEATURES):
            raise ModelFileError(f"{directory}: made for other lexicon features")
        space = FeatureSpace.from_arrays(arrays, manifest["features"])
        heads = manifest["heads"]
        calibration = manifest["calibration"]
        rank = (LinearHead.from_arrays(arrays, "rank", space, float(heads["rank_intercept"]))
                if manifest["format"] != FORMATS[0] else None)
        try:
            first_stage = FirstStage.from_arrays(arrays, manifest["first_stage"]) if cascade else None
            stack = Stack(**{key: float(value) for key, value in manifest["stack"].items()}) \
                if manifest["format"] == FORMAT else None
            if stack is not None and first_stage is not None and first_stage.heads != FIRST_STAGE_HEADS:
                raise ValueError(f"heads {first_stage.heads}, expected {FIRST_STAGE_HEADS}")
        except (KeyError, TypeError, ValueError) as error:
            raise ModelFileError(f"{directory}: damaged first stage: {error}") from error
        return cls(
            version=manifest["version"], features=space,
            radical=LinearHead.from_arrays(arrays, "radical", space, float(heads["radical_intercept"])),
            hate=LinearHead.from_arrays(arrays, "hate", space, float(heads["hate_intercept"])),
            gate_power=float(manifest["gate_power"]),
            calibration=Calibration(float(calibration["slope"]), float(calibration["offset"])),
            threshold=float(manifest["threshold"]), manifest=manifest, rank=rank, first_stage=first_stage,
            stack=stack)


def combine(radical: np.ndarray, hate: np.ndarray, gate_power: float) -> np.ndarray:
    return np.clip(radical * (1.0 - hate) ** gate_power, 1e-9, 1 - 1e-9)


def banded(gated: np.ndarray, ranked: np.ndarray, threshold: float) -> np.ndarray:
    """The gate's label, the rank head's order: a post the gate labels (``gated >= threshold``)
    scores in ``[threshold, 1]``, any other in ``[0, threshold)``, each by ``ranked``."""
    below = np.minimum(threshold * ranked, np.nextafter(threshold, 0.0))  # ranked can round to 1.0
    return np.where(gated >= threshold, threshold + (1.0 - threshold) * ranked, below)
