"""Statements of reasons go out on their own: `tanggap serve` sends the ones not yet delivered
every `sor_interval_s`, for the decisions (and reversals) of the last `sor_window_days` days.

The submitter records each delivery and skips what is recorded, so a round that finds nothing
new sends nothing; a refused token or an endpoint that is down is logged (never the token) and
tried again next round. `tanggap sor submit --since` stays for catching up further back.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from tanggap.config import Settings
from tanggap.notify.sor_submitter import Endpoint, SubmitRefused, SubmitReport, submit
from tanggap.periodic import Periodic
from tanggap.services.statements import statements_since
from tanggap.store.uow import Store

log = logging.getLogger(__name__)


class StatementSubmitter(Periodic):
    name = "sor-submitter"

    def __init__(self, store: Store, settings: Settings):
        if not settings.sor_endpoint:
            raise ValueError("no sor_endpoint: nothing to submit to")
        super().__init__(settings.sor_interval_s)
        token = settings.sor_token.get_secret_value() if settings.sor_token else None
        self.store, self.settings = store, settings
        self.endpoint = Endpoint(settings.sor_endpoint, token, settings.sor_attempts)
        self.window = timedelta(days=settings.sor_window_days)

    def run_once(self) -> SubmitReport:
        since = self.store.clock.now() - self.window
        found = statements_since(self.store.uow(read_only=True), since, self.settings.appeal_url)
        report = submit(self.store, found, self.endpoint, sleep=self.pause)
        if report.rejected or report.left:
            log.warning("statements of reasons: %d refused by the database, %d left for the next round",
                        len(report.rejected), report.left)
        return report

    def round_failed(self, error: Exception) -> None:
        if isinstance(error, SubmitRefused):  # wrong token or address: says so, tries again later
            log.error("statements of reasons not accepted: %s", error)
        else:  # the database or the network is away: the next round
            super().round_failed(error)
