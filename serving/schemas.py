"""What the HTTP API answers, as pydantic models for the OpenAPI page, and the error clients see."""

from __future__ import annotations

from copy import deepcopy
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ordex import prediction
from ordex.keys import Queue, Role


class ApiError(Exception):
    """A request the API refuses: the HTTP status, a stable machine code and a sentence for people."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON body of the error answer."""
        return {"code": self.code, "message": self.message, **self.extra}


class ErrorBody(BaseModel):
    """Every error answer: ``code`` is stable for programs, ``message`` is for people."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(description="Stable error code, e.g. malformed_json, invalid_body, idempotency_conflict")
    message: str
    errors: list[dict[str, Any]] | None = Field(default=None, description="Field errors of an invalid body")


class Answer(prediction.Answer):
    """The contract's prediction for the message, plus where the store keeps what it made (``ordex.prediction``)."""


class WebhookStored(BaseModel):
    """One message of a webhook delivery, as stored."""

    id: str = Field(description="The WhatsApp message id (wamid), or wa-status-... for a status-only body")
    message_id: int | None = Field(description="The stored message's row id (null for a duplicate)")
    status: Literal["ok", "duplicate"]


class WebhookAnswer(BaseModel):
    """The webhook's answer once every message of the delivery is stored (processing follows in the background)."""

    status: Literal["ok", "duplicate"] = Field(description="duplicate: every wamid was seen before with another body")
    id: str = Field(description="The first message's wamid, or wa-status-... for a status-only body")
    message_id: int | None = Field(description="The first message's row id")
    messages: list[WebhookStored]


class ExceptionBrief(BaseModel):
    """An exception in a list of an order's or message's exceptions."""

    exception_id: int
    code: str
    queue: Queue
    state: Literal["open", "approved", "fixed", "rejected", "closed"]
    detail: str


class StoredOrder(BaseModel):
    """An order as the store keeps it."""

    model_config = ConfigDict(extra="allow")

    order_id: int
    message_id: int
    customer_id: str | None
    state: Literal["held", "released", "rejected", "merged"]
    value: float | None
    lines: list[dict[str, Any]]
    released_at: str | None
    exceptions: list[ExceptionBrief]


class MessageOut(BaseModel):
    """A stored message: its place in the work queue and, once processed, its prediction."""

    model_config = ConfigDict(extra="allow")

    message_id: int
    id: str
    channel: str
    state: Literal["received", "processing", "done", "failed"]
    status: str | None
    prediction: Answer | None
    order_ids: list[int]
    exceptions: list[ExceptionBrief]
    attachments: list[dict[str, Any]]


class ExceptionView(BaseModel):
    """An exception with what a person needs to resolve it."""

    model_config = ConfigDict(extra="allow")

    exception_id: int
    code: str
    queue: Queue
    state: str
    detail: str
    message: dict[str, Any] = Field(description="The original message: sender, subject, text, attachments")
    extracted: dict[str, Any] = Field(description="Blocks read, transcript, and the line concerned with candidates")
    order: dict[str, Any] | None = Field(description="The order it holds, with all its lines and candidates")
    needs: dict[str, Any] = Field(description="What resolving it takes: summary, actions, fields, candidates")


class ResolveAnswer(BaseModel):
    """The order after the resolution."""

    model_config = ConfigDict(extra="allow")

    exception: dict[str, Any]
    order: dict[str, Any] | None
    released: bool
    released_order_ids: list[int]
    raised: list[int] = Field(description="Exceptions the corrected order raised")
    learned: list[dict[str, str]] = Field(description="Aliases taught: customer_id, alias, sku")
    rechecked: dict[str, list[int]] | None = Field(
        default=None, description="Open exceptions of the same customer with a phrase just taught, fixed with it "
                                  "(rechecked: their ids) and the orders that released (released_order_ids)")


class RetrainRun(BaseModel):
    """One retrained model."""

    model: str
    run_id: str
    metrics: dict[str, float]
    promoted: bool
    reason: str


class RetrainAnswer(BaseModel):
    """``POST /v1/retrain``'s answer."""

    runs: list[RetrainRun]


class AuditTrail(BaseModel):
    """Audit events, oldest first."""

    message_id: int | None
    events: list[dict[str, Any]] = Field(description="event_id, at, actor, role, channel, message_id, event, detail")


class KeyCreated(BaseModel):
    """A new key: shown this once."""

    key: str
    name: str
    role: Role


class MasterDataLoaded(BaseModel):
    """A master-data reload."""

    model_config = ConfigDict(extra="allow")

    load_id: int
    unchanged: bool = Field(default=False, description="The same master data as the current snapshot: nothing was "
                                                       "loaded, what its history taught is reused")
    changes: dict[str, Any]


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the error statuses a route may answer."""
    return {s: {"model": ErrorBody} for s in statuses}


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A model's JSON schema with its ``$defs`` inlined, for routes that parse the body themselves.

    Both FastAPI's ``/openapi.json`` and BentoML's ``/docs.json`` copy a route's ``openapi_extra``
    verbatim, so a schema there must not point at ``#/$defs``.
    """
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(deepcopy(defs[ref.removeprefix("#/$defs/")]))
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


class ErpLine(BaseModel):
    """One line of an order handed to the ERP."""

    sku: str
    description: str
    qty: float = Field(description="In the SKU's uom")
    uom: str | None
    unit_price: float | None = Field(description="The customer's price (null when there is no condition)")
    amount: float | None
    text: str = Field(description="The words of the message it was read from")


class ErpOrder(BaseModel):
    """The body ordex POSTs to ``ORDEX_ERP_URL`` (and writes as ``order-{id}.json``) for each released order, once
    per order id. Headers: ``Idempotency-Key: ordex-order-{order_id}``, ``X-Ordex-Timestamp`` (Unix seconds),
    ``X-Ordex-Signature: sha256=`` HMAC-SHA256 of ``{timestamp}.{body}`` with ``ORDEX_ERP_SECRET``. Answer 2xx
    (or 409 for a key you have): anything else is retried with backoff, a 4xx but 408/425/429 is a dead letter."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "order_id": 42, "reference": "ORD-42", "message_id": "wamid.HBgLOTE5ODEy", "channel": "whatsapp",
        "customer_id": "C001", "customer_name": "Sharma Traders", "currency": "INR",
        "received_at": "2026-11-02T04:30:00+00:00", "released_at": "2026-11-02T04:30:01+00:00", "value": 15600.0,
        "lines": [{"sku": "MLK-TTR-1L", "description": "Full Cream Milk Tetra Pack 1 L", "qty": 24, "uom": "CTN",
                   "unit_price": 650.0, "amount": 15600.0, "text": "24 ctn tetra 1L"}]}]})

    order_id: int
    reference: str
    message_id: str = Field(description="The dealer's message id (wamid, Message-ID, or the client's id)")
    channel: str
    customer_id: str | None
    customer_name: str
    currency: str
    received_at: str | None
    released_at: str | None
    value: float
    lines: list[ErpLine]
