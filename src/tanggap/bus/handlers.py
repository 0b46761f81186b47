"""What the effects workers do for each domain event."""

from __future__ import annotations

from collections.abc import Sequence

from tanggap.bus.worker import Handler
from tanggap.domain.events import EnforcementRequested, Event
from tanggap.domain.model import EnforcementStatus
from tanggap.platforms.interface import Platform
from tanggap.services.enforcement import RetryPolicy, carry_out
from tanggap.store.uow import Store


class EffectNotYetDone(RuntimeError):
    """The platform stayed unreachable through the enforcement's own retries: the bus tries again
    after its back-off (the enforcement stays pending, never falsely actioned)."""


def effects_handlers(store: Store, platform: Platform, retry: RetryPolicy = RetryPolicy()) -> dict[str, Handler]:
    def enforce(events: Sequence[Event]) -> None:
        for event in events:
            assert isinstance(event, EnforcementRequested)
            # carry_out is idempotent: a message delivered twice finds the enforcement confirmed, and
            # the platform call itself carries the enforcement's idempotency key.
            outcome = carry_out(store, platform, event.enforcement_id, retry)
            if outcome.status is EnforcementStatus.PENDING:
                raise EffectNotYetDone(f"enforcement {event.enforcement_id}: {outcome.error}")

    return {EnforcementRequested.subject: enforce}
