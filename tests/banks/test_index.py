"""The PDQ index finds exactly what a brute-force scan finds, at any size and threshold."""

from __future__ import annotations

import faiss
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tanggap.detect.banks.index import ExactIndex, PdqIndex, _layout, _table_starts


def random_hashes(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 256, (n, 32), dtype=np.uint8)


def flipped(rng: np.random.Generator, hashes: np.ndarray, flips: np.ndarray) -> np.ndarray:
    bits = np.unpackbits(hashes, axis=1)
    for row, count in enumerate(flips):
        bits[row, rng.choice(256, int(count), replace=False)] ^= 1
    return np.packbits(bits, axis=1)


def brute_force(bank: np.ndarray, queries: np.ndarray, threshold: int) -> set[tuple[int, int, int]]:
    """faiss's exhaustive binary scan: the reference the index must equal."""
    if len(bank) == 0:
        return set()
    flat = faiss.IndexBinaryFlat(256)
    flat.add(bank)
    limits, distances, positions = flat.range_search(queries, threshold + 1)
    return {(q, int(positions[k]), int(distances[k]))
            for q in range(len(queries)) for k in range(int(limits[q]), int(limits[q + 1]))}


def found(index: PdqIndex, queries: np.ndarray, threshold: int, plan=None) -> set[tuple[int, int, int]]:
    q, p, d = index.search_arrays(queries, threshold, plan)
    result = set(zip(q.tolist(), p.tolist(), d.tolist(), strict=True))
    assert len(result) == len(q), "each (query, entry) once"
    return result


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 3000), threshold=st.integers(0, 70),
       duplicates=st.integers(0, 5))
def test_search_equals_brute_force(seed, n, threshold, duplicates):
    rng = np.random.default_rng(seed)
    bank = random_hashes(rng, n)
    if n and duplicates:
        bank = np.vstack([bank, bank[rng.integers(0, n, duplicates)]])
    near = bank[rng.integers(0, len(bank), 20)] if len(bank) else random_hashes(rng, 20)
    queries = np.vstack([flipped(rng, near, rng.integers(0, 40, len(near))), random_hashes(rng, 5)])
    index = PdqIndex(bank)
    expected = brute_force(bank, queries, threshold)
    assert found(index, queries, threshold, "probe") == expected  # multi-index hashing
    assert found(index, queries, threshold, "scan") == expected  # the exhaustive plan
    assert found(index, queries, threshold) == expected  # whichever the cost model picks


@pytest.mark.parametrize("threshold", [0, 8, 31, 40, 64])
def test_a_large_bank_is_probed_and_misses_nothing(threshold):
    rng = np.random.default_rng(threshold)
    bank = random_hashes(rng, 200_000)
    index = PdqIndex(bank)
    # probing wins up to about 45 bits on 200,000 hashes; far beyond, the exhaustive scan does
    assert index.prefers_scan(500, index.probe_cost(index.budgets(threshold))) == (threshold > 45)
    sources = rng.integers(0, len(bank), 400)
    queries = np.vstack([flipped(rng, bank[sources], rng.integers(0, threshold + 1, 400)),
                         random_hashes(rng, 100)])
    result = found(index, queries, threshold, "probe")
    assert result == brute_force(bank, queries, threshold)
    assert {(q, int(p)) for q, p in enumerate(sources)} <= {(q, p) for q, p, _ in result}


@pytest.mark.parametrize("n, threshold", [(1, 31), (1000, 31), (100_000, 0), (100_000, 31), (1_000_000, 31)])
def test_budgets_keep_the_pigeonhole_sum(n, threshold):
    index = PdqIndex(np.zeros((n, 32), dtype=np.uint8))
    budgets = index.budgets(threshold)
    assert sum(budgets) == threshold - len(index.widths) + 1
    assert sum(index.widths) == 256 and all(-1 <= b <= w for b, w in zip(budgets, index.widths, strict=True))


def test_results_come_sorted_by_query_then_distance():
    rng = np.random.default_rng(3)
    bank = random_hashes(rng, 1)
    bank = np.vstack([flipped(rng, bank, np.array([12])), bank, flipped(rng, bank, np.array([3]))])
    hits = PdqIndex(bank).search([bank[1].tobytes().hex()], 31)[0]
    assert [h.distance for h in hits] == [0, 3, 12] and [h.position for h in hits] == [1, 2, 0]


def test_the_scan_leaves_faiss_threads_as_it_found_them():
    threads = faiss.omp_get_max_threads()
    PdqIndex(random_hashes(np.random.default_rng(1), 10)).search_arrays(random_hashes(np.random.default_rng(2), 3),
                                                                        31, "scan")
    assert faiss.omp_get_max_threads() == threads


def test_search_by_hex_matches_search_by_array():
    rng = np.random.default_rng(5)
    bank = random_hashes(rng, 5000)
    index = PdqIndex.from_hex([row.tobytes().hex() for row in bank])
    hits = index.search([bank[42].tobytes().hex()], 31)
    assert [(h.position, h.distance) for h in hits[0]] == [(42, 0)]


def test_a_malformed_hash_is_refused():
    with pytest.raises(ValueError):
        PdqIndex.from_hex(["abc"])
    with pytest.raises(ValueError):
        PdqIndex.from_hex(["ab" * 31, "ab" * 33])  # the right total length, misaligned
    with pytest.raises(ValueError):
        PdqIndex.from_hex(["zz" * 32])
    with pytest.raises(ValueError):
        PdqIndex(np.zeros((3, 31), dtype=np.uint8))


