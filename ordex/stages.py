"""The pipeline's stages, each a function ``Case -> Case`` that returns an updated copy.

intake -> read -> split -> tag -> match -> validate -> decide. I/O (the store) stays outside: what a
stage needs from it arrives as plain arguments.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz, process

from models.extractor import NumberHint, extract_block_lines
from models.matcher import SkuMatcher, normalize
from models.tagger import Span, TokenTagger, lines_from_spans
from models.units import is_own_size, measure, measure_readings, sold_by, to_uom
from ordex.intake.email import parse_email
from ordex.intake.errors import Unreadable
from ordex.intake.readers import read_attachment
from ordex.intake.text import body_blocks
from ordex.intake.types import OcrFn
from ordex.intake.whatsapp import message_from_webhook, unfetched_media
from ordex.masterdata import Customer, MasterData, Product, own_sizes
from ordex.schema import Block, Case, Finding, Line, Section, Status
from rules.validate import OrderView, PastOrder, unreadable, validate_order


class Thresholds(BaseModel):
    """Confidence thresholds of the decide step: below them a line is held for a person."""

    model_config = ConfigDict(frozen=True)

    sku: float = Field(default=0.6, description="Below this SKU probability a line raises SKU_UNMATCHED")
    qty: float = Field(default=0.5, description="Below this quantity confidence a line raises QTY_UNCLEAR")
    line_resemblance: float = Field(default=0.5, description="Share of a mention's words that must look like catalog words")


# -- intake -------------------------------------------------------------------------------------------
def intake(case: Case) -> Case:
    """Parse a raw e-mail or WhatsApp webhook into the message's fields; a failure is UNREADABLE."""
    m = case.message
    if m.raw is None or m.raw_kind not in ("eml", "whatsapp"):
        return case
    try:
        if m.raw_kind == "eml":
            parsed = parse_email(m.raw, message_id=m.id, channel=m.channel, received_at=m.received_at)
            findings: tuple[Finding, ...] = ()
        else:
            parsed = message_from_webhook(m.raw, message_id=m.id, channel=m.channel)
            findings = tuple(unreadable(reason) for reason in unfetched_media(m.raw))
    except Unreadable as e:
        return case.model_copy(update={"findings": (*case.findings, unreadable(e.reason))})
    merged = parsed.model_copy(update={"id": m.id, "channel": m.channel, "received_at": m.received_at,
                                       "sender": parsed.sender or m.sender, "raw": m.raw, "raw_kind": m.raw_kind})
    return case.model_copy(update={"message": merged, "findings": (*case.findings, *findings)})


# -- read -----------------------------------------------------------------------------------------------
def read(case: Case, ocr: OcrFn | None) -> Case:
    """Blocks from the subject, the body and every attachment; an attachment that cannot be read is UNREADABLE."""
    m = case.message
    blocks: list[Block] = []
    if m.subject.strip():
        blocks.extend(body_blocks(m.subject, source="subject"))
    blocks.extend(body_blocks(m.text))
    findings = list(case.findings)
    for i, att in enumerate(m.attachments):
        try:
            blocks.extend(read_attachment(att, i, ocr))
        except Unreadable as e:
            findings.append(unreadable(f"{att.filename or f'attachment {i + 1}'}: {e.reason}"))
    return case.model_copy(update={"blocks": tuple(blocks), "findings": tuple(findings)})


# -- split ------------------------------------------------------------------------------------------------
PUBLIC_MAIL = frozenset({"gmail.com", "yahoo.com", "yahoo.co.in", "outlook.com", "hotmail.com", "rediffmail.com",
                         "icloud.com", "live.com", "aol.com", "proton.me", "protonmail.com", "zoho.com", "mail.com"})


