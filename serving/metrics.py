"""Prometheus metrics: what the pipeline did (from each Case's trace) and what the store holds (at scrape time).

Counters and histograms are created when the service starts, after BentoML chose Prometheus's multiprocess
mode, so they reach BentoML's ``/metrics`` from every worker. Messages by channel and status, exceptions
by code and queue, queue depth and the models in use are read from the store when scraped, so they are the
same whichever worker answers and survive restarts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from models.matcher import normalize
from ordex.schema import Case
from ordex.store import Store
from ordex.store.kpis import Range

RELEASE_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 24 * 3600.0)
CONFIRM_BUCKETS = (0.1, 0.5, 1.0, 2.0, 5.0, 15.0, 30.0, 60.0, 300.0)
STAGE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class StoreCollector:
    """Gauges read from the store on each scrape."""

    def __init__(self, store: Store, models: Callable[[], list[tuple[str, str, str]]],
                 load_id: Callable[[], int | None],
                 aliases: Callable[[], set[tuple[str, str]]] | None = None) -> None:
        self.store = store
        self.models = models
        self.load_id = load_id
        self.aliases = aliases  # the master data's (customer, alias) pairs, counted as the KPI API counts them

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
        yield from self.kpis()

    def kpis(self) -> Iterator[Any]:
        """The sales-ops KPIs of the last 7 days, from the store (the same on every worker and instance)."""
        from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily

        now = datetime.now(UTC)
        k, samples = self.store.kpis.measure(Range(now - timedelta(days=7), now), self.aliases, normalize)
        stp = GaugeMetricFamily("ordex_first_pass_release_ratio", "Messages with an order released untouched over "
                                "messages with an order, last 7 days, by channel", labels=["channel"])
        by_channel: dict[str, list[int]] = {}
        for row in k["stp"]:
            acc = by_channel.setdefault(row["channel"], [0, 0])
            acc[0] += row["auto"]
            acc[1] += row["auto"] + row["held"]
        for channel, (auto, total) in sorted(by_channel.items()):
            stp.add_metric([channel], auto / total if total else 0.0)
        yield stp
        yield GaugeMetricFamily("ordex_manual_touches_per_order", "People's resolutions per order, last 7 days",
                                value=k["manual_touches_per_order"] or 0.0)
        yield GaugeMetricFamily("ordex_alias_coverage_ratio", "Mentions read that are a known alias, last 7 days",
                                value=k["alias_coverage"] or 0.0)
        dead = GaugeMetricFamily("ordex_dead_letters", "Outbound messages and ERP deliveries given up on",
                                 labels=["channel"])
        for channel, n in k["dead_letters"].items():
            dead.add_metric([channel], n)
        yield dead
        for name, help_text, buckets in (
                ("receipt_to_release", "Receipt to release of orders, last 7 days", RELEASE_BUCKETS),
                ("confirmation_latency", "Receipt to the dealer's confirmation sent, last 7 days", CONFIRM_BUCKETS)):
            values = samples.get(name, [])
            counts = [(str(b), sum(1 for v in values if v <= b)) for b in buckets] + [("+Inf", len(values))]
            yield HistogramMetricFamily(f"ordex_{name}_seconds", help_text, buckets=counts, sum_value=sum(values))


class Metrics:
    """The service's metrics; ``observe`` takes each processed Case, ``render`` adds the store's to a scrape."""

    def __init__(self, store: Store, models: Callable[[], list[tuple[str, str, str]]],
                 load_id: Callable[[], int | None],
                 aliases: Callable[[], set[tuple[str, str]]] | None = None) -> None:
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
        self.scraped.register(StoreCollector(store, models, load_id, aliases))

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
