"""Validation rules: pure functions from one order (and what the store knows of the customer) to findings.

Each rule is one contract code; queues and thresholds come from ``rules.yaml``.
"""

from __future__ import annotations

from collections import ChainMap, Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

from ordex.catalog import Customer, MasterData
from ordex.schema import Code, Finding, Line


@dataclass(frozen=True)
class RulesConfig:
    """Queue routing and thresholds, as ``rules.yaml`` sets them."""

    queues: dict[str, str]
    duplicate_window_hours: float = 24.0
    history_factor: float = 10.0

    def queue(self, code: Code) -> str:
        return self.queues[code.value]


@cache
def load_config(path: Path | None = None) -> RulesConfig:
    """Read ``rules.yaml`` (the packaged one by default)."""
    data = yaml.safe_load((path or Path(__file__).with_name("rules.yaml")).read_text(encoding="utf-8"))
    return RulesConfig(queues=dict(data["queues"]), duplicate_window_hours=float(data["duplicate_window_hours"]),
                       history_factor=float(data.get("history_factor", 10)))


Signature = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class PastOrder:
    """An earlier order of the same customer, as the duplicate rule needs it."""

    message_id: str
    received_at: datetime
    signature: Signature


@dataclass(frozen=True)
class OrderView:
    """One order of a message, with the customer's ledger as the store has it."""

    section: int
    message_id: str
    received_at: datetime
    customer: Customer | None
    lines: Sequence[tuple[int, Line]]
    released_value: Decimal = Decimal(0)
    recent: Sequence[PastOrder] = ()
    waived: frozenset[Code] = field(default_factory=frozenset)
    named: str = ""
    qty_threshold: float = 0.5  # below this quantity confidence a line is QTY_UNCLEAR (from settings)
    usual: Mapping[str, float] = field(default_factory=dict)  # SKU -> the most this customer (or anyone) ordered


Rule = Callable[[OrderView, MasterData, RulesConfig], list[Finding]]


def _finding(cfg: RulesConfig, code: Code, o: OrderView, detail: str, line: int | None = None) -> Finding:
    return Finding(code=code, queue=cfg.queue(code), detail=detail, section=o.section, line=line)


def customer_unknown(o: OrderView, md: MasterData, cfg: RulesConfig) -> list[Finding]:
    """CUSTOMER_UNKNOWN: the sender or the named sub-dealer matches no active customer."""
    if o.customer is not None and o.customer.active:
        return []
    if o.customer is not None:
        return [_finding(cfg, Code.CUSTOMER_UNKNOWN, o, f"{o.customer.customer_id} ({o.customer.name}) is inactive")]
    who = o.named or "the sender"
    return [_finding(cfg, Code.CUSTOMER_UNKNOWN, o, f"{who}: matches no active customer")]


def sku_unmatched(o: OrderView, md: MasterData, cfg: RulesConfig) -> list[Finding]:
    """SKU_UNMATCHED: a product mention maps to no SKU with enough confidence."""
    out = []
    for i, ln in o.lines:
        if ln.sku is None:
            best = ", ".join(f"{c.sku} ({c.probability:.2f})" for c in ln.candidates[:3]) or "no candidate"
            why = f"; {ln.sku_note}" if ln.sku_note else ""
            out.append(_finding(cfg, Code.SKU_UNMATCHED, o, f"{ln.product!r}: best {best}{why}", i))
    return out


def sku_inactive(o: OrderView, md: MasterData, cfg: RulesConfig) -> list[Finding]:
    """SKU_INACTIVE: the best SKU for a line is not active."""
    out = []
    for i, ln in o.lines:
        p = md.product(ln.sku)
        if p is not None and not p.active:
            out.append(_finding(cfg, Code.SKU_INACTIVE, o, f"{p.sku} ({p.description}) is inactive", i))
    return out


