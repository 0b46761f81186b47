"""The hash banks' tables, on the project's one ``metadata`` (migration 0004).

SQLAlchemy Core only: the banks are rows and counters, with no domain entity to map.
``tanggap.store.tables`` imports this module at its end so Alembic sees these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, Column, ForeignKey, Integer, PrimaryKeyConstraint, String, Table, Text,
    UniqueConstraint, false,
)

from tanggap.detect.banks.model import BankKind
from tanggap.store.tables import ID, enum_of, metadata
from tanggap.store.types import JsonColumn, UTCDateTime

hash_banks = Table(
    "hash_banks", metadata,
    ID(primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("kind", enum_of(BankKind), nullable=False),
    # Vetted list (e.g. GIFCT's, or our own reviewed bank): later rules may act on it alone.
    Column("verified", Boolean, nullable=False),
    Column("description", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
    # Bumped on every change of the bank or its entries: processes rebuild their index.
    Column("version", Integer, nullable=False, server_default="1"),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Every hash list ever imported: the raw file stays in `evidence`, the rejects beside it.
hash_list_imports = Table(
    "hash_list_imports", metadata,
    ID(primary_key=True),
    ID("bank_id", ForeignKey("hash_banks.id"), nullable=False, index=True),
    Column("format", String(10), nullable=False),
    Column("filename", String(300)),
    Column("evidence_sha256", String(64), ForeignKey("evidence.sha256"), nullable=False),
    Column("imported_at", UTCDateTime, nullable=False),
    Column("imported_by", String(100), nullable=False),
    Column("row_count", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("withdrawn", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("rejects", JsonColumn, nullable=False),  # the first REJECTS_KEPT, with reasons
    Column("notes", JsonColumn, nullable=False),
)

hash_bank_entries = Table(
    "hash_bank_entries", metadata,
    ID(primary_key=True),
    ID("bank_id", ForeignKey("hash_banks.id"), nullable=False, index=True),
    Column("signal_type", String(20), nullable=False),
    Column("hash_value", String(64), nullable=False),
    Column("labels", JsonColumn, nullable=False),
    Column("source", String(300), nullable=False),  # the list and the row it came from
    ID("import_id", ForeignKey("hash_list_imports.id")),
    Column("added_at", UTCDateTime, nullable=False),
    Column("match_count", BigInteger, nullable=False, server_default="0"),
    Column("last_matched_at", UTCDateTime),
    # Suspended entries never match: flood quarantine, or withdrawn by the list's curator.
    Column("suspended", Boolean, nullable=False, server_default=false()),
    Column("suspended_reason", Text),
    Column("suspended_at", UTCDateTime),
    UniqueConstraint("bank_id", "signal_type", "hash_value", name="uq_hash_bank_entries_bank_hash"),
)

# The flood window: which distinct media (by content hash) each entry matched, and when.
# Rows older than the window are pruned; the lifetime total is hash_bank_entries.match_count.
hash_entry_hits = Table(
    "hash_entry_hits", metadata,
    ID("entry_id", ForeignKey("hash_bank_entries.id"), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("item_id", String(300), nullable=False),  # the first item seen with that content
    Column("matched_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("entry_id", "content_sha256", name="pk_hash_entry_hits"),
)
