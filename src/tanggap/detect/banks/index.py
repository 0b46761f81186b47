"""In-memory indexes of a bank's hashes: exact lookup, and Hamming range search for PDQ.

PDQ (:class:`PdqIndex`) is exact multi-index hashing with the generalised pigeonhole
principle (Qin et al., "GPH: Similarity Search in Hamming Space", ICDE 2018):

* the 256 bits are cut into ``m`` chunks; for each chunk, the entries are kept sorted by that
  chunk's value, with a bucket table (where each value's entries start);
* for a query at threshold ``t``, each chunk gets a budget ``t_i`` with
  ``sum(t_i) = t - m + 1`` (``t_i = -1`` skips the chunk). If every chunk of an entry differed
  from the query's in more than ``t_i`` bits, the whole hash would differ in at least
  ``sum(t_i + 1) = t + 1`` bits. So every entry within ``t`` shares some chunk ``i`` up to
  ``t_i`` flipped bits: probing those buckets finds all of them, and the full 256-bit distance
  of each candidate is then checked. Nothing is approximate: recall is 1 by construction.

Budgets are spread greedily where they add the fewest bucket reads and candidates, and the
chunk count is the one with the fewest of both at distance 31 (:func:`_layout`). Wider chunks
mean fewer candidates but more buckets, so the bucket tables take about a byte a bucket
(:func:`~tanggap.detect.banks.pdq_kernels.compact_buckets`): ten million hashes take 11
chunks of 23-24 bits, and the index (the hashes, 320 MB; one int32 position per hash and
chunk, 440 MB; the bucket tables, 125 MB; where families were grouped, 40 MB of positions)
stays under 1 GB. At distance 31 a query then reads ~2,900 buckets and checks ~2,900
candidates, against ~2,000 and ~7,300 with 12 chunks of 21-22 bits and four-byte offsets. The
probing loop is compiled (:mod:`tanggap.detect.banks.pdq_kernels`, numba) and prefetches its
reads: the time goes into cache misses, not arithmetic.

Real banks hold families of near-duplicates (the same release re-encoded, cropped,
watermarked), which crowd a few buckets: their entries are stored together (:func:`_grouped`),
so a query near a family reads its members from a few cache lines, and hits are mapped back
to the bank's rows.

An index is saved as plain ``.npy`` arrays (``save``) and loaded memory-mapped (``load``): a
service restart maps the files in milliseconds and the page cache is shared between
processes.

Small banks, single queries and large thresholds are cheaper to scan: then the search is
faiss's exhaustive, exact ``IndexBinaryFlat`` (about 0.6-1 ns per query-entry pair on one core),
chosen per call from a cost estimate. faiss runs single-threaded here: on a busy machine its
spinning OpenMP threads cost milliseconds per call.

Why not threatexchange's ``PDQIndex`` (faiss ``IndexBinaryMultiHash``, 16 chunks of 16 bits,
one query per call)? At a million entries its buckets hold ~15 entries each, so a query at
distance 31 verifies ~4,000 candidates through hash maps; chunks sized to the bank verify
fewer from flat arrays, build in seconds, and need no Python object per entry.
``bench/pdq_match.py`` measures them side by side; the tests hold this index to faiss's flat
scan as the reference.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import shutil
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from tanggap.detect.banks.pdq_kernels import BLOCK, bucket_order, compact_buckets, join_crowds, probe, roots
from tanggap.detect.banks.signals import IndexHit

PDQ_BITS = 256
PDQ_BYTES = PDQ_BITS // 8
# The plan's cost model, measured on x86-64 (numpy 2.4, numba 0.68, faiss 1.15, one core): a
# flat scan costs ~0.6 ns per (query, entry); probing ~PROBE_NS_PER_UNIT per bucket or candidate
# plus the call's own overhead.
SCAN_NS_PER_PAIR = 0.6
PROBE_NS_PER_UNIT = 15.0
PROBE_NS_PER_CALL = 30_000.0
MIN_CHUNK_BITS, MAX_CHUNK_BITS = 8, 24
PLAN_THRESHOLD = 31  # the distance the chunk layout is chosen for: PDQ's usual match threshold
PROBE_BATCH = 128  # queries per pass of the kernel: its candidate arrays stay a few MB
CROWD_FACTOR, CROWD_MARGIN = 8, 16  # a bucket this far above the mean holds a family (see _grouped)
LAYOUT_FILE = "layout.json"
INDEX_FORMAT = "tanggap-pdq-mih-v2"  # v2: byte-a-bucket tables; entries may be grouped (positions.npy)
ARRAYS = ("words", "orders", "counts", "bases", "wide")


def pdq_array(values: Sequence[str]) -> np.ndarray:
    """(n, 32) uint8 from 64-character hex strings (raises ValueError on a malformed one)."""
    hashes = np.empty((len(values), PDQ_BYTES), dtype=np.uint8)
    for first in range(0, len(values), 65536):  # a bounded join, not one string of them all
        block = values[first:first + 65536]
        if any(len(value) != 2 * PDQ_BYTES for value in block):
            raise ValueError("every PDQ hash must be 64 hex characters")
        raw = bytes.fromhex("".join(block))  # raises ValueError on a character that is not hex
        hashes[first:first + len(block)] = np.frombuffer(raw, dtype=np.uint8).reshape(-1, PDQ_BYTES)
    return hashes


def _words(hashes: np.ndarray) -> np.ndarray:
    """(n, 4) native uint64, most significant bit first as in the hex string."""
    return np.ascontiguousarray(hashes).view(">u8").astype(np.uint64)


def _chunk_values(words: np.ndarray, start: int, width: int) -> np.ndarray:
    """The integer value of bits [start, start + width) of each hash (width <= 32)."""
    word, offset = divmod(start, 64)
    if offset + width <= 64:
        shifted = words[:, word] >> np.uint64(64 - offset - width)
        return (shifted & np.uint64((1 << width) - 1)).astype(np.int64)
    high_bits = 64 - offset
    low_bits = width - high_bits
    high = words[:, word] & np.uint64((1 << high_bits) - 1)
    low = words[:, word + 1] >> np.uint64(64 - low_bits)
    return ((high << np.uint64(low_bits)) | low).astype(np.int64)


def _chunk_masks(starts: list[int], widths: list[int]) -> np.ndarray:
    """(m, 4) uint64: chunk i's bits set, in the words' numbering (bit 0 = the top of word 0)."""
    masks = np.zeros((len(widths), 4), dtype=np.uint64)
    for chunk, (start, width) in enumerate(zip(starts, widths, strict=True)):
        for bit in range(start, start + width):
            masks[chunk, bit // 64] |= np.uint64(1 << (63 - bit % 64))
    return masks


def _table_starts(widths: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Where each chunk's counts (a byte a bucket) and bases (one per BLOCK buckets) start."""
    count_starts = np.zeros(len(widths) + 1, dtype=np.int64)
    np.cumsum([1 << width for width in widths], out=count_starts[1:])
    return count_starts, count_starts // BLOCK


