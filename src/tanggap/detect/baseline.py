"""The peer every model is measured against: TF-IDF (character 2-5 and word 1-2 n-grams) and
logistic regression, as scikit-learn gives them, trained on the radicalism label alone
(netifier's train part), labelling at probability 0.5. No normalisation, no lexicon, no hard
negatives: what one would build first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from tanggap.detect.corpus import Example

THRESHOLD = 0.5
DESCRIPTION = "TF-IDF char 2-5 + word 1-2, logistic regression, netifier train part, threshold 0.5"


def baseline_pipeline() -> Pipeline:
    return Pipeline([
        ("tfidf", FeatureUnion([
            ("char", TfidfVectorizer(analyzer="char", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
            ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)),
        ])),
        ("logreg", LogisticRegression(max_iter=2000)),
    ])


def baseline_rows(examples: Sequence[Example]) -> list[Example]:
    return [e for e in examples if e.dataset == "netifier"]


@dataclass
class Baseline:
    pipeline: Pipeline
    threshold: float = THRESHOLD

    @classmethod
    def fit(cls, examples: Sequence[Example]) -> Baseline:
        rows = baseline_rows(examples)
        if len({e.label for e in rows}) < 2:
            raise ValueError("the baseline needs netifier examples of both labels")
        pipeline = baseline_pipeline()
        pipeline.fit([e.text for e in rows], [e.label for e in rows])
        return cls(pipeline)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        return self.pipeline.predict_proba(list(texts))[:, 1]
