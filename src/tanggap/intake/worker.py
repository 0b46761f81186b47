"""The intake worker: parse what was received, open orders, send replies; again and again."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tanggap.config import Settings
from tanggap.intake.authentication import SenderTrust, dns_txt
from tanggap.intake.parse import ParseLimits
from tanggap.notify.appeal_notices import notify_due_appellants
from tanggap.notify.mail import Mailer, SmtpMailer
from tanggap.periodic import Periodic
from tanggap.services.intake import InboundOutcome, process_pending
from tanggap.services.replies import RepliesSent, send_due_replies
from tanggap.store.uow import Store

log = logging.getLogger(__name__)


def trust_from_settings(settings: Settings) -> SenderTrust:
    return SenderTrust.from_setting(settings.intake_trusted_authserv_ids,
                                    dns_txt if settings.intake_verify_dkim else None)


def mailer_from_settings(settings: Settings) -> SmtpMailer:
    return SmtpMailer(settings.smtp_relay_host, settings.smtp_relay_port, settings.smtp_relay_username,
                      settings.smtp_relay_password, settings.smtp_relay_starttls)


@dataclass(frozen=True)
class Round:
    processed: list[InboundOutcome]
    replies: RepliesSent | None
    appeal_notices: int | None = None


class IntakeWorker(Periodic):
    """Every 2 s, or at once when woken (a message just arrived)."""

    name = "intake-worker"

    def __init__(self, store: Store, settings: Settings, mailer: Mailer | None,
                 limits: ParseLimits = ParseLimits(), interval_s: float = 2.0):
        super().__init__(interval_s)
        self.store, self.settings, self.mailer, self.limits = store, settings, mailer, limits

    def run_once(self) -> Round:
        processed = process_pending(self.store, self.settings.sla, self.limits,
                                    trust_from_settings(self.settings))
        if self.mailer is None:
            return Round(processed, None)
        replies = send_due_replies(self.store, self.mailer, self.settings.intake_address)
        notices = notify_due_appellants(self.store, self.mailer, self.settings.intake_address)
        return Round(processed, replies, notices)
