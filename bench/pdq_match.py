"""PDQ matching against a bank of hashes at distance <= 31, side by side with threatexchange's
own ``PDQIndex`` and faiss, measured in the same run, on two kinds of bank.

    .venv/bin/python bench/pdq_match.py [--bank 10000000] [--kind both|uniform|families]
        [--queries 10000] [--peer-queries 1000] [--peer-bank N] [--seed 2017]

Banks (in memory, no database):

* ``uniform``: random 256-bit hashes, which flatter multi-index hashing (every bucket alike);
* ``families``: half the bank uniform, half in families of near-duplicates, as real banks hold
  them (the same release re-encoded, cropped, watermarked): family sizes from a Zipf law (1 to
  2,000 members), each member at 2-40 bits from its family's centre; they crowd buckets and give
  a query many true matches.

Half the queries are bank entries with 0-31 random bits flipped, so the right answer is known
(recall: the source entry found at its true distance); half are random hashes (on the uniform
bank never within 31 of anything). Each index is built and queried in its own child process,
so its peak memory is its own:

* tanggap ``PdqIndex``: exact multi-index hashing (generalised pigeonhole), a compiled probe
  (numba), one batch call for all queries (how ``match_media`` asks). It is built, saved as
  ``.npy`` files and loaded back memory-mapped, as a service restart would, and queried
  through the mapping.
* threatexchange ``PDQIndex``: the peer. faiss ``IndexBinaryMultiHash`` (16 x 16 bits,
  nflip 1) behind ``IndexBinaryIDMap2``; its API answers one query per call, so it is asked so.
* faiss ``IndexBinaryFlat``: exhaustive and exact, batched range search: the reference.
  Every contender's matches on the first ``--peer-queries`` queries are compared with it.
* threatexchange ``PDQIndex2`` (its planned replacement, faiss ``IndexFlatL2`` on 256 floats),
  only with ``--with-pdqindex2``: it adds hashes one by one and scans 1 GB per query, so it
  gets a tenth of the bank and a tenth of the queries (figures then are not comparable).

The peers are slower by orders of magnitude at ten million, so they answer the first
``--peer-queries`` queries only (their rate is per query all the same); ``--peer-bank`` gives
them a smaller bank where they would not fit in memory or time (the output says so).

Timing: "queries/s" is wall-clock, "cpu q/s" the same queries over the process's CPU time
(one thread): on a shared machine the first includes waiting for a core, the second does not.
Memory is the child's resident set (faiss allocates outside Python, so tracemalloc cannot see
it): "index MB" is what building (for tanggap: mapping and querying) the index added, measured
after freed memory went back to the OS; "peak MB" is the process's high-water mark (build and
search temporaries included), over the same baseline of the hex strings and the queries; "disk
MB" is the saved index and "load s" the time to map it back in.
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
KINDS = ("uniform", "families")
LABELS = {
    "tanggap": "tanggap PdqIndex (MIH, numba, mmap, batched)",
    "threatexchange": "threatexchange PDQIndex (faiss MultiHash, per q)",
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


def flip_bits(rng: np.random.Generator, hashes: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each row with ``counts[row]`` distinct random bits flipped (vectorised: 10 million rows)."""
    keys = rng.random((len(hashes), 256))
    ranks = np.argsort(keys, axis=1)[:, :int(counts.max()) if len(counts) else 0]
    masks = np.zeros((len(hashes), 256), dtype=np.uint8)
    take = np.arange(ranks.shape[1])[None, :] < counts[:, None]
    rows = np.broadcast_to(np.arange(len(hashes))[:, None], ranks.shape)
    masks[rows[take], ranks[take]] = 1
    return hashes ^ np.packbits(masks, axis=1)


