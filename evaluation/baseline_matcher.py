"""The matcher's baseline and scorer: ``rapidfuzz.process.extractOne`` over descriptions, and the figures any
matcher is judged on for held-out mentions, side by side in one run.

Figures: top-1 accuracy where the matcher answers (its top probability reaches the threshold), the
abstention rate, the expected calibration error of the top candidate's probability (10 equal bins), and
top-1 accuracy over every in-catalog mention whatever the probability. Held-out mentions are the PRODUCT
spans of generated messages of a trade the matcher was not trained on, paired in order with their gold lines.

usage: python -m evaluation.baseline_matcher [--trade stationery] [--seed 7] [--cases 300] [--threshold 0.6]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import process, utils
from rich.console import Console
from rich.table import Table

from models.matcher import SkuMatcher
from models.ranker import Ranker
from ordex.catalog import MasterData, Product
from ordex.schema import Candidate

MatchFn = Callable[[str, str | None], Sequence[Candidate]]
HOLDOUT_TRADE = "stationery"  # the trade the generic models never train on (as training.tagger_data's)


@dataclass(frozen=True)
class HeldOut:
    """A held-out mention: its text, the customer who wrote it (None: unknown), the gold SKU (None: not in the catalog)."""

    mention: str
    customer_id: str | None
    sku: str | None


@dataclass(frozen=True)
class MatcherScores:
    """How a matcher did on held-out mentions."""

    n: int
    out_of_catalog: int
    answered: int
    accuracy_answered: float
    abstention: float
    ece: float
    top1: float

    def as_dict(self) -> dict[str, float]:
        """The figures as a flat dict (for printing and MLflow)."""
        return {k: float(v) for k, v in self.__dict__.items()}


def extract_one_baseline(products: Sequence[Product]) -> MatchFn:
    """The baseline: ``rapidfuzz.process.extractOne`` (WRatio, lower-cased) over descriptions; its score / 100."""
    choices = {p.sku: p.description for p in products}

    def match(mention: str, _customer: str | None) -> list[Candidate]:
        hit = process.extractOne(mention, choices, processor=utils.default_process)
        return [] if hit is None else [Candidate(sku=hit[2], probability=round(hit[1] / 100, 4))]

    return match


class ExtractOneMatcher(SkuMatcher):
    """The baseline as the pipeline's matcher ("the whole pipeline with each"): ``extract_one_baseline`` answers
    every mention; the rest of the matcher (parsing, evidence for the gate) is the catalog's, with no aliases."""

    name = "rapidfuzz-extractone"

    def __init__(self, products: Sequence[Product]) -> None:
        super().__init__(products)
        self._baseline = extract_one_baseline(products)

    def match_many(self, queries: Sequence[tuple[str, Sequence[str]]], limit: int = 5) -> list[list[Candidate]]:
        return [list(self._baseline(mention, None)) for mention, _customers in queries]


def extract_one_matcher(md: MasterData, _learned: Iterable[tuple[str, str, str, int]], _ranker: Ranker | None,
                        _learn_names: bool) -> SkuMatcher:
    """``ordex.aliases.MatcherFactory`` of the baseline: what ``ordex eval --baselines`` runs the pipeline with."""
    return ExtractOneMatcher(md.products)


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    """ECE: the bin-size-weighted mean gap between accuracy and mean confidence over equal-width bins of [0, 1]."""
    if not confidences:
        return 0.0
    sums: list[list[float]] = [[0.0, 0.0, 0.0] for _ in range(bins)]  # count, confidence, correct
    for c, ok in zip(confidences, correct, strict=True):
        b = sums[min(bins - 1, max(0, int(c * bins)))]
        b[0] += 1
        b[1] += c
        b[2] += float(ok)
    n = len(confidences)
    return sum(k / n * abs(right / k - conf / k) for k, conf, right in sums if k)


