"""The alias library at go-live: align each mention in a past order's text with the line that was shipped.

Every past order is a small assignment problem: the order lines read from its text (by the rule extractor,
as the tag stage reads them) against the lines that were shipped, scored on name similarity (the matcher's
probability, judged also with any quantity taken out of the words), quantity agreement after unit conversion
(the extracted quantity, or a measure or pack word the extractor left in the product words) and size/unit
compatibility; ``scipy.optimize.linear_sum_assignment`` picks the best one-to-one pairing, and a pair below
a floor stays unaligned unless its quantity agrees with nothing else. Aligned pairs become per-customer
aliases with support counts, in the form the match stage will see them; a name that several customers use
for the same SKU becomes a global one (customer ``*``). A second pass revisits the doubtful orders with the
aliases of the confidently aligned ones, so a nickname found where it was clear helps where it was not.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz
from scipy.optimize import linear_sum_assignment

from models.accounting import Knowledge, knowledge_of, sized_parts, words_of
from models.extractor import extract_block_lines
from models.matcher import Parsed, SkuMatcher, normalize, size_agreement
from models.ranker import Ranker
from models.span_rules import ALL_RULES, read_lines
from models.tagger import TokenTagger
from models.units import (
    LEADING_MEASURE,
    TRAILING_MEASURE,
    like_unit_word,
    measure,
    measure_readings,
    own_sizes,
    parse_number,
    read_qty,
    sold_by,
    to_uom,
    unit_of,
)
from models.word_learning import fits
from models.word_learning import shipped as shipped_of
from ordex.catalog import HistoryLine, HistoryOrder, MasterData, Product
from ordex.intake.text import body_blocks

AliasRow = tuple[str, str, str, int]
QTY_ANYWHERE = re.compile(r"(?<![\d.,/])(\d+(?:[.,]\d+)?)\s*([a-zA-Z]+)\b")
UNIT_THEN_QTY = re.compile(r"\b([a-zA-Z]+)\.?\s*[:=-]?\s*(\d+(?:[.,]\d+)?)(?![\d.,/]|\s*[a-zA-Z])")
BARE_NUMBER = re.compile(r"(?<![\d.,/:-])\d+(?:\.\d+)?(?![\d/:-])")


class AliasOptions(BaseModel):
    """How past orders are aligned and which aligned names become aliases."""

    model_config = ConfigDict(frozen=True)

    candidates: int = Field(default=25, description="Matcher candidates read per mention for its name score")
    min_score: float = Field(default=0.55, description="A mention and a shipped line below this score stay unaligned")
    qty_weight: float = Field(default=0.5, description="Score added when the written quantity converts to the shipped one")
    passes: int = Field(default=2, ge=1, description="Alignment passes; each later one sees the aliases the one before learned")
    sure: float = Field(default=1.0, description="Later passes revisit an order with a pair scored below this (or none)")
    global_customers: int = Field(default=3, description="A name used for the same SKU by this many customers is global")
    global_share: float = Field(default=0.3, description="...or by at least this share of the customers who use the name")
    global_min_customers: int = Field(default=2, description="...and never by fewer customers than this")


@dataclass(frozen=True)
class Mention:
    """An order line read from a past order's text: the product words and the quantity as written."""

    text: str
    qty: float | None
    unit: str | None
    line: str = ""


@dataclass(frozen=True)
class AlignedLine:
    """A shipped line of a past order and the mention it was aligned with (None: no mention fits it)."""

    sku: str
    mention: str | None
    score: float


@dataclass(frozen=True)
class AlignedOrder:
    """One past order after alignment: every mention read from its text and every shipped line's pairing."""

    customer_id: str
    received_at: datetime
    mentions: tuple[Mention, ...]
    lines: tuple[AlignedLine, ...]

    def pairs(self) -> list[tuple[str, str]]:
        """(mention, sku) of every aligned shipped line."""
        return [(ln.mention, ln.sku) for ln in self.lines if ln.mention is not None]


def fold(text: str) -> str:
    """Lower case with white space folded: how an alias string is stored and compared."""
    return " ".join(text.lower().split())


Reader = Callable[[str, SkuMatcher], list[Mention]]


def read_mentions(text: str, matcher: SkuMatcher) -> list[Mention]:
    """The order lines of a past order's text, read by the rule extractor (the pipeline's without a tagger)."""
    blocks = body_blocks(text)
    lines = extract_block_lines(blocks, range(len(blocks)), 0, matcher.number_hint, matcher.is_code)
    return [Mention(ln.product, ln.qty, ln.unit, ln.text) for ln in lines if ln.product.strip()]


