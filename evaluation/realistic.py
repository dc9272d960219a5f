"""A distributor of realistic size for the benches: generated trades merged into one wholesaler's folder.

One generated trade has 28-50 SKUs and 12-16 customers; a distributor ordex is sold to carries a few hundred
SKUs across categories and a few dozen dealers. Three trades merged give 100+ SKUs, 30+ customers and six
months of history; customer ids are prefixed with the trade's number so that they never clash. The cases are
each trade's own, renamed the same way, with their attached files.

usage: python -m evaluation.realistic --out DIR [--seed 5] [--cases 120] [--trades fmcg electrical hardware]
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TRADES = ("fmcg", "electrical", "hardware")
CUSTOMER_FILES = ("customers.csv", "prices.csv", "aliases.csv")


@dataclass(frozen=True)
class Distributor:
    """What was written."""

    path: Path
    skus: int
    customers: int
    history: int
    cases: int


def _rename(cid: str, prefix: str) -> str:
    """A customer id made unique across the merged trades ('*', every customer, stays as it is)."""
    return cid if not cid or cid == "*" else f"{prefix}{cid}"


def _merge_csv(parts: list[tuple[str, Path]], out: Path, key: str = "customer_id") -> int:
    """Concatenate one CSV of each trade, renaming customer ids; the rows written."""
    rows: list[dict[str, str]] = []
    header: list[str] = []
    for prefix, path in parts:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            header = header or list(reader.fieldnames or [])
            for row in reader:
                if key in row:
                    row[key] = _rename(row[key], prefix)
                rows.append(row)
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def _renamed_case(case: dict[str, Any], prefix: str, trade: str) -> dict[str, Any]:
    """A case with its id, gold customer ids and attachment paths moved into the merged folder."""
    case = {**case, "id": f"{trade}-{case['id']}"}
    for a in case.get("attachments") or []:
        a["path"] = f"files/{trade}/{Path(a['path']).name}"
    if case.get("raw"):
        case["raw"] = f"files/{trade}/{Path(case['raw']).name}"
    expected = case.get("expected") or {}
    for o in expected.get("orders") or []:
        o["customer_id"] = _rename(o.get("customer_id") or "", prefix)
    return case


def merge(folders: Sequence[tuple[str, Path]], out: Path) -> Distributor:
    """Merge contract-format folders (trade name, folder) into ``out``; SKUs and phones must not clash."""
    out.mkdir(parents=True, exist_ok=True)
    prefixes = [(f"T{i + 1}-", trade, folder) for i, (trade, folder) in enumerate(folders)]
    skus = _merge_csv([(p, f / "products.csv") for p, _, f in prefixes], out / "products.csv", key="-")
    seen_skus = {r["sku"] for r in csv.DictReader((out / "products.csv").open(encoding="utf-8"))}
    if len(seen_skus) != skus:
        raise ValueError("the trades' SKU codes clash: merge other trades")
    customers = _merge_csv([(p, f / "customers.csv") for p, _, f in prefixes], out / "customers.csv")
    for name in CUSTOMER_FILES[1:]:
        _merge_csv([(p, f / name) for p, _, f in prefixes if (f / name).exists()], out / name)
    history = cases = 0
    with (out / "history.jsonl").open("w", encoding="utf-8") as hist, \
            (out / "cases.jsonl").open("w", encoding="utf-8") as case_out:
        for prefix, trade, folder in prefixes:
            for line in (folder / "history.jsonl").read_text(encoding="utf-8").splitlines():
                if line.strip():
                    h = json.loads(line)
                    h["customer_id"] = _rename(h["customer_id"], prefix)
                    hist.write(json.dumps(h, ensure_ascii=False) + "\n")
                    history += 1
            for line in (folder / "cases.jsonl").read_text(encoding="utf-8").splitlines():
                if line.strip():
                    case_out.write(json.dumps(_renamed_case(json.loads(line), prefix, trade), ensure_ascii=False) + "\n")
                    cases += 1
            if (folder / "files").is_dir():
                shutil.copytree(folder / "files", out / "files" / trade, dirs_exist_ok=True)
    return Distributor(out, skus, customers, history, cases)


def write_realistic(out: Path, seed: int = 5, cases: int = 120, trades: Sequence[str] = TRADES) -> Distributor:
    """Generate ``trades`` (our generator, ``training.synth``) and merge them into one distributor at ``out``."""
    from training.synth.writer import write_trade

    with tempfile.TemporaryDirectory(prefix="ordex-realistic-") as tmp:
        folders = []
        for trade in trades:
            write_trade(trade, seed, cases, Path(tmp) / trade)
            folders.append((trade, Path(tmp) / trade))
        return merge(folders, out)


def main(argv: Sequence[str] | None = None) -> int:
    """Write the merged distributor and say its size."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--cases", type=int, default=120, help="cases per trade")
    p.add_argument("--trades", nargs="+", default=list(TRADES))
    args = p.parse_args(argv)
    d = write_realistic(args.out, args.seed, args.cases, args.trades)
    print(f"{d.path}: {d.skus} SKUs, {d.customers} customers, {d.history} past orders, {d.cases} cases", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
