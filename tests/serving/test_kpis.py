"""The KPIs of a generated month (orders from the invented trade over four weeks, some held and resolved by a
person) equal the same figures recomputed here straight from the store; the KPI page draws them."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from support import write_trade
from support_serving import client_for, open_host

from ordex.keys import create_key
from ordex.store.tables import AuditRow, ExceptionRow, MessageRow, OrderRow

SENDERS = ["+911110000001", "+911110000002", "+911110000005", "+911110000006"]
ITEMS = ["led 9w {n} box", "led 12w {n} box", "mcb 32a {n} pcs", "wire 1.5 sqmm {n} roll", "kala tape {n} pkt",
         "blinker gadget {n} pcs", "mcb {n} pc"]  # the last two are held: unknown, and ambiguous


def test_the_kpis_of_a_generated_month_equal_the_store_recomputed(tmp_path: Path) -> None:
    host = open_host(tmp_path, write_trade(tmp_path / "md"))
    try:
        client = client_for(host)
        ingest, ops = create_key(host.store, "ingest", "up"), create_key(host.store, "ops", "ops")
        rng = random.Random(7)
        start = datetime(2026, 11, 2, 4, 30, tzinfo=UTC)
        answers = []
        for i in range(60):
            at = start + timedelta(hours=11 * i + rng.randint(0, 5))
            text = "\n".join(rng.choice(ITEMS).format(n=rng.randint(2, 9)) for _ in range(rng.randint(1, 2)))
            channel = rng.choice(["whatsapp", "sms", "email"])
            sender = rng.choice(SENDERS) if channel != "email" else "buy@voltelec.example"
            r = client.post("/v1/messages", headers={"authorization": f"Bearer {ingest}"},
                            json={"sender": sender, "text": text, "channel": channel, "received_at": at.isoformat(),
                                  "message_id": f"month-{i}"})
            answers.append(r.json())
        held = [a for a in answers if a["status"] == "exception"]
        assert 5 < len(held) < 55  # a month with both
        for a in held[::2]:  # a person approves every other held message's first exception
            client.post(f"/v1/exceptions/{a['exception_ids'][0]}/resolve", json={"action": "approve"},
                        headers={"authorization": f"Bearer {ops}"})
        end = start + timedelta(days=31)
        k = client.get("/v1/kpis", params={"from": start.isoformat(), "to": end.isoformat()},
                       headers={"authorization": f"Bearer {ops}"}).json()
        assert k == {**k, **recomputed(host, start, end)}
        assert client.get("/v1/kpis", headers={"authorization": f"Bearer {ingest}"}).status_code == 403
        client.post("/review/login", content=f"key={ops}".encode(),
                    headers={"content-type": "application/x-www-form-urlencoded"})
        page = client.get("/review/kpis", params={"from": "2026-11-02", "to": "2026-12-03"}).text
        assert 'aria-label="STP by channel and week"' in page and page.count('class="bar"') >= len(k["stp"])
    finally:
        host.close()


def recomputed(host: Any, start: datetime, end: datetime) -> dict[str, Any]:
    """The same figures, recomputed from the store's rows here."""
    with host.store.session() as s:
        msgs = s.execute(select(MessageRow.id, MessageRow.channel, MessageRow.status, MessageRow.received_at)).all()
        msgs = [m for m in msgs if start <= m[3].replace(tzinfo=UTC) < end]
        ids = {m[0] for m in msgs}
        orders = [o for o in s.scalars(select(OrderRow)) if o.message_id in ids]
        excs = [e for e in s.scalars(select(ExceptionRow)) if e.message_id in ids]
        resolved = [a for a in s.scalars(select(AuditRow).where(AuditRow.event == "resolved")) if a.message_id in ids]
    weeks: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for _, ch, status, at in msgs:
        y, w, _ = at.replace(tzinfo=UTC).isocalendar()
        weeks[(ch, f"{y}-W{w:02d}")][status] += 1
    stp = [{"channel": ch, "week": wk, "auto": c["auto"], "held": c["exception"],
            "rate": round(c["auto"] / (c["auto"] + c["exception"]), 4)} for (ch, wk), c in sorted(weeks.items())]
    release = sorted((o.released_at - o.received_at).total_seconds() for o in orders if o.state == "released")
    return {
        "messages": len(msgs), "orders": len(orders), "stp": stp,
        "stp_rate": round(sum(x["auto"] for x in stp) / sum(x["auto"] + x["held"] for x in stp), 4),
        "exceptions_by_code": dict(sorted(Counter(e.code for e in excs).items())),
        "exceptions_by_queue": dict(sorted(Counter(e.queue for e in excs).items())),
        "open_exceptions": sum(1 for e in excs if e.state == "open"),
        "manual_touches_per_order": round(len(resolved) / len(orders), 4),
        "receipt_to_release_s": {"p50": round(release[len(release) // 2], 3),
                                 "p95": round(release[min(len(release) - 1, int(0.95 * len(release)))], 3),
                                 "n": len(release)},
    }
