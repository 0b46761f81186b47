"""Signals stored on cases: recorded by detection, read on the case page."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import insert, select, update

from tanggap.detect.banks.service import match_media
from tanggap.domain.model import new_id
from tanggap.domain.signals import Signal
from tanggap.platforms.interface import Capability, Platform, PlatformError, Post
from tanggap.store.tables import case_signals, cases
from tanggap.store.uow import Store, UnitOfWork

log = logging.getLogger(__name__)


def record_signals(uow: UnitOfWork, case_id: str, signals: Sequence[Signal], at: datetime) -> None:
    """Within the caller's unit of work (the caller commits). The case keeps its strongest."""
    if signals:
        strongest = max(s.strength for s in signals)
        uow.session.execute(update(cases).where(cases.c.id == case_id, cases.c.signal_strength < strongest)
                            .values(signal_strength=strongest))
        uow.session.execute(insert(case_signals), [
            {"id": new_id(), "case_id": case_id, "source": s.source, "strength": s.strength,
             "explanation": s.explanation[:4000], "details": s.details, "recorded_at": at} for s in signals])


def media_signals(store: Store, platform: Platform, posts: Sequence[Post],
                  limit: int | None = None) -> dict[str, list[Signal]]:
    """Each post's media against the hash banks: post id -> the matches that stand.
    `limit` caps how many items are fetched (None: every item of these posts)."""
    if Capability.FETCH_MEDIA not in platform.capabilities or limit == 0:
        return {}
    wanted = [(post.platform_id, ref) for post in posts for ref in post.media][:limit]
    items = []
    for post_id, ref in wanted:
        try:
            items.append((f"{post_id} {ref}", platform.media(ref)))
        except PlatformError as error:
            log.info("media not fetched", extra={"error": str(error)[:200]})
    found: dict[str, list[Signal]] = {}
    for match in match_media(store, items):
        if match.signals:
            post_id, ref = match.item_id.split(" ", 1)
            # Which post and which image matched: the case page puts the badge on that image.
            found.setdefault(post_id, []).extend(
                replace(signal, details={**signal.details, "post_id": post_id, "media": ref})
                for signal in match.signals)
    return found


def signals_for(store: Store, case_id: str) -> list[dict]:
    with store.uow(read_only=True) as uow:
        rows = uow.session.execute(select(case_signals).where(case_signals.c.case_id == case_id)
                                   .order_by(case_signals.c.strength.desc())).all()
    return [dict(row._mapping) for row in rows]
