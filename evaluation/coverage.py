"""Coverage of the alias library on a time split of the history: what the months before knew of the last one.

The split is by time, never random: aliases are learned from the orders before a cut-off (the last order's
date less ``months_test`` months) and every shipped line after it is a test mention. Two definitions are
reported side by side: the seed's (the exact alias string, lower-cased with white space folded, is a learned
alias of the customer's own or a global one, for the shipped SKU) and ours (the order-free normalised key of
the mention, ``Parsed.key()``, is a learned alias key of the customer's own or a global one, and the
aliases-only lookup ranks the shipped SKU first). Lines no mention could be aligned with count as not
covered. The ceiling is the share of test mentions whose (customer, key) occurs at all in the months before.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from models.matcher import Parsed, SkuMatcher
from ordex.aliases import (
    AliasOptions,
    AliasRow,
    AlignedOrder,
    Aligner,
    Reader,
    aliases_from,
    align_history,
    fold,
    read_mentions,
)
from ordex.catalog import HistoryOrder, MasterData


@dataclass(frozen=True)
class Coverage:
    """Coverage figures of one time split (shares are of every shipped line in the test months)."""

    train_orders: int
    test_orders: int
    test_lines: int
    unaligned: int
    seed: float
    ours: float
    ceiling_own: float
    ceiling_any: float
    matcher_top1: float
    aliases_learned: int
    global_aliases: int
    cutoff: datetime | None = None
    misses: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """The figures as a flat dict (for printing and logging)."""
        return {k: v for k, v in self.__dict__.items() if k != "misses"} | {f"miss_{k}": v for k, v in self.misses.items()}


def months_before(t: datetime, months: int) -> datetime:
    """The same moment ``months`` calendar months earlier (the day clipped to the month's length)."""
    y, m = divmod(t.year * 12 + (t.month - 1) - months, 12)
    m += 1
    days = [31, 29 if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return t.replace(year=y, month=m, day=min(t.day, days[m - 1]))


def time_split(history: Sequence[HistoryOrder], months_test: int = 1) -> tuple[list[HistoryOrder], list[HistoryOrder], datetime | None]:
    """Orders up to the cut-off (the last order less ``months_test`` months) and the ones after it."""
    if not history:
        return [], [], None
    cutoff = months_before(max(o.received_at for o in history), months_test)
    ordered = sorted(history, key=lambda o: (o.received_at, o.customer_id))
    return [o for o in ordered if o.received_at <= cutoff], [o for o in ordered if o.received_at > cutoff], cutoff


class AliasBook:
    """The aliases-only lookup: the customer's own aliases first, then global ones, most support wins."""

    def __init__(self, rows: Iterable[AliasRow]) -> None:
        self.exact: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.keys: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
        for cid, alias, sku, support in rows:
            self.exact[cid][fold(alias)].add(sku)
            self.keys[cid][Parsed.of(alias).key()][sku] += support

    def seed_hit(self, customer_id: str, mention: str, sku: str) -> bool:
        """The seed's definition: the folded string is a learned alias of this customer or a global one, for ``sku``."""
        text = fold(mention)
        return any(sku in self.exact[owner].get(text, ()) for owner in (customer_id, "*"))

    def top(self, customer_id: str, mention: str) -> str | None:
        """The SKU the aliases alone give a mention: the customer's own best-supported, else the global one."""
        key = Parsed.of(mention).key()
        for owner in (customer_id, "*"):
            skus = self.keys[owner].get(key)
            if skus:
                return min(skus, key=lambda s: (-skus[s], s))
        return None


def coverage(md: MasterData, months_test: int = 1, options: AliasOptions | None = None,
             read: Reader = read_mentions) -> Coverage:
    """Learn aliases from the history before the last ``months_test`` months and measure them on those months,
    reading past orders with ``read`` (as the pipeline reads messages)."""
    options = options or AliasOptions()
    train, test, cutoff = time_split(md.history, months_test)
    learned_aligned = align_history(md, train, options, read=read)
    rows = aliases_from(learned_aligned, options)
    matcher = SkuMatcher(md.products, md.aliases)
    for cid, alias, sku, support in rows:
        matcher.add_alias(cid, alias, sku, support)
    tested = [Aligner(md, matcher, options, read).align(o) for o in test]
    return score_coverage(learned_aligned, tested, rows, matcher, cutoff)


def score_coverage(train: Sequence[AlignedOrder], test: Sequence[AlignedOrder], rows: Sequence[AliasRow],
                   matcher: SkuMatcher | None = None, cutoff: datetime | None = None) -> Coverage:
    """The coverage figures of aligned test orders against aliases learned from aligned train orders."""
    book = AliasBook(rows)
    own: set[tuple[str, str]] = set()
    anyone: set[str] = set()
    for order in train:
        for m in order.mentions:
            key = Parsed.of(m.text).key()
            own.add((order.customer_id, key))
            anyone.add(key)
    n = unaligned = seed = ours = ceil_own = ceil_any = top1 = 0
    misses: Counter[str] = Counter()
    for order in test:
        cid = order.customer_id
        for ln in order.lines:
            n += 1
            if ln.mention is None:
                unaligned += 1
                misses["unaligned"] += 1
                continue
            key = Parsed.of(ln.mention).key()
            seed += book.seed_hit(cid, ln.mention, ln.sku)
            hit = book.top(cid, ln.mention)
            ours += hit == ln.sku
            ceil_own += (cid, key) in own
            ceil_any += (cid, key) in own or key in anyone
            if matcher is not None:
                cands = matcher.match(ln.mention, [cid])
                top1 += bool(cands) and cands[0].sku == ln.sku
            if hit != ln.sku:
                misses["wrong_sku" if hit else "new_to_customer" if (cid, key) not in own else "known_not_learned"] += 1
    share = (lambda k: round(k / n, 4)) if n else (lambda k: 0.0)
    return Coverage(
        train_orders=len(train), test_orders=len(test), test_lines=n, unaligned=unaligned, seed=share(seed),
        ours=share(ours), ceiling_own=share(ceil_own), ceiling_any=share(ceil_any),
        matcher_top1=share(top1) if matcher is not None else 0.0, aliases_learned=len(rows),
        global_aliases=sum(1 for r in rows if r[0] == "*"), cutoff=cutoff, misses=dict(sorted(misses.items())),
    )
