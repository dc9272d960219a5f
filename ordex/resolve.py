"""Resolving an exception, as the contract's "Resolving" paragraph says, for the API and ``ordex resolve``.

Each code raised on an order is one exception in its queue. ``approve`` accepts the order as it stands;
with ``lines`` (and/or ``customer_id``) it first replaces the order's lines and re-runs the rules on it,
less the findings a person already approved. ``reject`` cancels the order and closes its other exceptions.
An order is released when none of its exceptions (nor its message's) is open. Every corrected line teaches
that customer's alias at once and is kept as a correction for retraining. The same request again gets the
first answer; a different one on a resolved exception is refused; two people at once release one order.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from models.extractor import extract_block_lines
from models.matcher import normalize
from models.units import to_uom
from ordex.catalog import MasterData
from ordex.intake.text import body_blocks
from ordex.keys import SYSTEM, Principal
from ordex.schema import Code, Finding, Line
from ordex.store import Store
from ordex.store.queries import column_text
from ordex.store.resolution import OrderTxn, ResolutionTxn
from ordex.store.tables import ExceptionRow, OrderRow
from ordex.unit_words import taught_by
from rules.validate import OrderView, PastOrder, load_config, order_value, signature, validate_order

NO_NUL = r"^[^\x00]*$"  # text a store can keep (PostgreSQL's cannot hold NUL)


class LineFix(BaseModel):
    """One order line as a person says it should be."""

    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1, max_length=100, pattern=NO_NUL, description="A SKU of the catalog")
    qty: float = Field(gt=0, le=1e12, allow_inf_nan=False, description="Quantity, in uom (default: the SKU's uom)")
    uom: str | None = Field(default=None, max_length=32, pattern=NO_NUL,
                            description="The unit of qty; converted with the SKU's conversions")
    text: str | None = Field(default=None, max_length=2000, pattern=NO_NUL,
                             description="How the message named it; taught as this customer's alias")


def stored_fix(d: dict[str, Any], **change: Any) -> LineFix:
    """A stored order line as the fix that keeps it (its SKU, quantity in the uom, text), with ``change`` applied."""
    return LineFix(**{"sku": d.get("sku"), "qty": d.get("qty"), "uom": d.get("uom"), "text": d.get("text"), **change})


class Resolution(BaseModel):
    """``POST /v1/exceptions/{id}/resolve``: approve (optionally fixing customer and lines) or reject."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["approve", "reject"]
    customer_id: str | None = Field(default=None, max_length=100, pattern=NO_NUL,
                                    description="The customer the order is for")
    lines: list[LineFix] | None = Field(default=None, min_length=1, max_length=1000,
                                        description="Replaces all the order's lines")


RefusalKind = Literal["forbidden", "not_found", "conflict", "invalid"]


