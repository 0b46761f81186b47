"""Prometheus metrics: counters from the edges, case gauges read from the store at scrape."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

from tanggap.config import Settings
from tanggap.store.uow import Store

if TYPE_CHECKING:
    from tanggap.bus.nats import ConsumerLagReader

log = logging.getLogger(__name__)


class Metrics:
    def __init__(self, store: Store, settings: Settings | None = None):
        self.registry = CollectorRegistry()
        registry = self.registry
        self.orders_received = Counter("tanggap_orders_received", "Orders received", ["channel"], registry=registry)
        self.targets_rejected = Counter("tanggap_targets_rejected", "Order targets rejected as unparseable",
                                        registry=registry)
        self.decisions = Counter("tanggap_decisions", "Decisions taken", ["action"], registry=registry)
        self.enforcement_failures = Counter("tanggap_enforcement_failures", "Enforcement rounds that ended unconfirmed",
                                            registry=registry)
        self.time_to_action = Histogram("tanggap_time_to_action_seconds", "Order receipt to platform confirmation",
                                        buckets=(60, 300, 900, 1800, 3600, 7200, 14400, 86400), registry=self.registry)
        self.registry.register(_CaseCollector(store))
        self.registry.register(_BusCollector(store, settings))


class _CaseCollector:
    def __init__(self, store: Store):
        self.store = store

    def collect(self):
        with self.store.uow(read_only=True) as uow:
            by_state = uow.cases.count_by_state()
            breached = len(uow.cases.open_breached(uow.clock.now()))
        cases = GaugeMetricFamily("tanggap_cases", "Cases by state", labels=["state"])
        for state, count in sorted(by_state.items()):
            cases.add_metric([state], count)
        yield cases
        yield GaugeMetricFamily("tanggap_open_cases_past_deadline", "Open cases past their legal deadline",
                                value=breached)


class _BusCollector:
    """The bus's lag: outbox rows not yet handed to a worker (embedded) or to the broker (NATS),
    the dead letters that need a person, and on NATS what each worker group has not finished."""

    def __init__(self, store: Store, settings: Settings | None = None):
        self.store = store
        self.settings = settings
        self._lag_reader: ConsumerLagReader | None = None  # its broker connection is held between scrapes

    def collect(self):
        from tanggap.store import outbox

        with self.store.uow(read_only=True) as uow:
            waiting = outbox.backlog(uow.session, uow.clock.now())
            dead = outbox.dead_count(uow.session)
        lag = GaugeMetricFamily("tanggap_outbox_waiting", "Domain events not yet handed over, by subject",
                                labels=["subject"])
        for subject, count in sorted(waiting.items()):
            lag.add_metric([subject], count)
        yield lag
        yield GaugeMetricFamily("tanggap_outbox_dead_letters", "Events that failed their last attempt", value=dead)
        if self.settings is not None and self.settings.bus == "nats":
            if self._lag_reader is None:
                from tanggap.bus.nats import ConsumerLagReader

                self._lag_reader = ConsumerLagReader(self.settings.nats_url, self.settings.nats_prefix)
            yield from _consumer_lag(self._lag_reader)


def _consumer_lag(reader: ConsumerLagReader):
    try:
        consumers = reader.read()
    except Exception:  # the broker is away: say so, and let the scrape still answer
        log.warning("NATS consumer lag not read", exc_info=True)
        yield GaugeMetricFamily("tanggap_bus_broker_up", "Whether the NATS broker answered this scrape", value=0)
        return
    yield GaugeMetricFamily("tanggap_bus_broker_up", "Whether the NATS broker answered this scrape", value=1)
    pending = GaugeMetricFamily("tanggap_bus_consumer_pending",
                                "Messages in the stream not yet delivered to the worker group",
                                labels=["stream", "consumer"])
    ack_pending = GaugeMetricFamily("tanggap_bus_consumer_ack_pending",
                                    "Messages delivered to the worker group and not yet acknowledged",
                                    labels=["stream", "consumer"])
    for consumer in consumers:
        pending.add_metric([consumer.stream, consumer.consumer], consumer.pending)
        ack_pending.add_metric([consumer.stream, consumer.consumer], consumer.ack_pending)
    yield pending
    yield ack_pending
