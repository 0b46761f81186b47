"""The intake worker: parse what was received, open orders, send replies; again and again."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from tanggap.config import Settings
from tanggap.intake.authentication import SenderTrust, dns_txt
from tanggap.intake.parse import ParseLimits
from tanggap.notify.appeal_notices import notify_due_appellants
from tanggap.notify.mail import Mailer, SmtpMailer
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


class IntakeWorker:
    def __init__(self, store: Store, settings: Settings, mailer: Mailer | None,
                 limits: ParseLimits = ParseLimits()):
        self.store, self.settings, self.mailer, self.limits = store, settings, mailer, limits
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> Round:
        processed = process_pending(self.store, self.settings.sla, self.limits,
                                    trust_from_settings(self.settings))
        if self.mailer is None:
            return Round(processed, None)
        replies = send_due_replies(self.store, self.mailer, self.settings.intake_address)
        notices = notify_due_appellants(self.store, self.mailer, self.settings.intake_address)
        return Round(processed, replies, notices)

    def wake(self) -> None:
        """A message just arrived: do not wait for the next tick."""
        self._wake.set()

    def run_forever(self, interval_s: float = 2.0) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # a database hiccup must not end intake; try again next tick
                log.exception("intake round failed")
            self._wake.wait(interval_s)
            self._wake.clear()

    def start(self, interval_s: float = 2.0) -> IntakeWorker:
        self._thread = threading.Thread(target=self.run_forever, args=(interval_s,),
                                        name="intake-worker", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(30)
