"""The cascade's first stage: a linear model over hashed n-grams of the raw text, compiled.

Most posts a scan sees are plainly not propaganda, and the full model (normalisation, lexicon,
three heads) spends most of its time on them. The first stage reads a batch as one UTF-8 byte
array and scores every post in one compiled pass, with no Python per word:

- the text lower-cased (``str.lower``), then split into words at whitespace and at ASCII
  punctuation (``kafir,`` and ``(kafir)`` are ``kafir``); a letter repeated three or more times
  is kept twice (``kafirrrr`` -> ``kafirr``), so stretched spellings share n-grams;
- each word padded with a space on each side: its byte n-grams of lengths 2-5 (and a padded
  word shorter than 5 bytes once more, whole), the word itself, and each pair of neighbouring
  words;
- each feature hashed (Fibonacci hashing of the packed bytes; FNV-1a for words) into
  ``2**n_bits`` columns, one table for all of them;
- the features of a text (format v4, *tf-idf*): each column it has once, weighted by its
  inverse document frequency in the training texts, the row scaled to unit length -- what
  scikit-learn's ``TfidfTransformer(sublinear_tf=True)`` gives for binary counts. The idf is
  folded into the weights, and a last column of the table holds ``idf**2``, so the decision is
  ``intercept + sum(weights[column]) / sqrt(sum(idf[column]**2))`` over the distinct columns:
  no sorting, no counting. (Format v3 models: every feature count over the square root of how
  many there are, ``count / sqrt(n)``.)

Training builds the same columns as a sparse matrix (:func:`presence`, :func:`tfidf`), so a
weight learnt is the weight used. The heads over the columns (:class:`FirstStage`): the full
model re-scores every post at or above the *pass* head's cutoff; the *rank* head stands in for
the full model's rank head on the others; the *advocacy* head (v4) is a TF-IDF logistic
regression of its own on the label, stacked with the rank head to order posts
(:mod:`tanggap.detect.model`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numba import njit
from scipy import sparse

N_BITS = 18
CHAR_MIN, CHAR_MAX = 2, 5
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_WORD_SALT = np.uint64(0x5851F42D4C957F2D)
_PAIR_SALT = np.uint64(0x2545F4914F6CDD1D)

# Code points that str.split() treats as whitespace (beyond ASCII): separators too.
_SPACES = np.array([c for c in range(0x80, 0x3001) if chr(c).isspace()], dtype=np.int64)


def encode(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The texts lower-cased, as one UTF-8 byte array and the offset where each starts (and the end)."""
    encoded = [text.lower().encode("utf-8", "surrogatepass") for text in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(item) for item in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


@njit(cache=True, inline="always")
def _column(value, shift):
    return np.int64((value * _GOLDEN) >> shift)


@njit(cache=True)
def _separator(data, i, end, spaces):
    """(whether the character at ``data[i]`` separates words, its byte length)."""
    b = data[i]
    if b < 0x80:
        letter = (0x61 <= b <= 0x7A) or (0x30 <= b <= 0x39)
        return not letter, 1
    width = 2 if b < 0xE0 else (3 if b < 0xF0 else 4)
    if width > end - i:
        return True, end - i
    if b == 0xC2 or b == 0xE1 or b == 0xE2 or b == 0xE3:  # the lead bytes of Unicode spaces
        point = np.int64(b & (0x1F if width == 2 else 0x0F))
        for k in range(1, width):
            point = (point << 6) | (np.int64(data[i + k]) & 0x3F)
        for candidate in spaces:
            if candidate == point:
                return True, width
    return False, width


_FIVE_BYTES = np.uint64(0xFFFFFFFFFF)
_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(CHAR_MAX + 1)], dtype=np.uint64)
_LENGTH_TAGS = np.array([k << 56 for k in range(CHAR_MAX + 1)], dtype=np.uint64)
_WHOLE_TAG = np.uint64(0xFF << 56)


@njit(cache=True)
def _whole(word, size, shift, out, n):
    """The padded word (shorter than some n-gram length) as one feature."""
    packed = np.uint64(0)
    for k in range(size):
        packed = (packed << np.uint64(8)) | np.uint64(word[k])
    out[n] = _column(packed | _WHOLE_TAG, shift)
    return n + 1