def test_an_empty_index_finds_nothing():
    assert PdqIndex.from_hex([]).search(["ab" * 32], 31) == [[]]


def test_exact_index_returns_every_position_of_a_value():
    index = ExactIndex(["a", "b", "a"])
    assert [[h.position for h in hits] for hits in index.search(["a", "c"])] == [[0, 2], []]
    assert len(index) == 3


def test_a_small_bank_at_a_large_threshold_is_scanned_and_misses_nothing():
    rng = np.random.default_rng(9)
    bank = random_hashes(rng, 300)
    index = PdqIndex(bank)
    assert index.prefers_scan(100, index.probe_cost(index.budgets(90)))  # the exhaustive path
    queries = np.vstack([flipped(rng, bank[:50], rng.integers(0, 90, 50)), random_hashes(rng, 50)])
    assert found(index, queries, 90) == brute_force(bank, queries, 90)


def test_a_saved_index_loads_memory_mapped_and_finds_the_same(tmp_path):
    rng = np.random.default_rng(11)
    bank = random_hashes(rng, 20_000)
    queries = np.vstack([flipped(rng, bank[:50], rng.integers(0, 32, 50)), random_hashes(rng, 10)])
    built = PdqIndex(bank)
    built.save(tmp_path / "pdq")
    loaded = PdqIndex.load(tmp_path / "pdq")
    assert isinstance(loaded._words, np.memmap)  # paged in on use, shared between processes
    assert len(loaded) == len(bank) and loaded.widths == built.widths
    assert found(loaded, queries, 31, "probe") == found(built, queries, 31, "probe") == brute_force(bank, queries, 31)
    built.save(tmp_path / "pdq")  # saving over an index replaces it whole
    assert found(PdqIndex.load(tmp_path / "pdq", mmap=False), queries, 31) == brute_force(bank, queries, 31)


def test_a_damaged_saved_index_is_refused(tmp_path):
    PdqIndex(random_hashes(np.random.default_rng(12), 1000)).save(tmp_path / "pdq")
    np.save(tmp_path / "pdq" / "orders.npy", np.zeros((2, 5), dtype=np.int32))
    with pytest.raises(ValueError, match="does not hold a PDQ index"):
        PdqIndex.load(tmp_path / "pdq")
    with pytest.raises(ValueError, match="cannot read"):
        PdqIndex.load(tmp_path / "missing")


def test_families_of_near_duplicates_are_found_whole():
    """Real banks hold the same release re-encoded many times: crowded buckets, many hits a query."""
    rng = np.random.default_rng(13)
    centres = random_hashes(rng, 40)
    family = np.vstack([flipped(rng, np.repeat(centres, 50, axis=0), rng.integers(2, 41, 2000)),
                        np.repeat(centres[:2], 300, axis=0)])  # exact copies crowd one bucket per chunk
    bank = np.vstack([family, random_hashes(rng, 30_000)])
    rng.shuffle(bank)
    queries = flipped(rng, centres, rng.integers(0, 20, len(centres)))
    index = PdqIndex(bank)
    for threshold in (20, 31):
        assert found(index, queries, threshold, "probe") == brute_force(bank, queries, threshold)


def test_families_are_stored_together_and_found_at_their_bank_positions(tmp_path):
    """Crowded buckets mark families: their members are stored contiguously (cheaper reads), and
    every hit still names the entry's row in the bank, in memory and after a save and load."""
    rng = np.random.default_rng(14)
    centres = random_hashes(rng, 6)
    members = flipped(rng, np.repeat(centres, 400, axis=0), rng.integers(0, 12, 2400))
    bank = np.vstack([members, np.repeat(centres[:1], 600, axis=0), random_hashes(rng, 20_000)])
    order = rng.permutation(len(bank))
    bank = bank[order]
    queries = np.vstack([flipped(rng, centres, rng.integers(0, 16, len(centres))), random_hashes(rng, 20)])
    index = PdqIndex(bank)
    assert index.grouped
    index.save(tmp_path / "pdq")
    loaded = PdqIndex.load(tmp_path / "pdq")
    assert loaded.grouped
    expected = brute_force(bank, queries, 31)
    assert found(index, queries, 31, "probe") == found(loaded, queries, 31, "probe") == expected
    assert found(loaded, queries, 31, "scan") == expected
    # the 600 exact copies crowd one bucket per chunk past what a byte counts: all found
    copies = set(np.flatnonzero((order >= 2400) & (order < 3000)).tolist())
    assert copies <= {p for q, p, _ in expected if q == 0}


def test_a_random_bank_keeps_its_order():
    assert not PdqIndex(random_hashes(np.random.default_rng(15), 50_000)).grouped


def test_ten_million_hashes_take_eleven_wide_chunks_under_a_gigabyte():
    n = 10_000_000
    widths = _layout(n)
    count_starts, base_starts = _table_starts(widths)
    size = n * 32 + len(widths) * n * 4 + int(count_starts[-1]) + 4 * int(base_starts[-1]) + 4 * n  # + positions
    assert sorted(widths) == [23] * 8 + [24] * 3 and size < 10**9
