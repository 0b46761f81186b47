"""Background sweeps while serving: profile new cases, return expired claims, retry enforcements."""

from __future__ import annotations

import logging
import threading

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


class Sweeper:
    def __init__(self, store: Store, platform: Platform | None, retry: RetryPolicy, interval_s: float = 30.0):
        self.store, self.platform, self.retry, self.interval_s = store, platform, retry, interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                sweep_once(self.store, self.platform, self.retry)
            except Exception:  # keep sweeping; the next round may find the database back
                log.exception("sweep failed")
            self._stop.wait(self.interval_s)

    def start(self) -> Sweeper:
        self._thread = threading.Thread(target=self.run, name="sweeper", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(30)