def customer_of_sender(sender: str, md: MasterData) -> Customer | None:
    """The customer whose phone or e-mail the sender is (active or not: the rules judge activity).

    Exact address first; then the national number (last ten digits) or the company's own mail domain,
    when exactly one customer has it.
    """
    s = sender.strip().lower()
    if not s:
        return None
    if "@" in s:
        exact = md.customer_by_address(s)
        if exact is not None:
            return exact
        domain = s.rsplit("@", 1)[1]
        if domain in PUBLIC_MAIL:
            return None
        same = {c.customer_id: c for c in md.customers for e in c.emails if e.rsplit("@", 1)[-1] == domain}
        return next(iter(same.values())) if len(same) == 1 else None
    digits = re.sub(r"\D", "", s)
    if len(digits) < 7:
        return None
    exact = md.customer_by_address("+" + digits)
    if exact is not None:
        return exact
    tail = digits[-10:]
    same = {c.customer_id: c for c in md.customers for p in c.phones if p.endswith(tail)}
    return next(iter(same.values())) if len(same) == 1 else None


NAME_CUE = re.compile(
    r"^\s*(?:\(?\d{1,2}[.)]\s*)?(?:for|outlet|party|shop|dealer|sub[- ]?dealer|retailer|customer|m/s\.?|store|buyer)"
    r"\b\s*[:\-]?\s*(?P<name>[^:]+?)\s*[:\-]?\s*$",
    re.IGNORECASE,
)
OURSELVES = frozenset({"us", "me", "our", "ours", "ourselves", "self", "own", "hamare", "humare", "hamara", "apne",
                       "apna", "mera", "mere", "hum", "godown", "counter"})