def tagged_reader(tagger: TokenTagger, rules: Iterable[str] = ALL_RULES) -> Reader:
    """Past orders read as the pipeline reads messages, with the token classifier, the same span rules and a size
    written after an item taken into it ("3 pies, medium"): the aliases learned then have the keys that live
    mentions will have."""

    def read(text: str, matcher: SkuMatcher) -> list[Mention]:
        blocks = body_blocks(text)
        out: list[Mention] = []
        for b, spans in zip(blocks, tagger.spans([b.text for b in blocks]), strict=True):
            out.extend(Mention(p.product, p.qty, p.unit, p.text)
                       for p in sized_parts(b.text, read_lines(b.text, spans, rules), spans) if p.product.strip())
        return out

    return read


def history_reader(tagger: TokenTagger | None, rules: Iterable[str] = ALL_RULES) -> Reader:
    """How past orders are read: as the pipeline reads messages (the tagger when there is one, else the rules)."""
    return tagged_reader(tagger, rules) if tagger is not None else read_mentions


def runtime_form(m: Mention, p: Product) -> Mention:
    """The mention as the match stage reads it for this SKU (``ordex.stages.match``): "putty 40kg 400 kg"
    or "500 kilo putty 40kg" with no count, of a SKU sold by the kg or converting from it, is "putty 40kg" with
    quantity 400 (500) KG."""
    if m.qty is not None:
        return m
    for r in measure_readings(m.text):
        if sold_by(r, p.uom, p.conversions, own_sizes(p)):
            return Mention(r.rest, r.qty, r.unit, m.line)
    return m


@dataclass(frozen=True)
class Reading:
    """One way to read a line's quantity, the product words left when it is taken out, and how much to trust it."""

    qty: float
    unit: str | None
    rest: str
    weight: float


def quantity_readings(m: Mention) -> list[Reading]:
    """Every way the line's quantity may be written: as extracted (trusted); a measure or pack word at the end
    or start of the product words ("dap 50kg 500 kg", "150 kg zsh 10kg", "tyre 3 nos"), which the extractor
    leaves there; any other number with a unit in the line (less trusted); a bare number in the line (least)."""
    out = [] if m.qty is None else [Reading(m.qty, m.unit, m.text, 1.0)]
    for rx in (TRAILING_MEASURE, LEADING_MEASURE):
        hit = rx.search(m.text)
        unit = unit_of(hit.group(2)) if hit else None
        value = parse_number(hit.group(1)) if hit else None
        rest = (m.text[: hit.start()] + " " + m.text[hit.end():]).strip() if hit else ""
        if hit is not None and unit is not None and value is not None and rest:
            out.append(Reading(value, unit, rest, 1.0))
    with_unit: set[int] = set()
    for hit in QTY_ANYWHERE.finditer(m.line):
        unit = unit_of(hit.group(2))
        if unit is not None:
            out.append(Reading(_num(hit.group(1)), unit, m.text, 0.75))
            with_unit.add(hit.start(1))
    for hit in UNIT_THEN_QTY.finditer(m.line):  # "kg 50", "ctns 2": the unit written before its number
        unit = unit_of(hit.group(1))
        if unit is not None:
            out.append(Reading(_num(hit.group(2)), unit, m.text, 0.75))
    out.extend(Reading(_num(n.group()), None, m.text, 0.5) for n in BARE_NUMBER.finditer(m.line) if n.start() not in with_unit)
    return out


def count_word_out(m: Mention, shipped_line: HistoryLine, p: Product | None, catalog: Knowledge) -> Mention:
    """The mention without the word right after its count when the count fits what was shipped only in another
    unit ("144 peece talcum powder" shipped as 3 cartons of 48): the word is the count's unit, not a name of the
    SKU. Kept in the alias, it would be a catalog word at run time, and the next "96 peece ..." would be read as
    96 cartons."""
    if m.qty is None or m.unit is not None or p is None:
        return m
    words = words_of(m.line)
    after = next((w for (_a, _b, n), (_c, _d, w) in zip(words, words[1:], strict=False)
                  if read_qty(n).value == m.qty), None)
    name = words_of(m.text)
    if after is None or not name or name[0][2] != after or not after.isalpha() or catalog.in_catalog(after) \
            or catalog.like_catalog(after) and not like_unit_word(after):  # a catalog word misspelt, no unit word
        return m
    units = fits(m.qty, [shipped_of(float(shipped_line.qty), shipped_line.uom, p)])
    if not units or "CTN" in units or (shipped_line.uom or p.uom).upper() in units:
        return m
    rest = m.text[name[0][1]:].strip()
    return Mention(rest, m.qty, m.unit, m.line) if rest else m


def _num(text: str) -> float:
    return parse_number(text) or 0.0


