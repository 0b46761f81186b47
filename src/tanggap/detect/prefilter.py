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
- the features of a text are its feature counts divided by the square root of how many it has,
  so the decision is ``intercept + sum(weights[column]) / sqrt(n)``: no sorting, no counting.

Training builds the same columns as a sparse matrix (:func:`counts`), so a weight learnt is the
weight used. There are two heads over the columns (:class:`FirstStage`): the full model
re-scores every post at or above the *pass* head's cutoff; the *rank* head scores the others
(:mod:`tanggap.detect.model`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
def _decisions(data, offsets, weights, intercepts, shift, spaces):
    """Each text's decision for each column of ``weights`` (one row a hashed column: the heads'
    weights of a column lie side by side, one cache line)."""
    rows = offsets.shape[0] - 1
    heads = weights.shape[1]
    longest = _longest(offsets)
    word = np.empty(longest + 3, dtype=np.uint8)
    out = np.empty(6 * longest + 8, dtype=np.int64)
    decisions = np.empty((rows, heads), dtype=np.float64)
    totals = np.zeros(heads, dtype=np.float64)
    for row in range(rows):
        n = _row_columns(data, offsets[row], offsets[row + 1], shift, spaces, word, out)
        totals[:] = 0.0
        for k in range(n):
            for head in range(heads):
                totals[head] += weights[out[k], head]
        scale = 1.0 / np.sqrt(n) if n else 0.0
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


def counts(texts: Sequence[str], n_bits: int = N_BITS) -> sparse.csr_matrix:
    """The first stage's features of ``texts``: feature counts over sqrt(how many), float32."""
    data, offsets = encode(texts)
    columns, indptr = _all_columns(data, offsets, np.uint64(64 - n_bits), _SPACES)
    lengths = np.diff(indptr)
    values = np.repeat((1.0 / np.sqrt(np.maximum(lengths, 1))).astype(np.float32), lengths)
    matrix = sparse.csr_matrix((values, columns, indptr), shape=(len(texts), 2 ** n_bits))
    matrix.sum_duplicates()
    return matrix


def decisions(texts: Sequence[str], weights: np.ndarray, intercepts: np.ndarray) -> np.ndarray:
    """``intercepts + counts(texts) @ weights`` (weights: one column a head), in one pass."""
    n_bits = int(weights.shape[0]).bit_length() - 1
    data, offsets = encode(texts)
    return _decisions(data, offsets, np.ascontiguousarray(weights, dtype=np.float32),
                      np.asarray(intercepts, dtype=np.float64), np.uint64(64 - n_bits), _SPACES)


@dataclass
class FirstStage:
    """The fitted first stage: two heads over the same hashed columns. ``pass`` says whether
    the full model must see a post (at or above ``cutoff``); ``rank`` stands in for the full
    model's rank head on the posts it does not see (trained to give the same decision)."""

    weights: np.ndarray  # float32, (2**n_bits, 2): the pass head's column, the rank head's
    intercepts: np.ndarray  # float64, (2,)
    cutoff: float

    HEADS = ("pass", "rank")

    @property
    def n_bits(self) -> int:
        return int(self.weights.shape[0]).bit_length() - 1

    def decisions(self, texts: Sequence[str]) -> np.ndarray:
        """(pass decision, rank decision) of each text, one row a text."""
        return decisions(texts, self.weights, self.intercepts)

    def arrays(self) -> dict[str, np.ndarray]:
        return {"first_weights": self.weights.astype(np.float32)}

    def settings(self) -> dict:
        return {"n_bits": self.n_bits, "heads": list(self.HEADS),
                "intercepts": [float(value) for value in self.intercepts], "cutoff": self.cutoff,
                "char_ngrams": [CHAR_MIN, CHAR_MAX], "words": [1, 2], "scaling": "count / sqrt(n)"}

    @classmethod
    def from_arrays(cls, arrays, settings: dict) -> FirstStage:
        weights = np.ascontiguousarray(arrays["first_weights"], dtype=np.float32)
        if weights.shape != (2 ** int(settings["n_bits"]), len(cls.HEADS)):
            raise ValueError(f"first-stage weights of shape {weights.shape}, expected "
                             f"(2**{settings['n_bits']}, {len(cls.HEADS)})")
        return cls(weights, np.array(settings["intercepts"], dtype=np.float64), float(settings["cutoff"]))