def qty_unclear(o: OrderView, md: MasterData, cfg: RulesConfig) -> list[Finding]:
    """QTY_UNCLEAR: a line has no quantity, or one that cannot be read or converted with confidence."""
    out = []
    for i, ln in o.lines:
        if ln.qty is None or ln.qty_vague:
            why = ln.qty_note or "no quantity that can be read"
            out.append(_finding(cfg, Code.QTY_UNCLEAR, o, f"{ln.text!r}: {why}", i))
        elif ln.qty_note:
            out.append(_finding(cfg, Code.QTY_UNCLEAR, o, f"{ln.text!r}: {ln.qty_note}", i))
        elif ln.qty_confidence < o.qty_threshold:
            out.append(_finding(cfg, Code.QTY_UNCLEAR, o, f"{ln.text!r}: quantity {ln.qty:g} read with low confidence "
                                                           f"({ln.qty_confidence:.2f})", i))
        elif ln.sku is not None and ln.sku_qty is not None and o.usual.get(ln.sku) and \
                ln.sku_qty > cfg.history_factor * o.usual[ln.sku]:
            out.append(_finding(cfg, Code.QTY_UNCLEAR, o, f"{ln.text!r}: {ln.sku_qty:g} {ln.uom or ''} is over "
                                                           f"{cfg.history_factor:g}x the most ever ordered of {ln.sku} "
                                                           f"({o.usual[ln.sku]:g})", i))
        elif ln.sku is not None and ln.sku_qty is None:
            p = md.product(ln.sku)
            uom = p.uom if p else "?"
            out.append(_finding(cfg, Code.QTY_UNCLEAR, o, f"{ln.text!r}: {ln.qty:g} {ln.unit or ''} is not a whole number of {uom} or not sure enough", i))
    return out


def price_missing(o: OrderView, md: MasterData, cfg: RulesConfig) -> list[Finding]:
    """PRICE_MISSING: no pricing condition for this customer (or every customer) and SKU."""
    cid = o.customer.customer_id if o.customer else None
    out = []
    for i, ln in o.lines:
        if ln.sku and md.price(cid, ln.sku) is None:
            out.append(_finding(cfg, Code.PRICE_MISSING, o, f"no price for {cid or 'unknown customer'} and {ln.sku}", i))
    return out


def order_value(lines: Sequence[Line], customer_id: str | None, md: MasterData) -> Decimal:
    """The order's value at the customer's prices (lines without SKU, quantity or price add nothing)."""
    total = Decimal(0)
    for ln in lines:
        price = md.price(customer_id, ln.sku) if ln.sku else None
        if price is not None and ln.sku_qty is not None:
            total += price * Decimal(str(ln.sku_qty))
    return total


def credit_limit(o: OrderView, md: MasterData, cfg: RulesConfig) -> list[Finding]:
    """CREDIT_LIMIT: order value + outstanding + orders released since load exceeds the credit limit."""
    c = o.customer
    if c is None:
        return []
    value = order_value([ln for _, ln in o.lines], c.customer_id, md)
    exposure = value + c.outstanding + o.released_value
    if exposure <= c.credit_limit:
        return []
    detail = (
        f"order {value:,.2f} + outstanding {c.outstanding:,.2f} + released {o.released_value:,.2f}"
        f" = {exposure:,.2f} > limit {c.credit_limit:,.2f} {c.currency}"
    )
    return [_finding(cfg, Code.CREDIT_LIMIT, o, detail)]


def below_moq(o: OrderView, md: MasterData, cfg: RulesConfig) -> list[Finding]:
    """BELOW_MOQ: a line's quantity is below the SKU's minimum; the detail suggests the minimum."""
    out = []
    for i, ln in o.lines:
        p = md.product(ln.sku)
        if p is not None and ln.sku_qty is not None and p.moq > 0 and Decimal(str(ln.sku_qty)) < p.moq:
            out.append(
                _finding(cfg, Code.BELOW_MOQ, o, f"{p.sku}: {ln.sku_qty:g} {p.uom} < minimum {p.moq:g}; suggest {p.moq:g}", i)
            )
    return out


def signature(lines: Sequence[Line], unread: int = 0) -> Signature:
    """What makes two orders the same: their SKUs and quantities (0 for a count not read), and a line matched to
    no SKU as "" (an earlier order held for it may be the same order read better the second time), as is each of
    ``unread`` lines the order was held for perhaps not having read."""
    return tuple(sorted([(ln.sku or "", float(ln.sku_qty or 0)) for ln in lines if ln.sku or ln.product]
                        + [("", 0.0)] * unread))


