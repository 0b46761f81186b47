"""The compiled inner loops of the PDQ index (numba): bucketing a chunk, packing its bucket
table into a byte a bucket, grouping families of near-duplicates, and probing buckets.

In numpy, a probe costs several passes over temporary arrays per candidate (repeat, gather,
xor, popcount, unique) and the candidates of a 10-million-hash bank (~13,000 per query at
distance 31 with 13 chunks) made that 1.7 ms a query. Here each candidate is one read of its 32 bytes and four
popcounts, and an entry found through several chunks is kept only for the first of them, so
there is nothing to deduplicate afterwards.

All integers are kept unsigned 64-bit where they meet the hash words: numba turns a mix of
signed and unsigned 64-bit operands into floats.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

AHEAD = 24  # reads issued this many items before they are needed

_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)
_LOW_BYTES = np.uint64(0x00FF00FF00FF00FF)
_LANES = np.uint64(0x0001000100010001)
BLOCK_SHIFT = 6
BLOCK = 1 << BLOCK_SHIFT  # buckets a base covers: their counts fill one cache line
WIDE = 255  # a count this large is not kept in a byte: its block keeps exact offsets


@intrinsic
def _prefetch(typingctx, array, index):
    """``llvm.prefetch`` of ``array[index]`` (a 1-d array): a hint that costs no wait."""
    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(context, builder, array_type, view, [args[1]],
                                           wraparound=False, boundscheck=False)
        byte_pointer = builder.bitcast(pointer, ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte_pointer.type, i32, i32, i32]), "llvm.prefetch.p0")
        builder.call(function, [byte_pointer, i32(0), i32(3), i32(1)])  # read, keep in cache, data
        return context.get_dummy_value()
    return types.void(array, index), codegen


@njit(cache=True, nogil=True, inline="always")
def _popcount(x):
    # LLVM recognises this as the popcnt instruction where the CPU has it
    x = x - ((x >> np.uint64(1)) & _M1)
    x = (x & _M2) + ((x >> np.uint64(2)) & _M2)
    x = (x + (x >> np.uint64(4))) & _M4
    return (x * _H01) >> np.uint64(56)


@njit(cache=True, nogil=True, inline="always")
def _byte_sum(x):
    # the eight bytes of x added: pairs into 16-bit lanes (at most 510), then the lanes
    x = (x & _LOW_BYTES) + ((x >> np.uint64(8)) & _LOW_BYTES)
    return (x * _LANES) >> np.uint64(48)


@njit(cache=True, nogil=True, inline="always")
def _bucket(counts, bases, wide, key, block):
    """[begin, end) of bucket ``key`` (a byte of ``counts``) in its chunk's order."""
    base = bases[block]
    within = key & (BLOCK - 1)
    if base < 0:  # a block with a crowded bucket keeps its exact offsets
        at = (-base - 1) * (BLOCK + 1) + within
        return np.int64(wide[at]), np.int64(wide[at + 1])
    first = (key - within) >> 3  # the block's first uint64 of counts
    before = np.uint64(0)
    for word in range(within >> 3):
        before += _byte_sum(counts[first + word])
    tail = within & 7
    last = counts[first + (within >> 3)]
    if tail:
        before += _byte_sum(last & ((np.uint64(1) << np.uint64(8 * tail)) - np.uint64(1)))
    begin = np.int64(base) + np.int64(before)
    return begin, begin + np.int64((last >> np.uint64(8 * tail)) & np.uint64(0xFF))


