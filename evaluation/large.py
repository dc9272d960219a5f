"""A distributor at scale, for start-up benches: 100,000 SKUs, 10,000 customers with phones and aliases, a price
list, and six months of history (an order a month per customer by default), written in the contract's files.

Built from ``evaluation.bench_matcher``'s synthetic catalog and its dealer-style mentions (deterministic per seed).
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from evaluation.bench_matcher import build_catalog, mentions


@dataclass(frozen=True)
class Large:
    """Where the files are, and their sizes."""

    path: Path
    skus: int
    customers: int
    orders: int


def write_large(folder: Path, n_skus: int = 100_000, n_customers: int = 10_000, months: int = 6,
                orders_per_month: int = 1, seed: int = 0) -> Large:
    """Write products, customers, prices, aliases and history.jsonl for a distributor of this size."""
    folder.mkdir(parents=True, exist_ok=True)
    cat = build_catalog(n_skus, n_customers, 5, seed)
    rng = random.Random(f"large:{seed}")
    with (folder / "products.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["sku", "description", "uom", "pack_size", "moq", "active", "conversions"])
        for p in cat.products:
            conv = ";".join(f"{u}:{int(n)}" for u, n in p.conversions.items())
            w.writerow([p.sku, p.description, p.uom, p.pack_size, 1, str(p.active).lower(), conv])
    with (folder / "customers.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["customer_id", "name", "phones", "emails", "credit_limit", "outstanding", "currency", "active"])
        for i, cid in enumerate(cat.customers):
            w.writerow([cid, f"Dealer {i:05d} Traders", f"+9198{i:08d}", f"orders@dealer{i:05d}.in",
                        rng.choice((50_000, 150_000, 500_000)), 0, "INR", "true"])
    with (folder / "prices.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["customer_id", "sku", "unit_price"])
        for p in cat.products:
            w.writerow(["*", p.sku, rng.randint(20, 2000)])
    with (folder / "aliases.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["customer_id", "alias", "sku"])
        for a in cat.aliases:
            w.writerow([a.customer_id, a.alias, a.sku])
    orders = n_customers * months * orders_per_month
    said = mentions(cat, orders * 2, seed + 1)
    by_sku = {p.sku: p for p in cat.products}
    start = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    with (folder / "history.jsonl").open("w", encoding="utf-8") as f:
        for k in range(orders):
            cid = cat.customers[k % n_customers]
            picked = said[2 * k:2 * k + 2]
            lines, texts = [], []
            for text, _cid, sku in picked:
                qty = rng.randint(1, 20)
                uom = by_sku[sku].uom
                texts.append(f"{text} {qty} {uom.lower()}")
                lines.append({"sku": sku, "qty": qty, "uom": uom})
            at = start + timedelta(days=(k // n_customers) * 30 / orders_per_month + rng.random() * 25)
            f.write(json.dumps({"customer_id": cid, "received_at": at.isoformat(), "channel": "whatsapp",
                                "text": "\n".join(texts), "lines": lines}) + "\n")
    return Large(folder, n_skus, n_customers, orders)