def same_lines(past: Signature, now: Signature) -> bool:
    """True when an order may repeat an earlier one: the SKUs both name have the same quantities (a count not
    read, 0, agrees with any); a SKU only this order names stands where the earlier one held a line it could not
    match or read, and a SKU only the earlier one named where this one holds such a line, no more of them than
    there are such lines. A first order held for what it could not read still catches its repeat, and a repeat
    read worse than the first still finds it."""
    known = [(s, q) for s, q in now if s]
    before = [(s, q) for s, q in past if s]
    if not known or not before:
        return False
    had, has = Counter(s for s, _ in before), Counter(s for s, _ in known)
    if sum((had - has).values()) > len(now) - len(known) or sum((has - had).values()) > len(past) - len(before):
        return False
    for sku in had:
        mine, theirs = sorted(q for s, q in known if s == sku), sorted(q for s, q in before if s == sku)
        if not all(a == b or not a or not b for a, b in zip(mine, theirs, strict=False)):
            return False
    return True


def duplicate_order(o: OrderView, md: MasterData, cfg: RulesConfig) -> list[Finding]:
    """DUPLICATE_ORDER: the same customer sent the same lines within the window under another message id."""
    sig = signature([ln for _, ln in o.lines])
    if o.customer is None or not sig:
        return []
    window = timedelta(hours=cfg.duplicate_window_hours)
    for past in o.recent:
        if past.message_id != o.message_id and same_lines(past.signature, sig) and o.received_at - window <= past.received_at <= o.received_at:
            return [_finding(cfg, Code.DUPLICATE_ORDER, o, f"same lines as message {past.message_id} at {past.received_at.isoformat()}")]
    return []


RULES: tuple[tuple[Code, Rule], ...] = (
    (Code.CUSTOMER_UNKNOWN, customer_unknown),
    (Code.SKU_UNMATCHED, sku_unmatched),
    (Code.SKU_INACTIVE, sku_inactive),
    (Code.QTY_UNCLEAR, qty_unclear),
    (Code.PRICE_MISSING, price_missing),
    (Code.BELOW_MOQ, below_moq),
    (Code.DUPLICATE_ORDER, duplicate_order),
    (Code.CREDIT_LIMIT, credit_limit),
)


def largest_orders(md: MasterData) -> tuple[dict[tuple[str, str], float], dict[str, float]]:
    """The most each customer ordered of each SKU in the history, and the most anyone did (in the SKU's uom)."""
    own: dict[tuple[str, str], float] = {}
    anyone: dict[str, float] = {}
    for h in md.history:
        for ln in h.lines:
            q = float(ln.qty)
            own[(h.customer_id, ln.sku)] = max(own.get((h.customer_id, ln.sku), 0.0), q)
            anyone[ln.sku] = max(anyone.get(ln.sku, 0.0), q)
    return own, anyone


def usual_orders(md: MasterData) -> Callable[[str | None], Mapping[str, float]]:
    """customer id -> (SKU -> the most this customer ordered of it, or the most anyone did when it never did)."""
    own_pairs, anyone = largest_orders(md)
    own: dict[str, dict[str, float]] = {}
    for (cid, sku), q in own_pairs.items():
        own.setdefault(cid, {})[sku] = q

    def usual(customer_id: str | None) -> Mapping[str, float]:
        return ChainMap(own.get(customer_id or "", {}), anyone)

    return usual


def validate_order(o: OrderView, md: MasterData, cfg: RulesConfig | None = None) -> list[Finding]:
    """Every finding the rules raise on one order, less those a person already approved."""
    cfg = cfg or load_config()
    out: list[Finding] = []
    for code, rule in RULES:
        if code not in o.waived:
            out.extend(rule(o, md, cfg))
    return out


def unreadable(detail: str, cfg: RulesConfig | None = None) -> Finding:
    """UNREADABLE: an attachment (or the message itself) could not be read."""
    cfg = cfg or load_config()
    return Finding(code=Code.UNREADABLE, queue=cfg.queue(Code.UNREADABLE), detail=detail)
