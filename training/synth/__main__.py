"""Command line: write generated distributors as contract-format folders.

    python -m training.synth --trade autoparts --seed 7 --cases 150 --out /tmp/synth/autoparts
    python -m training.synth --trade all-but autoparts stationery --seed 1 --cases 300 --out /tmp/synth/train
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from training.synth.trades import TRADES
from training.synth.writer import write_trade


def resolve_trades(spec: Sequence[str]) -> list[str]:
    """'all', 'all-but X Y', or trade names -> the trade names to generate."""
    if not spec:
        raise ValueError("no trade given")
    if spec[0] == "all":
        return list(TRADES)
    if spec[0] in ("all-but", "all_but"):
        excluded = set(spec[1:])
        unknown = sorted(excluded - set(TRADES))
        if unknown:
            raise ValueError(f"unknown trade(s) {', '.join(unknown)}; known: {', '.join(TRADES)}")
        return [t for t in TRADES if t not in excluded]
    unknown = [t for t in spec if t not in TRADES]
    if unknown:
        raise ValueError(f"unknown trade(s) {', '.join(unknown)}; known: {', '.join(TRADES)}")
    return list(spec)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and write one folder per trade (DIR itself when there is one trade, DIR/TRADE otherwise)."""
    ap = argparse.ArgumentParser(prog="python -m training.synth", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trade", nargs="+", default=["all"], help=f"trade names, 'all' or 'all-but NAME ...' ({', '.join(TRADES)})")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--images", action="store_true", help="send some WhatsApp orders as photos (PNG, channel image)")
    args = ap.parse_args(argv)
    try:
        trades = resolve_trades(args.trade)
    except ValueError as e:
        ap.error(str(e))
    for name in trades:
        out = args.out if len(trades) == 1 else args.out / name
        td = write_trade(name, args.seed, args.cases, out, images=args.images)
        print(f"{name}: {len(td.catalog.products)} SKUs, {len(td.catalog.customers)} customers, "
              f"{len(td.history)} past orders, {args.cases} cases -> {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
