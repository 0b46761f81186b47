"""The transactional outbox and the post stream's records: tables and every query on them.

An event raised in a unit of work becomes an outbox row in the same transaction (`append`); the
embedded transport claims rows with a lease (`claim`: SKIP LOCKED on PostgreSQL, the write lock
on SQLite), so many worker processes share the work and a crashed worker's rows come back when
its lease runs out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import (
    Column, Float, Index, Integer, String, Table, Text, UniqueConstraint, and_, func, insert, or_, select,
    text, update,
)
from sqlalchemy.orm import Session

from tanggap.domain.events import Event
from tanggap.domain.model import new_id

from tanggap.store.engine import rows_changed
from tanggap.store.tables import ID, metadata
from tanggap.store.types import JsonColumn, UTCDateTime

# One row per domain event, written in the transaction that raised it. The embedded transport
# delivers straight from here; the NATS relay copies rows to JetStream and marks them relayed.
outbox = Table(
    "outbox", metadata,
    ID(primary_key=True),  # a ULID: rows sort in the order they were written
    Column("subject", String(80), nullable=False),
    Column("payload", JsonColumn, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("available_at", UTCDateTime, nullable=False),  # not before: back-off after a failure
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("claimed_by", String(80)),
    Column("claimed_until", UTCDateTime),
    Column("relayed_at", UTCDateTime),  # copied to the external broker (NATS)
    Column("done_at", UTCDateTime),  # handled (embedded transport)
    Column("dead_at", UTCDateTime),  # gave up after the last attempt: the dead letters
    Column("last_error", Text),
)
Index("ix_outbox_pending", outbox.c.available_at, outbox.c.id,
      postgresql_where=text("done_at IS NULL AND dead_at IS NULL"),
      sqlite_where=text("done_at IS NULL AND dead_at IS NULL"))
Index("ix_outbox_unrelayed", outbox.c.id,
      postgresql_where=text("relayed_at IS NULL"), sqlite_where=text("relayed_at IS NULL"))

# A post scanned from the stream, once per (platform, channel, post, content) — post ids are
# per channel, as on Telegram: the key that makes an
# at-least-once stream exactly-once in effect.
scanned_posts = Table(
    "scanned_posts", metadata,
    ID(primary_key=True),
    Column("platform", String(40), nullable=False),
    Column("post_id", String(120), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("channel", String(200), nullable=False),
    Column("score", Float, nullable=False),
    Column("terms", JsonColumn, nullable=False),
    Column("hash_matches", Integer, nullable=False, server_default="0"),
    Column("scanned_at", UTCDateTime, nullable=False),
    Column("worker", String(80), nullable=False),
    UniqueConstraint("platform", "channel", "post_id", "content_hash", name="uq_scanned_posts_key"),
)
Index("ix_scanned_posts_channel", scanned_posts.c.platform, scanned_posts.c.channel, scanned_posts.c.score)

# The running roll-up per channel, updated in the same transaction as each scanned post.
stream_channels = Table(
    "stream_channels", metadata,
    Column("platform", String(40), primary_key=True),
    Column("channel", String(200), primary_key=True),
    Column("posts", Integer, nullable=False, server_default="0"),
    Column("risk", Float, nullable=False, server_default="0"),
    Column("case_id", String(26)),
    Column("updated_at", UTCDateTime, nullable=False),
)


# --- the outbox ---------------------------------------------------------------------------

def append(session: Session, events: Sequence[Event], now: datetime) -> list[str]:
    """Within the caller's transaction: the events become rows, committed with the change."""
    ids = [new_id() for _ in events]
    rows = [{"id": row_id, "subject": event.subject, "payload": event.payload(), "created_at": now,
             "available_at": now, "attempts": 0} for row_id, event in zip(ids, events, strict=True)]
    if rows:
        session.execute(insert(outbox), rows)
    return ids


def claim(session: Session, worker: str, subjects: Sequence[str] | None, limit: int, lease: timedelta,
          now: datetime, exclude: Sequence[str] = ()) -> list[dict]:
    """Rows due for delivery, leased to `worker`: unclaimed, or whose lease ran out (a worker
    that died). The caller commits; on PostgreSQL other workers skip the rows locked here."""
    columns = outbox.c
    due = and_(columns.done_at.is_(None), columns.dead_at.is_(None), columns.available_at <= now,
               or_(columns.claimed_until.is_(None), columns.claimed_until < now))
    if subjects:
        due = and_(due, columns.subject.in_(list(subjects)))
    if exclude:
        due = and_(due, columns.subject.not_in(list(exclude)))
    query = select(columns.id).where(due).order_by(columns.available_at, columns.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = session.execute(query).scalars().all()
    if not ids:
        return []
    session.execute(update(outbox).where(columns.id.in_(ids)).values(
        claimed_by=worker, claimed_until=now + lease, attempts=columns.attempts + 1))
    rows = session.execute(select(outbox).where(columns.id.in_(ids)).order_by(columns.id)).all()
    return [dict(row._mapping) for row in rows]


def mark_done(session: Session, row_id: str, worker: str, now: datetime) -> bool:
    """Only the worker holding the lease may finish the row: a worker whose lease ran out and
    whose row went to another must not mark it (it says False)."""
    done = rows_changed(session, update(outbox).where(outbox.c.id == row_id, outbox.c.claimed_by == worker,
                                                outbox.c.done_at.is_(None))
                           .values(done_at=now, claimed_until=None, last_error=None))
    return done == 1


def retry_later(session: Session, row_id: str, worker: str, error: str, available_at: datetime) -> None:
    session.execute(update(outbox).where(outbox.c.id == row_id, outbox.c.claimed_by == worker)
                    .values(claimed_by=None, claimed_until=None, available_at=available_at,
                            last_error=error[:2000]))


def mark_dead(session: Session, row_id: str, worker: str, error: str, now: datetime) -> None:
    session.execute(update(outbox).where(outbox.c.id == row_id, outbox.c.claimed_by == worker)
                    .values(dead_at=now, claimed_until=None, last_error=error[:2000]))


def unrelayed(session: Session, limit: int) -> list[dict]:
    """Rows not yet copied to the external broker, oldest first (two relays may read the same
    rows: the broker drops the second copy by its message id)."""
    query = select(outbox).where(outbox.c.relayed_at.is_(None)).order_by(outbox.c.id).limit(limit)
    return [dict(row._mapping) for row in session.execute(query).all()]


def mark_relayed(session: Session, row_ids: Sequence[str], now: datetime) -> None:
    if row_ids:
        session.execute(update(outbox).where(outbox.c.id.in_(list(row_ids))).values(relayed_at=now))


def dead_letters(session: Session) -> list[dict]:
    rows = session.execute(select(outbox).where(outbox.c.dead_at.is_not(None)).order_by(outbox.c.id)).all()
    return [dict(row._mapping) for row in rows]


def backlog(session: Session, now: datetime) -> dict[str, int]:
    """What is waiting to be handed over, per subject: to an embedded worker, or to the external
    broker by the relay (the lag in /metrics)."""
    rows = session.execute(select(outbox.c.subject, func.count()).where(
        outbox.c.done_at.is_(None), outbox.c.dead_at.is_(None), outbox.c.relayed_at.is_(None))
        .group_by(outbox.c.subject)).all()
    return {subject: count for subject, count in rows}


def dead_count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(outbox).where(outbox.c.dead_at.is_not(None))).scalar_one()
