"""``make bench``: per-channel p50/p95 latency of the full pipeline on a cases file (models warm, fresh store).

usage: python -m evaluation.bench --master-data DIR [--cases CASES.jsonl] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from evaluation.bench_service import pct
from ordex.messages import message_from_case
from ordex.pipeline import Engine
from ordex.settings import Settings


def bench(master_data: Path, cases_path: Path, repeat: int) -> dict[str, dict[str, float]]:
    """Run every case ``repeat`` times (each round on a fresh store) and collect latency per channel."""
    cases = [json.loads(x) for x in cases_path.read_text(encoding="utf-8").splitlines() if x.strip()]
    cases.sort(key=lambda c: c.get("received_at") or "")
    per_channel: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="ordex-bench-") as tmp:
        for r in range(repeat):
            t0 = time.perf_counter()
            # a fresh store each round; the models are the ones the service would load (the MLflow champions)
            engine = Engine.open(Settings(database_url=f"sqlite:///{Path(tmp) / f'run{r}.db'}"), master_data)
            engine.warm_up()
            load_s = time.perf_counter() - t0
            for case in cases:
                pred = engine.submit(message_from_case(case, cases_path.parent))
                per_channel[case.get("channel", "?")].append(pred.latency_ms)
                per_channel["all"].append(pred.latency_ms)
            engine.store.engine.dispose()
    out = {ch: {"n": len(v), "p50": pct(v, 0.5), "p95": pct(v, 0.95)} for ch, v in sorted(per_channel.items())}
    out["load"] = {"n": repeat, "p50": load_s * 1000, "p95": load_s * 1000}
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--master-data", type=Path, required=True)
    p.add_argument("--cases", type=Path, default=None)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    result = bench(args.master_data, args.cases or args.master_data / "cases.jsonl", args.repeat)
    table = Table(title="ordex predict latency per case (ms), models warm")
    for col in ("channel", "n", "p50", "p95"):
        table.add_column(col, justify="right" if col != "channel" else "left")
    for ch, r in result.items():
        table.add_row(ch if ch != "load" else "(load + warm-up)", str(r["n"]), f"{r['p50']:.1f}", f"{r['p95']:.1f}")
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
