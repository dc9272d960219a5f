"""Intake: raw messages (e-mail, WhatsApp webhooks) to Messages, and message text and files to Blocks.

Everything that cannot be read raises ``Unreadable`` with a reason a person can act on.
"""

from ordex.intake.email import html_to_text, parse_email
from ordex.intake.errors import Unreadable
from ordex.intake.image import read_image
from ordex.intake.pdf import read_pdf
from ordex.intake.readers import detect_kind, read_attachment
from ordex.intake.sheet import read_spreadsheet
from ordex.intake.text import body_blocks
from ordex.intake.types import OcrFn, OcrLine
from ordex.intake.whatsapp import WhatsAppEvent, message_from_webhook, parse_webhook, unfetched_media

__all__ = [
    "OcrFn",
    "OcrLine",
    "Unreadable",
    "WhatsAppEvent",
    "body_blocks",
    "detect_kind",
    "html_to_text",
    "message_from_webhook",
    "parse_email",
    "parse_webhook",
    "read_attachment",
    "read_image",
    "read_pdf",
    "read_spreadsheet",
    "unfetched_media",
]
