"""Scoring exactly as the contract's section 5 defines it: line, SKU and exception F1, STP, auto precision, CER.

usage: python -m evaluation.score CASES.jsonl PRED.jsonl
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ordex.prediction import summed_lines

Json = dict[str, Any]


def load_jsonl(path: Path | str) -> list[Json]:
    """Every JSON object of a JSON Lines file."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _f1(tp: int, fp: int, fn: int) -> float:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return round(2 * p * r / (p + r), 4) if p + r else 0.0


def _edits(ref: str, hyp: str) -> int:
    prev = list(range(len(hyp) + 1))
    for i, rc in enumerate(ref, 1):
        cur = [i]
        for j, hc in enumerate(hyp, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (rc != hc)))
        prev = cur
    return prev[-1]


def _pct(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return round(s[min(len(s) - 1, int(q * len(s)))], 2)


class _Tally:
    """Counts for one group of cases (all, or one channel)."""

    def __init__(self) -> None:
        self.n = Counter[str]()
        self.latency: list[float] = []

    def add(self, case: Json, pred: Json | None) -> None:
        n = self.n
        n["cases"] += 1
        if pred is None:
            n["missing"] += 1
            pred = {"orders": [], "exceptions": [], "status": "missing"}
        gold, got = summed_lines(case["expected"]["orders"]), summed_lines(pred.get("orders") or [])
        tp = sum((gold & got).values())
        n["lt"] += tp
        n["lf"] += sum(got.values()) - tp
        n["ln"] += sum(gold.values()) - tp
        gs = Counter({(k[0], k[1]): v for k, v in gold.items()})
        qs = Counter({(k[0], k[1]): v for k, v in got.items()})
        tps = sum((gs & qs).values())
        n["st"] += tps
        n["sf"] += sum(qs.values()) - tps
        n["sn"] += sum(gs.values()) - tps
        ge = set(case["expected"]["exceptions"])
        pe = {e["code"] if isinstance(e, dict) else e for e in pred.get("exceptions") or []}
        n["et"] += len(ge & pe)
        n["ef"] += len(pe - ge)
        n["en"] += len(ge - pe)
        ok = gold == got
        n["exact"] += ok and ge == pe
        auto = pred.get("status") == "auto"
        if case["expected"]["orders"]:
            n["with_order"] += 1
            n["stp_max"] += not ge
            n["stp"] += auto
            n["stp_ok"] += auto and ok and not ge
        n["auto"] += auto
        n["auto_ok"] += auto and ok and not ge
        ref = " ".join((case["expected"].get("transcript") or "").lower().split())
        if ref:
            hyp = " ".join((pred.get("transcript") or "").lower().split())
            n["cer_e"] += _edits(ref, hyp)
            n["cer_n"] += len(ref)
        if isinstance(pred.get("latency_ms"), (int, float)):
            self.latency.append(pred["latency_ms"])

    def result(self) -> Json:
        n = self.n
        wo = n["with_order"]
        return {
            "cases": n["cases"], "missing": n["missing"],
            "line_f1": _f1(n["lt"], n["lf"], n["ln"]), "sku_f1": _f1(n["st"], n["sf"], n["sn"]),
            "exception_f1": _f1(n["et"], n["ef"], n["en"]), "case_exact": round(n["exact"] / n["cases"], 4),
            "stp_rate": round(n["stp"] / wo, 4) if wo else None,
            "stp_correct": round(n["stp_ok"] / wo, 4) if wo else None,
            "stp_max": round(n["stp_max"] / wo, 4) if wo else None,
            "auto_precision": round(n["auto_ok"] / n["auto"], 4) if n["auto"] else None, "auto_cases": n["auto"],
            "cer": round(n["cer_e"] / n["cer_n"], 4) if n["cer_n"] else None,
            "latency_ms_p50": _pct(self.latency, 0.5), "latency_ms_p95": _pct(self.latency, 0.95),
        }


def score(cases: Sequence[Json], preds: Sequence[Json]) -> dict[str, Json]:
    """Metrics over all cases and per channel."""
    by_id = {p["id"]: p for p in preds}
    groups: dict[str, _Tally] = defaultdict(_Tally)
    for c in cases:
        for g in ("all", c.get("channel", "?")):
            groups[g].add(c, by_id.get(c["id"]))
    return {name: t.result() for name, t in groups.items()}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(score(load_jsonl(args[0]), load_jsonl(args[1])), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