@njit(cache=True, nogil=True)
def compact_buckets(offsets, counts, bases):
    """One chunk's bucket table (``offsets``: 2**width + 1 int32) in about a byte a bucket:
    ``counts`` (uint8, a byte per bucket) and ``bases`` (int32, where each block of ``BLOCK``
    buckets starts). A bucket's start is its block's base plus the counts before it in the
    block: one cache line. A block where some bucket holds ``WIDE`` entries or more (a family
    of near-duplicates) gets ``-(slot + 1)`` as its base and its exact offsets in the returned
    ``wide`` array at ``slot * (BLOCK + 1)``."""
    size = offsets.shape[0] - 1
    crowded = 0
    for block in range(size // BLOCK):
        for value in range(block * BLOCK, (block + 1) * BLOCK):
            if offsets[value + 1] - offsets[value] >= WIDE:
                crowded += 1
                break
    wide = np.empty(crowded * (BLOCK + 1), dtype=np.int32)
    slot = 0
    for block in range(size // BLOCK):
        first = block * BLOCK
        bases[block] = offsets[first]
        for value in range(first, first + BLOCK):
            counts[value] = min(offsets[value + 1] - offsets[value], WIDE)
        for value in range(first, first + BLOCK):
            if offsets[value + 1] - offsets[value] >= WIDE:
                wide[slot * (BLOCK + 1):(slot + 1) * (BLOCK + 1)] = offsets[first:first + BLOCK + 1]
                bases[block] = -(slot + 1)
                slot += 1
                break
    return wide


@njit(cache=True, nogil=True)
def bucket_order(values, width, order, offsets):
    """A stable counting sort of one chunk's values into ``order`` (positions by value) and
    ``offsets`` (where each value's bucket starts; ``offsets[v + 1] - offsets[v]`` entries)."""
    size = 1 << width
    offsets[:] = 0
    for value in values:
        offsets[value + 1] += 1
    for value in range(size):
        offsets[value + 1] += offsets[value]
    cursor = offsets[:size].copy()
    for position in range(values.shape[0]):
        value = values[position]
        order[cursor[value]] = position
        cursor[value] += 1


@njit(cache=True, nogil=True)
def probe(words, orders, counts, bases, wide, count_starts, base_starts, chunk_masks, probed, budgets,
          flip_starts, flips, query_words, query_chunks, threshold, batch, capacity):
    """Every (query, position, distance) within ``threshold``, each pair once, as three arrays
    (their room starts at ``capacity`` pairs and doubles as needed: a bank of near-duplicate
    families gives some queries hundreds of matches, and probing again with more room would
    do all the work twice).

    ``words`` is the bank as (n * 4) uint64 and ``orders`` the chunks' positions as (m * n)
    int32, both flat. ``probed`` lists the chunks to probe (budget >= 0),
    ``flips[flip_starts[k]:flip_starts[k+1]]`` the masks tried on chunk ``probed[k]``; chunk c's
    bucket tables (see :func:`compact_buckets`) start at ``count_starts[c]`` (bytes of
    ``counts``, read as uint64) and ``base_starts[c]``. A pair is written only by
    the first probed chunk that finds it: that chunk's own distance is within its budget, and no
    earlier probed chunk's is.

    Work goes in passes per ``batch`` of queries (bucket bounds, candidate positions, distances)
    rather than one nested loop, each a stream of independent reads prefetched ``AHEAD`` items
    early: the CPU keeps many cache misses in flight instead of waiting on a chain of three.
    """
    out_query = np.empty(capacity, dtype=np.int64)
    out_position = np.empty(capacity, dtype=np.int64)
    out_distance = np.empty(capacity, dtype=np.int64)
    found = 0
    limit = np.uint64(threshold)
    size = words.shape[0] // 4
    n_probes = flip_starts[-1]
    probe_chunk = np.empty(n_probes, dtype=np.int64)
    probe_rank = np.empty(n_probes, dtype=np.int64)
    for k in range(probed.shape[0]):
        for f in range(flip_starts[k], flip_starts[k + 1]):
            probe_chunk[f] = probed[k]
            probe_rank[f] = k
    keys = np.empty(batch * n_probes, dtype=np.int64)
    blocks = np.empty(batch * n_probes, dtype=np.int64)
    begins = np.empty(batch * n_probes, dtype=np.int64)
    ends = np.empty(batch * n_probes, dtype=np.int64)
    for first in range(0, query_words.shape[0] // 4, batch):
        last = min(first + batch, query_words.shape[0] // 4)
        slots = (last - first) * n_probes
        # pass 1: where every bucket to read is, then its bounds
        slot = 0
        for query in range(first, last):
            for f in range(n_probes):
                chunk = probe_chunk[f]
                value = query_chunks[query, chunk] ^ flips[f]
                keys[slot] = count_starts[chunk] + value
                blocks[slot] = base_starts[chunk] + (value >> BLOCK_SHIFT)
                slot += 1
        total = 0
        for slot in range(slots):
            if slot + AHEAD < slots:
                _prefetch(counts, keys[slot + AHEAD] >> 3)
                _prefetch(bases, blocks[slot + AHEAD])
            begins[slot], ends[slot] = _bucket(counts, bases, wide, keys[slot], blocks[slot])
            total += ends[slot] - begins[slot]
        # pass 2: the candidates' positions, with their query and the rank of the chunk
        candidates = np.empty(total, dtype=np.int64)
        owners = np.empty(total, dtype=np.int32)
        ranks = np.empty(total, dtype=np.int8)
        filled = 0
        for slot in range(slots):
            f = slot % n_probes
            if slot + AHEAD < slots:
                _prefetch(orders, probe_chunk[(slot + AHEAD) % n_probes] * size + begins[slot + AHEAD])
            base = probe_chunk[f] * size
            query = first + slot // n_probes
            for at in range(begins[slot], ends[slot]):
                candidates[filled] = orders[base + at]
                owners[filled] = query
                ranks[filled] = probe_rank[f]
                filled += 1
        # pass 3: full distances; keep a pair at the first chunk that finds it
        for c in range(total):
            if c + AHEAD < total:
                _prefetch(words, candidates[c + AHEAD] * 4)
            at = candidates[c] * 4
            query = owners[c] * 4
            x0 = words[at] ^ query_words[query]
            x1 = words[at + 1] ^ query_words[query + 1]
            x2 = words[at + 2] ^ query_words[query + 2]
            x3 = words[at + 3] ^ query_words[query + 3]
            distance = _popcount(x0) + _popcount(x1) + _popcount(x2) + _popcount(x3)
            if distance > limit:
                continue
            seen = False
            for earlier in range(ranks[c]):
                other = probed[earlier]
                part = (_popcount(x0 & chunk_masks[other, 0]) + _popcount(x1 & chunk_masks[other, 1])
                        + _popcount(x2 & chunk_masks[other, 2]) + _popcount(x3 & chunk_masks[other, 3]))
                if part <= np.uint64(budgets[other]):
                    seen = True
                    break
            if seen:
                continue
            if found == out_query.shape[0]:
                out_query, out_position, out_distance = (_grown(out_query, found), _grown(out_position, found),
                                                         _grown(out_distance, found))
            out_query[found] = owners[c]
            out_position[found] = candidates[c]
            out_distance[found] = distance
            found += 1
    return out_query[:found], out_position[:found], out_distance[:found]


@njit(cache=True, nogil=True)
def _grown(array, used):
    bigger = np.empty(max(16, 2 * array.shape[0]), dtype=array.dtype)
    bigger[:used] = array[:used]
    return bigger


@njit(cache=True, nogil=True, inline="always")
def _root(parent, entry):
    while parent[entry] != entry:
        parent[entry] = parent[parent[entry]]  # path halving: the trees stay shallow
        entry = parent[entry]
    return entry


@njit(cache=True, nogil=True)
def join_crowds(order, offsets, crowd, parent):
    """Join (union-find over ``parent``) every entry of a bucket holding ``crowd`` entries or
    more: in a random bank such buckets do not occur, in a real one they are families of
    near-duplicates, whose members then share one root."""
    for value in range(offsets.shape[0] - 1):
        begin, end = offsets[value], offsets[value + 1]
        if end - begin < crowd:
            continue
        root = _root(parent, order[begin])
        for at in range(begin + 1, end):
            other = _root(parent, order[at])
            if other != root:
                low, high = min(root, other), max(root, other)
                parent[high] = low
                root = low


@njit(cache=True, nogil=True)
def roots(parent):
    """Each entry's root (``parent`` is flattened in place)."""
    for entry in range(parent.shape[0]):
        parent[entry] = _root(parent, entry)
    return parent