def _qty_agrees(m: Mention, shipped: HistoryLine, p: Product) -> float:
    """The trust of the best reading of the written quantity that converts to the shipped one (0: none does)."""
    uom = shipped.uom or p.uom
    want = float(shipped.qty)
    best = 0.0
    for r in quantity_readings(m):
        if r.weight > best:
            got = to_uom(r.qty, r.unit, uom, p.conversions).qty
            if got is not None and abs(got - want) < 1e-6:
                best = r.weight
            elif got is None and r.unit is not None and measure(r.unit) is None and abs(r.qty - want) < 1e-6:
                best = max(best, r.weight / 2)  # "1 coil" of a wire sold by the roll: a pack word we cannot convert
    return best


def _unit_conflict(m: Mention, p: Product) -> bool:
    """True when the mention's unit does not convert to the SKU's unit whatever the count ("5 kg" of a box)."""
    if m.qty is None or m.unit is None:
        return False
    probe = 12.0 * math.prod(float(v) for v in p.conversions.values())  # a whole number of every pack size
    return to_uom(probe, m.unit, p.uom, p.conversions).qty is None


def _size_score(m: Parsed, p: Parsed) -> float:
    """Agreement of written sizes with the SKU's: +0.1 a match, -0.4 the same dimension at another value."""
    agree, conflict, _other = size_agreement(m, p)
    return 0.1 * agree - 0.4 * conflict


class Aligner:
    """Aligns past orders of one master data with a given matcher; product facts are parsed once."""

    def __init__(self, md: MasterData, matcher: SkuMatcher, options: AliasOptions | None = None,
                 read: Reader = read_mentions) -> None:
        self.md = md
        self.matcher = matcher
        self.options = options or AliasOptions()
        self.read = read
        self._parsed: dict[str, Parsed] = {}
        self._names: dict[str, str] = {}
        self.catalog = knowledge_of([f"{p.description} {p.pack_size}" for p in md.products], [], [])

    def _product_name(self, p: Product) -> tuple[Parsed, str]:
        if p.sku not in self._parsed:
            self._parsed[p.sku] = Parsed.of(f"{p.description} {p.pack_size}")
            self._names[p.sku] = normalize(p.description)
        return self._parsed[p.sku], self._names[p.sku]

    def matcher_probs(self, text: str, customer_id: str) -> dict[str, float]:
        """The matcher's probability of each candidate SKU for a text, as the customer wrote it."""
        return {c.sku: c.probability for c in self.matcher.match(text, [customer_id], limit=self.options.candidates)}

    @staticmethod
    def _name_score(prob: float, norm: str, pname: str) -> float:
        """The matcher's probability, or a share of the plain token-set similarity when the SKU is off its list."""
        sim = fuzz.token_set_ratio(norm, pname) / 100 if norm else 0.0
        return max(prob, 0.6 * sim if sim >= 0.5 else 0.0)

    def align(self, order: HistoryOrder) -> AlignedOrder:
        """Pair the order's mentions with its shipped lines by an optimal assignment on the pair scores."""
        mentions = self.read(order.text, self.matcher)
        shipped = [(ln, self.md.product(ln.sku)) for ln in order.lines]
        score = np.zeros((len(mentions), len(shipped)))
        agree = np.zeros((len(mentions), len(shipped)), dtype=bool)
        forms: dict[tuple[int, int], Mention] = {}
        for i, m in enumerate(mentions):
            # the name is judged as written and with each quantity reading taken out ("puti 40kilo 400kg")
            variants = [(self.matcher_probs(text, order.customer_id), Parsed.of(text), normalize(text))
                        for text in dict.fromkeys([m.text, *(r.rest for r in quantity_readings(m))])]
            for j, (ln, p) in enumerate(shipped):
                if p is None:
                    continue
                form = forms[(i, j)] = runtime_form(m, p)
                pparsed, pname = self._product_name(p)
                name = max(self._name_score(probs.get(p.sku, 0.0), norm, pname) + _size_score(parsed, pparsed)
                           for probs, parsed, norm in variants)
                qty = _qty_agrees(m, ln, p)
                agree[i, j] = qty > 0
                s = name + self.options.qty_weight * qty
                if not qty and _unit_conflict(form, p):
                    s -= 0.3
                score[i, j] = s
        out: list[AlignedLine] = [AlignedLine(ln.sku, None, 0.0) for ln, _p in shipped]
        if mentions and shipped:
            rows, cols = linear_sum_assignment(score, maximize=True)
            for i, j in zip(rows, cols, strict=True):
                s = float(score[i, j])
                only = agree[i, j] and agree[i, :].sum() == 1 and agree[:, j].sum() == 1
                if s >= self.options.min_score or only:
                    form = count_word_out(forms[(i, j)], shipped[j][0], self.md.product(shipped[j][0].sku), self.catalog)
                    out[j] = AlignedLine(shipped[j][0].sku, form.text, round(s, 4))
        return AlignedOrder(order.customer_id, order.received_at, tuple(mentions), tuple(out))


