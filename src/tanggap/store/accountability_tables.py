"""Accountability's tables, on the project's one ``metadata`` (migration 0011): statements of
reasons delivered, daily sentences published, evidence snapshots taken at decision time and
the legal holds that keep them. ``tanggap.store.tables`` imports this module at its end."""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from tanggap.store.tables import ID, metadata
from tanggap.store.types import UTCDateTime

# One row per statement the DSA Transparency Database has (or refused for good): a re-run
# sends only what has no row here.
sor_deliveries = Table(
    "sor_deliveries", metadata,
    Column("puid", String(500), primary_key=True),
    ID("decision_id", nullable=False, index=True),
    Column("status", String(20), nullable=False),  # delivered | duplicate | rejected
    Column("detail", Text),
    Column("endpoint", String(500), nullable=False),
    Column("delivered_at", UTCDateTime, nullable=False),
)

# The daily sentence, once per day per destination: the unique pair is what makes a re-run
# post nothing twice (the row is claimed before the post).
publications = Table(
    "publications", metadata,
    ID(primary_key=True),
    Column("day", Date, nullable=False),
    Column("destination", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("status", String(20), nullable=False),  # claimed | posted | failed
    Column("reference", String(200)),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("posted_at", UTCDateTime),
    Column("error", Text),
    UniqueConstraint("day", "destination", name="uq_publications_day_destination"),
)

# What the moderator saw when deciding, frozen into the content-addressed evidence store.
evidence_snapshots = Table(
    "evidence_snapshots", metadata,
    ID(primary_key=True),
    ID("case_id", ForeignKey("cases.id"), nullable=False, index=True),
    ID("decision_id", ForeignKey("decisions.id"), nullable=False, unique=True),
    Column("evidence_sha256", String(64), ForeignKey("evidence.sha256")),  # NULL once expired
    Column("taken_at", UTCDateTime, nullable=False),
    Column("retain_until", UTCDateTime, nullable=False),
    Column("items", Integer, nullable=False),
    Column("expired_at", UTCDateTime),
)

# An admin's legal hold on a case's evidence: nothing of it expires while the hold is on.
legal_holds = Table(
    "legal_holds", metadata,
    ID(primary_key=True),
    ID("case_id", ForeignKey("cases.id"), nullable=False, index=True),
    Column("reason", Text, nullable=False),
    Column("set_by", String(100), nullable=False),
    Column("set_at", UTCDateTime, nullable=False),
    Column("released_by", String(100)),
    Column("released_at", UTCDateTime),
)

# Statements of reasons told to the affected channel's owner through the platform, once each.
statement_notices = Table(
    "statement_notices", metadata,
    Column("puid", String(500), primary_key=True),
    ID("case_id", nullable=False, index=True),
    Column("reference", String(200)),
    Column("sent_at", UTCDateTime, nullable=False),
)
