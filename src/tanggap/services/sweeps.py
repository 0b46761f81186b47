"""Background sweeps while serving: profile new cases, return expired claims, retry enforcements."""

from __future__ import annotations

import logging

from tanggap.periodic import Periodic
from tanggap.platforms.interface import Platform
from tanggap.services.enforcement import RetryPolicy, carry_out_pending
from tanggap.services.review import expire_leases, profile_cases
from tanggap.store.uow import Store

log = logging.getLogger(__name__)


def sweep_once(store: Store, platform: Platform | None, retry: RetryPolicy) -> dict[str, int]:
    done = {"leases_expired": expire_leases(store)}
    if platform is not None:
        done["profiled"] = profile_cases(store, platform)
        done["enforcements_retried"] = len(carry_out_pending(store, platform, retry))
    return done


class Sweeper(Periodic):
    name = "sweeper"

    def __init__(self, store: Store, platform: Platform | None, retry: RetryPolicy, interval_s: float = 30.0):
        super().__init__(interval_s)
        self.store, self.platform, self.retry = store, platform, retry

    def run_once(self) -> dict[str, int]:
        return sweep_once(self.store, self.platform, self.retry)
