"""The Case and its parts: the one data type that flows through the pipeline.

Every stage is a function ``Case -> Case`` that returns an updated copy; nothing here does I/O.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

Channel = Literal["whatsapp", "sms", "email", "portal", "agent", "pdf", "image", "spreadsheet"]
CHANNELS: tuple[str, ...] = ("whatsapp", "sms", "email", "portal", "agent", "pdf", "image", "spreadsheet")
ASKABLE: frozenset[str] = frozenset({"QTY_UNCLEAR", "SKU_UNMATCHED"})  # codes the dealer can settle by answering


def reply_channel(channel: str, sender: str) -> str | None:
    """The channel a dealer is answered on: WhatsApp for WhatsApp, e-mail to an address, SMS to a phone that
    wrote by SMS or through a field agent; None when the sender cannot be written back to (a portal, a file)."""
    s = sender.strip()
    if "@" in s and channel in ("email", "pdf", "spreadsheet", "image"):
        return "email"
    if s.startswith("+") and s[1:].isdigit():
        return "whatsapp" if channel == "whatsapp" else "sms" if channel in ("sms", "agent") else None
    return None


class Code(StrEnum):
    """The contract's exception codes."""

    CUSTOMER_UNKNOWN = "CUSTOMER_UNKNOWN"
    SKU_UNMATCHED = "SKU_UNMATCHED"
    SKU_INACTIVE = "SKU_INACTIVE"
    QTY_UNCLEAR = "QTY_UNCLEAR"
    CREDIT_LIMIT = "CREDIT_LIMIT"
    PRICE_MISSING = "PRICE_MISSING"
    BELOW_MOQ = "BELOW_MOQ"
    DUPLICATE_ORDER = "DUPLICATE_ORDER"
    UNREADABLE = "UNREADABLE"


class Status(StrEnum):
    """What became of a message: released untouched, held for a person, or no order at all."""

    AUTO = "auto"
    EXCEPTION = "exception"
    NO_ORDER = "no_order"


class Frozen(BaseModel):
    """Base for immutable value objects."""

    model_config = ConfigDict(frozen=True)


class Attachment(Frozen):
    """A file that came with a message, kept as the bytes received."""

    filename: str = ""
    content_type: str = "application/octet-stream"
    data: bytes = Field(default=b"", repr=False)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class Message(Frozen):
    """An inbound message as the outside world sent it, after the raw form (e-mail, webhook) is parsed."""

    id: str
    channel: str
    sender: str = ""
    received_at: datetime
    subject: str = ""
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    raw: bytes | None = Field(default=None, repr=False, description="The whole message as received, if any")
    raw_kind: Literal["eml", "whatsapp", "json"] | None = None
    sender_name: str = Field(default="", description="Display name the channel gave for the sender")


BBox = tuple[float, float, float, float]


class OcrLine(Frozen):
    """One line of text an OCR engine read, in reading order, with its box in image pixels."""

    text: str
    bbox: BBox = Field(description="x0, y0, x1, y1 in pixels, origin top-left")
    confidence: float = Field(ge=0.0, le=1.0, description="Mean recognition score of the line's boxes")


class Block(Frozen):
    """One line of text read from the message, with where it came from.

    ``fields`` carries columns a structured reader already recognised (product, qty, unit, price),
    so a spreadsheet row need not be re-parsed as free text.
    """

    text: str
    source: Literal["subject", "body", "attachment"] = "body"
    attachment: int | None = None
    page: int | None = None
    bbox: BBox | None = None
    reader: str = "text"
    confidence: float = 1.0
    fields: dict[str, str] = Field(default_factory=dict)


class Finding(Frozen):
    """An exception code raised on a case, with the queue that owns it and why."""

    code: Code
    queue: str
    detail: str = ""
    section: int | None = Field(default=None, description="Index of the order (section) it concerns")
    line: int | None = Field(default=None, description="Index into Case.lines it concerns")


class Section(Frozen):
    """Blocks that make one order, and the customer it is for."""

    blocks: tuple[int, ...] = ()
    named: str = Field(default="", description="The customer name the text gave for this order, if any")
    customer_id: str | None = None
    customer_source: Literal["sender", "named", "none"] = "none"


class Candidate(Frozen):
    """A SKU the matcher considered for a line, with its probability."""

    sku: str
    probability: float


class Line(Frozen):
    """One order line: what was read, and what it maps to in the catalog."""

    section: int = 0
    text: str = Field(description="The span of the message the line was read from")
    product: str = Field(description="The product mention, without quantity and unit")
    qty: float | None = Field(default=None, description="Quantity as written")
    unit: str | None = Field(default=None, description="Canonical unit or pack word as written (CTN, PCS, DOZ, …)")
    qty_vague: bool = False
    qty_note: str = Field(default="", description="Why the count is uncertain: the word beside it nothing places")
    price: float | None = None
    confidence: float = 1.0
    qty_confidence: float = 1.0
    block: int | None = None
    candidates: tuple[Candidate, ...] = ()
    sku: str | None = None
    sku_note: str = Field(default="", description="Why the best candidate was not taken although it scored enough")
    sku_confidence: float = 0.0
    sku_qty: float | None = Field(default=None, description="Quantity in the SKU's uom, after conversions")
    uom: str | None = None


class StageTrace(Frozen):
    """What ran in one stage and how long it took."""

    stage: str
    model: str = ""
    version: str = ""
    ms: float = 0.0


class Case(Frozen):
    """Everything known about one inbound message, as it moves through the pipeline."""

    message: Message
    blocks: tuple[Block, ...] = ()
    sections: tuple[Section, ...] = ()
    lines: tuple[Line, ...] = ()
    dropped: tuple[Line, ...] = ()  # lines the reader read that the matcher dropped as no order line
    findings: tuple[Finding, ...] = ()
    status: Status | None = None
    trace: tuple[StageTrace, ...] = ()

    def transcript(self) -> str:
        """Text read from images and scans, line by line (the contract's ``transcript``)."""
        return "\n".join(b.text for b in self.blocks if b.reader == "ocr")
