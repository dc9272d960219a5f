"""Builders of real input files for tests: PDFs (text layer, scans, RC4-encrypted), photos, sheets, mails, webhooks.

Plain functions, importable from any test module (``from builders import ...``). The PDF writer is
hand-written (Helvetica text objects, optional RC4 encryption) so the tests need no PDF library beyond
the PDFium the project reads with.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

import openpyxl
from PIL import Image, ImageDraw, ImageFont

from evaluation.pdf import assemble_pdf, pdf_escape

FONT_PATHS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
)
PASSWORD_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
PAPER = (246, 244, 238)
INK = (25, 25, 40)
TextItem = tuple[float, float, str]  # x, y (PDF points, origin bottom-left), text
AttachmentSpec = tuple[str, str, bytes]  # filename, content type, bytes


# -- PDF ------------------------------------------------------------------------------------------------------
def rc4(key: bytes, data: bytes) -> bytes:
    """RC4, as the PDF standard security handler (revision 2) uses it."""
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)


class Rc4Security:
    """PDF standard security handler, revision 2 (40-bit RC4): the /Encrypt values and object encryption."""

    def __init__(self, user_password: str, owner_password: str, file_id: bytes) -> None:
        user = (user_password.encode("latin-1") + PASSWORD_PAD)[:32]
        owner = (owner_password.encode("latin-1") + PASSWORD_PAD)[:32]
        self.permissions = -44
        self.owner_entry = rc4(hashlib.md5(owner).digest()[:5], user)
        digest = hashlib.md5(
            user + self.owner_entry + self.permissions.to_bytes(4, "little", signed=True) + file_id
        )
        self.key = digest.digest()[:5]
        self.user_entry = rc4(self.key, PASSWORD_PAD)

    def encrypt(self, number: int, data: bytes) -> bytes:
        """Encrypt one object's stream with its object key."""
        object_key = hashlib.md5(self.key + number.to_bytes(3, "little") + b"\x00\x00").digest()[:10]
        return rc4(object_key, data)

    def dictionary(self) -> bytes:
        """The /Encrypt dictionary of the trailer."""
        return (
            b"<< /Filter /Standard /V 1 /R 2 /O <"
            + self.owner_entry.hex().encode()
            + b"> /U <"
            + self.user_entry.hex().encode()
            + b"> /P "
            + str(self.permissions).encode()
            + b" >>"
        )


