"""The daily sentence, posted once per day to a channel on the platform (through the platform
adapter) and, when configured, to a Telegram channel (Bot API). A re-run for the same day posts
nothing twice: each (day, destination) is claimed in the database before it is posted, and the
platform post carries an idempotency key derived from the day."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from tanggap.domain.model import AuditDraft
from tanggap.services.transparency import daily_counts
from tanggap.store.accountability import claim_publication, finish_publication
from tanggap.store.uow import Store

log = logging.getLogger(__name__)


class Destination(Protocol):
    name: str  # e.g. "platform:https://t.me/tanggap_updates", "telegram:@tanggap_updates"

    def send(self, text: str, key: str) -> str: ...  # the destination's reference for the post


@dataclass(frozen=True)
class Published:
    destination: str
    status: str  # posted | already_posted | in_progress | failed
    reference: str | None = None
    error: str | None = None


def daily_text(store: Store, day: date, timezone: str) -> str:
    counts = daily_counts(store.uow(read_only=True), day, timezone)
    return f"{counts.sentence_id}\n{counts.sentence}"


def publish_daily(store: Store, day: date, timezone: str, destinations: list[Destination]) -> list[Published]:
    text = daily_text(store, day, timezone)
    return [_publish_one(store, day, text, destination) for destination in destinations]


def _publish_one(store: Store, day: date, text: str, destination: Destination) -> Published:
    with store.uow() as uow:
        status, reference = claim_publication(uow.session, day, destination.name, text, uow.clock.now())
        uow.commit()
    if status == "posted":
        return Published(destination.name, "already_posted", reference)
    if status == "claimed" and not getattr(destination, "idempotent", False):
        # Claimed by a run that has not finished (or crashed mid-post). The platform's
        # idempotency key makes a retry safe there; elsewhere we would rather miss than repeat.
        return Published(destination.name, "in_progress")
    try:
        reference = destination.send(text, f"tanggap-daily-{day.isoformat()}")
        error = None
    except Exception as failure:  # noqa: BLE001 - recorded, and the next run tries again
        reference, error = None, f"{type(failure).__name__}: {failure}"[:500]
        log.warning("daily publication to %s failed: %s", destination.name, error)
    with store.uow() as uow:
        finish_publication(uow.session, day, destination.name, reference, error, uow.clock.now())
        uow.record(AuditDraft("daily_counts_published" if not error else "daily_counts_publish_failed",
                              "publication", f"{day.isoformat()}:{destination.name}"[:60], "tanggap:publisher",
                              {"day": day.isoformat(), "destination": destination.name, "reference": reference,
                               "error": error}))
        uow.commit()
    return Published(destination.name, "failed" if error else "posted", reference, error)


class PlatformChannel:
    """Our own channel on the platform, posted to through the adapter (Capability.POST_MESSAGE)."""

    idempotent = True  # the adapter forwards the key: a repeat post is answered, not made

    def __init__(self, platform, channel):
        from tanggap.domain.targets import parse_target
        from tanggap.platforms.interface import Capability

        if Capability.POST_MESSAGE not in platform.capabilities:
            raise ValueError(f"the {getattr(platform, 'name', 'platform')} adapter cannot post messages")
        self.platform, self.target = platform, parse_target(channel) if isinstance(channel, str) else channel
        self.name = f"platform:{self.target.canonical}"

    def send(self, text: str, key: str) -> str:
        return self.platform.post_message(self.target, text, key).reference
