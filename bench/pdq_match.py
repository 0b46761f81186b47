"""PDQ matching against a bank of 1,000,000 hashes at distance <= 31, side by side with
threatexchange's own ``PDQIndex``, measured in the same run.

    .venv/bin/python bench/pdq_match.py [--bank 1000000] [--queries 10000] [--seed 2017]

The bank is random 256-bit hashes (in memory, no database). Half the queries are bank entries
with 0–31 random bits flipped, so the right answer is known; half are random hashes, which at
256 bits are never within 31 of anything (so any match there is a false positive). Each index
is built and queried in its own child process, so its peak memory is its own:

* tanggap ``PdqIndex``: exact multi-index hashing (generalised pigeonhole), numpy, one batch
  call for all queries (how ``match_media`` asks).
* threatexchange ``PDQIndex``: the peer. faiss ``IndexBinaryMultiHash`` (16 × 16 bits,
  nflip 1) behind ``IndexBinaryIDMap2``; its API answers one query per call, so it is asked so.
* faiss ``IndexBinaryFlat``: exhaustive and exact, batched range search: the reference.
* threatexchange ``PDQIndex2`` (its planned replacement, faiss ``IndexFlatL2`` on 256 floats),
  only with ``--with-pdqindex2``: it adds hashes one by one and scans 1 GB per query, so it
  gets a tenth of the bank and a tenth of the queries (figures then are not comparable).

Memory is the child's resident set (faiss allocates outside Python, so tracemalloc cannot see
it): "index MB" is what building the index added, measured after freed memory went back to
the OS; "peak MB" is the process's high-water mark (build and search temporaries included),
over the same baseline of the 1M hex strings and the queries.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

THRESHOLD = 31
CONTENDERS = ("tanggap", "threatexchange", "faiss-flat")
LABELS = {
    "tanggap": "tanggap PdqIndex (multi-index hashing, numpy, batched)",
    "threatexchange": "threatexchange PDQIndex (faiss MultiHash, per query)",
    "faiss-flat": "faiss IndexBinaryFlat (exhaustive, batched)",
    "pdqindex2": "threatexchange PDQIndex2 (faiss FlatL2, per query)",
}


def rss_mb() -> float:
    """Resident memory, after handing freed heap back to the OS (build temporaries are gone)."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def workload(bank_size: int, queries: int, seed: int):
    """The bank, the queries, and for the planted half which entry each came from."""
    rng = np.random.default_rng(seed)
    bank = rng.integers(0, 256, (bank_size, 32), dtype=np.uint8)
    planted = queries // 2
    sources = rng.choice(bank_size, planted, replace=False)
    flips = rng.integers(0, THRESHOLD + 1, planted)
    bits = np.unpackbits(bank[sources], axis=1)
    for row, count in enumerate(flips):
        bits[row, rng.choice(256, int(count), replace=False)] ^= 1
    query_array = np.vstack([np.packbits(bits, axis=1),
                             rng.integers(0, 256, (queries - planted, 32), dtype=np.uint8)])
    bank_hex = [row.tobytes().hex() for row in bank]
    query_hex = [row.tobytes().hex() for row in query_array]
    del bank, query_array, bits
    return bank_hex, query_hex, sources, flips


def score(pairs: list[tuple[int, int, int]], sources, flips, asked: int) -> dict:
    """Recall on the planted half (the source entry found, at its true distance); matches on the
    random half are false positives."""
    planted = min(len(sources), asked)
    found = {(q, p): d for q, p, d in pairs}
    recalled = sum(1 for q in range(planted) if found.get((q, int(sources[q]))) == int(flips[q]))
    false_positives = sum(1 for q, _, _ in pairs if q >= len(sources))
    return {"recall": recalled / planted if planted else 1.0, "planted": planted,
            "false_positives": false_positives, "matches": len(pairs)}


