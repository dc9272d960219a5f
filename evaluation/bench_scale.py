"""Start-up at scale (``make bench``): a distributor of 100,000 SKUs and 10,000 customers with six months of history
(``evaluation.large``), stored once, then ``ordex serve`` restarted on that store and timed to ``/readyz``; its
resident memory (supervisor, workers and their reader processes) once ready; and how fast a first load aligns
history orders (measured on a sample; a restart with the same master data aligns nothing again).

Logged to MLflow (experiment ``ordex-bench``, run name ``scale-...``) and printed.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
from rich.console import Console

from evaluation.bench_service import Service, rss_mb
from evaluation.large import write_large


def stored(folder: Path, url: str, sample: int) -> dict[str, float]:
    """Load the master data into the store as ``ordex load`` does, its history aligned on a sample of ``sample``
    orders; what aligning the whole history would take: a matcher built per pass, then each order read and
    aligned (the first pass's rate; later passes revisit only the orders left unsure)."""
    from models.matcher import SkuMatcher
    from ordex.aliases import AliasOptions, Aligner, history_reader, learn_history_aliases
    from ordex.masterdata import load_master_data
    from ordex.pipeline import load_tagger
    from ordex.settings import Settings
    from ordex.store import Store
    from ordex.unit_words import learn_from_history

    t0 = time.monotonic()
    md = load_master_data(folder)
    parsed_s = time.monotonic() - t0
    store = Store(url)
    store.load_master_data(md, str(folder))
    read = history_reader(load_tagger(Settings()))
    t1 = time.monotonic()
    matcher = SkuMatcher(md.products, md.aliases)
    build_s = time.monotonic() - t1
    aligner = Aligner(md, matcher, AliasOptions(), read)
    t2 = time.monotonic()
    for order in md.history[:sample]:
        aligner.align(order)
    per_order_s = (time.monotonic() - t2) / max(1, sample)
    some = md.model_copy(update={"history": md.history[:sample]})
    store.replace_history_aliases(learn_history_aliases(some, read=read))
    store.replace_history_units(learn_from_history(md))
    store.engine.dispose()
    passes = AliasOptions().passes
    return {"files_parse_s": parsed_s, "matcher_build_s": build_s, "align_ms_per_order": 1000 * per_order_s,
            "history_orders": float(len(md.history)),
            "first_load_estimate_min": (passes * build_s + per_order_s * len(md.history)) / 60}


def restart(url: str, tmp: Path, workers: int) -> dict[str, float]:
    """``ordex serve`` on the loaded store, without ``--master-data``: seconds to ``/readyz``, RSS once ready."""
    service = Service(None, url, tmp, workers)
    try:
        ready_s = service.wait_ready(timeout_s=900)
        rss = rss_mb(service.process.pid)
        with httpx.Client(base_url=service.url, headers=service.headers, timeout=60) as client:
            t0 = time.monotonic()
            r = client.post("/v1/messages", json={"channel": "whatsapp", "sender": "+919800000007",
                                                  "text": "cement xtra 50 kilo 16 bag"})
            first_ms = 1000 * (time.monotonic() - t0)
            r.raise_for_status()
    finally:
        service.stop()
    return {"ready_s": ready_s, "rss_mb": rss, "first_message_ms": first_ms}


def main(argv: Sequence[str] | None = None) -> int:
    """Build the distributor, load it, restart the service on it twice; log and print the figures."""
    from evaluation.bench_report import log_run, machine
    from ordex.settings import Settings

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--skus", type=int, default=100_000)
    p.add_argument("--customers", type=int, default=10_000)
    p.add_argument("--sample", type=int, default=300, help="history orders aligned to measure the first load's rate")
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args(argv)
    console = Console()
    with tempfile.TemporaryDirectory(prefix="ordex-scale-") as tmp:
        folder = Path(tmp) / "distributor"
        url = f"sqlite:///{tmp}/scale.db"
        with console.status(f"writing {args.skus:,} SKUs, {args.customers:,} customers, six months of history"):
            large = write_large(folder, args.skus, args.customers)
        with console.status("loading it into the store (history aligned on a sample)"):
            figures = stored(folder, url, args.sample)
        for n in (1, 2):
            with console.status(f"restart {n}: ordex serve to /readyz"):
                figures |= {f"{k}_{n}": v for k, v in restart(url, Path(tmp), args.workers).items()}
    size = f"{large.skus:,} SKUs, {large.customers:,} customers, {large.orders:,} past orders"
    text = "\n".join([f"{size} ({machine()}, {args.workers} workers)",
                      *(f"  {k}: {v:,.1f}" for k, v in figures.items())])
    run_id = log_run(Settings().tracking_uri(), figures, {"size": size, "workers": args.workers,
                                                          "sample": args.sample, "machine": machine()}, text, "scale")
    console.print(text)
    console.print(f"MLflow run {run_id} (experiment ordex-bench)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
