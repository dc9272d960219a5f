"""``make bench``: the service over HTTP on two distributors, and the matcher on large catalogs, logged as one
MLflow run (experiment ``ordex-bench``) and written into the README's table.

The two distributors: the master data folder given (the contract's example by default) and one of realistic
size generated for the run (``evaluation.realistic``: 100+ SKUs, 30+ customers, six months of history). For each:
cold start to ``/readyz``, text latency p50/p95, latency per channel, throughput at concurrency 16, RSS
(``evaluation.bench_service``). Then ``SkuMatcher.match`` per line at 1k, 10k and 100k SKUs
(``evaluation.bench_matcher``).

usage: python -m evaluation.bench_report --master-data DIR [--readme README.md] [--no-readme] [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

from training.tracking import run_name

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
ROOT = Path(__file__).resolve().parents[1]


def service_figures(name: str, r: Any) -> dict[str, float]:
    """A ``bench_service.Result`` as flat MLflow metrics under ``name/``."""
    out = {"ready_s": r.ready_s, "text_p50_ms": r.p50_ms, "text_p95_ms": r.p95_ms, "rps_c16": r.rps,
           "rss_mb": r.rss_mb, "rss_after_load_mb": r.rss_after_load_mb, "errors": float(r.errors)}
    for kind, (p50, p95, _n) in r.kinds.items():
        out[f"{metric_name(kind)}_p50_ms"] = p50
        out[f"{metric_name(kind)}_p95_ms"] = p95
    return {f"{name}/{k}": round(float(v), 3) for k, v in out.items()}


def matcher_figures(results: Sequence[Any]) -> dict[str, float]:
    """``bench_matcher.BenchResult``s as flat MLflow metrics under ``match/<SKUs>/``."""
    out: dict[str, float] = {}
    for r in results:
        for k in ("p50_ms", "p95_ms", "build_s", "build_mb", "top1"):
            out[f"match/{r.skus}/{k}"] = round(float(getattr(r, k)), 4)
    return out


def metric_name(kind: str) -> str:
    """A channel's name as MLflow takes it in a metric ("email (raw)": "email_raw")."""
    return re.sub(r"[^a-z0-9]+", "_", kind.lower()).strip("_")


def table(figures: Mapping[str, float], sizes: Mapping[str, str], when: str, machine: str) -> str:
    """The README's Markdown: one column per distributor, then match latency per catalog size."""
    names = list(sizes)
    kinds = sorted({k.split("/", 1)[1][: -len("_p50_ms")] for k in figures
                    if k.split("/", 1)[0] in names and k.endswith("_p50_ms") and not k.split("/", 1)[1].startswith("text")})

    def cell(name: str, key: str, fmt: str = "{:.0f}") -> str:
        v = figures.get(f"{name}/{key}")
        return "–" if v is None else fmt.format(v)

    lines = [f"Measured by `make bench` on {when} ({machine}); logged to MLflow (experiment `ordex-bench`).", "",
             "| via HTTP, 2 workers | " + " | ".join(f"{n}: {sizes[n]}" for n in names) + " |",
             "|---|" + "---|" * len(names),
             "| cold start to `/readyz` (s) | " + " | ".join(cell(n, "ready_s", "{:.1f}") for n in names) + " |",
             "| text message p50 / p95 (ms) | " + " | ".join(f"{cell(n, 'text_p50_ms', '{:.1f}')} / {cell(n, 'text_p95_ms')}"
                                                           for n in names) + " |"]
    for kind in kinds:
        lines.append(f"| {kind.replace('_', ' ')} p50 / p95 (ms) | "
                     + " | ".join(f"{cell(n, kind + '_p50_ms')} / {cell(n, kind + '_p95_ms')}" for n in names) + " |")
    lines += ["| throughput, text, 16 clients (req/s) | " + " | ".join(cell(n, "rps_c16") for n in names) + " |",
              "| RSS after warm-up / after the load (MB) | "
              + " | ".join(f"{cell(n, 'rss_mb')} / {cell(n, 'rss_after_load_mb')}" for n in names) + " |", ""]
    sizes_m = sorted({int(k.split("/")[1]) for k in figures if k.startswith("match/")})
    if sizes_m:
        lines += ["| `SkuMatcher.match` per line | " + " | ".join(f"{n:,} SKUs" for n in sizes_m) + " |",
                  "|---|" + "---|" * len(sizes_m),
                  "| p50 / p95 (ms) | " + " | ".join(f"{figures[f'match/{n}/p50_ms']:.2f} / {figures[f'match/{n}/p95_ms']:.2f}"
                                                      for n in sizes_m) + " |",
                  "| build (s) / memory (MB) | " + " | ".join(f"{figures[f'match/{n}/build_s']:.1f} / {figures[f'match/{n}/build_mb']:.0f}"
                                                               for n in sizes_m) + " |", ""]
    return "\n".join(lines)