def run_worker(name: str, bank_size: int, queries: int, seed: int, faiss_threads: int) -> dict:
    import faiss

    faiss.omp_set_num_threads(faiss_threads)
    bank_hex, query_hex, sources, flips = workload(bank_size, queries, seed)
    if name == "pdqindex2":
        bank_hex = bank_hex[: bank_size // 10]
        keep = [q for q in range(len(sources)) if sources[q] < len(bank_hex)]
        planted_hex = [query_hex[q] for q in keep]
        sources, flips = sources[keep], flips[keep]
        query_hex = planted_hex[: queries // 20] + query_hex[len(query_hex) // 2:][: queries // 20]
        sources, flips = sources[: queries // 20], flips[: queries // 20]
    baseline = rss_mb()
    started = time.perf_counter()
    search = BUILDERS[name](bank_hex)
    build_s = time.perf_counter() - started
    built = rss_mb()
    started = time.perf_counter()
    pairs = search(query_hex)
    query_s = time.perf_counter() - started
    result = {"name": name, "bank": len(bank_hex), "queries": len(query_hex), "build_s": build_s,
              "query_s": query_s, "qps": len(query_hex) / query_s, "index_mb": built - baseline,
              "peak_mb": peak_mb(), "baseline_mb": baseline}
    result.update(score(pairs, sources, flips, len(query_hex)))
    return result


def build_tanggap(bank_hex):
    from tanggap.detect.banks.index import PdqIndex, pdq_array

    index = PdqIndex.from_hex(bank_hex)

    def search(query_hex):
        q, p, d = index.search_arrays(pdq_array(query_hex), THRESHOLD)
        return list(zip(q.tolist(), p.tolist(), d.tolist()))
    return search


def build_threatexchange(bank_hex):
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    index = PDQIndex(entries=zip(bank_hex, range(len(bank_hex))))

    def search(query_hex):
        pairs = []
        for number, query in enumerate(query_hex):
            for match in index.query(query):
                pairs.append((number, match.metadata, int(match.similarity_info.distance)))
        return pairs
    return search


def build_pdqindex2(bank_hex):
    from threatexchange.signal_type.pdq.pdq_index2 import PDQIndex2

    index = PDQIndex2(entries=zip(bank_hex, range(len(bank_hex))))

    def search(query_hex):
        pairs = []
        for number, query in enumerate(query_hex):
            for match in index.query(query):
                pairs.append((number, match.metadata, int(round(float(match.similarity_info.distance)))))
        return pairs
    return search


def build_faiss_flat(bank_hex):
    import faiss

    from tanggap.detect.banks.index import pdq_array

    index = faiss.IndexBinaryFlat(256)
    index.add(pdq_array(bank_hex))

    def search(query_hex):
        limits, distances, positions = index.range_search(pdq_array(query_hex), THRESHOLD + 1)
        limits = limits.astype(np.int64)
        return [(q, int(positions[k]), int(distances[k]))
                for q in range(len(query_hex)) for k in range(limits[q], limits[q + 1])]
    return search


BUILDERS = {"tanggap": build_tanggap, "threatexchange": build_threatexchange, "faiss-flat": build_faiss_flat,
            "pdqindex2": build_pdqindex2}


def versions() -> str:
    from importlib.metadata import version

    packages = ("threatexchange", "faiss-cpu", "numpy", "pdqhash")
    return ", ".join(f"{p} {version(p)}" for p in packages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bank", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--with-pdqindex2", action="store_true")
    parser.add_argument("--faiss-threads", type=int, default=1,
                        help="OpenMP threads for faiss (default 1: on a busy machine, faiss's spinning "
                             "threads cost ~5 ms per call, which would punish the per-query peer)")
    parser.add_argument("--worker", choices=list(BUILDERS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_worker(args.worker, args.bank, args.queries, args.seed, args.faiss_threads)))
        return

    print(f"PDQ matching, threshold <= {THRESHOLD}: bank of {args.bank:,} random hashes, {args.queries:,} "
          f"queries ({args.queries // 2:,} bank entries with 0-{THRESHOLD} bits flipped, the rest random)")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores (load average "
          f"{os.getloadavg()[0]:.1f}), Python {platform.python_version()}; {versions()}; faiss threads "
          f"{args.faiss_threads}, tanggap single-threaded")
    contenders = CONTENDERS + (("pdqindex2",) if args.with_pdqindex2 else ())
    results = []
    for name in contenders:
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--bank", str(args.bank),
                   "--queries", str(args.queries), "--seed", str(args.seed),
                   "--faiss-threads", str(args.faiss_threads)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"{LABELS[name]}: failed\n{done.stderr[-2000:]}")
            continue
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    header = (f"{'index':<55} {'bank':>9} {'queries':>7} {'build s':>8} {'queries/s':>10} {'recall':>7} "
              f"{'false +':>7} {'index MB':>9} {'peak MB':>8} {'base MB':>8}")
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{LABELS[r['name']]:<55} {r['bank']:>9,} {r['queries']:>7,} {r['build_s']:>8.1f} {r['qps']:>10,.0f} "
              f"{r['recall']:>7.4f} {r['false_positives']:>7} {r['index_mb']:>9.0f} {r['peak_mb']:>8.0f} "
              f"{r['baseline_mb']:>8.0f}")
    by_name = {r["name"]: r for r in results}
    if "tanggap" in by_name and "threatexchange" in by_name:
        ours, peer = by_name["tanggap"], by_name["threatexchange"]
        print(f"tanggap vs threatexchange PDQIndex: {ours['qps'] / peer['qps']:.1f}x queries/s, "
              f"{peer['build_s'] / ours['build_s']:.1f}x faster build, "
              f"{ours['index_mb'] / max(peer['index_mb'], 1):.2f}x the index memory")
    print("index MB: resident memory the index added; peak MB: high-water mark of its process (the "
          "workload's own generation included); base MB: resident before the build (hex strings, queries)")


if __name__ == "__main__":
    main()
