"""match: each line mapped to a SKU of its customer, its quantity converted to the SKU's unit of sale.

Chatter that is no order line (a question, a complaint, words that look like no product) is dropped here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from pydantic import Field

from models.accounting import name_holds
from models.matcher import SkuMatcher
from models.units import (
    NUMBER_WORDS,
    is_own_size,
    measure,
    measure_readings,
    own_sizes,
    read_qty,
    sold_by,
    to_uom,
)
from ordex.catalog import MasterData, Product
from ordex.schema import Candidate, Case, Line
from ordex.stages.base import Component, Options
from ordex.stages.split import customer_of_sender


class MatchOptions(Options):
    """Confidence thresholds of matching: below them a line is held for a person (or is no order line)."""

    sku: float = Field(default=0.6, description="Below this SKU probability a line raises SKU_UNMATCHED")
    line_resemblance: float = Field(default=0.5, description="Share of a mention's words that must look like catalog words")
    explained: float = Field(default=0.51, ge=0.0, le=1.0,
                             description="Below this share of the mention's words explained by the SKU's names and "
                                         "aliases (no exact alias), the match is a guess: SKU_UNMATCHED (the "
                                         "unexplained_words check; 0 switches it off). More than half by default: "
                                         "'chicken wings' is not 'Chicken Sandwich' because one word agrees")
    unsaid: bool = Field(default=True, description="A SKU sold beside a sibling in another size or variant, the "
                                                   "mention saying none of its own words, is SKU_UNMATCHED (the "
                                                   "unsaid_variant check)")
    said_size: bool = Field(default=True, description="A SKU whose name says one size, chosen for a mention that "
                                                      "says another its names and aliases lack ('regular' of Pizza "
                                                      "Small), is SKU_UNMATCHED (the said_size check)")
    count: float = Field(default=0.5, ge=0.0, le=1.0,
                         description="A count written as a word ('a', 'two') and read at least this sure makes its "
                                     "line an order line whatever its words: 'a nachos' is held as a dish the menu "
                                     "lacks, not dropped as chatter (digits need 0.9: an amount, a code, a date)")
    unit_lines: bool = Field(default=True, description="A line with a unit word and no count, its words like the "
                                                       "catalog's, is an order line held for its count (the "
                                                       "unit_no_count check)")
    unit_in_name: bool = Field(default=True, description="A unit word the SKU's own name holds in the order written, "
                                                         "whose count does not convert as that unit, is a name word: "
                                                         "the count is bare (the unit_in_name check)")
    listed: bool = Field(default=True, description="A line with a count beside an order line (its written line or "
                                                   "the one before or after) is an order line: held if no SKU fits, "
                                                   "not dropped (the listed_line check)")


class MatchStage(Component):
    """The SKU matcher (alias library, learned ranker) over every line of the case, in one call."""

    name: ClassVar[str] = "match"

    def __init__(self, matcher: SkuMatcher, md: MasterData, options: MatchOptions | None = None) -> None:
        self.options = options or MatchOptions()
        self.matcher = matcher
        self.md = md

    @property
    def model(self) -> str:
        return self.matcher.name

    @property
    def version(self) -> str:
        ranker = self.matcher.ranker
        return f"ranker v{ranker.version}" if ranker is not None else "hand-set scores"

    def warm_up(self) -> None:
        """Build the matcher's catalog index now (seconds at 100k SKUs), not on the first message."""
        self.matcher.warm_up()

    def __call__(self, case: Case) -> Case:
        return match(case, self.matcher, self.md, self.options)


