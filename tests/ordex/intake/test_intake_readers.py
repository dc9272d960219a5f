"""read_attachment: dispatch by magic bytes, content type and extension; unsupported and empty files."""

from __future__ import annotations

from typing import Any

import pytest
from builders import XLS_BYTES, docx_bytes, ods_bytes, photo_heic, xls_bytes

from models.ocr import OcrEngine
from ordex.intake import OcrLine, Unreadable, detect_kind, read_attachment
from ordex.schema import Attachment


def test_pdf_is_found_by_magic_even_when_mislabelled(po_pdf: bytes) -> None:
    attachment = Attachment(filename="scan", content_type="application/octet-stream", data=po_pdf)
    assert detect_kind(attachment) == "pdf"
    blocks = read_attachment(attachment, 4, None)
    assert blocks[0].text == "PURCHASE ORDER PO-88121" and blocks[0].attachment == 4


def test_csv_sent_as_excel_type_is_read_as_csv() -> None:
    attachment = Attachment(
        filename="order.csv", content_type="application/vnd.ms-excel", data=b"Item,Qty\nMCB 16A,4\n"
    )
    assert read_attachment(attachment, 0, None)[0].fields == {"product": "MCB 16A", "qty": "4"}


def test_plain_text_attachment_gives_lines() -> None:
    attachment = Attachment(
        filename="order.txt", content_type="text/plain", data=b"LED bulb 9W 24\r\n\r\nMCB 16A 10\r\n"
    )
    blocks = read_attachment(attachment, 1, None)
    assert [(b.text, b.reader, b.source, b.attachment) for b in blocks] == [
        ("LED bulb 9W 24", "text", "attachment", 1),
        ("MCB 16A 10", "text", "attachment", 1),
    ]


@pytest.mark.parametrize(
    ("attachment", "reason"),
    [
        (Attachment(filename="order.pdf", content_type="application/pdf", data=b""), "empty file"),
        (
            Attachment(
                filename="order.xls",
                content_type="application/vnd.ms-excel",
                data=XLS_BYTES,
            ),
            "cannot open spreadsheet",
        ),
        (
            Attachment(
                filename="order.xls", content_type="application/vnd.ms-excel", data=b"\x09\x08\x10\x00"
            ),
            "cannot open spreadsheet",
        ),
        (
            Attachment(filename="order.docx", content_type="application/msword", data=docx_bytes()),
            "Word document",
        ),
        (
            Attachment(
                filename="blob.bin", content_type="application/octet-stream", data=b"\x00\x01\x02\x03"
            ),
            "unsupported file type",
        ),
        (
            Attachment(
                filename="IMG_1.HEIC", content_type="image/heic", data=b"\x00\x00\x00\x18ftypheic" + bytes(16)
            ),
            "^image not read: no OCR",
        ),
        (
            Attachment(filename="fake.pdf", content_type="application/pdf", data=b"hello"),
            "^not a PDF",
        ),
        (
            Attachment(filename="photo.jpg", content_type="image/jpeg", data=b"\xff\xd8\xff\xe0 cut"),
            "^image not read: no OCR",
        ),
    ],
    ids=[
        "empty",
        "xls-ole2",
        "xls-by-type",
        "docx",
        "unknown-binary",
        "heic",
        "fake-pdf",
        "image-without-ocr",
    ],
)
def test_unreadable_attachments_give_a_reason(attachment: Attachment, reason: str) -> None:
    with pytest.raises(Unreadable, match=reason):
        read_attachment(attachment, 0, None)


@pytest.mark.parametrize(("filename", "content_type", "build"), [
    ("order.xls", "application/vnd.ms-excel", xls_bytes),
    ("order.ods", "application/vnd.oasis.opendocument.spreadsheet", ods_bytes),
    ("order", "application/octet-stream", xls_bytes),  # found by its magic bytes
    ("order", "application/octet-stream", ods_bytes),
])
def test_legacy_excel_and_opendocument_sheets_are_read_like_xlsx(filename: str, content_type: str, build: Any) -> None:
    data = build([["Item", "Qty", "Unit"], ["LED Bulb 9W", 60, "box"], ["MCB 16A", 4, "pcs"]],
                 [["Hidden master list", 1]])
    blocks = read_attachment(Attachment(filename=filename, content_type=content_type, data=data), 2, None)
    assert [(b.fields.get("product"), b.fields.get("qty"), b.fields.get("unit")) for b in blocks] == [
        ("LED Bulb 9W", "60", "box"), ("MCB 16A", "4", "pcs")]  # the hidden second sheet is not read
    assert {(b.reader, b.attachment) for b in blocks} == {("xlsx", 2)}


@pytest.mark.slow
def test_an_iphone_heic_photo_is_read_through_ocr(ocr: OcrEngine) -> None:
    data = photo_heic(["LED Bulb 9W 60 box"])
    attachment = Attachment(filename="IMG_0042.HEIC", content_type="image/heic", data=data)
    assert detect_kind(attachment) == "image"
    assert "LED Bulb 9W 60 box" in [b.text for b in read_attachment(attachment, 0, ocr)]


def test_image_attachment_errors_come_from_the_image_reader(lazy_ocr: OcrEngine) -> None:
    attachment = Attachment(filename="photo.jpg", content_type="image/jpeg", data=b"\xff\xd8\xff\xe0 cut")
    with pytest.raises(Unreadable, match="corrupt or truncated|not an image"):
        read_attachment(attachment, 0, lazy_ocr)


def test_ocr_line_is_frozen_and_validated() -> None:
    line = OcrLine(text="MCB 4", bbox=(0, 0, 10, 5), confidence=0.9)
    with pytest.raises(ValueError):
        OcrLine(text="x", bbox=(0, 0, 1, 1), confidence=1.5)
    with pytest.raises(ValueError):
        line.text = "other"  # type: ignore[misc]