def write_readme(readme: Path, text: str) -> None:
    """Replace what stands between the README's bench markers (both must be there)."""
    old = readme.read_text(encoding="utf-8")
    if BEGIN not in old or END not in old:
        raise ValueError(f"{readme} has no {BEGIN} … {END} markers")
    head, rest = old.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")


def log_run(tracking_uri: str, figures: Mapping[str, float], params: Mapping[str, Any], text: str,
            name: str = "bench") -> str:
    """One MLflow run in ``ordex-bench`` with every figure, the run's settings and the table; its id."""
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment("ordex-bench")
    with mlflow.start_run(run_name=run_name(name)) as run:
        mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
        mlflow.log_metrics(dict(figures))
        mlflow.log_text(text, f"{name}.md")
        return str(run.info.run_id)


def machine() -> str:
    """The machine in a few words: cores and CPU model."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benches, log them, write the README's table."""
    from evaluation import bench_matcher, bench_service
    from evaluation.realistic import write_realistic
    from ordex.masterdata import load_master_data
    from ordex.settings import Settings

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--master-data", type=Path, required=True)
    p.add_argument("--readme", type=Path, default=ROOT / "README.md")
    p.add_argument("--no-readme", action="store_true", help="log to MLflow only")
    p.add_argument("--quick", action="store_true", help="fewer requests, and the matcher at 1k and 10k SKUs only")
    args = p.parse_args(argv)
    console = Console()
    requests, per_kind, seconds = (60, 10, 8.0) if args.quick else (300, 30, 20.0)
    figures: dict[str, float] = {}
    sizes: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="ordex-realistic-") as tmp:
        realistic = write_realistic(Path(tmp) / "distributor")
        for name, folder in (("example", args.master_data), ("realistic", realistic.path)):
            md = load_master_data(folder)
            history = sum(1 for x in (folder / "history.jsonl").read_text().splitlines() if x.strip()) \
                if (folder / "history.jsonl").exists() else 0
            sizes[name] = f"{len(md.products)} SKUs, {len(md.customers)} customers, {history} past orders"
            with console.status(f"{name} ({sizes[name]}): ordex serve over HTTP"):
                r = bench_service.bench(folder, "sqlite:///{tmp}/bench.db", requests, 16, seconds, 60, 2, per_kind)
            figures |= service_figures(name, r)
            console.print(f"{name}: ready {r.ready_s:.1f} s, text p50 {r.p50_ms:.1f} ms, {r.rps:.0f} req/s at 16")
    ranker = bench_matcher._served_ranker()
    results = []
    for n in (1000, 10_000) if args.quick else (1000, 10_000, 100_000):
        with console.status(f"matcher at {n:,} SKUs"):
            results.append(bench_matcher.bench_size(n, 10_000, 500, 75.0, 0, ranker))
    figures |= matcher_figures(results)
    when = time.strftime("%Y-%m-%d")
    text = table(figures, sizes, when, machine())
    params = {"machine": machine(), "workers": 2, "concurrency": 16, "requests": requests, "per_kind": per_kind,
              **{f"size/{k}": v for k, v in sizes.items()}}
    run_id = log_run(Settings().tracking_uri(), figures, params, text)
    console.print(text)
    console.print(f"MLflow run {run_id} (experiment ordex-bench)")
    if not args.no_readme:
        write_readme(args.readme, text)
        console.print(f"table written into {args.readme}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