def families_bank(rng: np.random.Generator, size: int) -> np.ndarray:
    """Half uniform, half families of near-duplicates (Zipf sizes, 2-40 bits from the centre)."""
    in_families = size // 2
    sizes = np.minimum(rng.zipf(1.8, in_families), 2000)  # more than enough families
    sizes = sizes[:int(np.searchsorted(np.cumsum(sizes), in_families)) + 1]
    sizes[-1] -= int(sizes.sum()) - in_families
    centres = rng.integers(0, 256, (len(sizes), 32), dtype=np.uint8)
    members = np.repeat(centres, sizes, axis=0)
    parts = []
    for first in range(0, len(members), 250_000):  # bounded temporaries
        block = members[first:first + 250_000]
        # 2-40 bit positions drawn with replacement: a repeat sets the same bit, so a member
        # differs from its centre in at most that many bits (cheap at ten million rows)
        counts = rng.integers(2, 41, len(block))
        positions = rng.integers(0, 256, (len(block), 40))
        take = np.arange(40)[None, :] < counts[:, None]
        masks = np.zeros((len(block), 256), dtype=np.uint8)
        masks[np.broadcast_to(np.arange(len(block))[:, None], positions.shape)[take], positions[take]] = 1
        parts.append(block ^ np.packbits(masks, axis=1))
    bank = np.vstack([*parts, rng.integers(0, 256, (size - in_families, 32), dtype=np.uint8)])
    rng.shuffle(bank)
    return bank


def hex_rows(hashes: np.ndarray) -> list[str]:
    rows: list[str] = []
    for first in range(0, len(hashes), 1_000_000):
        text = hashes[first:first + 1_000_000].tobytes().hex()
        rows.extend(text[i:i + 64] for i in range(0, len(text), 64))
    return rows


def workload(bank_size: int, queries: int, seed: int, kind: str = "uniform"):
    """The bank, the queries, and for the planted half which entry each came from."""
    rng = np.random.default_rng(seed)
    if kind == "families":
        bank = families_bank(rng, bank_size)
    else:
        bank = rng.integers(0, 256, (bank_size, 32), dtype=np.uint8)
    planted = queries // 2
    sources = rng.choice(bank_size, planted, replace=False)
    flips = rng.integers(0, THRESHOLD + 1, planted)
    query_array = np.vstack([flip_bits(rng, bank[sources], flips),
                             rng.integers(0, 256, (queries - planted, 32), dtype=np.uint8)])
    bank_hex = hex_rows(bank)
    query_hex = [row.tobytes().hex() for row in query_array]
    del bank, query_array
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


