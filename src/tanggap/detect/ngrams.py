"""Hashed n-gram features of a batch of texts, compiled (numba): scikit-learn's analyzers, fast.

:class:`~tanggap.detect.features.FeatureSpace` is defined by scikit-learn's
``HashingVectorizer`` (``char_wb`` 2-5 and ``word`` 1-2 on ``\\S+`` tokens, no sign, no norm):
a model's idf and coefficients are indexed by its columns. Its analyzers build every n-gram as a
Python string, encode it and hash it one at a time, which was a third of the scoring time. Here a
whole batch is one UTF-8 byte array and each n-gram is hashed where it lies (or, when it needs the
padding space or the space joining two words, in a small scratch buffer), the char n-grams once per
distinct word of the batch, with the same rules:

- murmurhash3_32 of the UTF-8 bytes, seed 0, signed; column ``abs(h) % 2**n_bits`` (and for
  ``h == -2**31``, scikit-learn's special case);
- ``char_wb``: each whitespace-separated word padded with one space on each side; every n-gram of
  each length 2-5, but a padded word no longer than ``n`` is counted once, whole, and the longer
  lengths are skipped;
- ``word``: every token, then every two neighbouring tokens joined by one space;
- whitespace is what ``str.split()`` and ``\\s`` split on (Unicode whitespace);
- duplicates summed, columns sorted in each row.

:func:`tfidf_rows` goes on to the scaled features (sublinear tf times idf, columns with idf 0
dropped, L2 per block) without building the raw counts as scipy matrices first.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence

import numpy as np
from numba import njit

CHAR_MIN, CHAR_MAX = 2, 5
_MASK = np.uint64(0xFFFFFFFF)
_C1 = np.uint64(0xCC9E2D51)
_C2 = np.uint64(0x1B873593)
_N = np.uint64(0xE6546B64)
_F1 = np.uint64(0x85EBCA6B)
_F2 = np.uint64(0xC2B2AE35)

# Sublinear tf of the usual counts, by numpy as the reference path computes it (a libm log1pf
# may differ in the last bit).
_LOG1P = np.log1p(np.arange(256, dtype=np.float32))

# Code points that str.split() and the regex \s treat as whitespace.
_SPACES = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.int64)


def encode_batch(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The texts as one UTF-8 byte array and the byte offset where each starts (and the end)."""
    encoded = [text.encode("utf-8") for text in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(item) for item in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


@njit(cache=True, inline="always")
def _rotl(value, shift):
    return ((value << np.uint64(shift)) | (value >> np.uint64(32 - shift))) & _MASK


@njit(cache=True)
def _murmur_column(data, start, end, n_features):
    """scikit-learn's column for the bytes ``data[start:end]``: murmurhash3_32 (x86), seed 0."""
    h = np.uint64(0)
    length = end - start
    blocks_end = start + (length // 4) * 4
    i = start
    while i < blocks_end:
        k = (np.uint64(data[i]) | (np.uint64(data[i + 1]) << np.uint64(8))
             | (np.uint64(data[i + 2]) << np.uint64(16)) | (np.uint64(data[i + 3]) << np.uint64(24)))
        k = (k * _C1) & _MASK
        k = _rotl(k, 15)
        k = (k * _C2) & _MASK
        h ^= k
        h = _rotl(h, 13)
        h = (h * np.uint64(5) + _N) & _MASK
        i += 4
    tail = length & 3
    if tail:
        k = np.uint64(0)
        if tail == 3:
            k ^= np.uint64(data[blocks_end + 2]) << np.uint64(16)
        if tail >= 2:
            k ^= np.uint64(data[blocks_end + 1]) << np.uint64(8)
        k ^= np.uint64(data[blocks_end])
        k = (k * _C1) & _MASK
        k = _rotl(k, 15)
        k = (k * _C2) & _MASK
        h ^= k
    h ^= np.uint64(length)
    h ^= h >> np.uint64(16)
    h = (h * _F1) & _MASK
    h ^= h >> np.uint64(13)
    h = (h * _F2) & _MASK
    h ^= h >> np.uint64(16)
    signed = np.int64(h)
    if signed >= 2 ** 31:
        signed -= 2 ** 32
    if signed == -(2 ** 31):
        return (2 ** 31 - 1 - (n_features - 1)) % n_features
    return abs(signed) % n_features


@njit(cache=True)
def _code_point(data, i):
    """(code point, its byte length) of the UTF-8 sequence at ``data[i]``."""
    b = np.int64(data[i])
    if b < 0x80:
        return b, 1
    if b < 0xE0:
        return ((b & 0x1F) << 6) | (np.int64(data[i + 1]) & 0x3F), 2
    if b < 0xF0:
        return (((b & 0x0F) << 12) | ((np.int64(data[i + 1]) & 0x3F) << 6)
                | (np.int64(data[i + 2]) & 0x3F)), 3
    return (((b & 0x07) << 18) | ((np.int64(data[i + 1]) & 0x3F) << 12)
            | ((np.int64(data[i + 2]) & 0x3F) << 6) | (np.int64(data[i + 3]) & 0x3F)), 4


@njit(cache=True)
def _words(data, start, end, spaces, spans):
    """Fills ``spans`` with the byte spans (start, end) of the whitespace-separated words of
    ``data[start:end]``; returns how many entries it used (two a word)."""
    count = 0
    i = start
    word_start = -1
    while i < end:
        b = data[i]
        if b < 0x80:
            width = 1
            space = b == 0x20 or (0x09 <= b <= 0x0D) or (0x1C <= b <= 0x1F)
        else:
            point, width = _code_point(data, i)
            space = False
            for candidate in spaces:
                if candidate == point:
                    space = True
                    break
        if space:
            if word_start >= 0:
                spans[count] = word_start
                spans[count + 1] = i
                count += 2
                word_start = -1
        elif word_start < 0:
            word_start = i
        i += width
    if word_start >= 0:
        spans[count] = word_start
        spans[count + 1] = end
        count += 2
    return count


@njit(cache=True, inline="always")
def _add(column, work, n):
    """Append ``column`` to the row being built (repeats are summed after sorting)."""
    work.raw[n] = column
    return n + 1


@njit(cache=True)
def _padded_word_columns(data, start, end, n_features, scratch, bounds, out, n):
    """The char_wb 2-5 columns of the word ``data[start:end]``, written to ``out`` from ``n``;
    returns where they end."""
    size = end - start + 2
    scratch[0] = 0x20
    scratch[1:size - 1] = data[start:end]
    scratch[size - 1] = 0x20
    # code-point boundaries of the padded word: bounds[k] is where character k starts
    points = 0
    for i in range(size):
        if (scratch[i] & 0xC0) != 0x80:
            bounds[points] = i
            points += 1
    bounds[points] = size
    for length in range(CHAR_MIN, CHAR_MAX + 1):
        if length >= points:  # a padded word no longer than this: once, whole
            out[n] = _murmur_column(scratch, 0, size, n_features)
            return n + 1
        for offset in range(points - length + 1):
            out[n] = _murmur_column(scratch, bounds[offset], bounds[offset + length], n_features)
            n += 1
    return n


@njit(cache=True)
def _batch_words(data, offsets, n_features, spaces, work):
    """The char_wb columns of a batch's words, computed once per distinct word (a batch's words
    recur: about a third are distinct), and which word each occurrence is.

    Returns ``(row_words, word_of, column_ptr, columns)``: the occurrences of row r are
    ``word_of[row_words[r]:row_words[r + 1]]``, and distinct word k's columns are
    ``columns[column_ptr[k]:column_ptr[k + 1]]``. Distinct words are found with an
    open-addressing table over their bytes (FNV-1a), compared byte for byte."""
    rows = offsets.shape[0] - 1
    size = offsets[rows] - offsets[0]
    most = size // 2 + rows + 1  # a word and the whitespace after it: 2 bytes, but a row's last
    slots = 16
    while slots < 2 * most:
        slots *= 2
    mask = slots - 1
    table = np.zeros(slots, dtype=np.int64)  # distinct word + 1; 0 for an empty slot
    first_start = np.empty(most, dtype=np.int64)  # where each distinct word first occurs
    first_end = np.empty(most, dtype=np.int64)
    column_ptr = np.zeros(most + 1, dtype=np.int64)
    columns = np.empty(4 * size + 8 * most + 16, dtype=np.int32)  # 4 a padded character at most
    word_of = np.empty(most, dtype=np.int64)
    row_words = np.zeros(rows + 1, dtype=np.int64)
    spans, scratch, bounds = work.spans, work.scratch, work.bounds
    distinct = 0
    occurrences = 0
    for row in range(rows):
        n_spans = _words(data, offsets[row], offsets[row + 1], spaces, spans)
        for w in range(0, n_spans, 2):
            start, end = spans[w], spans[w + 1]
            length = end - start
            h = np.uint64(0xCBF29CE484222325)
            for i in range(start, end):
                h = (h ^ np.uint64(data[i])) * np.uint64(0x100000001B3)
            slot = np.int64(h & np.uint64(mask))
            found = -1
            while table[slot] != 0:
                word = table[slot] - 1
                other = first_start[word]
                if first_end[word] - other == length:
                    same = True
                    for i in range(length):
                        if data[start + i] != data[other + i]:
                            same = False
                            break
                    if same:
                        found = word
                        break
                slot = (slot + 1) & mask
            if found < 0:
                found = distinct
                distinct += 1
                table[slot] = found + 1
                first_start[found], first_end[found] = start, end
                column_ptr[found + 1] = _padded_word_columns(data, start, end, n_features, scratch, bounds,
                                                             columns, column_ptr[found])
            word_of[occurrences] = found
            occurrences += 1
        row_words[row + 1] = occurrences
    return row_words, word_of, column_ptr, columns


@njit(cache=True)
def _char_columns(row, words, work):
    """The char_wb 2-5 columns of each word of ``row`` (from :func:`_batch_words`) in ``work.raw``."""
    row_words, word_of, column_ptr, columns = words
    raw = work.raw
    n = 0
    for occurrence in range(row_words[row], row_words[row + 1]):
        word = word_of[occurrence]
        first, last = column_ptr[word], column_ptr[word + 1]
        raw[n:n + last - first] = columns[first:last]
        n += last - first
    return n


@njit(cache=True)
def _word_columns(data, spans, n_spans, n_features, work, n):
    """Count the word unigram and bigram columns."""
    scratch = work.scratch
    words = n_spans // 2
    for w in range(words):
        n = _add(_murmur_column(data, spans[2 * w], spans[2 * w + 1], n_features), work, n)
    for w in range(words - 1):
        first = spans[2 * w + 1] - spans[2 * w]
        size = first + 1 + spans[2 * w + 3] - spans[2 * w + 2]
        scratch[:first] = data[spans[2 * w]:spans[2 * w + 1]]
        scratch[first] = 0x20
        scratch[first + 1:size] = data[spans[2 * w + 2]:spans[2 * w + 3]]
        n = _add(_murmur_column(scratch, 0, size, n_features), work, n)
    return n


# Scratch space for one batch, allocated once (numba builds and passes named tuples of arrays).
_Work = namedtuple("_Work", "raw spare unique sorted_counts spans scratch bounds")


@njit(cache=True)
def _work(offsets, n_features):
    longest = 0
    for row in range(offsets.shape[0] - 1):
        longest = max(longest, offsets[row + 1] - offsets[row])
    most = 9 * longest + 16  # n-grams of one row: 4 a padded character, 2 a word, at most
    return _Work(np.empty(most, dtype=np.int32), np.empty(most, dtype=np.int32),
                 np.empty(most, dtype=np.int32), np.empty(most, dtype=np.int32),
                 np.empty(longest + 2, dtype=np.int64), np.empty(2 * longest + 4, dtype=np.uint8),
                 np.empty(longest + 4, dtype=np.int64))


@njit(cache=True)
def _row(data, offsets, row, block, n_features, spaces, work, words):
    """One text's distinct columns of its char (block 0) or word (block 1) n-grams, sorted, in
    ``work.unique[:n]``; their counts in ``work.sorted_counts[:n]``. Returns n."""
    if block == 0:
        n = _char_columns(row, words, work)
    else:
        n_spans = _words(data, offsets[row], offsets[row + 1], spaces, work.spans)
        n = _word_columns(data, work.spans, n_spans, n_features, work, 0)
    raw = work.raw
    _radix_sort(raw, work.spare, n, n_features)
    distinct = 0
    for i in range(n):  # sorted: repeats are neighbours
        if i == 0 or raw[i] != raw[i - 1]:
            work.unique[distinct] = raw[i]
            work.sorted_counts[distinct] = 1
            distinct += 1
        else:
            work.sorted_counts[distinct - 1] += 1
    return distinct


@njit(cache=True)
def _radix_sort(keys, spare, n, n_features):
    """Sort ``keys[:n]`` (below ``n_features``) in place, with ``spare`` as room: numba's
    quicksort cost more than hashing the n-grams, and a table of columns seen (2**20 entries)
    missed the cache on every n-gram; ten-bit digits take two passes for 2**20 columns."""
    if n < 48:
        for i in range(1, n):  # insertion sort: short rows
            key = keys[i]
            j = i - 1
            while j >= 0 and keys[j] > key:
                keys[j + 1] = keys[j]
                j -= 1
            keys[j + 1] = key
        return
    buckets = np.empty(1025, dtype=np.int32)
    shift = 0
    source, target = keys, spare
    while (1 << shift) < n_features:
        buckets[:] = 0
        for i in range(n):
            buckets[((source[i] >> shift) & 1023) + 1] += 1
        for b in range(1024):
            buckets[b + 1] += buckets[b]
        for i in range(n):
            digit = (source[i] >> shift) & 1023
            target[buckets[digit]] = source[i]
            buckets[digit] += 1
        source, target = target, source
        shift += 10
    if source is not keys:
        keys[:n] = source[:n]


@njit(cache=True)
def _count_block(data, offsets, block, n_features, spaces):
    rows = offsets.shape[0] - 1
    work = _work(offsets, n_features)
    if block == 0:
        words = _batch_words(data, offsets, n_features, spaces, work)
    else:  # the word block does not use them
        words = (np.zeros(rows + 1, dtype=np.int64), np.empty(0, dtype=np.int64), np.zeros(1, dtype=np.int64),
                 np.empty(0, dtype=np.int32))
    indptr = np.zeros(rows + 1, dtype=np.int64)
    capacity = 9 * data.shape[0] + 16 * rows + 16
    indices = np.empty(capacity, dtype=np.int32)
    values = np.empty(capacity, dtype=np.float32)
    count = 0
    for row in range(rows):
        n = _row(data, offsets, row, block, n_features, spaces, work, words)
        for i in range(n):
            indices[count + i] = work.unique[i]
            values[count + i] = work.sorted_counts[i]
        count += n
        indptr[row + 1] = count
    return values[:count].copy(), indices[:count].copy(), indptr


def count_block(data: np.ndarray, offsets: np.ndarray, block: int, n_bits: int):
    """CSR parts (data float32, indices int32, indptr int64) of raw counts: block 0 char, 1 word."""
    return _count_block(data, offsets, block, 2 ** n_bits, _SPACES)


@njit(cache=True)
def _scaled(work, n, idf, log1p, out_indices, out_data, count, column_offset):
    """Sublinear tf x idf of the row in ``work`` (n columns), L2-normalised, appended at ``count``."""
    first = count
    norm = 0.0
    for i in range(n):
        column = work.unique[i]
        weight = idf[column]
        if weight != 0:
            repeats = work.sorted_counts[i]
            tf = log1p[repeats] if repeats < log1p.shape[0] else np.float32(np.log1p(np.float32(repeats)))
            value = tf * weight
            out_indices[count] = column + column_offset
            out_data[count] = value
            norm += value * value  # squared in float32 like scikit-learn's normalize, summed in float64
            count += 1
    if norm > 0:
        norm = np.sqrt(norm)
        for k in range(first, count):
            out_data[k] = np.float32(out_data[k] / norm)
    return count


@njit(cache=True)
def _tfidf_rows(data, offsets, char_idf, word_idf, extra, extra_offset, n_features, spaces, log1p):
    rows = offsets.shape[0] - 1
    work = _work(offsets, n_features)
    words = _batch_words(data, offsets, n_features, spaces, work)
    capacity = 9 * data.shape[0] + (16 + extra.shape[1]) * rows + 16
    out_indices = np.empty(capacity, dtype=np.int32)
    out_data = np.empty(capacity, dtype=np.float32)
    indptr = np.zeros(rows + 1, dtype=np.int64)
    count = 0
    for row in range(rows):
        n = _row(data, offsets, row, 0, n_features, spaces, work, words)
        count = _scaled(work, n, char_idf, log1p, out_indices, out_data, count, 0)
        n = _row(data, offsets, row, 1, n_features, spaces, work, words)
        count = _scaled(work, n, word_idf, log1p, out_indices, out_data, count, n_features)
        for k in range(extra.shape[1]):
            if extra[row, k] != 0:
                out_indices[count] = extra_offset + k
                out_data[count] = extra[row, k]
                count += 1
        indptr[row + 1] = count
    return out_data[:count].copy(), out_indices[:count].copy(), indptr


def tfidf_rows(data: np.ndarray, offsets: np.ndarray, char_idf: np.ndarray, word_idf: np.ndarray,
               extra: np.ndarray, n_bits: int):
    """CSR parts of ``[char block | word block | extra]``: each block's sublinear tf x idf (full
    idf vectors over the hashed columns; 0 drops a column), L2-normalised; ``extra`` (dense,
    float32, one row per text) appended as it is, zeros left out."""
    n_features = 2 ** n_bits
    return _tfidf_rows(data, offsets, char_idf, word_idf, extra, 2 * n_features, n_features, _SPACES, _LOG1P)
