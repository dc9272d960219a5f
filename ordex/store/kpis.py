"""The figures a sales-ops lead watches, computed from the store for a time range (and a channel).

First-pass release rate (STP: messages released with no human touch over messages that held an order) by
channel and ISO week; exceptions by code and by queue; manual touches per order (people's resolutions over
orders); receipt-to-release and receipt-to-confirmation times (p50/p95, seconds); alias coverage of the
mentions read (lines whose product words are an alias of that customer or of everyone); dead letters.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ordex.store.queries import as_utc
from ordex.store.tables import AuditRow, ExceptionRow, LearnedAliasRow, MessageRow, OrderRow, OutboundRow

if TYPE_CHECKING:
    from ordex.store.store import Store


def percentile(values: list[float], q: float) -> float | None:
    """The q-quantile by rank (None for no values)."""
    s = sorted(values)
    return round(s[min(len(s) - 1, int(q * len(s)))], 3) if s else None


@dataclass(frozen=True)
class Range:
    """The messages a KPI counts: received in [start, end), on a channel (None: all)."""

    start: datetime
    end: datetime
    channel: str | None = None


class Kpis:
    """KPI figures from the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def figures(self, r: Range, aliases: Callable[[], set[tuple[str, str]]] | None = None,
                normalize: Callable[[str], str] = str.lower) -> dict[str, Any]:
        """Every KPI for a range; ``aliases`` gives the master data's (customer or "*", alias) pairs."""
        return self.measure(r, aliases, normalize)[0]

    def measure(self, r: Range, aliases: Callable[[], set[tuple[str, str]]] | None = None,
                normalize: Callable[[str], str] = str.lower) -> tuple[dict[str, Any], dict[str, list[float]]]:
        """The KPIs, and the latencies (seconds) behind them, for histograms."""
        with self.store.session() as s:
            q = select(MessageRow.id, MessageRow.channel, MessageRow.status, MessageRow.received_at).where(
                MessageRow.received_at >= as_utc(r.start), MessageRow.received_at < as_utc(r.end))
            if r.channel:
                q = q.where(MessageRow.channel == r.channel)
            messages = {mid: (ch, st, as_utc(at)) for mid, ch, st, at in s.execute(q)}
            ids = list(messages)
            orders = list(s.execute(select(OrderRow.id, OrderRow.message_id, OrderRow.customer_id, OrderRow.state,
                                           OrderRow.received_at, OrderRow.released_at, OrderRow.lines)
                                    .where(OrderRow.message_id.in_(ids)))) if ids else []
            exceptions = list(s.execute(select(ExceptionRow.code, ExceptionRow.queue, ExceptionRow.state)
                                        .where(ExceptionRow.message_id.in_(ids)))) if ids else []
            touches = list(s.scalars(select(AuditRow.detail).where(AuditRow.event == "resolved",
                                                                   AuditRow.message_id.in_(ids)))) if ids else []
            confirmations = list(s.execute(select(OutboundRow.message_id, OutboundRow.sent_at).where(
                OutboundRow.kind == "confirmation", OutboundRow.state == "sent",
                OutboundRow.message_id.in_(ids)))) if ids else []
            dead = list(s.execute(select(OutboundRow.channel).where(OutboundRow.state == "dead")))
            learned = {(c, a) for c, a in s.execute(select(LearnedAliasRow.customer_id, LearnedAliasRow.alias))}
        known = learned | (aliases() if aliases is not None else set())

        stp: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for ch, status, at in messages.values():
            if status in ("auto", "exception"):
                year, week, _ = at.isocalendar()
                stp[(ch, f"{year}-W{week:02d}")][status] += 1
        release_s = [(as_utc(rel) - as_utc(rec)).total_seconds() for _, _, _, state, rec, rel, _ in orders
                     if state == "released" and rel is not None]
        confirm_s = [(as_utc(sent) - messages[mid][2]).total_seconds() for mid, sent in confirmations
                     if sent is not None and mid in messages]
        mentions = [(cust, normalize(str(ln.get("product") or ""))) for _, _, cust, _, _, _, lines in orders
                    for ln in lines or [] if ln.get("product")]
        covered = sum(1 for cust, m in mentions if (cust, m) in known or ("*", m) in known)
        figures = {
            "from": r.start.isoformat(), "to": r.end.isoformat(), "channel": r.channel,
            "messages": len(messages), "orders": len(orders),
            "stp": [{"channel": ch, "week": wk, "auto": c["auto"], "held": c["exception"],
                     "rate": round(c["auto"] / (c["auto"] + c["exception"]), 4)} for (ch, wk), c in sorted(stp.items())],
            "stp_rate": _rate(sum(c["auto"] for c in stp.values()), sum(sum(c.values()) for c in stp.values())),
            "exceptions_by_code": dict(sorted(Counter(code for code, _, _ in exceptions).items())),
            "exceptions_by_queue": dict(sorted(Counter(queue for _, queue, _ in exceptions).items())),
            "open_exceptions": sum(1 for _, _, state in exceptions if state == "open"),
            "manual_touches_per_order": _rate(len(touches), len(orders)),
            "receipt_to_release_s": {"p50": percentile(release_s, 0.5), "p95": percentile(release_s, 0.95),
                                     "n": len(release_s)},
            "confirmation_latency_s": {"p50": percentile(confirm_s, 0.5), "p95": percentile(confirm_s, 0.95),
                                       "n": len(confirm_s)},
            "alias_coverage": _rate(covered, len(mentions)),
            "dead_letters": dict(sorted(Counter(ch for (ch,) in dead).items())),
        }
        return figures, {"receipt_to_release": release_s, "confirmation_latency": confirm_s}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
