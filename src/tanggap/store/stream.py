"""Queries of the post stream's records (tables in store/outbox.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from tanggap.store.outbox import scanned_posts, stream_channels


def _insert(session: Session, table):
    return (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(table)


def record_scanned(session: Session, rows: Sequence[dict], now: datetime) -> list[dict]:
    """Insert the scanned posts not seen before (by platform, channel, post id, content hash) and count
    them into their channels, in the caller's transaction; returns the rows that were new. A
    redelivered post inserts nothing and counts nothing: exactly once in effect."""
    if not rows:
        return []
    key = ("platform", "channel", "post_id", "content_hash")
    statement = _insert(session, scanned_posts).values(list(rows)).on_conflict_do_nothing(
        index_elements=list(key)).returning(*(scanned_posts.c[name] for name in key))
    new_keys = {tuple(row) for row in session.execute(statement).all()}
    new_rows = [row for row in rows if tuple(row[name] for name in key) in new_keys]
    per_channel = Counter((row["platform"], row["channel"]) for row in new_rows)
    for (platform, channel), count in sorted(per_channel.items()):  # sorted: no lock-order deadlocks
        upsert = _insert(session, stream_channels).values(platform=platform, channel=channel, posts=count,
                                                           updated_at=now)
        session.execute(upsert.on_conflict_do_update(
            index_elements=["platform", "channel"],
            set_={"posts": stream_channels.c.posts + count, "updated_at": now}))
    return new_rows


def strongest_posts(session: Session, platform: str, channel: str, limit: int) -> list[dict]:
    rows = session.execute(select(scanned_posts).where(
        scanned_posts.c.platform == platform, scanned_posts.c.channel == channel)
        .order_by(scanned_posts.c.score.desc()).limit(limit)).all()
    return [dict(row._mapping) for row in rows]


def channel_state(session: Session, platform: str, channel: str) -> dict | None:
    row = session.execute(select(stream_channels).where(
        stream_channels.c.platform == platform, stream_channels.c.channel == channel)).first()
    return dict(row._mapping) if row else None


def set_channel_risk(session: Session, platform: str, channel: str, risk: float, case_id: str | None) -> None:
    values = {"risk": risk} | ({"case_id": case_id} if case_id else {})
    session.execute(update(stream_channels).where(
        stream_channels.c.platform == platform, stream_channels.c.channel == channel).values(**values))


def totals(session: Session) -> dict[str, int]:
    """What the database says was scanned (the load test counts from here, not from workers)."""
    scanned = session.execute(select(func.count()).select_from(scanned_posts)).scalar_one()
    posts = select(scanned_posts.c.platform, scanned_posts.c.channel, scanned_posts.c.post_id).distinct()
    distinct = session.execute(select(func.count()).select_from(posts.subquery())).scalar_one()
    counted = session.execute(select(func.coalesce(func.sum(stream_channels.c.posts), 0))).scalar_one()
    return {"rows": scanned, "distinct_posts": distinct, "counted_in_channels": int(counted)}