NUMBERED = re.compile(r"^\s*(?:\(?\d{1,2}[.)]|[a-h][.)]|#\d+)\s*(?P<name>[^\d]+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Heading:
    """A block that names the customer of the order lines below it."""

    block: int
    name: str
    customer: Customer | None
    inline: bool = False  # "Volt Electricals: bulb 9w 5 box" names the customer and holds lines
    own: bool = False  # "For us:", "our own stock:" — the sender's own order among its sub-dealers'


def _headings(blocks: Sequence[Block], md: MasterData, is_product: Callable[[str], bool]) -> list[Heading]:
    """Blocks that name the customer of the lines below them: known customers, or unknown names laid out alike."""
    names = _customer_names(md)
    out: list[Heading] = []
    shaped: list[Heading] = []
    for i, b in enumerate(blocks):
        if b.fields or b.source == "subject":
            continue
        if any(ln.qty is not None for ln in extract_block_lines(blocks, [i], 0)):
            label, sep, _rest = b.text.partition(":")
            hit = _customer_named(label, names, md) if sep and not re.search(r"\d", label) else None
            if hit is not None:
                out.append(Heading(i, label.strip(), hit, inline=True))
            continue
        text = b.text.strip()
        if len(text) > 80:
            continue
        cue = NAME_CUE.match(text)
        candidate = (cue.group("name") if cue else text).strip(" :-")
        norm = normalize(candidate)
        if not norm or len(norm.split()) > 8:
            continue
        customer = _customer_named(candidate, names, md)
        if customer is not None:
            out.append(Heading(i, candidate, customer))
        elif (cue or _heading_shape(text)) and set(normalize(candidate).split()) & OURSELVES:
            out.append(Heading(i, candidate, None, own=True))
        elif cue and not is_product(candidate):
            out.append(Heading(i, candidate, None))
        elif _heading_shape(text) and not is_product(candidate):
            shaped.append(Heading(i, candidate, None))
    # an unknown name laid out like the known sub-dealers' headings ("3) Name", "Name:") is one too
    shapes = {"colon" if h.inline else _heading_shape(blocks[h.block].text) for h in out}
    unknown = [h for h in shaped if _heading_shape(blocks[h.block].text) in shapes]
    return sorted(out + unknown, key=lambda h: h.block)


def _heading_shape(text: str) -> str:
    """How a line is laid out as a heading: numbered ("2) …"), or a label ending in a colon; "" otherwise."""
    numbered = NUMBERED.match(text)
    if numbered and not re.search(r"\d", numbered.group("name")):
        return "numbered"
    t = text.strip()
    if t.endswith(":") and not re.search(r"\d", t) and 0 < len(t[:-1].split()) <= 6:
        return "colon"
    return ""


def _customer_names(md: MasterData) -> dict[str, str]:
    """Every customer's name as the matcher normalises it, built once per master data."""
    return md.memo("customer_names", lambda: {c.customer_id: normalize(c.name) for c in md.customers})


def _customer_named(text: str, names: dict[str, str], md: MasterData) -> Customer | None:
    """The customer a short text names, sharing more than generic words with its name."""
    norm = normalize(text)
    if not norm or len(norm.split()) > 8:
        return None
    hit = process.extractOne(norm, names, scorer=fuzz.token_set_ratio, score_cutoff=90)
    return md.customer(hit[2]) if hit and _distinctive(norm, hit[0]) else None


def _distinctive(mention: str, name: str) -> bool:
    """A name match must share more than generic words ("stores", "traders")."""
    generic = {"store", "stores", "traders", "trading", "enterprises", "agencies", "general", "shop", "mart", "and", "co",
               "company", "distributors", "kirana", "dairy", "the", "sons", "pvt", "ltd", "limited", "new", "order"}
    shared = set(mention.split()) & set(name.split())
    return bool(shared - generic) or mention == name


def _has_lines(blocks: Sequence[Block], ids: Sequence[int]) -> bool:
    return any(ln.qty is not None or ln.qty_vague for ln in extract_block_lines(blocks, ids, 0))


def split(case: Case, md: MasterData, is_product: Callable[[str], bool] = lambda _t: False) -> Case:
    """One section per order: the sender's, plus one per sub-dealer or outlet the text names.

    ``is_product`` tells a product-group label ("Bulbs:") from a shop's name.
    """
    m = case.message
    sender = customer_of_sender(m.sender, md)
    if m.channel == "agent":
        sender = None
    headings = _headings(case.blocks, md, is_product)
    starts = [h.block for h in headings]
    sections: list[Section] = []
    first = list(range(0, starts[0] if starts else len(case.blocks)))
    heading_blocks = set(starts)
    if not headings or _has_lines(case.blocks, first):
        sections.append(_section(tuple(first), sender, "", "sender"))
    for k, h in enumerate(headings):
        end = starts[k + 1] if k + 1 < len(starts) else len(case.blocks)
        ids = tuple(i for i in range(h.block + (0 if h.inline else 1), end) if i == h.block or i not in heading_blocks)
        if h.own or (sender is not None and h.customer is not None and h.customer.customer_id == sender.customer_id):
            sections.append(_section(ids, sender, "", "sender"))
        else:
            sections.append(_section(ids, h.customer, h.name, "named"))
    if m.channel == "agent" or sender is None:
        sections = [_named_in_text(s, case.blocks, md) for s in sections]
    return case.model_copy(update={"sections": tuple(sections)})


def _section(blocks: tuple[int, ...], customer: Customer | None, named: str, source: str) -> Section:
    """A section for a customer; an inactive customer is no customer (CUSTOMER_UNKNOWN), and the name says why."""
    if customer is None:
        return Section(blocks=blocks, named=named, customer_source="none")
    if not customer.active:
        return Section(blocks=blocks, named=f"{named or customer.name} ({customer.customer_id}, inactive)",
                       customer_source="none")
    return Section(blocks=blocks, named=named, customer_id=customer.customer_id,
                   customer_source="sender" if source == "sender" else "named")


def _named_in_text(section: Section, blocks: Sequence[Block], md: MasterData) -> Section:
    """With no known sender (a field agent, a new number), a customer the section's text names clearly."""
    if section.customer_id:
        return section
    names = md.memo("active_customer_names",
                    lambda: {c.customer_id: _customer_names(md)[c.customer_id] for c in md.customers if c.active})
    for i in section.blocks:
        norm = normalize(blocks[i].text)
        for cid, name in names.items():
            if len(name) >= 6 and re.search(rf"\b{re.escape(name)}\b", norm):
                return section.model_copy(update={"customer_id": cid, "named": name, "customer_source": "named"})
    for i in section.blocks:  # "visited New Summit Book (Guwahati)": a shortened name, before any bracket or comma
        for phrase in re.split(r"[(),;:\n]| - ", blocks[i].text):
            words = phrase.split()
            for k in range(len(words)):
                hit = _customer_named(" ".join(words[k:]), names, md) if len(words) - k >= 2 else None
                if hit is not None and hit.active:
                    return section.model_copy(update={"customer_id": hit.customer_id, "named": " ".join(words[k:]),
                                                      "customer_source": "named"})
    return section


# -- tag ----------------------------------------------------------------------------------------------------
def tag(case: Case, tagger: TokenTagger | None = None, hint: NumberHint | None = None,
        code: Callable[[str], bool] | None = None, mode: str = "hybrid") -> Case:
    """Order lines from each section's blocks: the rules and the token classifier.

    ``tagger``: the token classifier reads free text, the catalog checked where it is sure to know better (a
    trailing number it names as a product's is no quantity). ``hybrid``: the rules read the lines and the tagger
    gives a second opinion — a line whose quantity the two read differently is held (QTY_UNCLEAR). Without a
    tagger, the rules alone. Spreadsheet rows whose columns the reader recognised are taken as they are.
    """
    lines: list[Line] = []
    for k, s in enumerate(case.sections):
        lines.extend(extract_block_lines(case.blocks, s.blocks, k, hint, code))
    if tagger is None:
        return case.model_copy(update={"lines": tuple(lines)})
    free = [(k, b) for k, s in enumerate(case.sections) for b in s.blocks if not case.blocks[b].fields.get("product")]
    tagged = dict(zip(free, tagger.spans([case.blocks[b].text for _, b in free]), strict=True))
    if mode == "hybrid":
        return case.model_copy(update={"lines": tuple(_second_opinion(case, lines, tagged))})
    out: list[Line] = []
    for k, s in enumerate(case.sections):
        for b in s.blocks:
            block = case.blocks[b]
            if (k, b) not in tagged:
                out.extend(extract_block_lines(case.blocks, [b], k, hint, code))
                continue
            for p in lines_from_spans(block.text, tagged[(k, b)], hint):
                out.append(Line(
                    section=k, text=p.text, product=p.product, qty=p.qty, unit=p.unit, qty_vague=p.vague, price=p.price,
                    confidence=round(block.confidence * p.product_score, 4),
                    qty_confidence=round(min(block.confidence, p.qty_score), 4), block=b,
                ))
    return case.model_copy(update={"lines": tuple(out)})


def _second_opinion(case: Case, lines: Sequence[Line], tagged: dict[tuple[int, int], list[Span]]) -> list[Line]:
    """Lower the quantity confidence of rule lines the tagger reads with another quantity (or not at all)."""
    out = []
    for ln in lines:
        spans = tagged.get((ln.section, ln.block)) if ln.block is not None else None
        if spans is None or ln.qty is None or ln.qty_confidence >= TRUSTED:
            out.append(ln)
            continue
        words = set(normalize(ln.product).split())
        agree = any(
            p.qty == ln.qty and len(words & set(normalize(p.product).split())) >= max(1, len(words) // 2)
            for p in lines_from_spans(case.blocks[ln.block].text if ln.block is not None else "", spans)
        )
        out.append(ln if agree else ln.model_copy(update={"qty_confidence": min(ln.qty_confidence, DISAGREE)}))
    return out


DISAGREE = 0.45  # below the default quantity threshold: the two extractors disagree, a person decides
TRUSTED = 0.95  # a count written with its unit ("24 ctn") or marker ("qty: 5") needs no second opinion


# -- match --------------------------------------------------------------------------------------------------
def match(case: Case, matcher: SkuMatcher, md: MasterData, th: Thresholds) -> Case:
    """Map each line to a SKU of the section's customer and convert its quantity; drop chatter that is no line."""
    sender = customer_of_sender(case.message.sender, md)
    out: list[Line] = []
    whos = [[c for c in (case.sections[ln.section].customer_id, sender.customer_id if sender else None) if c]
            for ln in case.lines]
    lines = [_measure_as_quantity(ln, matcher, md, who, th) for ln, who in zip(case.lines, whos, strict=True)]
    found = matcher.match_many([(ln.product, who) for ln, who in zip(lines, whos, strict=True)])
    for ln, cands in zip(lines, found, strict=True):
        best = cands[0] if cands else None
        explicit = bool(case.blocks[ln.block].fields) if ln.block is not None else False
        if not explicit and not _is_order_line(ln, best.probability if best else 0.0, matcher.resemblance(ln.product), th):
            continue
        sku = best.sku if best and best.probability >= th.sku else None
        product = md.product(sku)
        if product is not None and _own_size_as_count(ln, product):
            ln = ln.model_copy(update={"qty": None, "unit": None, "qty_confidence": 0.0})
        sku_qty, uom = None, ln.unit
        if product is not None:
            uom = product.uom
            qty, unit = ln.qty, ln.unit
            if qty is not None:
                sku_qty = to_uom(qty, unit, product.uom, product.conversions).qty
        conf = min(best.probability if best else 0.0, ln.qty_confidence if sku_qty is not None else 0.0)
        out.append(ln.model_copy(update={"candidates": tuple(cands), "sku": sku, "sku_confidence": best.probability if best else 0.0,
                                         "sku_qty": sku_qty, "uom": uom, "confidence": round(conf, 4)}))
    return case.model_copy(update={"lines": tuple(out)})


def _measure_as_quantity(ln: Line, matcher: SkuMatcher, md: MasterData, who: list[str], th: Thresholds) -> Line:
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


def _is_order_line(ln: Line, best: float, resemblance: float, th: Thresholds) -> bool:
    """A line is an order line when it carries a quantity and looks like a product, or names a product clearly.

    Questions ("is X available?") and complaints ("2 sets damaged") name products and numbers but order nothing.
    """
    if (QUESTION.search(ln.text) and not ln.qty_vague) or COMPLAINT.search(ln.text):
        return False
    has_qty = ln.qty is not None or ln.qty_vague
    explicit = ln.unit is not None or ln.qty_confidence >= 0.9
    if has_qty and (explicit or resemblance >= th.line_resemblance or best >= th.sku):
        return True
    words = len(ln.product.split())
    return not has_qty and words <= 7 and resemblance >= 0.6 and best >= th.sku and ln.block is not None


# -- validate --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ledger:
    """What the store knows of a customer that the rules need: released value and recent orders."""

    released_value: Decimal
    recent: tuple[PastOrder, ...]


def validate(case: Case, md: MasterData, ledger: Callable[[str], Ledger], qty_threshold: float = 0.5) -> Case:
    """Run every rule on every order that has lines; findings are added to the intake's."""
    findings = list(case.findings)
    for k, s in enumerate(case.sections):
        lines = [(i, ln) for i, ln in enumerate(case.lines) if ln.section == k]
        if not lines:
            continue
        customer = md.customer(s.customer_id)
        led = ledger(customer.customer_id) if customer else Ledger(Decimal(0), ())
        view = OrderView(section=k, message_id=case.message.id, received_at=case.message.received_at, customer=customer,
                         lines=lines, released_value=led.released_value, recent=led.recent, named=s.named,
                         qty_threshold=qty_threshold)
        findings.extend(validate_order(view, md))
    return case.model_copy(update={"findings": tuple(findings)})


# -- decide -----------------------------------------------------------------------------------------------------
def decide(case: Case) -> Case:
    """``auto`` only when no code was raised; ``no_order`` when the message holds no order line and no finding."""
    if case.findings:
        status = Status.EXCEPTION
    elif case.lines:
        status = Status.AUTO
    else:
        status = Status.NO_ORDER
    return case.model_copy(update={"status": status})