@njit(cache=True)
def _row_columns(data, start, end, shift, spaces, word, out):
    """The columns of the text ``data[start:end]`` in ``out``; returns how many. ``word`` is
    scratch for one padded word (repeats folded)."""
    n = 0
    i = start
    previous_word = np.uint64(0)
    have_previous = False
    while i < end:
        # gather one word into ``word`` (from index 1; index 0 is the padding space)
        size = 1
        word[0] = 0x20
        while i < end:
            separator, width = _separator(data, i, end, spaces)
            if separator:
                i += width
                if size > 1:
                    break
                continue
            for k in range(width):
                b = data[i + k]
                if size >= 3 and b == word[size - 1] and b == word[size - 2]:
                    continue  # a third repeat of the same byte
                word[size] = b
                size += 1
            i += width
        if size == 1:
            break
        word[size] = 0x20
        size += 1
        # byte n-grams of the padded word: a window of its last five bytes, read at each length
        window = np.uint64(0)
        for end_at in range(size):
            window = ((window << np.uint64(8)) | np.uint64(word[end_at])) & _FIVE_BYTES
            for length in range(CHAR_MIN, min(CHAR_MAX, end_at + 1) + 1):
                out[n] = _column((window & _LOW_BYTES[length]) | _LENGTH_TAGS[length], shift)
                n += 1
        if size < CHAR_MAX:  # lengths beyond the padded word: the word once, whole
            n = _whole(word, size, shift, out, n)
        # the word, and the word with the one before it
        h = _FNV_OFFSET
        for k in range(1, size - 1):
            h = (h ^ np.uint64(word[k])) * _FNV_PRIME
        out[n] = _column(h ^ _WORD_SALT, shift)
        n += 1
        if have_previous:
            out[n] = _column((previous_word * _FNV_PRIME) ^ h ^ _PAIR_SALT, shift)
            n += 1
        previous_word = h
        have_previous = True
    return n


@njit(cache=True)
def _longest(offsets):
    longest = 0
    for row in range(offsets.shape[0] - 1):
        longest = max(longest, offsets[row + 1] - offsets[row])
    return longest


@njit(cache=True)
def _decisions(data, offsets, table, intercepts, shift, spaces, distinct):
    """Each text's decision for each head: ``table`` holds one row a hashed column, the heads'
    weights side by side and last the column's share of the row's squared length (one cache
    line). ``distinct``: a column counts once a text (tf-idf), else at each occurrence."""
    rows = offsets.shape[0] - 1
    heads = table.shape[1] - 1
    longest = _longest(offsets)
    word = np.empty(longest + 3, dtype=np.uint8)
    out = np.empty(6 * longest + 8, dtype=np.int64)
    seen = np.full(table.shape[0] if distinct else 0, -1, dtype=np.int32)
    decisions = np.empty((rows, heads), dtype=np.float64)
    totals = np.zeros(heads, dtype=np.float64)
    for row in range(rows):
        n = _row_columns(data, offsets[row], offsets[row + 1], shift, spaces, word, out)
        totals[:] = 0.0
        length = 0.0
        for k in range(n):
            column = out[k]
            if distinct:
                if seen[column] == row:
                    continue
                seen[column] = row
            for head in range(heads):
                totals[head] += table[column, head]
            length += table[column, heads]
        scale = 1.0 / np.sqrt(length) if length > 0.0 else 0.0
        for head in range(heads):
            decisions[row, head] = intercepts[head] + totals[head] * scale
    return decisions


@njit(cache=True)
def _all_columns(data, offsets, shift, spaces):
    rows = offsets.shape[0] - 1
    longest = _longest(offsets)
    word = np.empty(longest + 3, dtype=np.uint8)
    out = np.empty(6 * longest + 8, dtype=np.int64)
    indptr = np.zeros(rows + 1, dtype=np.int64)
    columns = np.empty(6 * data.shape[0] + 8, dtype=np.int32)
    count = 0
    for row in range(rows):
        n = _row_columns(data, offsets[row], offsets[row + 1], shift, spaces, word, out)
        columns[count:count + n] = out[:n]
        count += n
        indptr[row + 1] = count
    return columns[:count].copy(), indptr


def _columns(texts: Sequence[str], n_bits: int) -> sparse.csr_matrix:
    data, offsets = encode(texts)
    columns, indptr = _all_columns(data, offsets, np.uint64(64 - n_bits), _SPACES)
    ones = np.ones(len(columns), dtype=np.float32)
    matrix = sparse.csr_matrix((ones, columns, indptr), shape=(len(texts), 2 ** n_bits))
    matrix.sum_duplicates()
    return matrix


def counts(texts: Sequence[str], n_bits: int = N_BITS) -> sparse.csr_matrix:
    """Format v3's features of ``texts``: feature counts over sqrt(how many), float32."""
    matrix = _columns(texts, n_bits)
    lengths = np.asarray(matrix.sum(axis=1)).ravel()
    return sparse.diags((1.0 / np.sqrt(np.maximum(lengths, 1))).astype(np.float32)) @ matrix


def presence(texts: Sequence[str], n_bits: int = N_BITS) -> sparse.csr_matrix:
    """Which columns each text has (1.0), float32: what :func:`fit_idf` and :func:`tfidf` take."""
    matrix = _columns(texts, n_bits)
    matrix.data[:] = 1.0
    return matrix


