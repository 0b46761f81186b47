"""``detect_language([text])`` for a batch of texts in one compiled pass (numba).

The cascade's first stage scores most posts without normalising them, but ``classify`` still
names each post's language; in Python that cost more than the first stage itself (a regex and
dictionary look-ups for every chunk never seen before). This is the same decision, computed from
the UTF-8 bytes with the same rules as :mod:`tanggap.detect.language`:

- chunks are what ``str.split()`` separates (Unicode whitespace);
- what is not prose is removed first, as ``_NOT_PROSE`` does: a URL from ``http://``,
  ``https://`` or ``www.`` to the end of its chunk, a whole chunk holding ``.com/`` (``.me/``,
  ``.id/``, ``.org/``, ``.net/``) after its first character, ``@`` or ``#`` and the word
  characters after it;
- words are ``WORD``'s matches (letters a-z, A-Z and U+00C0-U+024F, then at most one ``'`` with
  ASCII letters); a word with a character outside ASCII is no function word; the others are
  lower-cased, letters repeated three or more times folded to one, and looked up;
- the evidence per language is summed in half units and decided as ``_decide`` does.

A text this pass cannot decide exactly (Arabic script, whose share of letters needs Unicode's
idea of a letter, or ``@``/``#`` before a character outside ASCII) comes back as ``None``: the
caller asks :func:`~tanggap.detect.language.detect_language`. Tested against it on the whole
shipped corpus and on generated texts.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit

from tanggap.detect.language import _LANGUAGES, _PACKED, _unpack, MIN_EVIDENCE, detect_language

_SPACES = np.array([c for c in range(0x80, 0x3001) if chr(c).isspace()], dtype=np.int64)
_UNDECIDED = len(_LANGUAGES)  # "und"
_ASK_PYTHON = _UNDECIDED + 1
_MALAY, _INDONESIAN = _LANGUAGES.index("ms"), _LANGUAGES.index("id")
_LONGEST_WORD = 16


def _word_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The function words as an open-addressing table: slot -> word index + 1, the words' bytes
    (padded), and their weights in half units, one column a language."""
    words = sorted(_PACKED)
    assert all(word.isascii() and len(word) <= _LONGEST_WORD for word in words)
    slots = 1
    while slots < 4 * len(words):
        slots *= 2
    table = np.zeros(slots, dtype=np.int64)
    spelled = np.zeros((len(words), _LONGEST_WORD + 1), dtype=np.uint8)  # last column: length
    weights = np.zeros((len(words), len(_LANGUAGES)), dtype=np.int64)
    for index, word in enumerate(words):
        encoded = word.encode()
        spelled[index, :len(encoded)] = np.frombuffer(encoded, dtype=np.uint8)
        spelled[index, _LONGEST_WORD] = len(encoded)
        weights[index] = [int(value * 2) for value in _unpack(_PACKED[word])]
        slot = _fnv(np.frombuffer(encoded, dtype=np.uint8), len(encoded)) & (slots - 1)
        while table[slot]:
            slot = (slot + 1) & (slots - 1)
        table[slot] = index + 1
    return table, spelled, weights


@njit(cache=True)
def _fnv(word, size):
    h = np.uint64(0xCBF29CE484222325)
    for k in range(size):
        h = (h ^ np.uint64(word[k])) * np.uint64(0x100000001B3)
    return np.int64(h >> np.uint64(1))


@njit(cache=True)
def _decode(data, start, end, spaces, points):
    """The code points of ``data[start:end]`` into ``points``; -1 stands for whitespace."""
    n = 0
    i = start
    while i < end:
        b = np.int64(data[i])
        if b < 0x80:
            width = 1
            point = b
            if b == 0x20 or (0x09 <= b <= 0x0D) or (0x1C <= b <= 0x1F):
                point = -1
        else:
            width = 2 if b < 0xE0 else (3 if b < 0xF0 else 4)
            point = b & (0x1F if width == 2 else (0x0F if width == 3 else 0x07))
            for k in range(1, width):
                point = (point << 6) | (np.int64(data[i + k]) & 0x3F)
            if point == 0x85 or point == 0xA0 or point >= 0x1680:
                for candidate in spaces:
                    if candidate == point:
                        point = -1
                        break
        points[n] = point
        n += 1
        i += width
    return n


@njit(cache=True, inline="always")
def _ascii_letter(point):
    return (0x41 <= point <= 0x5A) or (0x61 <= point <= 0x7A)


@njit(cache=True, inline="always")
def _word_letter(point):
    return _ascii_letter(point) or (0xC0 <= point <= 0x24F)


@njit(cache=True, inline="always")
def _starts(points, at, end, patterns, which):
    """Whether ``points[at:end]`` starts with pattern ``which`` (row: length, code points)."""
    size = patterns[which, 0]
    if at + size > end:
        return False
    for k in range(size):
        if points[at + k] != patterns[which, 1 + k]:
            return False
    return True


