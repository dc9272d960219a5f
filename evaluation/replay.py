"""``ordex replay``: a labelled set lived through week by week, as a distributor would live it.

Messages go through the pipeline in time order on a fresh store. At the end of each ISO week a person works the
queue with the gold answers (``evaluation.recheck_replay``: aliases taught, re-checks), and the matcher is
retrained from the corrections (scratch MLflow registry, so the user's champions are never touched). Logged as one
MLflow run: the week's first-pass release rate and alias coverage as step metrics (the STP curve, also an SVG
plot), the last week's STP over the first's, and the share of new names released right on their second use.

A "new name" is a (customer, SKU) the customer never ordered in the loaded history nor has an alias for; its
second use is the second message of that customer with that SKU in the gold, released right when that message
went through untouched with the SKU at the gold quantity.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tqdm import tqdm

from evaluation.recheck_replay import work_queue
from models.matcher import normalize
from ordex.batch import read_cases
from ordex.masterdata import load_master_data
from ordex.messages import message_from_case
from ordex.pipeline import Engine, load_ranker
from ordex.settings import Settings
from ordex.store.kpis import Range
from training.tracking import run_name


def replay(settings: Settings, master_data: Path, cases_path: Path, retrain: bool = True) -> dict[str, Any]:
    """Live through the set; the weekly figures and the second-use release rate."""
    cases = read_cases(cases_path)
    gold = {c["id"]: c.get("expected") or {} for c in cases}
    md = load_master_data(master_data)
    known = {(h.customer_id, ln.sku) for h in md.history for ln in h.lines} | {(a.customer_id, a.sku) for a in md.aliases}
    uses: Counter[tuple[str, str]] = Counter()
    second: list[bool] = []
    weeks: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    left: dict[int, str] = {}
    with tempfile.TemporaryDirectory(prefix="ordex-replay-") as tmp:
        scratch = settings.pinned().model_copy(update={"data_dir": Path(tmp), "database_url": f"sqlite:///{tmp}/replay.db",
                                                       "mlflow_tracking_uri": ""})
        engine = Engine.open(scratch, master_data)
        try:
            week: tuple[int, int] | None = None
            week_start: datetime | None = None
            for case in tqdm(cases, desc="replay", leave=False):
                message = message_from_case(case, cases_path.parent)
                at = message.received_at.astimezone(UTC)
                this = at.isocalendar()[:2]
                if week is not None and this != week:
                    weeks.append(_end_of_week(engine, scratch, gold, counts, left, week, week_start, at, retrain))
                    week_start = None
                week = this
                week_start = week_start or at.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
                    days=at.weekday())
                if message.attachments:
                    engine.warm_up()
                answer = engine.submit(message).model_dump(mode="json")
                second.extend(_second_uses(case, answer, known, uses))
            if week is not None and week_start is not None:
                weeks.append(_end_of_week(engine, scratch, gold, counts, left, week, week_start,
                                          week_start + timedelta(days=7), retrain))
        finally:
            engine.store.engine.dispose()
    rates = [w["stp"] for w in weeks if w["stp"] is not None]
    return {"weeks": weeks, "stp_first_week": rates[0] if rates else None, "stp_last_week": rates[-1] if rates else None,
            "stp_last_over_first": round(rates[-1] / rates[0], 4) if rates and rates[0] else None,
            "second_uses": len(second), "second_use_release_rate": round(sum(second) / len(second), 4) if second else None,
            **{f"queue_{k}": v for k, v in counts.items()}}


def _end_of_week(engine: Engine, settings: Settings, gold: dict[str, dict[str, Any]], counts: Counter[str],
                 left: dict[int, str], week: tuple[int, int], start: datetime | None, end: datetime,
                 retrain: bool) -> dict[str, Any]:
    """The week's figures (read before the queue is worked: what went through first time), then the queue worked
    and the matcher retrained."""
    assert start is not None
    md = engine.md
    k = engine.store.kpis.figures(Range(start, end), aliases=lambda: {(a.customer_id, normalize(a.alias))
                                                                     for a in md.aliases}, normalize=normalize)
    work_queue(engine, gold, counts, left)
    promoted = False
    if retrain:
        from training.retrain import retrain as run_retrain

        reports = run_retrain(settings, engine.store, ["matcher"])
        promoted = any(r.promoted for r in reports)
        if promoted:
            engine.ranker = load_ranker(settings.unpinned())
            engine.refresh()
    return {"week": f"{week[0]}-W{week[1]:02d}", "messages": k["messages"], "stp": k["stp_rate"],
            "alias_coverage": k["alias_coverage"], "open_exceptions": k["open_exceptions"], "retrained": promoted}


def _second_uses(case: dict[str, Any], answer: dict[str, Any], known: set[tuple[str, str]],
                 uses: Counter[tuple[str, str]]) -> list[bool]:
    """For each new (customer, SKU) of the gold met for the second time here: was it released right?"""
    out = []
    got = {(o.get("customer_id"), ln.get("sku"), ln.get("qty")) for o in answer.get("orders") or []
           for ln in o.get("lines") or []}
    for o in (case.get("expected") or {}).get("orders") or []:
        for ln in o.get("lines") or []:
            pair = (o.get("customer_id"), ln.get("sku"))
            if not pair[0] or not pair[1] or pair in known:
                continue
            uses[pair] += 1
            if uses[pair] == 2:
                out.append(answer.get("status") == "auto" and (pair[0], pair[1], ln.get("qty")) in got)
    return out


def stp_svg(weeks: list[dict[str, Any]]) -> str:
    """The weekly STP curve as a small SVG line chart (no plotting library needed)."""
    pts = [(i, w["stp"]) for i, w in enumerate(weeks) if w["stp"] is not None]
    width, height, pad = max(320, 40 * len(weeks)), 200, 30
    step = (width - 2 * pad) / max(1, len(weeks) - 1)

    def xy(i: int, v: float) -> str:
        return f"{pad + i * step:.1f},{height - pad - v * (height - 2 * pad):.1f}"

    labels = "".join(f'<text x="{pad + i * step:.1f}" y="{height - 8}" font-size="9">{w["week"][-3:]}</text>'
                     for i, w in enumerate(weeks))
    dots = "".join(f'<circle cx="{xy(i, v).split(",")[0]}" cy="{xy(i, v).split(",")[1]}" r="3"><title>{weeks[i]["week"]}: '
                   f'{v:.3f}</title></circle>' for i, v in pts)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
            f'<text x="{pad}" y="14" font-size="11">First-pass release rate by week</text>'
            f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#999"/>'
            f'<polyline fill="none" stroke="#2b6cb0" stroke-width="2" points="{" ".join(xy(i, v) for i, v in pts)}"/>'
            f"{dots}{labels}</svg>")


def log_replay(settings: Settings, result: dict[str, Any], name: str) -> str:
    """One MLflow run in ``ordex-replay-NAME``: the weekly curve as step metrics and an SVG, the summary figures."""
    import json

    import mlflow

    mlflow.set_tracking_uri(settings.tracking_uri())
    mlflow.set_experiment(f"ordex-replay-{name}")
    with mlflow.start_run(run_name=run_name(name)) as run:
        for i, w in enumerate(result["weeks"]):
            for key in ("stp", "alias_coverage"):
                if w[key] is not None:
                    mlflow.log_metric(f"week_{key}", float(w[key]), step=i)
        for key, value in result.items():
            if isinstance(value, int | float) and value is not None:
                mlflow.log_metric(key, float(value))
        mlflow.log_text(stp_svg(result["weeks"]), "stp_by_week.svg")
        mlflow.log_text(json.dumps(result, indent=1), "replay.json")
        return str(run.info.run_id)
