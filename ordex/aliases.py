"""The alias library at go-live: align each mention in a past order's text with the line that was shipped."""

from __future__ import annotations

from collections import Counter

from models.extractor import extract_block_lines
from models.matcher import SkuMatcher
from models.units import to_uom
from ordex.intake.text import body_blocks
from ordex.masterdata import HistoryOrder, MasterData


def align(order: HistoryOrder, matcher: SkuMatcher, md: MasterData) -> list[tuple[str, str]]:
    """(mention, sku) pairs of one past order: name similarity and quantity agreement, best pairs first."""
    blocks = body_blocks(order.text)
    lines = extract_block_lines(blocks, range(len(blocks)), 0)
    pairs: list[tuple[float, int, int]] = []
    for i, ln in enumerate(lines):
        probs = {c.sku: c.probability for c in matcher.match(ln.product, [order.customer_id], limit=10)}
        for j, shipped in enumerate(order.lines):
            p = md.product(shipped.sku)
            if p is None:
                continue
            same_qty = ln.qty is not None and to_uom(ln.qty, ln.unit, p.uom, p.conversions).qty == float(shipped.qty)
            score = probs.get(shipped.sku, 0.0) + (0.6 if same_qty else 0.0)
            if score >= 0.6:
                pairs.append((score, i, j))
    used_i: set[int] = set()
    used_j: set[int] = set()
    out = []
    for _score, i, j in sorted(pairs, reverse=True):
        if i in used_i or j in used_j:
            continue
        used_i.add(i)
        used_j.add(j)
        out.append((lines[i].product, order.lines[j].sku))
    return out


def learn_history_aliases(md: MasterData) -> list[tuple[str, str, str, int]]:
    """Per-customer aliases (customer, alias, sku, support) learned from ``history.jsonl``."""
    matcher = SkuMatcher(md.products, md.aliases)
    counts: Counter[tuple[str, str, str]] = Counter()
    for order in md.history:
        for mention, sku in align(order, matcher, md):
            counts[(order.customer_id, mention.lower(), sku)] += 1
    return [(c, a, s, n) for (c, a, s), n in counts.items()]
