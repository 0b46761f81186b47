"""In-memory indexes of a bank's hashes: exact lookup, and Hamming range search for PDQ.

PDQ (:class:`PdqIndex`) is exact multi-index hashing with the generalised pigeonhole
principle (Qin et al., "GPH: Similarity Search in Hamming Space", ICDE 2018):

* the 256 bits are cut into ``m`` chunks of about log2(n) bits; for each chunk, the entries
  are kept sorted by that chunk's value, with an offsets table (a bucket per value);
* for a query at threshold ``t``, each chunk gets a budget ``t_i`` with
  ``sum(t_i) = t - m + 1`` (``t_i = -1`` skips the chunk). If every chunk of an entry differed
  from the query's in more than ``t_i`` bits, the whole hash would differ in at least
  ``sum(t_i + 1) = t + 1`` bits. So every entry within ``t`` shares some chunk ``i`` up to
  ``t_i`` flipped bits: probing those buckets finds all of them, and the full 256-bit distance
  of each candidate is then checked. Nothing is approximate: recall is 1 by construction.

Budgets are spread greedily where they add the fewest candidates.

Small banks, single queries and large thresholds are cheaper to scan: then the search is
faiss's exhaustive, exact ``IndexBinaryFlat`` (about 0.6 ns per query-entry pair on one core),
chosen per call from a cost estimate. faiss runs single-threaded here: on a busy machine its
spinning OpenMP threads cost milliseconds per call.

Why not threatexchange's ``PDQIndex`` (faiss ``IndexBinaryMultiHash``, 16 chunks of 16 bits,
one query per call)? At a million entries its buckets hold ~15 entries each, so a query at
distance 31 verifies ~4,000 candidates through hash maps; chunks sized to the bank verify
~1,400 from flat arrays, build in a second or two, and need no Python dict per entry.
``bench/pdq_match.py`` measures them side by side; the tests hold this index to faiss's flat
scan as the reference.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from tanggap.detect.banks.signals import IndexHit

PDQ_BITS = 256
PDQ_BYTES = PDQ_BITS // 8
# Per search batch: bound the temporary candidate arrays (about 30 MB at this many; larger
# batches are no faster, the gathers fall out of cache).
CANDIDATES_PER_BATCH = 500_000
# The plan's cost model, measured on x86-64 (numpy 2.4, faiss 1.15, one core): a flat scan
# costs ~0.6 ns per (query, entry); probing ~50 ns per bucket or candidate plus ~0.35 ms a call.
SCAN_NS_PER_PAIR = 0.6
PROBE_NS_PER_UNIT = 50.0
PROBE_NS_PER_CALL = 350_000.0


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


def _layout(n: int) -> list[int]:
    """Chunk widths: about log2(n) bits each (8..20), together exactly 256."""
    bits = min(max(round(math.log2(max(n, 2))), 8), 20)
    chunks = -(-PDQ_BITS // bits)
    base, extra = divmod(PDQ_BITS, chunks)
    return [base + 1] * extra + [base] * (chunks - extra)


@lru_cache(maxsize=64)
def _flip_masks(width: int, flips: int) -> np.ndarray:
    """Every mask of `width` bits with at most `flips` bits set."""
    masks = [0]
    for count in range(1, flips + 1):
        masks.extend(sum(1 << bit for bit in bits) for bits in itertools.combinations(range(width), count))
    return np.array(masks, dtype=np.int64)


class PdqIndex:
    """Exact Hamming range search over 256-bit PDQ hashes (see the module docstring)."""

    def __init__(self, hashes: np.ndarray):
        hashes = np.ascontiguousarray(hashes, dtype=np.uint8)
        if hashes.ndim != 2 or hashes.shape[1] != PDQ_BYTES:
            raise ValueError(f"PDQ hashes must be an (n, {PDQ_BYTES}) uint8 array")
        if len(hashes) >= 2**31:
            raise ValueError("a PDQ index holds fewer than 2**31 hashes")
        self._words = _words(hashes)
        self.widths = _layout(len(hashes))
        self.starts = list(itertools.accumulate([0, *self.widths[:-1]]))
        self._orders: list[np.ndarray] = []
        self._offsets: list[np.ndarray] = []
        for start, width in zip(self.starts, self.widths):
            values = _chunk_values(self._words, start, width)
            self._orders.append(np.argsort(values, kind="stable").astype(np.int32))
            offsets = np.zeros((1 << width) + 1, dtype=np.int32)
            np.cumsum(np.bincount(values, minlength=1 << width), out=offsets[1:])
            self._offsets.append(offsets)
        self._flat = None  # faiss IndexBinaryFlat, made on the first scan

    @classmethod
    def from_hex(cls, values: Sequence[str]) -> PdqIndex:
        return cls(pdq_array(values))

    def __len__(self) -> int:
        return len(self._words)

    @property
    def nbytes(self) -> int:
        arrays = [self._words, *self._orders, *self._offsets]
        return sum(a.nbytes for a in arrays) + (len(self) * PDQ_BYTES if self._flat is not None else 0)

    # --- planning ------------------------------------------------------------------------

    def budgets(self, threshold: int) -> list[int]:
        """Per-chunk flip budgets t_i (-1: chunk not probed) with sum t_i = threshold - m + 1,
        each increment put where it adds the fewest expected bucket reads."""
        budgets = [-1] * len(self.widths)
        for _ in range(threshold + 1):
            cheapest = min(range(len(budgets)), key=lambda i: self._added_cost(i, budgets[i] + 1))
            budgets[cheapest] += 1
        return budgets

    def _added_cost(self, chunk: int, flips: int) -> float:
        width = self.widths[chunk]
        if flips > width:
            return math.inf
        return math.comb(width, flips) * (1 + len(self) / 2**width)

    def probe_cost(self, budgets: list[int]) -> float:
        """Expected probes plus candidates per query."""
        return sum(self._added_cost(i, flips) for i, budget in enumerate(budgets)
                   for flips in range(budget + 1))

    def prefers_scan(self, queries: int, cost: float) -> bool:
        scan = queries * len(self) * SCAN_NS_PER_PAIR
        return scan <= PROBE_NS_PER_CALL + queries * cost * PROBE_NS_PER_UNIT

    # --- search --------------------------------------------------------------------------

    def search(self, values: Sequence[str], threshold: int) -> list[list[IndexHit]]:
        queries, positions, distances = self.search_arrays(pdq_array(values), threshold)
        hits: list[list[IndexHit]] = [[] for _ in values]
        for query, position, distance in zip(queries.tolist(), positions.tolist(), distances.tolist()):
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
            found = self._probe(queries, threshold, budgets, cost)
        query_ids, positions, distances = found
        order = np.lexsort((positions, distances, query_ids))
        return query_ids[order], positions[order], distances[order]

    def _probe(self, queries: np.ndarray, threshold: int, budgets: list[int], cost: float):
        query_words = _words(queries)
        chunks = [_chunk_values(query_words, s, w) for s, w in zip(self.starts, self.widths)]
        probed = [(i, _flip_masks(self.widths[i], t)) for i, t in enumerate(budgets) if t >= 0]
        batch = int(min(max(CANDIDATES_PER_BATCH / max(cost, 1.0), 16), 8192))
        found_q, found_p, found_d = [], [], []
        for first in range(0, len(queries), batch):
            last = min(first + batch, len(queries))
            candidates, owners = [], []
            for i, masks in probed:
                keys = chunks[i][first:last, None] ^ masks[None, :]
                offsets = self._offsets[i]
                begins = offsets[keys].ravel()
                lengths = offsets[keys + 1].ravel() - begins
                total = int(lengths.sum())
                if total == 0:
                    continue
                # positions begins[k] .. begins[k] + lengths[k] - 1 of the sorted order, flattened
                ends = np.cumsum(lengths)
                flat = np.arange(total, dtype=np.int64) + np.repeat(begins - (ends - lengths), lengths)
                candidates.append(self._orders[i][flat])
                owners.append(np.repeat(np.arange(first, last).repeat(masks.size), lengths))
            if not candidates:
                continue
            candidate = np.concatenate(candidates)
            owner = np.concatenate(owners)
            distance = np.bitwise_count(self._words[candidate] ^ query_words[owner]).sum(axis=1, dtype=np.int64)
            near = distance <= threshold
            # an entry close to the query often shares several chunks: keep it once
            key = owner[near] * len(self) + candidate[near]
            key, first_seen = np.unique(key, return_index=True)
            found_q.append(owner[near][first_seen])
            found_p.append(candidate[near][first_seen].astype(np.int64))
            found_d.append(distance[near][first_seen])
        if not found_q:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        return np.concatenate(found_q), np.concatenate(found_p), np.concatenate(found_d)

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
