"""Fixtures for the intake tests: real PDFs, images, sheets and mails built in the test session.

The PDF writer is hand-written (Helvetica text objects, optional RC4 encryption) so the tests need
no PDF library beyond the PDFium we read with.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from models.ocr import OcrEngine

EXAMPLES = Path("/work/shared/contract/example/files")
FONT_PATHS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
)
PASSWORD_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
TextItem = tuple[float, float, str]  # x, y (PDF points, origin bottom-left), text


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
        return (
            b"<< /Filter /Standard /V 1 /R 2 /O <"
            + self.owner_entry.hex().encode()
            + b"> /U <"
            + self.user_entry.hex().encode()
            + b"> /P "
            + str(self.permissions).encode()
            + b" >>"
        )


def pdf_escape(text: str) -> bytes:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")


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


def assemble_pdf(objects: Sequence[bytes], trailer_extra: bytes = b"") -> bytes:
    """Objects numbered from 1, a cross-reference table and a trailer: a well-formed PDF file."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R" % (len(objects) + 1) + trailer_extra + b" >>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans when installed, else Pillow's built-in scalable font."""
    for path in FONT_PATHS:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def render_lines(
    lines: Sequence[str], *, size: tuple[int, int] = (900, 520), font_size: int = 44
) -> Image.Image:
    """Dark text lines on an off-white sheet, like a printed or neatly written list."""
    image = Image.new("RGB", size, (246, 244, 238))
    draw = ImageDraw.Draw(image)
    face = font(font_size)
    for number, line in enumerate(lines):
        draw.text((50, 40 + number * int(font_size * 2.2)), line, fill=(25, 25, 40), font=face)
    return image


@pytest.fixture(scope="session")
def ocr_engine() -> OcrEngine:
    """One OCR engine for the whole session; it loads its models on first use."""
    return OcrEngine(threads=2)


@pytest.fixture(scope="session")
def render_text_image() -> Callable[..., Image.Image]:
    return render_lines


@pytest.fixture(scope="session")
def make_text_pdf() -> Callable[..., bytes]:
    return text_pdf


@pytest.fixture(scope="session")
def po_pdf() -> bytes:
    """A one-page purchase order with a table (Sr, Item, Qty, Unit), as an ERP would print it."""
    rows = [
        (1, "FCM 1000 ml tetra", "60", "ctn"),
        (2, "Cow ghee 1 ltr jar", "48", "pcs"),
        (3, "Butter 100 gm", "5", "ctn"),
    ]
    items: list[TextItem] = [
        (40, 800, "PURCHASE ORDER PO-88121"),
        (40, 780, "Buyer: Metro Dairy Distributors"),
    ]
    items += [(40, 740, "Sr"), (80, 740, "Item"), (330, 740, "Qty"), (400, 740, "Unit")]
    for index, (number, item, qty, unit) in enumerate(rows):
        y = 720 - 20 * index
        items += [(40, y, str(number)), (80, y, item), (330, y, qty), (400, y, unit)]
    return text_pdf([items])


@pytest.fixture(scope="session")
def list_photo_lines() -> list[str]:
    return ["Sharma Traders order", "Tetra 1L - 24 ctn", "Dahi 400g - 10 peti", "Paneer 200g 30 pc"]


@pytest.fixture(scope="session")
def list_photo(list_photo_lines: list[str]) -> bytes:
    """A JPEG of a list, tilted 3 degrees and stored sideways with EXIF orientation 6 (as phones do)."""
    upright = render_lines(list_photo_lines).rotate(3, expand=True, fillcolor=(246, 244, 238))
    stored = upright.rotate(90, expand=True)  # orientation 6: rotate 90 degrees clockwise to display
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", quality=88, exif=exif.tobytes())
    return buffer.getvalue()


@pytest.fixture(scope="session")
def scan_lines() -> list[str]:
    return ["Krishna Kirana", "Toned milk 1L - 4 crate", "Dahi 400 - 2 peti"]


@pytest.fixture(scope="session")
def scanned_pdf(scan_lines: list[str]) -> bytes:
    """A PDF holding only an image of text (no text layer), as a scanner or phone app makes it."""
    buffer = io.BytesIO()
    render_lines(scan_lines, size=(900, 420)).save(buffer, "PDF", resolution=150)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def blank_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buffer, "PNG")
    return buffer.getvalue()