def align(order: HistoryOrder, matcher: SkuMatcher, md: MasterData) -> list[tuple[str, str]]:
    """(mention, sku) pairs of one past order (see ``Aligner.align``)."""
    return Aligner(md, matcher).align(order).pairs()


def align_history(md: MasterData, history: Sequence[HistoryOrder] | None = None,
                  options: AliasOptions | None = None, extra: Iterable[AliasRow] = (),
                  read: Reader = read_mentions) -> list[AlignedOrder]:
    """Align past orders (all of ``md.history`` by default), in passes that learn from each other.

    ``extra`` aliases (customer, alias, sku, support) are known before the first pass.
    """
    options = options or AliasOptions()
    orders = list(md.history if history is None else history)
    extra = list(extra)
    aligned: list[AlignedOrder] = []
    for n in range(options.passes):
        matcher = SkuMatcher(md.products, md.aliases)
        # what later passes learn from: the orders aligned with confidence, so no doubtful pairing teaches itself
        sure = [a for a in aligned if a.lines and all(ln.score >= options.sure for ln in a.lines)]
        for cid, alias, sku, support in [*extra, *aliases_from(sure, options)]:
            matcher.add_alias(cid, alias, sku, support)
        aligner = Aligner(md, matcher, options, read)
        if not n:
            aligned = [aligner.align(o) for o in orders]
            continue
        # later passes only revisit the orders with a line left unaligned or paired on thin evidence
        aligned = [aligner.align(o) if any(ln.score < options.sure for ln in a.lines) else a
                   for o, a in zip(orders, aligned, strict=True)]
    return aligned


def aliases_from(aligned: Iterable[AlignedOrder], options: AliasOptions | None = None) -> list[AliasRow]:
    """Per-customer aliases with support counts, plus global ones (customer ``*``), sorted: deterministic."""
    options = options or AliasOptions()
    per: Counter[tuple[str, str, str]] = Counter()
    for order in aligned:
        for mention, sku in order.pairs():
            alias = fold(mention)
            if alias:
                per[(order.customer_id, alias, sku)] += 1
    rows: list[AliasRow] = [(c, a, s, n) for (c, a, s), n in per.items()]
    rows.extend(global_aliases(per, options))
    return sorted(rows)


def global_aliases(per: Counter[tuple[str, str, str]], options: AliasOptions | None = None) -> list[AliasRow]:
    """Names (compared by their order-free key) that enough customers use for the same SKU, as ``*`` aliases.

    A name is global for a SKU when that SKU is the one most of its users mean, and at least
    ``global_customers`` customers, or ``global_share`` of the customers who use the name (and never fewer
    than ``global_min_customers``), use it so.
    """
    options = options or AliasOptions()
    users: dict[str, set[str]] = defaultdict(set)
    by_sku: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    surfaces: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for (cid, alias, sku), n in per.items():
        if cid == "*":
            continue
        key = Parsed.of(alias).key()
        users[key].add(cid)
        by_sku[key][sku].add(cid)
        surfaces[(key, sku)][alias] += n
    out: list[AliasRow] = []
    for key, skus in by_sku.items():
        ranked = sorted(skus.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        sku, cids = ranked[0]
        if len(ranked) > 1 and len(ranked[1][1]) == len(cids):
            continue  # as many customers mean another SKU: no global meaning
        n, total = len(cids), len(users[key])
        if n >= options.global_customers or (n >= options.global_min_customers and n / total >= options.global_share):
            out.extend(("*", alias, sku, count) for alias, count in surfaces[(key, sku)].items())
    return out


MatcherFactory = Callable[[MasterData, Iterable[tuple[str, str, str, int]], Ranker | None, bool], SkuMatcher]


def build_matcher(md: MasterData, learned: Iterable[tuple[str, str, str, int]], ranker: Ranker | None = None,
                  learn_names: bool = True) -> SkuMatcher:
    """The matcher as the pipeline uses it: the catalog, the master data's aliases, the learned ones (and the
    words they teach, unless ``learn_names`` is off), and each customer's buying habits from history."""
    matcher = SkuMatcher(md.products, md.aliases, ranker, learn_names)
    for cid, alias, sku, support in learned:
        matcher.add_alias(cid, alias, sku, support)
    for order in md.history:
        for ln in order.lines:
            matcher.add_history(order.customer_id, ln.sku)
    return matcher


def learn_history_aliases(md: MasterData, options: AliasOptions | None = None, read: Reader = read_mentions) -> list[AliasRow]:
    """Aliases (customer, alias, sku, support) learned from ``history.jsonl``; global ones have customer ``*``."""
    options = options or AliasOptions()
    return aliases_from(align_history(md, options=options, read=read), options)
