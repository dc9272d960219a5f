"""Turn the contract's case lines and API bodies into a Message plus the raw bytes to store first."""

from __future__ import annotations

import base64
import binascii
import json
import mimetypes
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ordex.schema import CHANNELS, Attachment, Message


class InputError(ValueError):
    """A client sent a body the contract does not accept; the message says which field and why."""


LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # JSON may carry one ("\\ud800"); no text can be stored with it


def clean_text(value: str) -> str:
    """Text with every lone surrogate replaced by U+FFFD: what JSON allows and UTF-8 cannot encode."""
    return LONE_SURROGATE.sub("\ufffd", value)


class ApiAttachment(BaseModel):
    """An attachment as the API carries it: base64 content with its name and type."""

    model_config = ConfigDict(extra="forbid")

    filename: str = ""
    content_type: str = ""
    content_base64: str = Field(min_length=1, description="The file's bytes, base64-encoded")

    @field_validator("filename", "content_type")
    @classmethod
    def _clean(cls, v: str) -> str:
        return clean_text(v)


class ApiMessage(BaseModel):
    """``POST /v1/messages``: a case without ``expected``; attachments carry base64 content. Unknown fields are
    refused (a misspelt field would otherwise be a message read as empty); a case's ``raw`` may be null and its
    ``expected`` is ignored, so a case line can be posted as it is."""

    model_config = ConfigDict(extra="forbid")

    message_id: str | None = Field(default=None, description="The client's id of the message: posting it again "
                                                             "answers the first answer (idempotent). The answer "
                                                             "carries it back as `id`; the answer's own "
                                                             "`message_id` is the stored row's id")
    id: str | None = None
    channel: str = "portal"
    sender: str = ""
    received_at: datetime | None = None
    subject: str = ""
    text: str = ""
    attachments: list[ApiAttachment] = Field(default_factory=list)
    raw: None = Field(default=None, description="Always null here: post a raw e-mail to /v1/messages/email")
    expected: Any = Field(default=None, description="Ignored (a labelled case's answer)", exclude=True)

    @field_validator("message_id", "id", "sender", "subject", "text")
    @classmethod
    def _clean(cls, v: str | None) -> str | None:
        return None if v is None else clean_text(v)

    @field_validator("channel")
    @classmethod
    def _channel(cls, v: str) -> str:
        if v not in CHANNELS:
            raise ValueError(f"channel must be one of {', '.join(CHANNELS)}")
        return v

    @model_validator(mode="after")
    def _something(self) -> ApiMessage:
        if not (self.text.strip() or self.subject.strip() or self.attachments):
            raise ValueError("a message needs text, a subject or an attachment")
        return self


def _aware(t: datetime | None) -> datetime:
    if t is None:
        return datetime.now(UTC)
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def message_from_api(body: ApiMessage, message_id: str, raw: bytes) -> Message:
    """The Message of an API post; bad base64 becomes an attachment the reader will call unreadable."""
    atts = []
    for a in body.attachments:
        try:
            data = base64.b64decode(a.content_base64, validate=True)
        except (binascii.Error, ValueError):
            data = b""
        atts.append(Attachment(filename=a.filename, content_type=a.content_type or _guess(a.filename), data=data))
    return Message(
        id=message_id, channel=body.channel, sender=body.sender, received_at=_aware(body.received_at),
        subject=body.subject, text=body.text, attachments=tuple(atts), raw=raw, raw_kind="json",
    )


def message_from_case(case: dict[str, Any], base: Path) -> Message:
    """The Message of a contract case line; files are read relative to the cases file.

    A ``raw`` e-mail or webhook is kept as raw bytes for the intake stage to parse.
    """
    received_at = _aware(datetime.fromisoformat(case["received_at"])) if case.get("received_at") else _aware(None)
    raw_path = case.get("raw")
    if raw_path:
        data = _read(base, raw_path)
        kind: Literal["eml", "whatsapp"] = "eml" if raw_path.lower().endswith(".eml") else "whatsapp"
        return Message(id=case["id"], channel=case.get("channel", "email"), sender=case.get("sender") or "",
                       received_at=received_at, raw=data, raw_kind=kind)
    atts = []
    for a in case.get("attachments") or []:
        path = a.get("path", "")
        atts.append(Attachment(filename=Path(path).name, content_type=a.get("content_type") or _guess(path),
                               data=_read(base, path)))
    body = {k: case.get(k) for k in ("id", "channel", "sender", "received_at", "subject", "text")}
    body["attachments"] = [{"path": a.get("path"), "content_type": a.get("content_type")} for a in case.get("attachments") or []]
    return Message(
        id=case["id"], channel=case.get("channel", "portal"), sender=case.get("sender") or "", received_at=received_at,
        subject=case.get("subject") or "", text=case.get("text") or "", attachments=tuple(atts),
        raw=json.dumps(body, ensure_ascii=False).encode(), raw_kind="json",
    )


def _read(base: Path, rel: str) -> bytes:
    """A case file's bytes; a missing file reads as empty, which the reader reports as unreadable."""
    try:
        return (base / rel).read_bytes()
    except OSError:
        return b""


def _guess(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
