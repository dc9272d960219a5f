"""A generated month replayed as ops would work it: messages in time order, the day's exceptions resolved at the
end of each day with the gold answer, and every resolution that teaches a phrase re-checking the customer's other
open exceptions (``ordex.resolve.recheck``). Counts what the re-checks settled and released.

    python -m evaluation.recheck_replay --set DIR [--set DIR ...] [--out FILE]

A set is a folder of master data plus ``cases.jsonl`` (``evaluation.strangers`` writes them).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from tqdm import tqdm

from ordex.batch import read_cases
from ordex.keys import Principal
from ordex.messages import message_from_case
from ordex.pipeline import Engine
from ordex.resolve import LineFix, Resolution, ResolveError, recheck, resolve
from ordex.settings import Settings

OPS = Principal("replay ops", "ops")
LOCAL = ZoneInfo("Asia/Kolkata")


def replay(folder: Path, settings: Settings, every_days: int = 1) -> dict[str, Any]:
    """One set through a fresh store: ``every_days`` days of messages, then the queue worked with the gold answers."""
    cases = read_cases(folder / "cases.jsonl")
    gold = {c["id"]: c.get("expected") or {} for c in cases}
    counts: Counter[str] = Counter()
    left: dict[int, str] = {}
    with tempfile.TemporaryDirectory(prefix="ordex-replay-") as tmp:
        engine = Engine.open(settings.model_copy(update={"database_url": f"sqlite:///{Path(tmp) / 'replay.db'}"}),
                             folder)
        try:
            day = None
            for case in tqdm(cases, desc=folder.name, leave=False):
                message = message_from_case(case, folder)
                today = message.received_at.astimezone(LOCAL).date()
                if day is None:
                    day = today
                elif (today - day).days >= every_days:
                    work_queue(engine, gold, counts, left)
                    day = today
                if message.attachments:
                    engine.warm_up()
                answer = engine.submit(message)
                counts["messages"] += 1
                counts["exceptions"] += len(answer.exception_ids)
            work_queue(engine, gold, counts, left)
        finally:
            engine.store.engine.dispose()
    counts.update(f"left_open:{why}" for why in left.values())
    return dict(counts)


def work_queue(engine: Engine, gold: dict[str, dict[str, Any]], counts: Counter[str], left: dict[int, str]) -> None:
    """Resolve every open exception, oldest first, as a person with the gold answer would (what a person cannot
    settle with the gold, a line with no SKU in the catalog, is left open, once)."""
    for view in engine.store.views.exceptions(None, "open", limit=10_000):
        if view["exception_id"] in left:
            continue
        current = engine.store.views.exception(view["exception_id"])
        if current is None or current["state"] != "open":
            continue  # a re-check settled it meanwhile
        request = _gold_request(current, gold.get(current["message"]["id"]) or {})
        if request is None:
            left[current["exception_id"]] = "no_sku_in_gold"
            continue
        try:
            engine.sync()
            answer = resolve(engine.store, engine.md, current["exception_id"], request, OPS)
        except ResolveError as e:
            left[current["exception_id"]] = e.code
            continue
        counts["resolved_by_hand"] += 1
        if answer.get("learned"):
            again = recheck(engine.store, engine.md, answer["learned"], OPS)
            counts["settled_by_recheck"] += len(again["rechecked"])
            counts["released_by_recheck"] += len(again["released_order_ids"])
        engine.sync()


def _gold_request(view: dict[str, Any], expected: dict[str, Any]) -> Resolution | None:
    """The resolution a person with the gold answer makes: reject what is no order, else approve with the gold
    lines of the order (each paired with the line it was read from); None when the gold has no SKU for a line."""
    order = view.get("order")
    orders = expected.get("orders") or []
    if order is None:
        return Resolution(action="approve")
    if not orders:
        return Resolution(action="reject")
    same = [o for o in orders if o.get("customer_id") == order.get("customer_id")] or orders
    want = same[0]["lines"]
    if any(not ln.get("sku") or not ln.get("qty") for ln in want):
        return None
    stored = list(order["lines"])
    texts: list[str | None] = []
    for ln in want:
        hit = next((d for d in stored if d.get("sku") == ln["sku"]), None) or next(
            (d for d in stored if not d.get("sku")), None)
        if hit is not None:
            stored.remove(hit)
        texts.append(hit.get("text") if hit else None)
    return Resolution(action="approve", customer_id=same[0].get("customer_id"),
                      lines=[LineFix(sku=ln["sku"], qty=ln["qty"], uom=ln.get("uom"), text=t) for ln, t in zip(want, texts, strict=True)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="sets", type=Path, action="append", required=True)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--every", type=int, default=1, help="Days between two sessions of working the queue")
    args = parser.parse_args(argv)
    results = {folder.name: replay(folder, Settings(), args.every) for folder in args.sets}
    Console().print_json(json.dumps(results))
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
