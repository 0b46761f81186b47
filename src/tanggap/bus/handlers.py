"""What the effects workers do for each domain event. Every handler may see an event twice (a
redelivery, a sweep that got there first): each one finds what was done and does not do it again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tanggap.bus.worker import Handler
from tanggap.domain.events import (
    AppealResolved, CaseViewed, EnforcementRequested, Event, OrderReceived, OrderSettled,
)
from tanggap.domain.model import EnforcementStatus
from tanggap.notify.mail import Mailer
from tanggap.platforms.interface import Platform
from tanggap.services.enforcement import RetryPolicy, carry_out
from tanggap.store.uow import Store


class EffectNotYetDone(RuntimeError):
    """The platform (or the mail relay) stayed unreachable: the bus tries again after its
    back-off (the enforcement stays pending, the reply unmarked, never falsely done)."""


@dataclass(frozen=True)
class Outbound:
    """Where replies to authorities and notices to appellants go out."""
    mailer: Mailer
    sender: str  # the intake address: replies come from where orders went


def effects_handlers(store: Store, platform: Platform | None, retry: RetryPolicy = RetryPolicy(),
                     outbound: Outbound | None = None) -> dict[str, Handler]:
    def audit_views(events: Sequence[Event]) -> None:
        from tanggap.services.case_views import record_case_view

        for event in events:
            assert isinstance(event, CaseViewed)
            record_case_view(store, event)

    handlers: dict[str, Handler] = {CaseViewed.subject: audit_views}
    if platform is not None:  # else the enforcement rows stay pending for `tanggap enforce`
        handlers[EnforcementRequested.subject] = _enforcer(store, platform, retry)
    if outbound is not None:
        handlers.update(_mail_handlers(store, outbound))
    return handlers


def _enforcer(store: Store, platform: Platform, retry: RetryPolicy) -> Handler:
    def enforce(events: Sequence[Event]) -> None:
        for event in events:
            assert isinstance(event, EnforcementRequested)
            # carry_out is idempotent: a message delivered twice finds the enforcement confirmed, and
            # the platform call itself carries the enforcement's idempotency key.
            outcome = carry_out(store, platform, event.enforcement_id, retry)
            if outcome.status is EnforcementStatus.PENDING:
                raise EffectNotYetDone(f"enforcement {event.enforcement_id}: {outcome.error}")

    return enforce


def _mail_handlers(store: Store, outbound: Outbound) -> dict[str, Handler]:
    from tanggap.notify.appeal_notices import notify_appellant
    from tanggap.services.replies import send_due_replies

    def reply_to_authority(events: Sequence[Event]) -> None:
        # The acknowledgement (OrderReceived) and the final status (OrderSettled) are both "what
        # this order's messages are owed now": the marks on each message keep each reply to one.
        for order_id in dict.fromkeys(e.order_id for e in events if isinstance(e, OrderReceived | OrderSettled)):
            sent = send_due_replies(store, outbound.mailer, outbound.sender, order_id)
            if sent.failures:
                raise EffectNotYetDone(f"order {order_id}: {sent.failures} replies not sent")

    def notify_appellants(events: Sequence[Event]) -> None:
        for event in events:
            assert isinstance(event, AppealResolved)
            notify_appellant(store, outbound.mailer, outbound.sender, event.appeal_id)

    return {OrderReceived.subject: reply_to_authority, OrderSettled.subject: reply_to_authority,
            AppealResolved.subject: notify_appellants}