def match(case: Case, matcher: SkuMatcher, md: MasterData, th: MatchOptions) -> Case:
    """Map each line to a SKU of the section's customer and convert its quantity; drop chatter that is no line."""
    out: list[Line] = []
    dropped: list[Line] = []
    whos = customers_of_lines(case, md)
    lines = [_measure_as_quantity(ln, matcher, md, who, th) for ln, who in zip(case.lines, whos, strict=True)]
    found = matcher.match_many([(ln.product, who) for ln, who in zip(lines, whos, strict=True)])
    kept = [_kept(case, ln, cands, matcher, th) for ln, cands in zip(lines, found, strict=True)]
    if th.listed:  # a counted item among a list's order lines is one of them: held if no SKU fits, never dropped
        kept = [k or _listed(case, ln, lines, kept) for ln, k in zip(lines, kept, strict=True)]
    for ln, cands, who, keep in zip(lines, found, whos, kept, strict=True):
        if not keep:
            dropped.append(ln)
            continue
        best = cands[0] if cands else None
        sku = best.sku if best and best.probability >= th.sku else None
        note = _guess(matcher, ln.product, sku, who, [c.sku for c in cands], th) if sku else ""
        sku = None if note else sku
        product = md.product(sku)
        if product is not None and _own_size_as_count(ln, product):
            ln = ln.model_copy(update={"qty": None, "unit": None, "qty_confidence": 0.0})
        sku_qty, uom = None, ln.unit
        if product is not None:
            uom = product.uom
            qty, unit = ln.qty, ln.unit
            if qty is not None and not ln.qty_note:  # a count beside a word nothing places is not converted
                sku_qty = to_uom(qty, unit, product.uom, product.conversions).qty
                if sku_qty is None and unit is not None and th.unit_in_name and name_holds(ln.text, product.description, ln.product):
                    ln = ln.model_copy(update={"unit": None})  # "kajal stick 3": the stick is the name's
                    sku_qty = to_uom(qty, None, product.uom, product.conversions).qty
        conf = min(best.probability if best else 0.0, ln.qty_confidence if sku_qty is not None else 0.0)
        out.append(ln.model_copy(update={"candidates": tuple(cands), "sku": sku, "sku_note": note,
                                         "sku_confidence": best.probability if best else 0.0,
                                         "sku_qty": sku_qty, "uom": uom, "confidence": round(conf, 4)}))
    return case.model_copy(update={"lines": tuple(out), "dropped": (*case.dropped, *dropped)})


def _kept(case: Case, ln: Line, cands: Sequence[Candidate], matcher: SkuMatcher, th: MatchOptions) -> bool:
    """True when a line is an order line: read from a sheet's columns, held for a word beside its count, or
    ``_is_order_line``."""
    explicit = bool(case.blocks[ln.block].fields) if ln.block is not None else False
    explicit = explicit or bool(ln.qty_note)  # a count beside a word nothing places is held, not dropped
    best = cands[0].probability if cands else 0.0
    return explicit or _is_order_line(ln, best, matcher.resemblance(ln.product), th, _clause(case, ln))


LISTED_MAX = 9999  # a larger number in a list is an amount, a phone or a code, not a count


def _listed(case: Case, ln: Line, lines: Sequence[Line], kept: Sequence[bool]) -> bool:
    """True when a line with a count and a word of three letters or more stands in a list with an order line, in
    its written line or the one before or after it ("FILES BUTTON A4 20 AND TAPE 12 MM 2 AND ..."): an item of the
    list whose product the catalog may not hold, so it is held (SKU_UNMATCHED), not dropped as chatter and the
    rest released without it."""
    if ln.qty is None or ln.block is None or ln.qty > LISTED_MAX or _chatter(ln, _clause(case, ln)):
        return False
    if not any(len(w) >= 3 for w in re.findall(r"[^\W\d_]+", ln.product)):
        return False
    return any(k and o is not ln and o.section == ln.section and o.block is not None and abs(o.block - ln.block) <= 1
               for o, k in zip(lines, kept, strict=True))


def _guess(matcher: SkuMatcher, mention: str, sku: str, who: list[str], rivals: list[str], th: MatchOptions) -> str:
    """Why a SKU the ranker is sure of is still a guess resting on a size or a habit, or "" when it is not: its
    names and aliases explain under ``th.explained`` of the mention's words ("hair colour sachet" is not "Herbal
    Shampoo Sachet" however often the customer buys it), or the catalog sells it beside a sibling in another size
    or variant and the mention says none of its own words (``th.unsaid``). A phrase a customer wrote for the SKU
    before (an exact alias, a person's correction) is no guess."""
    if th.explained <= 0.0 and not th.unsaid and not th.said_size:
        return ""
    ev = matcher.evidence(mention, sku, who, rivals)
    if ev.alias_exact:
        return ""
    if ev.explained < th.explained:
        words = ", ".join(repr(w) for w in matcher.unexplained(mention, sku))
        return f"{words} in no name or alias of {sku}: is it that SKU or a product the catalog does not hold?"
    if th.said_size and ev.size_said:
        return f"{ev.size_said!r} is no size of {sku}: which of {', '.join(rivals[:3])}?"
    if th.unsaid and ev.size_unsaid:
        return f"it names no size or variant of its own for {sku}: which of {', '.join(rivals[:3])}?"
    return ""


def customers_of_lines(case: Case, md: MasterData) -> list[list[str]]:
    """For each line, the customers whose names and habits it is matched with: its order's, then the sender's."""
    sender = customer_of_sender(case.message.sender, md)
    return [[c for c in (case.sections[ln.section].customer_id if ln.section < len(case.sections) else None,
                         sender.customer_id if sender else None) if c] for ln in case.lines]


