"""intake: a raw e-mail or WhatsApp webhook parsed into the message's fields; a failure is UNREADABLE."""

from __future__ import annotations

from typing import ClassVar

from ordex.intake.email import parse_email
from ordex.intake.errors import Unreadable
from ordex.intake.whatsapp import message_from_webhook, unfetched_media
from ordex.schema import Case, Finding
from ordex.stages.base import Component, Options
from rules.validate import unreadable


class IntakeOptions(Options):
    """The intake stage has nothing to set: how a raw message is parsed is fixed by its format."""


class IntakeStage(Component):
    """Parses ``Message.raw`` (``eml`` or ``whatsapp``) into subject, text, sender and attachments."""

    name: ClassVar[str] = "intake"

    def __init__(self, options: IntakeOptions | None = None) -> None:
        self.options = options or IntakeOptions()

    def __call__(self, case: Case) -> Case:
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
