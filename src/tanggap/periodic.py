"""Work done in rounds on a thread of its own while serving (the sweeper, the intake worker, the
statements-of-reasons submitter): a round, a wait, again, until stopped. A round that fails is
logged and the next one tried, so a database or relay that is away for a while ends nothing."""

from __future__ import annotations

import logging
import threading
from typing import Self

log = logging.getLogger(__name__)


class Periodic:
    name = "periodic"  # the thread's name, and what a failed round's log line says

    def __init__(self, interval_s: float):
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> object:
        raise NotImplementedError

    def round_failed(self, error: Exception) -> None:
        log.error("%s round failed", self.name, exc_info=error)

    def wake(self) -> None:
        """Something arrived: do not wait for the next tick."""
        self._wake.set()

    def pause(self, seconds: float) -> None:
        """A wait inside a round (a backoff), cut short when stopping."""
        self._stop.wait(seconds)

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception as error:
                self.round_failed(error)
            self._wake.wait(self.interval_s)
            self._wake.clear()

    def start(self) -> Self:
        self._thread = threading.Thread(target=self.run_forever, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(30)
