"""The contract's prediction (section 3) as types: what the decide stage's case becomes for the store, resolving,
``ordex predict`` and the HTTP answer (``serving/schemas`` extends it). Built here, read back here; nowhere else.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer

from ordex.schema import Candidate, Case, Finding, Line, StageTrace


class PredictedLine(BaseModel):
    """One order line as predicted: the SKU, the quantity in its uom (null when unclear), the span read."""

    model_config = ConfigDict(extra="ignore")

    sku: str | None
    qty: int | float | None = Field(description="Quantity in the SKU's uom (as written when no SKU); null when unclear")
    uom: str | None
    text: str = Field(description="The span of the message the line was read from")
    confidence: float
    candidates: list[Candidate] = Field(default_factory=list, description="The matcher's top SKUs, best first")

    @classmethod
    def of(cls, ln: Line) -> PredictedLine:
        """The prediction's line for a pipeline line (whole quantities as integers, three candidates)."""
        return cls(sku=ln.sku, qty=_whole(ln.sku_qty if ln.sku else ln.qty), uom=ln.uom, text=ln.text,
                   confidence=round(ln.confidence, 4), candidates=list(ln.candidates[:3]))


class StoredLine(PredictedLine):
    """An order line as the store keeps it: the prediction's line and the product mention it was read from,
    which resolving teaches as the customer's alias."""

    product: str = Field(default="", description="The product words of the mention, without quantity and unit")
    unit: str | None = Field(default=None, description="The unit or pack word as written beside the count")
    count: float | None = Field(default=None, description="The count as written (a question to the dealer offers "
                                                          "it in each unit when the quantity was unclear)")

    @classmethod
    def of(cls, ln: Line) -> StoredLine:
        return cls(**PredictedLine.of(ln).model_dump(), product=ln.product, unit=ln.unit, count=ln.qty)

    def to_line(self, section: int) -> Line:
        """The stored line back as a pipeline line, to run the rules again (its quantity already in the uom)."""
        qty = float(self.qty) if self.qty is not None else None
        return Line(section=section, text=self.text, product=self.product or self.text, qty=qty, unit=self.uom,
                    sku=self.sku, sku_qty=qty if self.sku else None, uom=self.uom, confidence=self.confidence,
                    sku_confidence=self.confidence)


class PredictedOrder(BaseModel):
    """One order of the message (an e-mail may hold one per sub-dealer); ``named``: the name the text gave."""

    customer_id: str | None
    lines: list[PredictedLine]
    named: str | None = None

    @model_serializer(mode="wrap")
    def _without_empty_name(self, handler: Any) -> dict[str, Any]:
        out: dict[str, Any] = handler(self)
        if not out.get("named"):
            out.pop("named", None)
        return out


class PredictedException(BaseModel):
    """One exception code raised on the message, with the queue that works it."""

    code: str
    queue: str
    detail: str

    @classmethod
    def of(cls, f: Finding) -> PredictedException:
        return cls(code=str(f.code), queue=f.queue, detail=f.detail)


class Prediction(BaseModel):
    """The contract's prediction for one message, and the trace of the stages that made it."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(description="The message id (message_id or id of the body, the e-mail's Message-ID, ...)")
    status: Literal["auto", "exception", "no_order"]
    orders: list[PredictedOrder] = Field(default_factory=list)
    exceptions: list[PredictedException] = Field(default_factory=list)
    transcript: str | None = None
    latency_ms: float = 0.0
    trace: list[StageTrace] = Field(default_factory=list, description="Each stage's model, version and milliseconds")

    @classmethod
    def of(cls, case: Case, latency_ms: float) -> Prediction:
        """The prediction of a decided case."""
        orders = [PredictedOrder(customer_id=case.sections[k].customer_id, lines=[PredictedLine.of(ln) for ln in lines],
                                 named=case.sections[k].named or None)
                  for k, lines in orders_of(case)]
        return cls(id=case.message.id, status=str(case.status), orders=orders,  # type: ignore[arg-type]
                   exceptions=[PredictedException.of(f) for f in case.findings], transcript=case.transcript() or None,
                   latency_ms=round(latency_ms, 2), trace=list(case.trace))

    @classmethod
    def failed(cls, message_id: str, finding: Finding) -> Prediction:
        """The prediction of a message whose processing crashed: held with the one finding, nothing lost."""
        return cls(id=message_id, status="exception", exceptions=[PredictedException.of(finding)])


class Answer(Prediction):
    """The prediction plus where the store keeps what it made."""

    message_id: int = Field(description="The stored message's row id (GET /v1/messages/{message_id}); the id the "
                                        "client posted (the contract's request `message_id`) comes back as `id`")
    order_ids: list[int] = Field(default_factory=list)
    exception_ids: list[int] = Field(default_factory=list)

    def prediction(self) -> Prediction:
        """The contract's prediction alone (what ``ordex predict`` writes)."""
        return Prediction.model_construct(**{k: getattr(self, k) for k in Prediction.model_fields})


def orders_of(case: Case) -> list[tuple[int, list[Line]]]:
    """(section, lines) of every section that holds at least one line."""
    out = []
    for k in range(len(case.sections)):
        lines = [ln for ln in case.lines if ln.section == k]
        if lines:
            out.append((k, lines))
    return out


def _whole(qty: float | None) -> int | float | None:
    return int(qty) if isinstance(qty, float) and qty == int(qty) else qty


# -- the contract's line keys (section 5): what scoring and the release gate's training compare ------------------
LineKey = tuple[Any, str, Any, str]


def _qty(q: Any) -> float | int | None:
    try:
        f = float(q)
    except (TypeError, ValueError):
        return None
    return int(f) if f == int(f) else round(f, 3)


def summed_lines(orders: Iterable[dict[str, Any]]) -> Counter[LineKey]:
    """Lines with a SKU, summed per (customer, sku, uom), as the contract scores them; an unreadable quantity
    spoils its sum."""
    out: dict[tuple[Any, str, str], Any] = {}
    for order in orders:
        for ln in order.get("lines") or []:
            if not ln.get("sku"):
                continue
            key = (order.get("customer_id"), ln["sku"], (ln.get("uom") or "").upper())
            q, total = _qty(ln.get("qty")), out.get(key)
            out[key] = False if total is False or q is None else _qty((total or 0) + q)
    return Counter({(c, s, None if q is False else q, u): 1 for (c, s, u), q in out.items()})
