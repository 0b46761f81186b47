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
from sklearn.preprocessing import normalize

from tanggap.detect.ngrams import count_block, encode_batch, tfidf_rows
from tanggap.detect.normalise import NormalisedText

N_BITS = 20
LEXICON_CATEGORIES = ("takfiri_label", "ideology", "group", "slogan", "recruitment", "operations",
                      "place", "identity", "enemy_label", "propaganda")
LEXICON_FEATURES = ("high", "medium", "low_with_support", "any_high", "any_medium",
                    *(f"category:{name}" for name in LEXICON_CATEGORIES))


def _lexicon_rows(texts: Sequence[NormalisedText]) -> np.ndarray:
    rows = np.zeros((len(texts), len(LEXICON_FEATURES)), dtype=np.float32)
    for row, text in enumerate(texts):
        levels = [hit.specificity for hit in text.hits]
        high, medium, low = levels.count("high"), levels.count("medium"), levels.count("low")
        rows[row, :5] = (min(high, 3) / 3, min(medium, 3) / 3, float(low > 0 and high + medium > 0),
                         float(high > 0), float(medium > 0))
        for hit in text.hits:
            if hit.specificity != "low" and hit.category in LEXICON_CATEGORIES:
                rows[row, 5 + LEXICON_CATEGORIES.index(hit.category)] = 1.0
    return rows


def lexicon_features(texts: Sequence[NormalisedText]) -> sparse.csr_matrix:
    return sparse.csr_matrix(_lexicon_rows(texts))


def hashed_counts(texts: Sequence[NormalisedText], n_bits: int = N_BITS) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Raw n-gram counts (char block, word block): what the fitted state is computed from.

    The same matrices as scikit-learn's ``HashingVectorizer`` (char_wb 2-5; word 1-2 on ``\\S+``;
    no sign, no norm, float32), computed by :mod:`tanggap.detect.ngrams`."""
    data, offsets = encode_batch([text.text for text in texts])
    shape = (len(texts), 2 ** n_bits)
    return tuple(sparse.csr_matrix(count_block(data, offsets, block, n_bits), shape=shape)  # type: ignore[return-value]
                 for block in (0, 1))


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
        fitted: list[np.ndarray] = []
        for block in counts:
            block = block if rows is None else block[rows]
            df = np.bincount(block.indices, minlength=block.shape[1])
            columns = np.flatnonzero(df >= min_df).astype(np.int32)
            idf = np.log((1 + block.shape[0]) / (1 + df[columns])) + 1
            idf = idf.astype(np.float16).astype(np.float32)  # as stored: train and use agree
            fitted.extend((columns, idf))
        char_columns, char_idf, word_columns, word_idf = fitted
        return cls(char_columns, char_idf, word_columns, word_idf, n_bits=n_bits)

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
        """What :meth:`from_counts` gives for these texts' counts, in one compiled pass."""
        char_idf, word_idf = self._full_idf()
        lexicon = _lexicon_rows(texts)
        if self.lexicon_weight != 1.0:
            lexicon *= np.float32(self.lexicon_weight)
        data, offsets = encode_batch([text.text for text in texts])
        parts = tfidf_rows(data, offsets, char_idf, word_idf, lexicon, self.n_bits)
        matrix = sparse.csr_matrix(parts, shape=(len(texts), self.n_features))
        matrix.has_sorted_indices = True
        return matrix

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
