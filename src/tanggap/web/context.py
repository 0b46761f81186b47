"""What a running web app holds: settings, store, platform adapter, metrics."""

from __future__ import annotations

from dataclasses import dataclass

from tanggap.config import Settings
from tanggap.platforms.interface import Platform
from tanggap.services.enforcement import RetryPolicy
from tanggap.store.uow import Store
from tanggap.web.metrics import Metrics


@dataclass
class AppContext:
    settings: Settings
    store: Store
    platform: Platform | None
    metrics: Metrics

    @property
    def networks(self) -> frozenset[str]:
        """The target networks a configured platform serves: orders for others are refused."""
        if self.platform is not None:
            return frozenset(getattr(self.platform, "networks", frozenset({"telegram"})))
        from tanggap.platforms.loader import served_networks

        return served_networks(self.settings)

    @property
    def retry(self) -> RetryPolicy:
        return RetryPolicy(self.settings.enforcement_attempts, self.settings.enforcement_backoff_s)
