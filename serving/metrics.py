"""Prometheus metrics: what the pipeline did (from each Case's trace) and what the store holds (at scrape time).

Counters and histograms are created when the service starts, after BentoML chose Prometheus's multiprocess
mode, so they reach BentoML's ``/metrics`` from every worker. Messages by channel and status, exceptions
by code and queue, queue depth and the models in use are read from the store when scraped, so they are the
same whichever worker answers and survive restarts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ordex.schema import Case
from ordex.store import Store

STAGE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class StoreCollector:
    """Gauges read from the store on each scrape."""

    def __init__(self, store: Store, models: Callable[[], list[tuple[str, str, str]]],
                 load_id: Callable[[], int | None]) -> None:
        self.store = store
        self.models = models
        self.load_id = load_id

    def collect(self) -> Iterator[Any]:
        """The store's gauges, read now."""
        from prometheus_client.core import GaugeMetricFamily

        messages = GaugeMetricFamily("ordex_messages", "Stored messages by channel and status (queue state until "
                                                       "processed)", labels=["channel", "status"])
        for channel, status, n in self.store.views.message_counts():
            messages.add_metric([channel, status], n)
        yield messages
        exceptions = GaugeMetricFamily("ordex_exceptions", "Exceptions raised, by code, queue and state",
                                       labels=["code", "queue", "state"])
        for code, queue, state, n in self.store.views.exception_counts():
            exceptions.add_metric([code, queue, state], n)
        yield exceptions
        yield GaugeMetricFamily("ordex_queue_depth", "Accepted messages without a result yet",
                                value=self.store.queue.depth())
        info = GaugeMetricFamily("ordex_model_info", "Models in use by this worker (value 1)",
                                 labels=["model", "name", "version"])
        for model, name, version in self.models():
            info.add_metric([model, name, version], 1)
        yield info
        yield GaugeMetricFamily("ordex_master_data_load", "Id of the master-data load in use",
                                value=self.load_id() or 0)


class Metrics:
    """The service's metrics; ``observe`` takes each processed Case, ``render`` adds the store's to a scrape."""

    def __init__(self, store: Store, models: Callable[[], list[tuple[str, str, str]]],
                 load_id: Callable[[], int | None]) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram, values

        self.multiprocess = bool(getattr(values.ValueClass, "_multiprocess", False))
        self.registry = CollectorRegistry(auto_describe=True)
        self.processed = Counter("ordex_messages_processed", "Messages processed, by channel and status",
                                 ["channel", "status"], registry=self.registry)
        self.raised = Counter("ordex_exceptions_raised", "Exception codes raised by the pipeline, by code and queue",
                              ["code", "queue"], registry=self.registry)
        self.stage = Histogram("ordex_stage_seconds", "Time per pipeline stage (from the Case trace)",
                               ["stage", "model"], buckets=STAGE_BUCKETS, registry=self.registry)
        self.scraped = CollectorRegistry(auto_describe=False)
        self.scraped.register(StoreCollector(store, models, load_id))

    def observe(self, case: Case) -> None:
        """Count a processed case and time its stages."""
        self.processed.labels(case.message.channel, str(case.status)).inc()
        for f in case.findings:
            self.raised.labels(str(f.code), f.queue).inc()
        for t in case.trace:
            self.stage.labels(t.stage, t.model or "-").observe(t.ms / 1000)

    def render(self) -> str:
        """The store's gauges (and, outside BentoML's multiprocess mode, the counters) as exposition text."""
        from prometheus_client import generate_latest

        text = generate_latest(self.scraped).decode()
        if not self.multiprocess:
            text += generate_latest(self.registry).decode()
        return text
