"""Hash banks as use cases: create a bank, import a list, match media, reinstate an entry.

Matching hashes every media item with every signal type, looks the hashes up in an in-memory
index of all banks (rebuilt in a process when any bank's ``version`` moved), lets a match in a
negative (known-benign) bank cancel the item's positive matches, and counts each entry's
matches. An entry that matches more than ``FloodPolicy.max_distinct`` *different* media within
the window is suspended and flagged (flood quarantine) and matches nothing until a senior
reinstates it. "Different" is by content hash: forwards of one propaganda file are one medium,
a degenerate hash matching thousands of unrelated pictures is thousands.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from tanggap.detect.banks.formats import parse_hash_list
from tanggap.detect.banks.model import (
    BankError, BankHit, BankKind, FloodPolicy, HashRecord, HashSignal, ImportReport, MediaHash,
    MediaMatch,
)
from tanggap.detect.banks.signals import SignalType, signal_types
from tanggap.detect.banks.tables import hash_bank_entries, hash_banks, hash_entry_hits, hash_list_imports
from tanggap.domain.access import SYSTEM, Permission, Principal
from tanggap.domain.errors import NotFound
from tanggap.domain.model import AuditDraft, new_id
from tanggap.store.engine import rows_changed
from tanggap.store.tables import evidence
from tanggap.store.uow import Store, UnitOfWork

REJECTS_KEPT = 10_000  # per import, with reasons; the raw file holds the rest
LIST_RETENTION = timedelta(days=3650)  # a list is the provenance of its entries: keep it
CHUNK = 500  # ids per IN (...) list and rows per bulk statement


@dataclass(frozen=True)
class Bank:
    id: str
    name: str
    kind: BankKind
    verified: bool
    description: str | None
    version: int
    entries: int = 0
    suspended: int = 0
    matches: int = 0


@dataclass(frozen=True)
class Entry:
    id: str
    bank: str
    signal_type: str
    hash_value: str
    labels: tuple[str, ...]
    source: str
    added_at: datetime
    match_count: int
    last_matched_at: datetime | None
    suspended: bool
    suspended_reason: str | None
    suspended_at: datetime | None


# --- banks ---------------------------------------------------------------------------

def create_bank(store: Store, name: str, kind: BankKind | str, *, verified: bool = False,
                description: str | None = None, by: Principal = SYSTEM) -> Bank:
    by.require(Permission.MANAGE)
    name = name.strip()
    if not name or len(name) > 100:
        raise BankError("a bank needs a name of 1 to 100 characters", "name")
    try:
        kind = BankKind(kind)
    except ValueError:
        raise BankError(f"bank kind must be one of: {', '.join(BankKind)}", "kind") from None
    uow = store.uow()
    with uow:
        if _bank_row(uow, name) is not None:
            raise BankError(f"bank {name!r} already exists", "name")
        now = uow.clock.now()
        bank_id = new_id()
        uow.session.execute(insert(hash_banks).values(
            id=bank_id, name=name, kind=kind, verified=verified, description=description,
            created_at=now, created_by=by.actor, version=1, updated_at=now))
        uow.record(AuditDraft("hash_bank_created", "hash_bank", bank_id, by.actor,
                              {"name": name, "kind": kind.value, "verified": verified}))
        uow.commit()
    return Bank(bank_id, name, kind, verified, description, 1)


def list_banks(store: Store) -> list[Bank]:
    entries = hash_bank_entries.c
    with store.uow(read_only=True) as uow:
        counts = {row.bank_id: row for row in uow.session.execute(
            select(entries.bank_id, func.count().label("entries"),
                   func.coalesce(func.sum(entries.match_count), 0).label("matches"),
                   func.count().filter(entries.suspended.is_(True)).label("suspended"))
            .group_by(entries.bank_id))}
        banks = uow.session.execute(select(hash_banks).order_by(hash_banks.c.name)).all()
    result = []
    for row in banks:
        count = counts.get(row.id)
        result.append(Bank(row.id, row.name, BankKind(row.kind), row.verified, row.description, row.version,
                           count.entries if count else 0, count.suspended if count else 0,
                           int(count.matches) if count else 0))
    return result


def _bank_row(uow: UnitOfWork, name: str):
    return uow.session.execute(select(hash_banks).where(hash_banks.c.name == name)).first()


def _bump(uow: UnitOfWork, bank_ids: Iterable[str], now: datetime) -> None:
    for bank_id in set(bank_ids):
        uow.session.execute(update(hash_banks).where(hash_banks.c.id == bank_id)
                            .values(version=hash_banks.c.version + 1, updated_at=now))


# --- importing lists -----------------------------------------------------------------

def import_hash_list(store: Store, bank_name: str, source: Path | str | bytes, format: str, *,
                     filename: str | None = None, by: Principal = SYSTEM) -> ImportReport:
    """Add a shared hash list to a bank. Bad rows are rejected with reasons, never fatal; the
    raw file is kept in the evidence store, whatever became of its rows."""
    by.require(Permission.MANAGE)
    if isinstance(source, (str, Path)):
        path = Path(source)
        raw = path.read_bytes()
        filename = filename or path.name
    else:
        raw = bytes(source)
    sha256 = hashlib.sha256(raw).hexdigest()
    parsed = parse_hash_list(raw, format)
    report = ImportReport(bank=bank_name, format=format, sha256=sha256, rows=parsed.rows,
                          rejects=list(parsed.rejects))
    uow = store.uow()
    with uow:
        bank = _bank_row(uow, bank_name)
        if bank is None:
            raise NotFound(f"no bank named {bank_name!r}", "bank")
        now = uow.clock.now()
        _keep_raw(uow, sha256, raw, now)
        report.import_id = new_id()
        uow.session.execute(insert(hash_list_imports).values(
            id=report.import_id, bank_id=bank.id, format=format, filename=(filename or "")[:300] or None,
            evidence_sha256=sha256, imported_at=now, imported_by=by.actor, row_count=parsed.rows,
            added=0, updated=0, unchanged=0, withdrawn=0, rejected=0, rejects=[], notes=parsed.notes))
        _apply(uow, bank.id, _merge(parsed.records), report, filename or "list", now)
        if report.added or report.updated or report.withdrawn:
            _bump(uow, [bank.id], now)
        uow.session.execute(update(hash_list_imports).where(hash_list_imports.c.id == report.import_id).values(
            added=report.added, updated=report.updated, unchanged=report.unchanged,
            withdrawn=report.withdrawn, rejected=report.rejected,
            rejects=[r.as_json() for r in report.rejects[:REJECTS_KEPT]]))
        uow.record(AuditDraft("hash_list_imported", "hash_bank", bank.id, by.actor, {
            "import_id": report.import_id, "sha256": sha256, "format": format, "filename": filename,
            "rows": report.rows, "added": report.added, "updated": report.updated,
            "withdrawn": report.withdrawn, "rejected": report.rejected}))
        uow.commit()
    return report


def _keep_raw(uow: UnitOfWork, sha256: str, raw: bytes, now: datetime) -> None:
    keep_until = now + LIST_RETENTION
    stored = uow.session.execute(select(evidence.c.retain_until).where(evidence.c.sha256 == sha256)).first()
    if stored is not None:
        if stored.retain_until < keep_until:
            uow.session.execute(update(evidence).where(evidence.c.sha256 == sha256).values(retain_until=keep_until))
        return
    try:
        with uow.session.begin_nested():
            uow.session.execute(insert(evidence).values(sha256=sha256, content=raw, size=len(raw),
                                                        first_seen_at=now, retain_until=keep_until))
    except IntegrityError:
        pass  # stored meanwhile by a concurrent import: same bytes, same address


def _merge(records: Sequence[HashRecord]) -> dict[tuple[str, str], HashRecord]:
    """One record per hash: labels of repeated rows together; the last row says withdrawn or not."""
    merged: dict[tuple[str, str], HashRecord] = {}
    for record in records:
        key = (record.signal_type, record.value)
        earlier = merged.get(key)
        if earlier is not None:
            labels = tuple(dict.fromkeys(earlier.labels + record.labels))
            record = HashRecord(record.signal_type, record.value, labels, earlier.source_ref, record.withdrawn)
        merged[key] = record
    return merged


def _apply(uow: UnitOfWork, bank_id: str, records: dict[tuple[str, str], HashRecord],
           report: ImportReport, list_name: str, now: datetime) -> None:
    entries = hash_bank_entries.c
    existing = {(row.signal_type, row.hash_value): row for row in uow.session.execute(
        select(entries.id, entries.signal_type, entries.hash_value, entries.labels, entries.suspended)
        .where(entries.bank_id == bank_id))}
    new_rows: list[dict[str, Any]] = []
    relabel: list[dict[str, Any]] = []
    withdraw: list[dict[str, Any]] = []
    for key, record in records.items():
        row = existing.get(key)
        if record.withdrawn:
            if row is not None and not row.suspended:
                withdraw.append({"entry_id": row.id, "reason": f"withdrawn by {list_name} ({record.source_ref})"})
            else:
                report.unchanged += 1
            continue
        if row is None:
            new_rows.append({"id": new_id(), "bank_id": bank_id, "signal_type": record.signal_type,
                             "hash_value": record.value, "labels": list(record.labels),
                             "source": f"{list_name} {record.source_ref}"[:300],
                             "import_id": report.import_id, "added_at": now, "match_count": 0,
                             "suspended": False})
            continue
        labels = list(dict.fromkeys([*row.labels, *record.labels]))
        if labels != list(row.labels):
            relabel.append({"entry_id": row.id, "new_labels": labels})
        else:
            report.unchanged += 1
    for first in range(0, len(new_rows), CHUNK * 10):
        uow.session.execute(insert(hash_bank_entries), new_rows[first:first + CHUNK * 10])
    if relabel:
        uow.session.execute(update(hash_bank_entries).where(entries.id == bindparam("entry_id"))
                            .values(labels=bindparam("new_labels")), relabel)
    if withdraw:
        uow.session.execute(update(hash_bank_entries).where(entries.id == bindparam("entry_id"))
                            .values(suspended=True, suspended_reason=bindparam("reason"), suspended_at=now),
                            withdraw)
    report.added, report.updated, report.withdrawn = len(new_rows), len(relabel), len(withdraw)


# --- the in-memory index -------------------------------------------------------------

class BankMatcher:
    """Every active entry of every bank, indexed per signal type, as of `fingerprint`."""

    def __init__(self, fingerprint: tuple, by_type: dict[str, tuple[np.ndarray, Any]]):
        self.fingerprint = fingerprint
        self._by_type = by_type  # signal type -> (entry ids as bytes, index)

    @classmethod
    def load(cls, uow: UnitOfWork, fingerprint: tuple) -> BankMatcher:
        entries = hash_bank_entries.c
        values: dict[str, list[str]] = defaultdict(list)
        ids: dict[str, list[str]] = defaultdict(list)
        rows = uow.session.execute(select(entries.id, entries.signal_type, entries.hash_value)
                                   .where(entries.suspended.is_(False))
                                   .execution_options(yield_per=50_000))
        for entry_id, signal_type, value in rows:
            ids[signal_type].append(entry_id)
            values[signal_type].append(value)
        types = signal_types()
        by_type = {name: (np.array(ids[name], dtype="S26"), types[name].build_index(values[name]))
                   for name in values if name in types}
        return cls(fingerprint, by_type)

    def __len__(self) -> int:
        return sum(len(ids) for ids, _ in self._by_type.values())

    def search(self, signal_type: str, values: Sequence[str], threshold: int) -> list[list[tuple[str, int]]]:
        found = self._by_type.get(signal_type)
        if found is None:
            return [[] for _ in values]
        ids, index = found
        return [[(ids[hit.position].decode(), hit.distance) for hit in hits]
                for hits in index.search(values, threshold)]


_matchers: weakref.WeakKeyDictionary[Store, BankMatcher] = weakref.WeakKeyDictionary()
_matchers_lock = threading.Lock()


def bank_matcher(store: Store) -> BankMatcher:
    """This process's index of the banks in `store`, rebuilt when a bank's version moved."""
    with store.uow(read_only=True) as uow:
        fingerprint = tuple(uow.session.execute(
            select(hash_banks.c.id, hash_banks.c.version).order_by(hash_banks.c.id)).all())
        with _matchers_lock:
            matcher = _matchers.get(store)
            if matcher is None or matcher.fingerprint != fingerprint:
                matcher = BankMatcher.load(uow, fingerprint)
                _matchers[store] = matcher
    return matcher


# --- matching ------------------------------------------------------------------------

def match_media(store: Store, media: Sequence[tuple[str, bytes]], *, policy: FloodPolicy = FloodPolicy(),
                thresholds: dict[str, int] | None = None) -> list[MediaMatch]:
    """What the banks say about each (item id, bytes): signals for the case, flags, and the
    entries a flood of matches pushed into quarantine."""
    types = signal_types()
    limits = {name: kind.threshold((thresholds or {}).get(name)) for name, kind in types.items()}
    items = [(item_id, hashlib.sha256(content).hexdigest(),
              tuple(kind.hash_media(content) for kind in types.values())) for item_id, content in media]
    matcher = bank_matcher(store)
    found: list[list[tuple[str, str, int]]] = [[] for _ in items]  # (entry id, type, distance)
    for name in types:
        asked = [(number, str(digest.value)) for number, (_, _, hashes) in enumerate(items)
                 for digest in hashes if digest.signal_type == name and digest.ok]
        if not asked:
            continue
        results = matcher.search(name, [value for _, value in asked], limits[name])
        for (number, _), matches in zip(asked, results, strict=True):
            found[number].extend((entry_id, name, distance) for entry_id, distance in matches)
    if not any(found):
        return [MediaMatch(item_id, sha, hashes) for item_id, sha, hashes in items]
    uow = store.uow()
    with uow:
        now = uow.clock.now()
        meta = _entry_meta(uow, {entry_id for hits in found for entry_id, _, _ in hits})
        active = {entry_id for entry_id, row in meta.items() if not row.suspended}
        hits = {(entry_id, sha, item_id) for (item_id, sha, _), item_hits in zip(items, found, strict=True)
                for entry_id, _, _ in item_hits if entry_id in active}
        quarantined = _count_hits(uow, hits, meta, policy, now)
        uow.commit()
    return [_media_match(item, item_hits, meta, active - quarantined, quarantined, limits, types)
            for item, item_hits in zip(items, found, strict=True)]


def _entry_meta(uow: UnitOfWork, entry_ids: set[str]) -> dict[str, Any]:
    entries = hash_bank_entries.c
    meta = {}
    ordered = sorted(entry_ids)
    for first in range(0, len(ordered), CHUNK):
        rows = uow.session.execute(
            select(entries.id, entries.bank_id, entries.signal_type, entries.hash_value, entries.labels,
                   entries.source, entries.suspended, hash_banks.c.name.label("bank"),
                   hash_banks.c.kind, hash_banks.c.verified)
            .join(hash_banks, hash_banks.c.id == entries.bank_id)
            .where(entries.id.in_(ordered[first:first + CHUNK])))
        meta.update({row.id: row for row in rows})
    return meta


def _count_hits(uow: UnitOfWork, hits: set[tuple[str, str, str]], meta: dict[str, Any],
                policy: FloodPolicy, now: datetime) -> set[str]:
    """Record each (entry, distinct content) in the window, count them, quarantine floods.
    Returns the entries quarantined now."""
    session = uow.session
    window_start = now - policy.window
    entry_ids = sorted({entry_id for entry_id, _, _ in hits})
    seen: set[tuple[str, str]] = set()
    for first in range(0, len(entry_ids), CHUNK):
        chunk = entry_ids[first:first + CHUNK]
        in_chunk = set(chunk)
        session.execute(hash_entry_hits.delete().where(
            hash_entry_hits.c.entry_id.in_(chunk), hash_entry_hits.c.matched_at < window_start))
        contents = sorted({sha for entry_id, sha, _ in hits if entry_id in in_chunk})
        for start in range(0, len(contents), CHUNK):
            pairs = session.execute(select(hash_entry_hits.c.entry_id, hash_entry_hits.c.content_sha256)
                                   .where(hash_entry_hits.c.entry_id.in_(chunk),
                                          hash_entry_hits.c.content_sha256.in_(contents[start:start + CHUNK])))
            seen.update((entry_id, sha) for entry_id, sha in pairs)
    fresh: dict[tuple[str, str], str] = {}
    for entry_id, sha, item_id in sorted(hits):
        if (entry_id, sha) not in seen:
            fresh.setdefault((entry_id, sha), item_id)
    if fresh:
        rows = [{"entry_id": e, "content_sha256": s, "item_id": i[:300], "matched_at": now}
                for (e, s), i in fresh.items()]
        for first in range(0, len(rows), CHUNK):
            session.execute(_insert_ignoring_duplicates(session), rows[first:first + CHUNK])
    new_per_entry: dict[str, int] = defaultdict(int)
    for entry_id, _ in fresh:
        new_per_entry[entry_id] += 1
    session.execute(update(hash_bank_entries).where(hash_bank_entries.c.id == bindparam("entry_id"))
                    .values(match_count=hash_bank_entries.c.match_count + bindparam("new_matches"),
                            last_matched_at=now),
                    [{"entry_id": e, "new_matches": new_per_entry.get(e, 0)} for e in entry_ids])
    return _quarantine_floods(uow, sorted(new_per_entry), meta, policy, now)


def _insert_ignoring_duplicates(session):
    dialect = session.bind.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(hash_entry_hits).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(hash_entry_hits).on_conflict_do_nothing()
    return insert(hash_entry_hits)


def _quarantine_floods(uow: UnitOfWork, entry_ids: list[str], meta: dict[str, Any], policy: FloodPolicy,
                       now: datetime) -> set[str]:
    hits = hash_entry_hits.c
    over: dict[str, int] = {}
    for first in range(0, len(entry_ids), CHUNK):
        rows = uow.session.execute(
            select(hits.entry_id, func.count()).where(hits.entry_id.in_(entry_ids[first:first + CHUNK]))
            .group_by(hits.entry_id).having(func.count() > policy.max_distinct))
        over.update({entry_id: distinct for entry_id, distinct in rows})
    quarantined = set()
    hours = policy.window.total_seconds() / 3600
    for entry_id, distinct in sorted(over.items()):
        reason = (f"flood: matched {distinct} different media within {hours:g} h "
                  f"(limit {policy.max_distinct}); suspended until a person reviews it")
        suspended = rows_changed(uow.session, update(hash_bank_entries).where(
            and_(hash_bank_entries.c.id == entry_id, hash_bank_entries.c.suspended.is_(False)))
            .values(suspended=True, suspended_reason=reason, suspended_at=now))
        if suspended:
            row = meta[entry_id]
            quarantined.add(entry_id)
            uow.record(AuditDraft("hash_entry_quarantined", "hash_bank_entry", entry_id, "system:banks", {
                "bank": row.bank, "signal_type": row.signal_type, "hash_value": row.hash_value,
                "distinct_media": distinct, "window_hours": hours, "limit": policy.max_distinct}))
    _bump(uow, [meta[e].bank_id for e in quarantined], now)
    return quarantined


def _media_match(item, item_hits, meta, active, quarantined, limits, types) -> MediaMatch:
    item_id, sha, hashes = item
    positives: list[BankHit] = []
    negatives: list[BankHit] = []
    best: dict[str, BankHit] = {}
    for entry_id, signal_type, distance in item_hits:
        if entry_id not in active:
            continue
        row = meta[entry_id]
        hit = BankHit(entry_id, row.bank, BankKind(row.kind), row.verified, signal_type, row.hash_value,
                      distance, tuple(row.labels))
        if entry_id not in best or distance < best[entry_id].distance:
            best[entry_id] = hit
    for hit in sorted(best.values(), key=lambda h: (h.distance, h.bank, h.entry_id)):
        (negatives if hit.kind is BankKind.NEGATIVE else positives).append(hit)
    touched = tuple(sorted({entry_id for entry_id, _, _ in item_hits} & quarantined))
    if negatives:
        return MediaMatch(item_id, sha, hashes, (), tuple(positives), tuple(negatives), touched)
    signals = tuple(sorted((_signal(hit, meta[hit.entry_id], limits, types) for hit in positives),
                           key=lambda s: (-s.strength, s.bank, s.entry_id)))
    return MediaMatch(item_id, sha, hashes, signals, (), (), touched)


def _signal(hit: BankHit, row, limits: dict[str, int], types: dict[str, type[SignalType]]) -> HashSignal:
    kind = types[hit.signal_type]
    threshold = limits[hit.signal_type]
    how = (f"{hit.signal_type.upper()} distance {hit.distance} of 256 bits (match at <= {threshold})"
           if kind.max_threshold else f"identical file ({hit.signal_type.upper()})")
    labels = f"; labels: {', '.join(hit.labels)}" if hit.labels else ""
    verified = "verified " if hit.verified else ""
    explanation = (f"{how} to entry {hit.entry_id} of {verified}bank {hit.bank!r}{labels}; "
                   f"from {row.source}")
    return HashSignal(kind.source(), kind.strength(hit.distance, threshold), explanation, bank=hit.bank,
                      entry_id=hit.entry_id, distance=hit.distance, verified=hit.verified, labels=hit.labels)


# --- review of quarantined entries ---------------------------------------------------

def flagged_entries(store: Store, bank_name: str | None = None) -> list[Entry]:
    """Suspended entries (flood quarantine, withdrawn), newest first."""
    query = (_entry_query().where(hash_bank_entries.c.suspended.is_(True))
             .order_by(hash_bank_entries.c.suspended_at.desc(), hash_bank_entries.c.id))
    if bank_name is not None:
        query = query.where(hash_banks.c.name == bank_name)
    with store.uow(read_only=True) as uow:
        return [_entry(row) for row in uow.session.execute(query)]


def get_entry(store: Store, entry_id: str) -> Entry:
    with store.uow(read_only=True) as uow:
        row = uow.session.execute(_entry_query().where(hash_bank_entries.c.id == entry_id)).first()
    if row is None:
        raise NotFound(f"no bank entry {entry_id!r}", "entry_id")
    return _entry(row)


def reinstate_entry(store: Store, entry_id: str, *, by: Principal, note: str = "") -> Entry:
    """A person has looked at a suspended entry and lets it match again. Its flood window starts
    afresh, so the hits that tripped the quarantine do not trip it again at once."""
    by.require(Permission.APPROVE)
    uow = store.uow()
    with uow:
        row = uow.session.execute(_entry_query().where(hash_bank_entries.c.id == entry_id)).first()
        if row is None:
            raise NotFound(f"no bank entry {entry_id!r}", "entry_id")
        if row.suspended:
            now = uow.clock.now()
            uow.session.execute(update(hash_bank_entries).where(hash_bank_entries.c.id == entry_id)
                                .values(suspended=False, suspended_reason=None, suspended_at=None))
            uow.session.execute(hash_entry_hits.delete().where(hash_entry_hits.c.entry_id == entry_id))
            _bump(uow, [row.bank_id], now)
            uow.record(AuditDraft("hash_entry_reinstated", "hash_bank_entry", entry_id, by.actor, {
                "bank": row.bank, "was": row.suspended_reason, "note": note}))
            uow.commit()
    return get_entry(store, entry_id)


def _entry_query():
    entries = hash_bank_entries.c
    return (select(entries.id, entries.bank_id, hash_banks.c.name.label("bank"), entries.signal_type,
                   entries.hash_value, entries.labels, entries.source, entries.added_at, entries.match_count,
                   entries.last_matched_at, entries.suspended, entries.suspended_reason, entries.suspended_at)
            .join(hash_banks, hash_banks.c.id == entries.bank_id))


def _entry(row) -> Entry:
    return Entry(row.id, row.bank, row.signal_type, row.hash_value, tuple(row.labels), row.source, row.added_at,
                 row.match_count, row.last_matched_at, row.suspended, row.suspended_reason, row.suspended_at)


def hash_media(media: bytes) -> tuple[MediaHash, ...]:
    """Every signal type's hash of one media file (what `bank match` prints)."""
    return tuple(kind.hash_media(media) for kind in signal_types().values())
