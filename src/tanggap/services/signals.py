"""Signals stored on cases: recorded by detection, read on the case page."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from tanggap.detect.banks.service import match_media
from tanggap.domain.signals import Signal
from tanggap.platforms.interface import Capability, Platform, PlatformError, Post
from tanggap.store.signals import add_signals
from tanggap.store.views import case_signals_of
from tanggap.store.uow import Store, UnitOfWork

log = logging.getLogger(__name__)


def record_signals(uow: UnitOfWork, case_id: str, signals: Sequence[Signal], at: datetime) -> None:
    """Within the caller's unit of work (the caller commits). The case keeps its strongest."""
    if signals:
        strongest = max(s.strength for s in signals)
        uow.cases.raise_signal_strength(case_id, strongest)
        add_signals(uow.session, case_id, signals, at)


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
        return case_signals_of(uow.session, case_id)
