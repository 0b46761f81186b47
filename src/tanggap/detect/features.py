"""Features of a normalised text: hashed TF-IDF n-grams and lexicon evidence.

Three blocks, each scaled on its own:

- character n-grams 2-5 inside word boundaries (spelling noise, affixes: ``di-bom``,
  ``meng-kafir-kan``), hashed into 2**20 columns;
- word uni- and bigrams (``usir cina``, ``bom bunuh``), hashed into 2**20 columns;
- lexicon evidence: counts of high and medium hits, whether low hits come *with* them (a low
  hit alone gives no feature: :mod:`tanggap.detect.lexicon`), and which categories were hit.

Hashing keeps no vocabulary, so the stored state is only the inverse document frequencies of
the columns seen at least ``min_df`` times in training (the rest are dropped): plain arrays,
saved without pickle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

from tanggap.detect.normalise import NormalisedText

N_BITS = 20
LEXICON_CATEGORIES = ("takfiri_label", "ideology", "group", "slogan", "recruitment", "operations",
                      "place", "identity", "enemy_label", "propaganda")
LEXICON_FEATURES = ("high", "medium", "low_with_support", "any_high", "any_medium",
                    *(f"category:{name}" for name in LEXICON_CATEGORIES))


def _hashers(n_bits: int) -> tuple[HashingVectorizer, HashingVectorizer]:
    common = dict(n_features=2 ** n_bits, alternate_sign=False, norm=None, lowercase=False,
                  dtype=np.float32)
    return (HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), **common),
            HashingVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"\S+", **common))


def lexicon_features(texts: Sequence[NormalisedText]) -> sparse.csr_matrix:
    rows = np.zeros((len(texts), len(LEXICON_FEATURES)), dtype=np.float32)
    for row, text in enumerate(texts):
        levels = [hit.specificity for hit in text.hits]
        high, medium, low = levels.count("high"), levels.count("medium"), levels.count("low")
        rows[row, :5] = (min(high, 3) / 3, min(medium, 3) / 3, float(low > 0 and high + medium > 0),
                         float(high > 0), float(medium > 0))
        for hit in text.hits:
            if hit.specificity != "low" and hit.category in LEXICON_CATEGORIES:
                rows[row, 5 + LEXICON_CATEGORIES.index(hit.category)] = 1.0
    return sparse.csr_matrix(rows)


def hashed_counts(texts: Sequence[NormalisedText], n_bits: int = N_BITS) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Raw n-gram counts (char block, word block): what the fitted state is computed from."""
    chars, words = _hashers(n_bits)
    strings = [text.text for text in texts]
    return chars.transform(strings).tocsr(), words.transform(strings).tocsr()


@dataclass
class FeatureSpace:
    """The fitted part: which hashed columns are kept, and their idf."""

    char_columns: np.ndarray  # int32, sorted
    char_idf: np.ndarray  # float32
    word_columns: np.ndarray
    word_idf: np.ndarray
    n_bits: int = N_BITS
    lexicon_weight: float = 1.0

    @property
    def n_features(self) -> int:
        return 2 * 2 ** self.n_bits + len(LEXICON_FEATURES)

    @classmethod
    def fit(cls, counts: tuple[sparse.csr_matrix, sparse.csr_matrix], rows: np.ndarray | None = None,
            min_df: int = 2, n_bits: int = N_BITS) -> FeatureSpace:
        fitted = []
        for block in counts:
            block = block if rows is None else block[rows]
            df = np.bincount(block.indices, minlength=block.shape[1])
            columns = np.flatnonzero(df >= min_df).astype(np.int32)
            idf = np.log((1 + block.shape[0]) / (1 + df[columns])) + 1
            idf = idf.astype(np.float16).astype(np.float32)  # as stored: train and use agree
            fitted.extend((columns, idf))
        return cls(*fitted, n_bits=n_bits)

    def _full_idf(self) -> tuple[np.ndarray, np.ndarray]:
        cached = getattr(self, "_idf_cache", None)
        if cached is None:
            size = 2 ** self.n_bits
            char_idf = np.zeros(size, dtype=np.float32)
            char_idf[self.char_columns] = self.char_idf
            word_idf = np.zeros(size, dtype=np.float32)
            word_idf[self.word_columns] = self.word_idf
            cached = self._idf_cache = (char_idf, word_idf)
        return cached

    def from_counts(self, counts: tuple[sparse.csr_matrix, sparse.csr_matrix],
                    lexicon: sparse.csr_matrix, rows: np.ndarray | None = None) -> sparse.csr_matrix:
        blocks = []
        for block, idf in zip(counts, self._full_idf(), strict=True):
            block = (block if rows is None else block[rows]).astype(np.float32, copy=True)
            block.data = np.log1p(block.data) * idf[block.indices]  # sublinear tf x idf
            block.eliminate_zeros()  # columns not kept have idf 0
            blocks.append(normalize(block))
        blocks.append(self.lexicon_weight * (lexicon if rows is None else lexicon[rows]))
        return sparse.hstack(blocks, format="csr")

    def transform(self, texts: Sequence[NormalisedText]) -> sparse.csr_matrix:
        return self.from_counts(hashed_counts(texts, self.n_bits), lexicon_features(texts))

    # -- plain storage

    def arrays(self, prefix: str = "features_") -> dict[str, np.ndarray]:
        return {f"{prefix}char_columns": self.char_columns, f"{prefix}char_idf": self.char_idf.astype(np.float16),
                f"{prefix}word_columns": self.word_columns, f"{prefix}word_idf": self.word_idf.astype(np.float16)}

    def settings(self) -> dict:
        return {"n_bits": self.n_bits, "lexicon_weight": self.lexicon_weight,
                "char_ngrams": [2, 5], "word_ngrams": [1, 2], "lexicon_features": list(LEXICON_FEATURES)}

    @classmethod
    def from_arrays(cls, arrays, settings: dict, prefix: str = "features_") -> FeatureSpace:
        return cls(arrays[f"{prefix}char_columns"].astype(np.int32), arrays[f"{prefix}char_idf"].astype(np.float32),
                   arrays[f"{prefix}word_columns"].astype(np.int32), arrays[f"{prefix}word_idf"].astype(np.float32),
                   n_bits=int(settings["n_bits"]), lexicon_weight=float(settings["lexicon_weight"]))