def run_worker(name: str, bank_size: int, queries: int, seed: int, faiss_threads: int, kind: str,
               compare: int) -> dict:
    import hashlib

    import faiss

    faiss.omp_set_num_threads(faiss_threads)
    if name == "tanggap":  # numba and its compiled kernel are the runtime's memory, not the index's
        from tanggap.detect.banks.index import PdqIndex

        PdqIndex(np.zeros((64, 32), dtype=np.uint8)).search_arrays(np.zeros((1, 32), dtype=np.uint8), THRESHOLD,
                                                                   "probe")
    bank_hex, query_hex, sources, flips = workload(bank_size, queries, seed, kind)
    if name == "pdqindex2":
        bank_hex = bank_hex[: bank_size // 10]
        keep = [q for q in range(len(sources)) if sources[q] < len(bank_hex)]
        planted_hex = [query_hex[q] for q in keep]
        sources, flips = sources[keep], flips[keep]
        query_hex = planted_hex[: queries // 20] + query_hex[len(query_hex) // 2:][: queries // 20]
        sources, flips = sources[: queries // 20], flips[: queries // 20]
    elif name != "tanggap":  # the peers: the first `compare` planted and random queries
        half = len(query_hex) // 2
        query_hex = query_hex[:compare // 2] + query_hex[half:half + compare - compare // 2]
        sources, flips = sources[:compare // 2], flips[:compare // 2]
    baseline = rss_mb()
    started = time.perf_counter()
    search, disk_mb, load_s = BUILDERS[name](bank_hex)
    build_s = time.perf_counter() - started
    built = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    pairs = search(query_hex)
    query_s, query_cpu = time.perf_counter() - started, time.process_time() - cpu
    if name == "tanggap":  # the same queries the peers were asked, for the agreement check
        half = len(query_hex) // 2
        asked = list(range(compare // 2)) + list(range(half, half + compare - compare // 2))
        renumber = {q: i for i, q in enumerate(asked)}
        compared = sorted((renumber[q], p, d) for q, p, d in pairs if q in renumber)
    else:
        compared = sorted(pairs)
    result = {"name": name, "bank": len(bank_hex), "queries": len(query_hex), "build_s": build_s,
              "query_s": query_s, "qps": len(query_hex) / query_s, "cpu_qps": len(query_hex) / max(query_cpu, 1e-9),
              "load_s": load_s,
              "index_mb": rss_mb() - baseline if name == "tanggap" else built - baseline,
              "peak_mb": peak_mb(), "baseline_mb": baseline, "disk_mb": disk_mb,
              "compared": hashlib.sha256(repr(compared).encode()).hexdigest()[:16]}
    result.update(score(pairs, sources, flips, len(query_hex)))
    return result


def build_tanggap(bank_hex):
    """Built from the hex strings, saved, and mapped back in (what a restarted service does)."""
    import shutil
    import tempfile

    from tanggap.detect.banks.index import PdqIndex, pdq_array

    directory = Path(tempfile.mkdtemp(prefix="pdq-bench-")) / "index"
    PdqIndex.from_hex(bank_hex).save(directory)
    started = time.perf_counter()
    index = PdqIndex.load(directory)  # memory-mapped
    load_s = time.perf_counter() - started
    disk_mb = sum(f.stat().st_size for f in directory.iterdir()) / 2**20
    index.search_arrays(pdq_array(bank_hex[:1]), THRESHOLD, "probe")  # compiled code from numba's cache

    def search(query_hex):
        try:
            q, p, d = index.search_arrays(pdq_array(query_hex), THRESHOLD)
            return list(zip(q.tolist(), p.tolist(), d.tolist(), strict=True))
        finally:
            shutil.rmtree(directory.parent, ignore_errors=True)  # the mapping stays valid until closed
    return search, disk_mb, load_s


def build_threatexchange(bank_hex):
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    index = PDQIndex(entries=zip(bank_hex, range(len(bank_hex)), strict=True))

    def search(query_hex):
        pairs = []
        for number, query in enumerate(query_hex):
            for match in index.query(query):
                pairs.append((number, match.metadata, int(match.similarity_info.distance)))
        return pairs
    return search, None, None


def build_pdqindex2(bank_hex):
    from threatexchange.signal_type.pdq.pdq_index2 import PDQIndex2

    index = PDQIndex2(entries=zip(bank_hex, range(len(bank_hex)), strict=True))

    def search(query_hex):
        pairs = []
        for number, query in enumerate(query_hex):
            for match in index.query(query):
                pairs.append((number, match.metadata, int(round(float(match.similarity_info.distance)))))
        return pairs
    return search, None, None


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
    return search, None, None


BUILDERS = {"tanggap": build_tanggap, "threatexchange": build_threatexchange, "faiss-flat": build_faiss_flat,
            "pdqindex2": build_pdqindex2}


def versions() -> str:
    from importlib.metadata import version

    packages = ("threatexchange", "faiss-cpu", "numpy", "pdqhash")
    return ", ".join(f"{p} {version(p)}" for p in packages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bank", type=int, default=1_000_000)
    parser.add_argument("--kind", choices=("both", *KINDS), default="both")
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--peer-queries", type=int, default=1_000,
                        help="queries the peers answer (the first planted and random ones; default 1,000)")
    parser.add_argument("--peer-bank", type=int, default=None,
                        help="a smaller bank for threatexchange's PDQIndex, where the full one does not fit")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--with-pdqindex2", action="store_true")
    parser.add_argument("--faiss-threads", type=int, default=1,
                        help="OpenMP threads for faiss (default 1: on a busy machine, faiss's spinning "
                             "threads cost ~5 ms per call, which would punish the per-query peer)")
    parser.add_argument("--worker", choices=list(BUILDERS), help=argparse.SUPPRESS)
    parser.add_argument("--worker-kind", choices=KINDS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    compare = min(args.peer_queries, args.queries)
    if args.worker:
        print(json.dumps(run_worker(args.worker, args.bank, args.queries, args.seed, args.faiss_threads,
                                    args.worker_kind, compare)))
        return

    print(f"PDQ matching, threshold <= {THRESHOLD}: banks of {args.bank:,} hashes, {args.queries:,} queries "
          f"({args.queries // 2:,} bank entries with 0-{THRESHOLD} bits flipped, the rest random); peers "
          f"answer the first {compare:,}")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores (load average "
          f"{os.getloadavg()[0]:.1f}), Python {platform.python_version()}; {versions()}; faiss threads "
          f"{args.faiss_threads}, tanggap single-threaded")
    contenders = CONTENDERS + (("pdqindex2",) if args.with_pdqindex2 else ())
    header = (f"{'bank':<9} {'index':<47} {'entries':>10} {'queries':>7} {'build s':>8} {'load s':>6} {'queries/s':>9} "
              f"{'cpu q/s':>8} {'recall':>7} {'false +':>7} {'index MB':>8} {'disk MB':>7} {'peak MB':>8} "
              f"{'= flat':>6}")
    kinds = KINDS if args.kind == "both" else (args.kind,)
    for kind in kinds:
        results = []
        for name in contenders:
            bank = args.peer_bank if name == "threatexchange" and args.peer_bank else args.bank
            command = [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--worker-kind", kind,
                       "--bank", str(bank), "--queries", str(args.queries), "--seed", str(args.seed),
                       "--faiss-threads", str(args.faiss_threads), "--peer-queries", str(args.peer_queries)]
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                print(f"{kind}: {LABELS[name]}: failed (exit {done.returncode})\n{done.stderr[-2000:]}")
                continue
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        flat = next((r["compared"] for r in results if r["name"] == "faiss-flat"), None)
        print()
        print(header)
        print("-" * len(header))
        for r in results:
            agrees = "n/a" if flat is None or r["bank"] != args.bank else ("yes" if r["compared"] == flat else "NO")
            disk = f"{r['disk_mb']:.0f}" if r["disk_mb"] is not None else "-"
            load = f"{r['load_s']:.3f}" if r["load_s"] is not None else "-"
            print(f"{kind:<9} {LABELS[r['name']]:<47} {r['bank']:>10,} {r['queries']:>7,} {r['build_s']:>8.1f} "
                  f"{load:>6} {r['qps']:>9,.0f} {r['cpu_qps']:>8,.0f} {r['recall']:>7.4f} {r['false_positives']:>7} "
                  f"{r['index_mb']:>8.0f} {disk:>7} {r['peak_mb']:>8.0f} {agrees:>6}")
        by_name = {r["name"]: r for r in results}
        if "tanggap" in by_name and "threatexchange" in by_name:
            ours, peer = by_name["tanggap"], by_name["threatexchange"]
            note = "" if peer["bank"] == ours["bank"] else f" (PDQIndex on {peer['bank']:,} entries only)"
            print(f"{kind}: tanggap vs threatexchange PDQIndex: {ours['qps'] / peer['qps']:.1f}x queries/s, "
                  f"{ours['cpu_qps'] / peer['cpu_qps']:.1f}x per CPU second{note}")
    print("\nbuild s: wall clock (tanggap: parsing the hex strings, building and saving); load s: mapping the saved "
          "index back in; index MB: resident memory the index added (tanggap: the mapped pages its queries touched); "
          "peak MB: high-water mark of its process (the workload's own generation included); "
          "= flat: the same matches as faiss's exhaustive scan on the queries both answered")


if __name__ == "__main__":
    main()