def text_pdf(pages: Sequence[Sequence[TextItem]], *, password: str | None = None) -> bytes:
    """A PDF with a real text layer: each page an A4 sheet of Helvetica 10 pt text at the given points."""
    file_id = hashlib.md5(repr(pages).encode()).digest()
    security = Rc4Security(password, "owner-" + password, file_id) if password else None
    page_count = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(page_count))
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {page_count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for index, items in enumerate(pages):
        content = b"".join(
            b"BT /F1 10 Tf %.2f %.2f Td (" % (x, y) + pdf_escape(text) + b") Tj ET\n" for x, y, text in items
        )
        number = 5 + 2 * index
        if security:
            content = security.encrypt(number, content)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {number} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    extra = b""
    if security:
        objects.append(security.dictionary())
        extra = b" /Encrypt %d 0 R" % len(objects)
    return assemble_pdf(
        objects, extra + b" /ID [<" + file_id.hex().encode() + b"> <" + file_id.hex().encode() + b">]"
    )


def table_pdf(
    heading: Sequence[str],
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    columns: Sequence[float] = (40, 80, 330, 400, 460, 520),
    password: str | None = None,
) -> bytes:
    """A one-page purchase order as an ERP prints it: heading lines, then a table with one text item per cell."""
    items: list[TextItem] = [(40, 800 - 20 * i, line) for i, line in enumerate(heading)]
    top = 800 - 20 * len(heading) - 20
    for row_index, row in enumerate([header, *rows]):
        y = top - 20 * row_index
        items += [(x, y, str(cell)) for x, cell in zip(columns, row, strict=False) if str(cell)]
    return text_pdf([items], password=password)


# -- images -------------------------------------------------------------------------------------------------
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans when installed, else Pillow's built-in scalable font."""
    for path in FONT_PATHS:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def render_lines(
    lines: Sequence[str], *, size: tuple[int, int] | None = None, font_size: int = 44
) -> Image.Image:
    """Dark text lines on an off-white sheet, like a printed or neatly written list; sized to fit unless given."""
    face = font(font_size)
    step = int(font_size * 2.2)
    if size is None:
        width = max((int(face.getlength(line)) for line in lines), default=0) + 100
        size = (max(width, 600), 80 + step * max(len(lines), 1))
    image = Image.new("RGB", size, PAPER)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((50, 40 + number * step), line, fill=INK, font=face)
    return image


def scanned_pdf(lines: Sequence[str], *, resolution: float = 150) -> bytes:
    """A PDF holding only an image of text (no text layer), as a scanner or phone app makes it."""
    buffer = io.BytesIO()
    render_lines(lines).save(buffer, "PDF", resolution=resolution)
    return buffer.getvalue()


EXIF_ORIENTATION_TAG = 0x0112
STORED_ROTATION = {1: 0, 3: 180, 6: 90, 8: 270}  # degrees counter-clockwise that undo each display rotation


def photo_jpeg(lines: Sequence[str], tilt: float = 3, exif_orientation: int = 6) -> bytes:
    """A phone photo of a list: tilted a few degrees and stored rotated, with the EXIF orientation that rights it."""
    upright = render_lines(lines).rotate(tilt, expand=True, fillcolor=PAPER)
    stored = upright.rotate(STORED_ROTATION[exif_orientation], expand=True)
    exif = Image.Exif()
    exif[EXIF_ORIENTATION_TAG] = exif_orientation
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", quality=88, exif=exif.tobytes())
    return buffer.getvalue()


def photo_heic(lines: Sequence[str]) -> bytes:
    """A phone photo of handwritten-looking lines saved as HEIC, as iPhones send them (pillow-heif)."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    buffer = io.BytesIO()
    Image.open(io.BytesIO(photo_jpeg(lines, tilt=0, exif_orientation=1))).save(buffer, format="HEIF", quality=90)
    return buffer.getvalue()


def blank_png(size: tuple[int, int] = (400, 300)) -> bytes:
    """A white PNG with nothing legible on it."""
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "PNG")
    return buffer.getvalue()


# -- spreadsheets ---------------------------------------------------------------------------------------------
def xlsx_bytes(rows: Sequence[Sequence[object]], *more_sheets: Sequence[Sequence[object]], hidden: int | None = None) -> bytes:
    """An .xlsx written by openpyxl, one worksheet per list of rows; sheet ``hidden`` (0-based) is hidden."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for index, sheet_rows in enumerate((rows, *more_sheets)):
        sheet = workbook.create_sheet(f"Sheet{index + 1}")
        for row in sheet_rows:
            sheet.append(list(row))
        if index == hidden:
            sheet.sheet_state = "hidden"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xls_bytes(rows: Sequence[Sequence[object]], *hidden_sheets: Sequence[Sequence[object]]) -> bytes:
    """An Excel 97-2003 workbook (.xls, written by xlwt); the extra sheets are hidden."""
    import xlwt

    workbook = xlwt.Workbook()
    for index, sheet_rows in enumerate((rows, *hidden_sheets)):
        sheet = workbook.add_sheet(f"Sheet{index + 1}")
        for r, row in enumerate(sheet_rows):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
        if index:
            sheet.visibility = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ods_bytes(rows: Sequence[Sequence[object]], *hidden_sheets: Sequence[Sequence[object]]) -> bytes:
    """An OpenDocument spreadsheet (.ods) as LibreOffice writes one; the extra sheets are hidden."""
    import zipfile
    from xml.sax.saxutils import escape

    def cell(value: object) -> str:
        if isinstance(value, int | float):
            return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'

    hidden = ' table:style-name="hidden"'
    tables = "".join(
        f'<table:table table:name="Sheet{i + 1}"{hidden if i else ""}>'
        + "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in sheet)
        + "</table:table>"
        for i, sheet in enumerate((rows, *hidden_sheets)))
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
        '<office:automatic-styles><style:style style:name="hidden" style:family="table">'
        '<style:table-properties table:display="false"/></style:style></office:automatic-styles>'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def csv_bytes(rows: Sequence[Sequence[object]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    """A CSV file with CRLF line ends, as spreadsheet programs export it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    return buffer.getvalue().encode(encoding)


def docx_bytes() -> bytes:
    """A minimal Word document: a zip with the parts that make it a .docx."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


XLS_BYTES = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64)
"""The start of a legacy Excel 97-2003 (.xls) file: an OLE2 compound document."""


# -- e-mail ------------------------------------------------------------------------------------------------------
def mail_message(
    *,
    from_: str,
    body: str = "",
    subject: str = "Order",
    to: str = "orders@distributor.example",
    date: str = "Tue, 03 Nov 2026 09:12:00 +0530",
    attachments: Sequence[AttachmentSpec] = (),
    html: str | None = None,
) -> EmailMessage:
    """An e-mail as an ``EmailMessage``: a text body (and an HTML alternative if given), then attachments."""
    message = EmailMessage()
    message["From"] = from_
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = date
    message["Message-ID"] = f"<{hashlib.sha1((from_ + subject + body).encode()).hexdigest()[:16]}@mail.example>"
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=filename)
    return message


def eml(
    *,
    from_: str,
    body: str = "",
    subject: str = "Order",
    to: str = "orders@distributor.example",
    date: str = "Tue, 03 Nov 2026 09:12:00 +0530",
    attachments: Sequence[AttachmentSpec] = (),
    html: str | None = None,
) -> bytes:
    """A raw RFC 5322 e-mail (CRLF line ends), as a mail server hands it over."""
    message = mail_message(from_=from_, body=body, subject=subject, to=to, date=date, attachments=attachments, html=html)
    return message.as_bytes(policy=SMTP)


# -- WhatsApp ------------------------------------------------------------------------------------------------------
WAMID = "wamid.HBgLOTExMTEwMDAwMDAxFQIAEhggQjU3QTc2RjA0OEE2"


def whatsapp_webhook(value: dict[str, Any]) -> bytes:
    """A WhatsApp Cloud API webhook body around one change value, as Meta posts it."""
    meta = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550783881", "phone_number_id": "1055"}}
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1022", "changes": [{"field": "messages", "value": {**meta, **value}}]}],
    }
    return json.dumps(body).encode()