def score_matcher(match: MatchFn, items: Sequence[HeldOut], threshold: float = 0.6) -> MatcherScores:
    """Score a matcher: it answers a mention when its top candidate's probability reaches ``threshold``."""
    answered = right_answered = abstained = top1_right = in_catalog = 0
    confidences: list[float] = []
    correct: list[bool] = []
    for item in items:
        cands = list(match(item.mention, item.customer_id))
        top = cands[0] if cands else None
        ok = top is not None and top.sku == item.sku
        if item.sku is not None:
            in_catalog += 1
            top1_right += ok
        if top is not None:
            confidences.append(top.probability)
            correct.append(ok)
        if top is not None and top.probability >= threshold:
            answered += 1
            right_answered += ok
        else:
            abstained += 1
    n = len(items)
    return MatcherScores(
        n=n, out_of_catalog=n - in_catalog, answered=answered,
        accuracy_answered=round(right_answered / answered, 4) if answered else 0.0,
        abstention=round(abstained / n, 4) if n else 0.0,
        ece=round(expected_calibration_error(confidences, correct), 4),
        top1=round(top1_right / in_catalog, 4) if in_catalog else 0.0,
    )


def held_out_mentions(trade: str = HOLDOUT_TRADE, seed: int = 7, cases: int = 300) -> tuple[list[HeldOut], object]:
    """Mentions of generated messages of ``trade`` with their gold SKUs, and the trade's data (for the matcher).

    Each message's PRODUCT spans, in reading order, are paired with its gold lines in order; a message whose
    spans and gold lines do not pair up (a spreadsheet attachment carries the lines) is left out.
    """
    from training.synth.generator import generate_cases, generate_trade

    td = generate_trade(trade, seed)
    out: list[HeldOut] = []
    for ex in generate_cases(td, cases, seed):
        spans = [s for s in sorted(ex.spans, key=lambda s: s.start) if s.label == "PRODUCT"]
        gold = [(o.customer_id, ln) for o in ex.orders for ln in o.lines]
        if len(spans) != len(gold):
            continue
        for span, (cid, ln) in zip(spans, gold, strict=True):
            out.append(HeldOut(ex.text[span.start:span.end], cid, ln.sku))
    return out, td


def compare(trade: str = HOLDOUT_TRADE, seed: int = 7, cases: int = 300, threshold: float = 0.6) -> dict[str, MatcherScores]:
    """The baseline and the project's matcher (with the trade's aliases and those its history teaches), same mentions."""
    from ordex.aliases import learn_history_aliases
    from training.synth.generator import TradeData

    items, td = held_out_mentions(trade, seed, cases)
    assert isinstance(td, TradeData)
    md = td.master_data()
    plain = SkuMatcher(md.products, md.aliases)
    matcher = SkuMatcher(md.products, md.aliases)
    for cid, alias, sku, support in learn_history_aliases(md):
        matcher.add_alias(cid, alias, sku, support)

    def using(m: SkuMatcher) -> MatchFn:
        return lambda mention, customer: m.match(mention, [customer] if customer else [])

    name = f"SkuMatcher {matcher.name} v{matcher.version}"
    return {
        "rapidfuzz extractOne (descriptions)": score_matcher(extract_one_baseline(md.products), items, threshold),
        f"{name}, aliases.csv only": score_matcher(using(plain), items, threshold),
        f"{name}, + aliases learned from history": score_matcher(using(matcher), items, threshold),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Print the baseline and the matcher side by side."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--trade", default=HOLDOUT_TRADE)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--cases", type=int, default=300)
    p.add_argument("--threshold", type=float, default=0.6, help="answer only at or above this probability")
    args = p.parse_args(argv)
    results = compare(args.trade, args.seed, args.cases, args.threshold)
    any_scores = next(iter(results.values()))
    table = Table(title=f"held-out mentions of {args.trade} (seed {args.seed}): {any_scores.n} "
                        f"({any_scores.out_of_catalog} not in the catalog), threshold {args.threshold}")
    for col in ("matcher", "top-1 (in catalog)", "accuracy answered", "abstention", "ECE"):
        table.add_column(col, justify="left" if col == "matcher" else "right")
    for name, s in results.items():
        table.add_row(name, f"{s.top1:.4f}", f"{s.accuracy_answered:.4f}", f"{s.abstention:.4f}", f"{s.ece:.4f}")
    Console(width=max(120, Console().width)).print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
