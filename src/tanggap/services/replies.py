"""Send what authorities are owed: an acknowledgement of every order e-mail, then a final status."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from tanggap.domain.access import SYSTEM
from tanggap.notify.mail import Mailer
from tanggap.notify.replies import acknowledgement, final_status
from tanggap.services.orders import order_status
from tanggap.store import inbound as mailbox
from tanggap.store import reply_marks
from tanggap.store.uow import Store

log = logging.getLogger(__name__)
ANSWERED_STATES = ("order", "revision", "released", "attached")  # each names the order it became


@dataclass(frozen=True)
class RepliesSent:
    acknowledgements: int
    final_statuses: int
    failures: int


def send_due_replies(store: Store, mailer: Mailer, sender: str, order_id: str | None = None) -> RepliesSent:
    """Every reply due (the sweep), or only those for one order (`order_id`: an event handler).
    Each goes once, whoever sends it (see store.reply_marks)."""
    acks = finals = failures = 0
    for row in _due(store, "acknowledgement", order_id):
        status = order_status(store.uow(read_only=True), row.order_id, SYSTEM)
        sent = _send_once(store, mailer, acknowledgement(status, row.sender, sender, row.subject or "", row.message_id,
                                                          unread=unread_parts(row.warnings)),
                          row.id, "ack_sent_at")
        acks += sent is True
        failures += sent is False
    for row in _due(store, "final_status", order_id):
        status = order_status(store.uow(read_only=True), row.order_id, SYSTEM)
        if not status.settled:
            continue
        sent = _send_once(store, mailer, final_status(status, row.sender, sender, row.subject or "", row.message_id),
                          row.id, "final_sent_at")
        finals += sent is True
        failures += sent is False
    for row in _due(store, "reversal", order_id):
        status = order_status(store.uow(read_only=True), row.order_id, SYSTEM)
        reversed_now = sum(t.status == "reversed" for t in status.targets)
        if reversed_now <= row.reversals_notified:
            continue
        # A reversal on appeal is reported back to the authority that ordered the block.
        sent = _send_once(store, mailer, final_status(status, row.sender, sender, row.subject or "", row.message_id,
                                                      update=True), row.id, "reversals_notified", reversed_now)
        finals += sent is True
        failures += sent is False
    return RepliesSent(acks, finals, failures)


def unread_parts(warnings: Iterable[str]) -> list[str]:
    """What reading the message left out (an old .xls, an encrypted PDF, a limit reached): the
    authority hears it in the acknowledgement, so that a list we could not read is sent again
    instead of being missed."""
    return [warning.removeprefix("incomplete:").strip() for warning in warnings if warning.startswith("incomplete")]


def _due(store: Store, stage: str, order_id: str | None) -> list[mailbox.OwedReply]:
    with store.uow(read_only=True) as uow:
        return mailbox.owed_replies(uow, stage, ANSWERED_STATES, order_id=order_id)


def _send(mailer: Mailer, message) -> bool:
    try:
        mailer.send(message)
        return True
    except Exception as error:  # the relay is down: try again on the next round
        log.warning("reply not sent", extra={"error": type(error).__name__})
        return False


def _send_once(store: Store, mailer: Mailer, message, inbound_id: str, column: str,
               reversals: int = 0) -> bool | None:
    """True: sent here; None: someone sent it meanwhile; False: the relay refused (the mark
    rolls back with the transaction, and the next round tries again)."""
    with store.uow() as uow:
        if column == "reversals_notified":
            ours = reply_marks.mark_reversals_notified(uow.session, inbound_id, reversals)
        else:
            ours = reply_marks.mark_sent(uow.session, inbound_id, column, uow.clock.now())
        if not ours:
            return None
        if not _send(mailer, message):
            return False
        uow.commit()  # a crash between the send and here sends it again: at least once, never lost
        return True