def whatsapp_inbound(
    message: dict[str, Any],
    from_: str = "911110000001",
    *,
    name: str = "Volt Electricals",
    wamid: str = WAMID,
    timestamp: str = "1793776680",
) -> bytes:
    """A webhook carrying one inbound message (its ``type`` and payload given) from a WhatsApp id."""
    wa_id = from_.lstrip("+")
    contacts = [{"profile": {"name": name}, "wa_id": wa_id}]
    base = {"from": wa_id, "id": wamid, "timestamp": timestamp}
    return whatsapp_webhook({"contacts": contacts, "messages": [{**base, **message}]})


def whatsapp_text_webhook(
    from_: str, text: str, wamid: str = WAMID, timestamp: str = "1793776680", *, name: str = "Volt Electricals"
) -> bytes:
    """A webhook carrying one inbound text message."""
    return whatsapp_inbound({"type": "text", "text": {"body": text}}, from_, name=name, wamid=wamid, timestamp=timestamp)


def whatsapp_media_webhook(
    from_: str,
    kind: str,
    media_id: str,
    mime_type: str,
    *,
    filename: str = "",
    caption: str = "",
    wamid: str = WAMID,
    timestamp: str = "1793776680",
) -> bytes:
    """A webhook carrying one inbound media message (image, document, ...): only a media id, no bytes."""
    media: dict[str, Any] = {"id": media_id, "mime_type": mime_type}
    if filename:
        media["filename"] = filename
    if caption:
        media["caption"] = caption
    return whatsapp_inbound({"type": kind, kind: media}, from_, wamid=wamid, timestamp=timestamp)


def whatsapp_status_webhook(
    wamid: str = WAMID, recipient: str = "911110000001", status: str = "delivered", timestamp: str = "1793776700"
) -> bytes:
    """A webhook carrying only a delivery status of a message we sent: no inbound message."""
    return whatsapp_webhook(
        {"statuses": [{"id": wamid, "status": status, "timestamp": timestamp, "recipient_id": recipient}]}
    )
