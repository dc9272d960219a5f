"""Write strangers' distributors (a generator kept apart from training) as contract-format folders.

    python -m evaluation.strangers --out /tmp/strangers [--trade plumbing bakery] [--seed 1] [--cases 150] [--days 21]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from evaluation.strangers.write import STRANGER_TRADES, write_strangers


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evaluation.strangers", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trade", nargs="+", default=list(STRANGER_TRADES), choices=list(STRANGER_TRADES))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=150)
    ap.add_argument("--days", type=int, default=21, help="Days the messages are spread over (91: a quarter)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    for trade in args.trade:
        w = write_strangers(trade, args.seed, args.cases, args.out / trade, args.days)
        print(f"{trade}: {len(w.skus)} SKUs, {len(w.dealers)} customers, {len(w.history)} past orders -> "
              f"{args.out / trade}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