@njit(cache=True)
def _remove_not_prose(points, start, end, prefixes, domains):
    """``_NOT_PROSE`` on the chunk ``points[start:end]``: removed characters become -2.
    Returns False when the chunk needs Python (``@``/``#`` before a non-ASCII character)."""
    for q in range(start + 1, end):  # a domain with a path after the first character: all of it
        if points[q] == 0x2E:
            for d in range(domains.shape[0]):
                if _starts(points, q, end, domains, d):
                    for k in range(start, end):
                        points[k] = -2
                    return True
    p = start
    while p < end:
        if points[p] == 0x68 or points[p] == 0x77:  # h, w: where a URL's prefix starts
            for f in range(prefixes.shape[0]):
                if p + prefixes[f, 0] < end and _starts(points, p, end, prefixes, f):
                    for k in range(p, end):
                        points[k] = -2
                    return True
        if (points[p] == 0x40 or points[p] == 0x23) and p + 1 < end:
            after = points[p + 1]
            if after >= 0x80:
                return False
            r = p + 1
            while r < end and 0 <= points[r] < 0x80 and (_ascii_letter(points[r]) or 0x30 <= points[r] <= 0x39
                                                         or points[r] == 0x5F):
                r += 1
            if r < end and points[r] >= 0x80:
                return False
            if r > p + 1:
                for k in range(p, r):
                    points[k] = -2
                p = r
                continue
        p += 1
    return True


@njit(cache=True)
def _look_up(word, size, table, spelled, weights, totals):
    mask = table.shape[0] - 1
    slot = _fnv(word, size) & mask
    longest = spelled.shape[1] - 1
    while table[slot]:
        index = table[slot] - 1
        if spelled[index, longest] == size:
            same = True
            for k in range(size):
                if spelled[index, k] != word[k]:
                    same = False
                    break
            if same:
                for language in range(weights.shape[1]):
                    totals[language] += weights[index, language]
                return
        slot = (slot + 1) & mask


@njit(cache=True)
def _chunk_words(points, start, end, table, spelled, weights, totals, word):
    """``WORD``'s matches in the chunk: the ASCII ones, lower-cased and folded, looked up."""
    i = start
    while i < end:
        if not _word_letter(points[i]):
            i += 1
            continue
        j = i
        while j < end and _word_letter(points[j]):
            j += 1
        if j + 1 < end and points[j] == 0x27 and _ascii_letter(points[j + 1]):
            j += 2
            while j < end and _ascii_letter(points[j]):
                j += 1
        size = 0
        for k in range(i, j):
            point = points[k]
            if point >= 0x80:  # lower-cased it stays outside ASCII: no function word
                size = -1
                break
            word[size] = point + 0x20 if 0x41 <= point <= 0x5A else point
            size += 1
        if size > 0:
            _look_up(word, _fold_repeats(word, size), table, spelled, weights, totals)
        i = j


@njit(cache=True)
def _fold_repeats(word, size):
    """``(.)\\1{2,}`` -> ``\\1`` in place: a run of three or more of a character becomes one."""
    out = 0
    r = 0
    while r < size:
        first = r
        while r < size and word[r] == word[first]:
            r += 1
        if r - first >= 3:
            word[out] = word[first]
            out += 1
        else:
            for k in range(first, r):
                word[out] = word[k]
                out += 1
    return out


@njit(cache=True)
def _languages(data, offsets, spaces, table, spelled, weights, prefixes, domains, malay, indonesian, floor):
    rows = offsets.shape[0] - 1
    longest = 0
    for row in range(rows):
        longest = max(longest, offsets[row + 1] - offsets[row])
    points = np.empty(longest + 1, dtype=np.int64)
    word = np.empty(longest + 1, dtype=np.uint8)
    totals = np.zeros(weights.shape[1], dtype=np.int64)
    codes = np.empty(rows, dtype=np.int64)
    for row in range(rows):
        n = _decode(data, offsets[row], offsets[row + 1], spaces, points)
        totals[:] = 0
        code = -1
        for k in range(n):
            point = points[k]
            if (0x600 <= point <= 0x6FF) or (0x750 <= point <= 0x77F) or (0x8A0 <= point <= 0x8FF):
                code = weights.shape[1] + 1  # Arabic script: its share of letters is Python's to count
                break
        k = 0
        while code < 0 and k < n:
            if points[k] == -1:
                k += 1
                continue
            end = k
            while end < n and points[end] != -1:
                end += 1
            if not _remove_not_prose(points, k, end, prefixes, domains):
                code = weights.shape[1] + 1
                break
            _chunk_words(points, k, end, table, spelled, weights, totals, word)
            k = end
        if code < 0:
            top = totals.max()
            if top < floor:
                code = weights.shape[1]
            else:
                code = int(np.argmax(totals))
                if code == malay and totals[indonesian] >= top:
                    code = indonesian
        codes[row] = code
    return codes


def _patterns(texts: Sequence[str]) -> np.ndarray:
    longest = max(map(len, texts))
    out = np.zeros((len(texts), longest + 1), dtype=np.int64)
    for row, text in enumerate(texts):
        out[row, 0] = len(text)
        out[row, 1:1 + len(text)] = [ord(c) for c in text]
    return out


_TABLE, _SPELLED, _WEIGHTS = _word_table()
_PREFIXES = _patterns(["https://", "http://", "www."])
_DOMAINS = _patterns([".com/", ".me/", ".id/", ".org/", ".net/"])
_NAMES = (*_LANGUAGES, "und")


def languages_of(texts: Sequence[str]) -> list[str]:
    """``[detect_language([text]) for text in texts]``, compiled (Python for the texts that
    need it)."""
    if not texts:
        return []
    encoded = [text.encode("utf-8", "surrogatepass") for text in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(item) for item in encoded], out=offsets[1:])
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    codes = _languages(data, offsets, _SPACES, _TABLE, _SPELLED, _WEIGHTS, _PREFIXES, _DOMAINS,
                       _MALAY, _INDONESIAN, int(MIN_EVIDENCE * 2))
    return [_NAMES[code] if code != _ASK_PYTHON else detect_language([text])
            for code, text in zip(codes.tolist(), texts, strict=True)]