def fit_idf(present: sparse.csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequency, as scikit-learn's: ``ln((1 + n) / (1 + df)) + 1``."""
    frequency = np.bincount(present.indices, minlength=present.shape[1])
    return (np.log((1.0 + present.shape[0]) / (1.0 + frequency)) + 1.0).astype(np.float32)


def tfidf(present: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """The v4 features: ``present`` weighted by ``idf``, each row scaled to unit length."""
    weighted = present @ sparse.diags(idf.astype(np.float32))
    lengths = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    return sparse.csr_matrix(sparse.diags((1.0 / np.maximum(lengths, 1e-12)).astype(np.float32)) @ weighted)


def table_for(weights: np.ndarray, idf: np.ndarray | None) -> np.ndarray:
    """The compiled pass's table: the heads' weights (with ``idf`` folded in) and the length column."""
    if idf is None:
        return np.ascontiguousarray(np.column_stack([weights, np.ones(len(weights))]), dtype=np.float32)
    return np.ascontiguousarray(np.column_stack([weights * idf[:, None], idf.astype(np.float64) ** 2]),
                                dtype=np.float32)


def decisions(texts: Sequence[str], weights: np.ndarray, intercepts: np.ndarray,
              idf: np.ndarray | None = None) -> np.ndarray:
    """``intercepts + features(texts) @ weights`` (weights: one column a head), in one pass;
    ``tfidf(presence(texts), idf)`` with ``idf``, else ``counts(texts)``."""
    return decisions_from_table(texts, table_for(weights, idf), intercepts, distinct=idf is not None)


def decisions_from_table(texts: Sequence[str], table: np.ndarray, intercepts: np.ndarray,
                         distinct: bool) -> np.ndarray:
    n_bits = int(table.shape[0]).bit_length() - 1
    data, offsets = encode(texts)
    return _decisions(data, offsets, table, np.asarray(intercepts, dtype=np.float64), np.uint64(64 - n_bits),
                      _SPACES, distinct)


@dataclass
class FirstStage:
    """The fitted first stage: linear heads over the same hashed columns. ``pass`` says whether
    the full model must see a post (at or above ``cutoff``); ``rank`` stands in for the full
    model's rank head on the posts it does not see (trained to give the same decision);
    ``advocacy`` (v4) is a TF-IDF model of the label, stacked with the rank head."""

    weights: np.ndarray  # float32, (2**n_bits, len(heads)): one column a head
    intercepts: np.ndarray  # float64, (len(heads),)
    cutoff: float
    idf: np.ndarray | None = None  # float32, (2**n_bits,): tf-idf features; None: count / sqrt(n) (v3)
    heads: tuple[str, ...] = ("pass", "rank")
    _table: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.weights.shape[1] != len(self.heads):
            raise ValueError(f"{self.weights.shape[1]} weight columns for the heads {self.heads}")
        self._table = table_for(self.weights, self.idf)

    @property
    def n_bits(self) -> int:
        return int(self.weights.shape[0]).bit_length() - 1

    @property
    def scaling(self) -> str:
        return "count / sqrt(n)" if self.idf is None else "tf-idf"

    def decisions(self, texts: Sequence[str]) -> np.ndarray:
        """Each head's decision of each text, one row a text, one column a head (``heads``)."""
        return decisions_from_table(texts, self._table, self.intercepts, distinct=self.idf is not None)

    def arrays(self) -> dict[str, np.ndarray]:
        arrays = {"first_weights": self.weights.astype(np.float32)}
        if self.idf is not None:
            arrays["first_idf"] = self.idf.astype(np.float32)
        return arrays

    def settings(self) -> dict:
        return {"n_bits": self.n_bits, "heads": list(self.heads),
                "intercepts": [float(value) for value in self.intercepts], "cutoff": self.cutoff,
                "char_ngrams": [CHAR_MIN, CHAR_MAX], "words": [1, 2], "scaling": self.scaling}

    @classmethod
    def from_arrays(cls, arrays, settings: dict) -> FirstStage:
        heads = tuple(settings.get("heads", ("pass", "rank")))
        weights = np.ascontiguousarray(arrays["first_weights"], dtype=np.float32)
        if weights.shape != (2 ** int(settings["n_bits"]), len(heads)):
            raise ValueError(f"first-stage weights of shape {weights.shape}, expected "
                             f"(2**{settings['n_bits']}, {len(heads)})")
        idf = None
        if settings.get("scaling") == "tf-idf":
            idf = np.asarray(arrays["first_idf"], dtype=np.float32)
            if idf.shape != (weights.shape[0],):
                raise ValueError(f"first-stage idf of shape {idf.shape}, expected ({weights.shape[0]},)")
        return cls(weights, np.array(settings["intercepts"], dtype=np.float64), float(settings["cutoff"]),
                   idf, heads)