def _widths(chunks: int) -> list[int]:
    base, extra = divmod(PDQ_BITS, chunks)
    return [base + 1] * extra + [base] * (chunks - extra)


def _added_cost(n: int, width: int, flips: int) -> float:
    """Expected bucket reads plus candidates of trying every ``flips``-bit change of a chunk."""
    if flips > width:
        return math.inf
    return math.comb(width, flips) * (1 + n / 2**width)


def _budgets(n: int, widths: list[int], threshold: int) -> list[int]:
    budgets = [-1] * len(widths)
    for _ in range(threshold + 1):
        cheapest = min(range(len(budgets)), key=lambda i: _added_cost(n, widths[i], budgets[i] + 1))
        budgets[cheapest] += 1
    return budgets


def _probe_cost(n: int, widths: list[int], budgets: list[int]) -> float:
    return sum(_added_cost(n, widths[i], flips) for i, budget in enumerate(budgets) for flips in range(budget + 1))


@lru_cache(maxsize=16)
def _layout_for(scale: int) -> tuple[int, ...]:
    n = 2**scale

    def cost(widths: list[int]) -> float:  # a bucket read costs two misses (its table, its orders), a candidate one
        budgets = _budgets(n, widths, PLAN_THRESHOLD)
        return sum(math.comb(widths[i], flips) * (2 + n / 2**widths[i])
                   for i, budget in enumerate(budgets) for flips in range(budget + 1))
    fewest, most = -(-PDQ_BITS // MAX_CHUNK_BITS), PDQ_BITS // MIN_CHUNK_BITS
    return tuple(_widths(min(range(fewest, most + 1), key=lambda chunks: cost(_widths(chunks)))))


def _layout(n: int) -> list[int]:
    """Chunk widths (8..24 bits, together exactly 256): the chunk count with the fewest expected
    cache misses (two a bucket read, one a candidate) at distance PLAN_THRESHOLD, for n rounded
    to a power of two.
    Wider chunks mean fewer candidates but more buckets; at a byte a bucket, ten million hashes
    take 11 chunks (3 of 24 bits, 8 of 23: 117 MB of bucket tables) and stay under 1 GB."""
    return list(_layout_for(max(round(math.log2(max(n, 1))), 0)))


@lru_cache(maxsize=64)
def _flip_masks(width: int, flips: int) -> np.ndarray:
    """Every mask of `width` bits with at most `flips` bits set."""
    masks = [0]
    for count in range(1, flips + 1):
        masks.extend(sum(1 << bit for bit in bits) for bits in itertools.combinations(range(width), count))
    return np.array(masks, dtype=np.int64)


def _bucketed(words: np.ndarray, widths: list[int], parent: np.ndarray | None = None):
    """Per chunk, the positions ordered by the chunk's value, and the bucket tables
    (:func:`compact_buckets`): ``(orders, counts, bases, wide)``. With ``parent``, the entries
    of crowded buckets are joined there on the way (see :func:`_grouped`)."""
    orders = np.empty((len(widths), len(words)), dtype=np.int32)
    count_starts, base_starts = _table_starts(widths)
    counts = np.empty(count_starts[-1], dtype=np.uint8)
    bases = np.empty(base_starts[-1], dtype=np.int32)
    wides, slots = [], 0
    starts = itertools.accumulate([0, *widths[:-1]])
    for chunk, (start, width) in enumerate(zip(starts, widths, strict=True)):
        offsets = np.empty((1 << width) + 1, dtype=np.int32)  # one chunk's at a time: 64 MB at 24 bits
        bucket_order(_chunk_values(words, start, width), width, orders[chunk], offsets)
        if parent is not None:
            crowd = math.ceil(CROWD_FACTOR * len(words) / 2**width) + CROWD_MARGIN
            join_crowds(orders[chunk], offsets, crowd, parent)
        chunk_bases = bases[base_starts[chunk]:base_starts[chunk + 1]]
        wide = compact_buckets(offsets, counts[count_starts[chunk]:count_starts[chunk + 1]], chunk_bases)
        chunk_bases[chunk_bases < 0] -= slots  # slots numbered across all chunks
        slots += len(wide) // (BLOCK + 1)
        wides.append(wide)
    return orders, counts, bases, np.concatenate(wides)


def _grouped(parent: np.ndarray) -> np.ndarray | None:
    """An order of the bank that puts families of near-duplicates together, or None where
    there are none. Members of a family share chunk values with its centre, so they crowd a
    few buckets far beyond what chance fills (``CROWD_FACTOR`` times the mean plus
    ``CROWD_MARGIN``: a random bank of ten million, 2.4 or 4.8 a bucket, has none that full).
    The entries of such buckets were joined into groups (``parent``, a union-find forest), and
    each group is stored contiguously: a query near a family reads its members in every probed
    chunk, and laid out together they cost a few cache lines instead of a miss each. Only the
    order changes, never what is found."""
    group = roots(parent)
    if np.array_equal(group, np.arange(len(group), dtype=np.int32)):
        return None
    return np.argsort(group, kind="stable").astype(np.int32)


class PdqIndex:
    """Exact Hamming range search over 256-bit PDQ hashes (see the module docstring)."""

    def __init__(self, hashes: np.ndarray):
        hashes = np.ascontiguousarray(hashes, dtype=np.uint8)
        if hashes.ndim != 2 or hashes.shape[1] != PDQ_BYTES:
            raise ValueError(f"PDQ hashes must be an (n, {PDQ_BYTES}) uint8 array")
        if len(hashes) >= 2**31:
            raise ValueError("a PDQ index holds fewer than 2**31 hashes")
        words = _words(hashes)
        widths = _layout(len(hashes))
        parent = np.arange(len(hashes), dtype=np.int32)
        orders, counts, bases, wide = _bucketed(words, widths, parent)
        positions = _grouped(parent)
        if positions is not None:  # families sit together: their reads share cache lines
            words = words[positions]
            orders, counts, bases, wide = _bucketed(words, widths)
        self._set(words, widths, orders, (counts, bases, wide), positions)

    def _set(self, words: np.ndarray, widths: list[int], orders: np.ndarray,
             tables: tuple[np.ndarray, np.ndarray, np.ndarray], positions: np.ndarray | None) -> None:
        self._words = words
        self._positions = positions  # the bank's row of each entry; None: the same
        self.widths = list(widths)
        self.starts = list(itertools.accumulate([0, *self.widths[:-1]]))
        self._orders = orders
        self._counts, self._bases, self._wide = tables
        self._count_starts, self._base_starts = _table_starts(self.widths)
        self._chunk_masks = _chunk_masks(self.starts, self.widths)
        self._flat: Any = None  # faiss IndexBinaryFlat, made on the first scan

    @classmethod
    def from_hex(cls, values: Sequence[str]) -> PdqIndex:
        return cls(pdq_array(values))

    def __len__(self) -> int:
        return len(self._words)

    @property
    def grouped(self) -> bool:
        """Whether families of near-duplicates were found and stored together."""
        return self._positions is not None

    @property
    def nbytes(self) -> int:
        arrays = [self._words, self._orders, self._counts, self._bases, self._wide]
        if self._positions is not None:
            arrays.append(self._positions)
        return sum(a.nbytes for a in arrays) + (len(self) * PDQ_BYTES if self._flat is not None else 0)

    # --- persistence ---------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Plain ``.npy`` arrays and a JSON layout, written to a sibling directory and renamed
        into place, so a reader never sees half an index."""
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}-"))
        arrays = {"words": self._words, "orders": self._orders, "counts": self._counts, "bases": self._bases,
                  "wide": self._wide}
        if self._positions is not None:
            arrays["positions"] = self._positions
        try:
            for name, array in arrays.items():
                np.save(staging / f"{name}.npy", array, allow_pickle=False)
            (staging / LAYOUT_FILE).write_text(json.dumps(
                {"format": INDEX_FORMAT, "count": len(self), "widths": self.widths,
                 "grouped": self._positions is not None}) + "\n")
            if directory.exists():
                shutil.rmtree(directory)
            os.replace(staging, directory)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    @classmethod
    def load(cls, directory: Path, mmap: bool = True) -> PdqIndex:
        """The index saved in ``directory``; memory-mapped (read-only, shared between processes,
        paged in as it is used) unless ``mmap`` is false. Raises ValueError on a damaged one."""
        directory = Path(directory)
        mode: Literal["r"] | None = "r" if mmap else None
        try:
            layout = json.loads((directory / LAYOUT_FILE).read_text())
            names = ARRAYS + ("positions",) if layout.get("grouped") else ARRAYS
            arrays = [np.load(directory / f"{name}.npy", mmap_mode=mode, allow_pickle=False) for name in names]
        except (OSError, ValueError, AttributeError) as error:
            raise ValueError(f"cannot read the PDQ index in {directory}: {error}") from error
        words, orders, counts, bases, wide = arrays[:5]
        positions = arrays[5] if len(arrays) > 5 else None
        widths = [int(width) for width in layout.get("widths", [])]
        count = int(layout.get("count", -1))
        if (layout.get("format") != INDEX_FORMAT or sum(widths) != PDQ_BITS or words.shape != (count, 4)
                or words.dtype != np.uint64 or orders.shape != (len(widths), count) or orders.dtype != np.int32
                or counts.shape != (int(_table_starts(widths)[0][-1]),) or counts.dtype != np.uint8
                or bases.shape != (int(_table_starts(widths)[1][-1]),) or bases.dtype != np.int32
                or wide.ndim != 1 or len(wide) % (BLOCK + 1) or wide.dtype != np.int32
                or (positions is not None and (positions.shape != (count,) or positions.dtype != np.int32))):
            raise ValueError(f"{directory} does not hold a PDQ index of this format")
        index = cls.__new__(cls)
        index._set(words, widths, orders, (counts, bases, wide), positions)
        return index

    # --- planning ------------------------------------------------------------------------

    def budgets(self, threshold: int) -> list[int]:
        """Per-chunk flip budgets t_i (-1: chunk not probed) with sum t_i = threshold - m + 1,
        each increment put where it adds the fewest expected bucket reads and candidates."""
        return _budgets(len(self), self.widths, threshold)

    def probe_cost(self, budgets: list[int]) -> float:
        """Expected probes plus candidates per query."""
        return _probe_cost(len(self), self.widths, budgets)

    def prefers_scan(self, queries: int, cost: float) -> bool:
        scan = queries * len(self) * SCAN_NS_PER_PAIR
        return scan <= PROBE_NS_PER_CALL + queries * cost * PROBE_NS_PER_UNIT

    # --- search --------------------------------------------------------------------------

    def search(self, values: Sequence[str], threshold: int) -> list[list[IndexHit]]:
        queries, positions, distances = self.search_arrays(pdq_array(values), threshold)
        hits: list[list[IndexHit]] = [[] for _ in values]
        for query, position, distance in zip(queries.tolist(), positions.tolist(), distances.tolist(),
                                                     strict=True):
            hits[query].append(IndexHit(position, distance))
        return hits

    def search_arrays(self, queries: np.ndarray, threshold: int, plan: str | None = None,
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All (query number, position, distance) with distance <= threshold, sorted by query
        then distance then position. `plan` ("scan" or "probe") overrides the cost model."""
        if not 0 <= threshold <= PDQ_BITS:
            raise ValueError(f"threshold must be 0..{PDQ_BITS}")
        queries = np.ascontiguousarray(queries, dtype=np.uint8).reshape(-1, PDQ_BYTES)
        empty = np.zeros(0, dtype=np.int64)
        if len(self) == 0 or len(queries) == 0:
            return empty, empty, empty
        budgets = self.budgets(threshold)
        cost = self.probe_cost(budgets)
        if plan == "scan" or (plan is None and self.prefers_scan(len(queries), cost)):
            found = self._scan(queries, threshold)
        else:
            found = self._probe(queries, threshold, budgets)
        query_ids, positions, distances = found
        if self._positions is not None:
            positions = self._positions[positions].astype(np.int64)
        order = np.lexsort((positions, distances, query_ids))
        return query_ids[order], positions[order], distances[order]

    def _probe(self, queries: np.ndarray, threshold: int, budgets: list[int]):
        query_words = _words(queries)
        query_chunks = np.stack([_chunk_values(query_words, start, width)
                                 for start, width in zip(self.starts, self.widths, strict=True)], axis=1)
        probed = np.array([i for i, budget in enumerate(budgets) if budget >= 0], dtype=np.int64)
        masks = [_flip_masks(self.widths[i], budgets[i]) for i in probed]
        flip_starts = np.zeros(len(masks) + 1, dtype=np.int64)
        np.cumsum([m.size for m in masks], out=flip_starts[1:])
        flips = np.concatenate(masks) if masks else np.zeros(0, dtype=np.int64)
        return probe(self._words.reshape(-1), self._orders.reshape(-1), self._counts.view(np.uint64), self._bases,
                     self._wide, self._count_starts, self._base_starts, self._chunk_masks, probed,
                     np.array(budgets, dtype=np.int64), flip_starts, flips, query_words.reshape(-1), query_chunks,
                     threshold, PROBE_BATCH, 4 * len(queries))

    def _scan(self, queries: np.ndarray, threshold: int):
        import faiss

        if self._flat is None:
            self._flat = faiss.IndexBinaryFlat(PDQ_BITS)
            self._flat.add(self._words.astype(">u8").view(np.uint8).reshape(-1, PDQ_BYTES))
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            limits, distances, positions = self._flat.range_search(queries, threshold + 1)
        finally:
            faiss.omp_set_num_threads(threads)
        counts = np.diff(limits.astype(np.int64))
        query_ids = np.repeat(np.arange(len(queries), dtype=np.int64), counts)
        return query_ids, positions.astype(np.int64), distances.astype(np.int64)


class ExactIndex:
    """Exact lookup for cryptographic hashes (MD5, SHA-256): a dict from value to positions."""

    def __init__(self, values: Sequence[str]):
        self._positions: dict[str, list[int]] = {}
        for position, value in enumerate(values):
            self._positions.setdefault(value, []).append(position)
        self._size = len(values)

    def __len__(self) -> int:
        return self._size

    def search(self, values: Sequence[str], threshold: int = 0) -> list[list[IndexHit]]:
        return [[IndexHit(p, 0) for p in self._positions.get(value, ())] for value in values]