def _measure_as_quantity(ln: Line, matcher: SkuMatcher, md: MasterData, who: list[str], th: MatchOptions) -> Line:
    """ "nails 2 inch 25 kg", "500 kilo tmt 16mm": with no count given, a measure at the end or start of the words
    is the quantity of a SKU sold by it."""
    if ln.qty is not None or ln.qty_vague:
        return ln
    for r in measure_readings(ln.product):
        cands = matcher.match(r.rest, who)
        product = md.product(cands[0].sku) if cands and cands[0].probability >= th.sku else None
        if product is not None and sold_by(r, product.uom, product.conversions, own_sizes(product)):
            return ln.model_copy(update={"product": r.rest, "qty": r.qty, "unit": r.unit, "qty_confidence": 0.9})
    return ln


def _own_size_as_count(ln: Line, product: Product) -> bool:
    """ "50KGS cement ppc" of a 50 kg bag: the count read is the SKU's own size, and no count is given."""
    m = measure((ln.unit or "").lower()) if ln.qty is not None else None
    return m is not None and ln.qty is not None and is_own_size(m[1], ln.qty * m[2], own_sizes(product))


QUESTION = re.compile(r"\?\s*$|^\s*(?:is|are|do|does|did|can|could|will|would|kya|kab|when|what|how|why|where|"
                      r"which|rate|price)\b", re.IGNORECASE)
COMPLAINT = re.compile(r"\b(?:damaged?|short(?:age)?|missing|broken|defective|leak(?:ing|ed)?|expired|wrong|"
                       r"return(?:ed)?|replace(?:ment)?|adjust|credit note|kam aaya|toota|tuta|kharab|received)\b",
                       re.IGNORECASE)


def _chatter(ln: Line, said: str = "") -> bool:
    """A question ("is X available?") or a complaint ("2 sets damaged"): products and numbers, no order. ``said``
    is the clause of the message a line with no count was read from, when its own words are less than it ("is |
    tile glue | 20 kg available?")."""
    text = said or ln.text
    return bool((_question(ln, text) and not ln.qty_vague) or COMPLAINT.search(text))


def _question(ln: Line, text: str) -> bool:
    """The line reads as a question: it ends with "?" or opens with a question word, unless that word is the
    line's own count ("do 3 seater sofa": the Hindi two, not "do you have")."""
    m = QUESTION.search(text)
    if m is None:
        return False
    if ln.qty is None or read_qty(m.group(0).strip()).value != ln.qty or text.rstrip().endswith("?"):
        return True
    rest = text.replace(ln.product, " ", 1).split()[1:]  # another word that reads as the count: "do you have 2"
    return any(read_qty(w).value == ln.qty for w in rest)


def _clause(case: Case, ln: Line) -> str:
    """The clause a line with no count was read from (``clause_of``), the one place a question about it shows;
    "" for a counted line ("could you send 3 kg of X?" orders) or one read from no block."""
    if ln.qty is not None or ln.qty_vague or ln.block is None or ln.block < 0:
        return ""
    return clause_of(case.blocks[ln.block].text, ln.text)


def clause_of(block: str, line: str) -> str:
    """The part of a message line, between commas or semicolons, that holds a read line's words ("" when they are
    not found in it)."""
    at = block.find(line) if line else -1
    if at < 0:
        return ""
    start = max(block.rfind(",", 0, at), block.rfind(";", 0, at)) + 1
    ends = [k for k in (block.find(",", at + len(line)), block.find(";", at + len(line))) if k >= 0]
    return block[start:min(ends) if ends else len(block)]


SURE_COUNT = 0.9  # a count read this sure makes an order line, digits or words


def _worded_count(ln: Line) -> bool:
    """The line's count is written as a word ("a nachos", "two fries"): a word is a count, where digits may be an
    amount, a code or a date ("payment of 12,500")."""
    return ln.qty is not None and any(NUMBER_WORDS.get(w.lower()) == ln.qty for w in re.findall(r"[^\W\d_]+", ln.text))


def _is_order_line(ln: Line, best: float, resemblance: float, th: MatchOptions, said: str = "") -> bool:
    """A line is an order line when it carries a quantity and looks like a product, a unit word beside words like
    the catalog's (its count unread: held, never dropped), or names a product clearly.

    Questions ("is X available?") and complaints ("2 sets damaged") name products and numbers but order nothing.
    """
    if _chatter(ln, said):
        return False
    has_qty = ln.qty is not None or ln.qty_vague
    explicit = (ln.unit is not None or ln.qty_confidence >= SURE_COUNT
                or ln.qty_confidence >= th.count and _worded_count(ln))
    if has_qty and (explicit or resemblance >= th.line_resemblance or best >= th.sku):
        return True
    if th.unit_lines and ln.unit is not None and resemblance >= th.line_resemblance:  # "marker black 12 bx": held
        return True
    words = len(ln.product.split())
    return not has_qty and words <= 7 and resemblance >= 0.6 and best >= th.sku and ln.block is not None
