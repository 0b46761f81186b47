"""What was sent back to an authority for an inbound message, marked so that it goes once.

The mark is written before the mail is sent, in the transaction that stays open while it is
sent: a second sender (the sweep and an event handler, two workers) waits for that transaction
and then finds the mark, so it does not send again; a failed send rolls the mark back. On
PostgreSQL the wait is a row lock; on SQLite the write lock (BEGIN IMMEDIATE) for the send.
"""

from __future__ import annotations

from datetime import datetime

from typing import cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from tanggap.store.tables import inbound_messages

SENT_AT_COLUMNS = ("ack_sent_at", "final_sent_at")


def mark_sent(session: Session, inbound_id: str, column: str, now: datetime) -> bool:
    """True when this transaction is the one that sends (the mark was not there)."""
    if column not in SENT_AT_COLUMNS:
        raise ValueError(f"not a sent-at column: {column}")
    row = inbound_messages.c
    changed = cast(CursorResult, session.execute(
        update(inbound_messages).where(row.id == inbound_id, row[column].is_(None)).values({column: now})))
    return changed.rowcount == 1


def mark_reversals_notified(session: Session, inbound_id: str, reversals: int) -> bool:
    """True when `reversals` is more than the authority was told of before."""
    row = inbound_messages.c
    changed = cast(CursorResult, session.execute(update(inbound_messages).where(
        row.id == inbound_id, row.reversals_notified < reversals).values(reversals_notified=reversals)))
    return changed.rowcount == 1
