"""Send what authorities are owed: an acknowledgement of every order e-mail, then a final status."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tanggap.domain.access import SYSTEM
from tanggap.notify.mail import Mailer
from tanggap.notify.replies import acknowledgement, final_status
from tanggap.services.orders import order_status
from tanggap.store import inbound as mailbox
from tanggap.store.uow import Store

log = logging.getLogger(__name__)
ANSWERED_STATES = ("order", "revision", "released", "attached")  # each names the order it became


@dataclass(frozen=True)
class RepliesSent:
    acknowledgements: int
    final_statuses: int
    failures: int


def send_due_replies(store: Store, mailer: Mailer, sender: str) -> RepliesSent:
    acks = finals = failures = 0
    for row in _due(store, "acknowledgement"):
        status = order_status(store.uow(read_only=True), row.order_id, SYSTEM)
        if _send(mailer, acknowledgement(status, row.sender, sender, row.subject or "", row.message_id)):
            _mark(store, row.id, "ack_sent_at")
            acks += 1
        else:
            failures += 1
    for row in _due(store, "final_status"):
        status = order_status(store.uow(read_only=True), row.order_id, SYSTEM)
        if not status.settled:
            continue
        if _send(mailer, final_status(status, row.sender, sender, row.subject or "", row.message_id)):
            _mark(store, row.id, "final_sent_at")
            finals += 1
        else:
            failures += 1
    for row in _due(store, "reversal"):
        status = order_status(store.uow(read_only=True), row.order_id, SYSTEM)
        reversed_now = sum(t.status == "reversed" for t in status.targets)
        if reversed_now <= row.reversals_notified:
            continue
        # A reversal on appeal is reported back to the authority that ordered the block.
        if _send(mailer, final_status(status, row.sender, sender, row.subject or "", row.message_id, update=True)):
            _mark(store, row.id, "reversals_notified", reversed_now)
            finals += 1
        else:
            failures += 1
    return RepliesSent(acks, finals, failures)


def _due(store: Store, stage: str):  # type: ignore[no-untyped-def]
    with store.uow(read_only=True) as uow:
        return mailbox.owed_replies(uow, stage, ANSWERED_STATES)


def _send(mailer: Mailer, message) -> bool:
    try:
        mailer.send(message)
        return True
    except Exception as error:  # the relay is down: try again on the next round
        log.warning("reply not sent", extra={"error": type(error).__name__})
        return False


def _mark(store: Store, inbound_id: str, column: str, value=None) -> None:
    with store.uow() as uow:
        mailbox.mark_replied(uow, inbound_id, column, uow.clock.now() if value is None else value)
        uow.commit()