class ResolveError(Exception):
    """A resolution refused: what kind of refusal (the API maps it to its status), a stable code and a sentence."""

    def __init__(self, kind: RefusalKind, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.kind, self.code, self.message, self.extra = kind, code, message, extra


APPROVED = ("approved", "fixed")  # states in which a person accepted a finding: it is not raised again


def resolve(store: Store, md: MasterData, exception_id: int, request: Resolution, actor: Principal = SYSTEM,
            queues: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Resolve one exception in one transaction and return the answer (the order, released or not)."""
    wanted = request.model_dump(mode="json", exclude_none=True)
    with store.resolutions.open(exception_id) as txn:
        if txn is None:
            raise ResolveError("not_found", "not_found", f"there is no exception {exception_id}")
        exc = txn.exception
        if queues is not None and exc.queue not in queues:
            raise ResolveError("forbidden", "forbidden", f"exception {exception_id} is in the {exc.queue} queue, "
                                                 f"which the {actor.role} role does not work")
        if exc.state != "open":
            kept = exc.resolution or {}
            if kept.get("request") == wanted and "answer" in kept:
                return {**kept["answer"], "replayed": True}
            raise ResolveError("conflict", "already_resolved",
                               f"exception {exception_id} is already {exc.state} (by {exc.resolved_by or 'system'})",
                               state=exc.state)
        if txn.order is None:
            answer = _resolve_message(txn, request, actor)
        else:
            answer = _resolve_order(txn, txn.order, request, actor, md)
        txn.keep_resolution(exc, {"request": wanted, "answer": answer})
        return answer


# -- a message-level exception (an unreadable attachment) -----------------------------------------------------
def _resolve_message(txn: ResolutionTxn, request: Resolution, actor: Principal) -> dict[str, Any]:
    """Approve or reject an exception raised on the message as a whole (an unreadable attachment)."""
    exc = txn.exception
    if request.lines is not None or request.customer_id is not None:
        raise ResolveError("invalid", "no_order", f"exception {exc.id} ({exc.code}) is on the message, not on an order: "
                                            "approve or reject it, and fix lines on the order's own exceptions")
    if request.action == "reject":
        txn.close(exc, "rejected", actor.name)
        for order in txn.orders():
            if order.state == "held":
                txn.reject(order)
                _close_open(txn, txn.order_exceptions(order), exc.id, actor, "closed")
        _close_open(txn, txn.message_exceptions(), exc.id, actor, "closed")
        txn.audit("rejected", actor.name, actor.role, {"exception_id": exc.id, "code": exc.code, "scope": "message"})
    else:
        txn.close(exc, "approved", actor.name)
    txn.audit("resolved", actor.name, actor.role, {"exception_id": exc.id, "code": exc.code,
                                                   "action": request.action, "before": {"state": "open"},
                                                   "after": {"state": exc.state}})
    released = _release_ready(txn, actor)
    return {"exception": _brief(exc), "order": None, "released": bool(released), "released_order_ids": released,
            "raised": [], "learned": []}


# -- an order's exception -----------------------------------------------------------------------------------
def _resolve_order(txn: ResolutionTxn, order: OrderRow, request: Resolution, actor: Principal,
                   md: MasterData) -> dict[str, Any]:
    """Approve, fix or reject an exception of an order; the answer is the order as it now stands."""
    exc = txn.exception
    before = _order_state(order)
    raised: list[int] = []
    learned: list[dict[str, str]] = []
    if request.action == "reject":
        txn.close(exc, "rejected", actor.name)
        _close_open(txn, txn.order_exceptions(order), exc.id, actor, "closed")
        txn.reject(order)
        txn.audit("rejected", actor.name, actor.role, {"exception_id": exc.id, "order_id": order.id})
    elif request.lines is None and request.customer_id is None:
        txn.close(exc, "approved", actor.name)
    else:
        raised, learned = _fix_order(txn, order, request, actor, md)
        txn.close(exc, "fixed", actor.name)
    txn.audit("resolved", actor.name, actor.role, {
        "exception_id": exc.id, "code": exc.code, "action": request.action,
        "before": {"state": "open", "order": before}, "after": {"state": exc.state, "order": _order_state(order)},
        "raised": raised, "learned": learned})
    released = _release_ready(txn, actor)
    exceptions = [_brief(e) for e in txn.order_exceptions(order)]
    return {"exception": _brief(exc), "order": {**_order_state(order), "order_id": order.id,
                                                "released_at": order.released_at.isoformat() if order.released_at else None,
                                                "exceptions": exceptions},
            "released": order.state == "released", "released_order_ids": released, "raised": raised,
            "learned": learned}


def _fix_order(txn: ResolutionTxn, order: OrderRow, request: Resolution, actor: Principal,
               md: MasterData) -> tuple[list[int], list[dict[str, str]]]:
    """Replace the order's customer and lines, re-run the rules, and teach what the person corrected."""
    exc = txn.exception
    customer_id = order.customer_id
    if request.customer_id is not None:
        if md.customer(request.customer_id) is None:
            raise ResolveError("invalid", "unknown_customer", f"customer {request.customer_id!r} is not in the master data")
        customer_id = request.customer_id
    old = list(order.lines)
    lines = ([_line_of(fix, i, old, order.section, md) for i, fix in enumerate(request.lines)]
             if request.lines is not None else [_stored_line(d, order.section) for d in old])
    mine = txn.order_exceptions(order)
    waived = frozenset(Code(e.code) for e in mine if e.state in APPROVED or e.id == exc.id)
    findings = _findings(txn, order, customer_id, lines, waived, md)
    open_codes = {e.code: e for e in mine if e.state == "open" and e.id != exc.id}
    for code, other in open_codes.items():
        if code in findings:
            other.detail = column_text(findings[code].detail)
        else:
            txn.close(other, "fixed", actor.name, {"by_exception": exc.id})
    raised = []
    for code, f in findings.items():
        if code not in open_codes:
            raised.append(txn.raise_exception(order, code, f.queue, f.detail, f.line))
    if raised:
        txn.audit("exception_raised", actor.name, actor.role,
                  {"order_id": order.id, "codes": sorted(c for c in findings if c not in open_codes),
                   "exceptions": raised, "after_exception": exc.id})
    txn.replace_order(order, customer_id, [_dump(ln) for ln in lines], order_value(lines, customer_id, md),
                      [list(x) for x in signature(lines)])
    learned = _learn(txn, order, customer_id, request, old, lines, actor, md) if request.lines is not None else []
    return raised, learned


def _findings(txn: OrderTxn, order: OrderRow, customer_id: str | None, lines: list[Line],
              waived: frozenset[Code], md: MasterData) -> dict[str, Finding]:
    """The rules on the corrected order, one finding per code (details joined), less the waived codes."""
    customer = md.customer(customer_id)
    cfg = load_config()
    released = Decimal(0)
    recent: tuple[PastOrder, ...] = ()
    if customer is not None:
        load_id = txn.current_load_id()
        released = txn.released_value(customer.customer_id, load_id)
        if order.state == "released" and order.load_id == load_id and order.customer_id == customer.customer_id:
            released -= order.value  # an amended order is judged once, as it now stands
        recent = tuple(PastOrder(mid, at, tuple((s, float(q)) for s, q in sig))
                       for mid, at, sig in txn.recent_orders(customer.customer_id, order.received_at,
                                                             cfg.duplicate_window_hours))
    view = OrderView(section=order.section, message_id=txn.message.external_id, received_at=_aware(order.received_at),
                     customer=customer, lines=list(enumerate(lines)), released_value=released, recent=recent,
                     waived=waived)
    out: dict[str, Finding] = {}
    for f in validate_order(view, md, cfg):
        code = str(f.code)
        if code in out:
            if f.detail not in out[code].detail:
                out[code] = out[code].model_copy(update={"detail": f"{out[code].detail}; {f.detail}"})
        else:
            out[code] = f
    return out


# -- lines ----------------------------------------------------------------------------------------------------
def _line_of(fix: LineFix, i: int, old: list[dict[str, Any]], section: int, md: MasterData) -> Line:
    """A corrected line as the pipeline's Line, its quantity converted to the SKU's uom."""
    p = md.product(fix.sku)
    if p is None:
        raise ResolveError("invalid", "unknown_sku", f"line {i + 1}: SKU {fix.sku!r} is not in the catalog")
    unit = (fix.uom or p.uom).strip().upper()
    converted = to_uom(fix.qty, None if unit == p.uom else unit, p.uom, p.conversions)
    if converted.qty is None:
        raise ResolveError("invalid", "qty_not_convertible",
                           f"line {i + 1}: {converted.reason or f'{fix.qty:g} {unit} does not convert to {p.uom}'}")
    was = _original(fix, i, old)
    text = fix.text or (was or {}).get("text") or f"{fix.qty:g} {unit} {p.sku}"
    return Line(section=section, text=text, product=_mention(fix, was), qty=fix.qty, unit=unit, sku=p.sku,
                sku_confidence=1.0, sku_qty=converted.qty, uom=p.uom, confidence=1.0, qty_confidence=1.0)


def _stored_line(d: dict[str, Any], section: int) -> Line:
    """A stored order line back as a Line, to re-run the rules when only the customer changed."""
    sku, qty = d.get("sku"), d.get("qty")
    return Line(section=section, text=d.get("text", ""), product=d.get("product") or d.get("text", ""),
                qty=qty, unit=d.get("uom"), sku=sku, sku_qty=qty if sku else None, uom=d.get("uom"),
                confidence=float(d.get("confidence", 1.0)), sku_confidence=float(d.get("confidence", 1.0)))


def _original(fix: LineFix, i: int, old: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The order line a corrected line replaces: the one it names by ``text``, else the one at its position."""
    if fix.text:
        same = next((d for d in old if d.get("text") == fix.text), None)
        if same is not None:
            return same
    return old[i] if i < len(old) else None


def _mention(fix: LineFix, was: dict[str, Any] | None) -> str:
    """The product mention a line was read from: the original line's, or the product words of ``text``."""
    if was is not None and (not fix.text or fix.text == was.get("text")):
        return str(was.get("product") or was.get("text") or "")
    if not fix.text:
        return ""
    blocks = body_blocks(fix.text)
    found = [ln for ln in extract_block_lines(blocks, range(len(blocks)), 0) if ln.product.strip()]
    return found[0].product if len(found) == 1 else fix.text


def _dump(ln: Line) -> dict[str, Any]:
    """A line as the order stores it (the prediction's shape, plus the mention)."""
    qty: float | int | None = ln.sku_qty if ln.sku else ln.qty
    if isinstance(qty, float) and qty == int(qty):
        qty = int(qty)
    return {"sku": ln.sku, "qty": qty, "uom": ln.uom, "text": ln.text, "confidence": round(ln.confidence, 4),
            "candidates": [c.model_dump() for c in ln.candidates[:3]], "product": ln.product}


def _learn(txn: OrderTxn, order: OrderRow, customer_id: str | None, request: Resolution,
           old: list[dict[str, Any]], lines: list[Line], actor: Principal, md: MasterData) -> list[dict[str, str]]:
    """Teach each corrected line's mention as the customer's alias and the unit word beside its count (when the
    quantity set makes it plain), and keep it as a correction."""
    assert request.lines is not None
    aliases: list[tuple[str, str, str, int]] = []
    for i, (fix, ln) in enumerate(zip(request.lines, lines, strict=True)):
        was = _original(fix, i, old)
        same = was is not None and was.get("sku") == ln.sku and was.get("qty") == _dump(ln)["qty"]
        if same:
            continue
        txn.correction(customer_id=customer_id, text=ln.text, product=ln.product, sku=ln.sku, qty=ln.sku_qty,
                       uom=ln.uom, actor=actor.name)
        alias = normalize(ln.product)
        if customer_id and alias and ln.sku and (was is None or was.get("sku") != ln.sku):
            aliases.append((customer_id, alias, ln.sku, 1))
    unique = list(dict.fromkeys(aliases))
    txn.learn(unique)
    changed = [(ln.text, ln.sku, ln.sku_qty) for i, (fix, ln) in enumerate(zip(request.lines, lines, strict=True))
               if (was := _original(fix, i, old)) is None or was.get("qty") != _dump(ln)["qty"] or was.get("sku") != ln.sku]
    units = taught_by(customer_id, changed, md)
    txn.learn_units(units)
    return [{"customer_id": c, "alias": a, "sku": s} for c, a, s, _ in unique] + \
        [{"customer_id": c, "unit_word": w, "unit": u} for c, w, u, _ in units]


# -- what one answer settles elsewhere ------------------------------------------------------------------------
def recheck(store: Store, md: MasterData, learned: list[dict[str, str]], actor: Principal) -> dict[str, Any]:
    """Re-check every open SKU_UNMATCHED of the same customers whose unmatched mentions are all phrases a person
    just taught: each is fixed with the taught SKU (its count as written) and released if nothing else holds it.
    Answers how many were re-checked and which orders were released."""
    taught: dict[tuple[str, str], str] = {(d["customer_id"], d["alias"]): d["sku"] for d in learned if "alias" in d}
    rechecked: list[int] = []
    released: list[int] = []
    for customer_id in sorted({c for c, _ in taught}):
        for exception_id, _order_id, lines in store.views.open_on_lines(customer_id, "SKU_UNMATCHED"):
            fixes = _taught_lines(lines, customer_id, taught)
            if fixes is None:
                continue
            try:
                answer = resolve(store, md, exception_id, Resolution(action="approve", lines=fixes), actor)
            except ResolveError:
                continue  # resolved meanwhile, or the count does not convert: it stays for a person
            rechecked.append(exception_id)
            released.extend(answer.get("released_order_ids") or [])
    return {"rechecked": rechecked, "released_order_ids": released}


def _taught_lines(lines: list[dict[str, Any]], customer_id: str,
                  taught: dict[tuple[str, str], str]) -> list[LineFix] | None:
    """The order's lines with every unmatched line taken from what was just taught; None when a line stays open."""
    out: list[LineFix] = []
    hit = False
    for d in lines:
        if d.get("sku"):
            if d.get("qty") is None:
                return None
            out.append(stored_fix(d))
            continue
        sku = taught.get((customer_id, normalize(str(d.get("product") or ""))))
        count = d.get("count") or d.get("qty")
        if sku is None or not count:
            return None
        out.append(stored_fix(d, sku=sku, qty=count, uom=d.get("unit")))
        hit = True
    return out if hit else None


# -- the dealer's own amendment ------------------------------------------------------------------------------
def amend(store: Store, md: MasterData, order_id: int, lines: list[LineFix] | None, actor: Principal,
          reason: str, ref: str) -> dict[str, Any]:
    """Change a confirmed order as its dealer asked (``lines``), or cancel it (None), in one transaction; ``ref``
    names the request (the reply's message), so the same request twice is one change and one notice.

    The rules run again on the new lines (less what a person approved); if one holds it, the order goes back
    to its queue with the exception, else it stays released and the dealer gets the updated confirmation. What
    the dealer corrected is kept (and taught) like a person's correction."""
    with store.resolutions.open_order(order_id) as txn:
        if txn is None or txn.order is None:
            raise ResolveError("not_found", "not_found", f"there is no order {order_id}")
        order = txn.order
        if order.state == "rejected":
            raise ResolveError("conflict", "cancelled", f"order {order_id} is already cancelled")
        if txn.outbound_state(f"erp:{order.id}") in ("sending", "sent"):
            raise ResolveError("conflict", "handed_off", f"order ORD-{order_id} has already left for the ERP: "
                                                         "change it there")
        before = _order_state(order)
        mine = txn.order_exceptions(order)
        if lines is None:
            txn.reject(order)
            for e in mine:
                if e.state == "open":
                    txn.close(e, "closed", actor.name, {"cancelled_by": actor.name})
            txn.audit("cancelled", actor.name, actor.role, {"order_id": order.id, "reason": reason, "before": before})
            txn.queue_outbound(f"cancelled:{order.id}:{ref}", "cancelled", order)
            return {"order_id": order.id, "state": order.state, "raised": [], "learned": []}
        old = list(order.lines)
        new = [_line_of(fix, i, old, order.section, md) for i, fix in enumerate(lines)]
        waived = frozenset(Code(e.code) for e in mine if e.state in APPROVED)
        findings = _findings(txn, order, order.customer_id, new, waived, md)
        open_codes = {e.code for e in mine if e.state == "open"}
        raised = [txn.raise_exception(order, code, f.queue, f.detail, f.line)
                  for code, f in findings.items() if code not in open_codes]
        txn.replace_order(order, order.customer_id, [_dump(ln) for ln in new], order_value(new, order.customer_id, md),
                          [list(x) for x in signature(new)])
        learned = _learn(txn, order, order.customer_id, Resolution(action="approve", lines=lines), old, new, actor, md)
        if findings and order.state == "released":
            txn.hold(order)
        txn.audit("amended", actor.name, actor.role, {"order_id": order.id, "reason": reason, "before": before,
                                                      "after": _order_state(order), "raised": raised,
                                                      "learned": learned})
        if order.state == "released":
            txn.queue_outbound(f"amended:{order.id}:{ref}", "amended", order)
        return {"order_id": order.id, "state": order.state, "raised": raised, "learned": learned}


def merge(store: Store, md: MasterData, into_id: int, from_id: int, actor: Principal, ref: str) -> bool:
    """Join a released order sent in a burst (``from_id``) to the sender's previous released order: one order,
    one confirmation. The later order is kept as ``merged`` (its message and lines stay on record); an unsent
    confirmation of it is dropped, and the earlier order's confirmation, if already sent, is followed by an
    updated one. False (nothing changed) unless both are released orders of one customer."""
    with store.resolutions.open_order(into_id) as txn:
        into = txn.order if txn is not None else None
        other = txn.other_order(from_id) if txn is not None else None
        if txn is None or into is None or other is None or into.state != "released" or other.state != "released" \
                or into.customer_id != other.customer_id or into.id == other.id:
            return False
        if any(txn.outbound_state(f"erp:{o.id}") not in (None, "pending") for o in (into, other)):
            return False  # the ERP has one of them already: they stay two orders
        lines = [*into.lines, *other.lines]
        read = [_stored_line(d, into.section) for d in lines]
        txn.replace_order(into, into.customer_id, lines, order_value(read, into.customer_id, md),
                          [list(x) for x in signature(read)])
        other.state = "merged"
        txn.audit("merged", actor.name, actor.role, {"order_id": into.id, "from_order": other.id,
                                                     "lines": len(other.lines)})
        txn.skip_outbound(f"confirmation:{other.id}", f"merged into ORD-{into.id}")
        txn.skip_outbound(f"erp:{other.id}", f"merged into ORD-{into.id}")
        if txn.outbound_state(f"confirmation:{into.id}") not in (None, "pending"):
            txn.queue_outbound(f"amended:{into.id}:{ref}", "amended", into)
        return True


# -- release -------------------------------------------------------------------------------------------------
def _release_ready(txn: ResolutionTxn, actor: Principal) -> list[int]:
    """Release every held order of the message none of whose exceptions (nor the message's) is open."""
    if any(e.state == "open" for e in txn.message_exceptions()):
        return []
    load_id = txn.current_load_id()
    released = []
    for order in txn.orders():
        if order.state == "held" and not any(e.state == "open" for e in txn.order_exceptions(order)):
            txn.release(order, load_id)
            released.append(order.id)
            txn.audit("released", actor.name, actor.role, {"order_id": order.id, "customer_id": order.customer_id,
                                                           "value": float(order.value), "load_id": load_id})
    return released


def _close_open(txn: ResolutionTxn, exceptions: list[ExceptionRow], by: int, actor: Principal, state: str) -> None:
    """Close the other open exceptions (a rejected order's, or a message's), naming the one that did it."""
    for e in exceptions:
        if e.state == "open" and e.id != by:
            txn.close(e, state, actor.name, {"by_exception": by})


def _order_state(order: OrderRow) -> dict[str, Any]:
    """An order's customer, state, value and lines, for the audit trail's before and after."""
    return {"customer_id": order.customer_id, "state": order.state, "value": float(order.value),
            "lines": [{k: d.get(k) for k in ("sku", "qty", "uom", "text")} for d in order.lines]}


def _brief(e: ExceptionRow) -> dict[str, Any]:
    """An exception in an answer."""
    return {"exception_id": e.id, "code": e.code, "queue": e.queue, "state": e.state, "detail": e.detail,
            "resolved_by": e.resolved_by}


def _aware(t: datetime) -> datetime:
    """A stored time as an aware UTC time (SQLite drops the zone)."""
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


# -- what a person must decide ---------------------------------------------------------------------------------
NEEDS: dict[str, str] = {
    "CUSTOMER_UNKNOWN": "Say whose order this is: approve with customer_id, or reject it.",
    "SKU_UNMATCHED": "Pick the SKU for {line}: approve with all the order's lines (the candidates are listed); "
                     "the mention is learned as this customer's alias.",
    "SKU_INACTIVE": "{line} maps to an inactive SKU: approve with an active replacement in lines, or approve as is.",
    "QTY_UNCLEAR": "Give the quantity of {line} in the SKU's uom: approve with all the order's lines.",
    "CREDIT_LIMIT": "The order takes the customer over its credit limit: approve to release it anyway, or reject.",
    "PRICE_MISSING": "No price condition for {line}: approve to release it without one, or reject.",
    "BELOW_MOQ": "{line} is below the minimum order quantity: approve with corrected lines, approve as is, or reject.",
    "DUPLICATE_ORDER": "The same lines came within 24 hours under another message: approve if it is a new order, "
                       "or reject the duplicate.",
    "UNREADABLE": "An attachment could not be read: read it yourself, then approve to go on without it or reject "
                  "the message.",
}


def needs(view: dict[str, Any]) -> dict[str, Any]:
    """What resolving this exception takes: a sentence, the actions, and the fields a fix may carry."""
    extracted = view.get("extracted") or {}
    line = extracted.get("line")
    where = f"line {view['line'] + 1} ({line.get('text')!r})" if line and view.get("line") is not None else "a line"
    fields = ["customer_id", "lines"] if view.get("order") is not None else []
    return {"summary": NEEDS.get(view["code"], "Approve or reject.").format(line=where),
            "actions": ["approve", "reject"], "fields": fields,
            "candidates": (line or {}).get("candidates", [])}
