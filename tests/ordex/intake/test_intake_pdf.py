"""read_pdf on real PDFs: a text layer grouped into lines, scans through OCR, and every way a PDF fails."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from rapidfuzz import fuzz

from models.ocr import OcrEngine
from ordex.intake import Unreadable, read_pdf

EXAMPLES = Path("/work/shared/contract/example/files")


def test_text_layer_table_rows_become_lines(po_pdf: bytes) -> None:
    blocks = read_pdf(po_pdf, 2, None)
    assert [b.text for b in blocks] == [
        "PURCHASE ORDER PO-88121",
        "Buyer: Metro Dairy Distributors",
        "Sr  Item  Qty  Unit",
        "1  FCM 1000 ml tetra  60  ctn",
        "2  Cow ghee 1 ltr jar  48  pcs",
        "3  Butter 100 gm  5  ctn",
    ]
    first = blocks[0]
    assert (first.source, first.attachment, first.page, first.reader, first.confidence) == (
        "attachment",
        2,
        1,
        "pdf",
        1.0,
    )
    assert first.bbox is not None
    x0, y0, x1, y1 = first.bbox
    assert 39 < x0 < 41 and 30 < y0 < y1 < 45 and x1 > x0  # points from the top-left: 842 - 800 = 42 baseline


def test_pages_are_numbered_from_one(make_text_pdf: Callable[..., bytes]) -> None:
    data = make_text_pdf([[(40, 800, "page one 10 ctn")], [(40, 800, "page two 5 ctn")]])
    assert [(b.page, b.text) for b in read_pdf(data, 0, None)] == [
        (1, "page one 10 ctn"),
        (2, "page two 5 ctn"),
    ]


def test_encrypted_pdf_is_unreadable(make_text_pdf: Callable[..., bytes]) -> None:
    data = make_text_pdf([[(40, 800, "Secret order 10 ctn")]], password="secret")
    with pytest.raises(Unreadable, match="password-protected"):
        read_pdf(data, 0, None)


def test_corrupt_pdf_is_unreadable(po_pdf: bytes) -> None:
    with pytest.raises(Unreadable, match="PDF"):
        read_pdf(po_pdf[:200], 0, None)


def test_not_a_pdf_is_unreadable() -> None:
    with pytest.raises(Unreadable, match="not a PDF"):
        read_pdf(b"PK\x03\x04 this is a zip", 0, None)


def test_pdf_without_pages_is_unreadable(make_text_pdf: Callable[..., bytes]) -> None:
    with pytest.raises(Unreadable, match="no pages|corrupt"):
        read_pdf(make_text_pdf([]), 0, None)


def test_scan_without_ocr_engine_is_unreadable(scanned_pdf: bytes) -> None:
    with pytest.raises(Unreadable, match="no OCR engine"):
        read_pdf(scanned_pdf, 0, None)


@pytest.mark.slow
def test_scanned_pdf_is_read_through_ocr(
    scanned_pdf: bytes, scan_lines: list[str], ocr_engine: OcrEngine
) -> None:
    blocks = read_pdf(scanned_pdf, 1, ocr_engine)
    assert {(b.reader, b.page, b.attachment) for b in blocks} == {("ocr", 1, 1)}
    assert len(blocks) == len(scan_lines)
    for block, expected in zip(blocks, scan_lines, strict=True):
        assert fuzz.ratio(block.text.lower(), expected.lower()) >= 80, (block.text, expected)
        assert 0.5 <= block.confidence <= 1.0
    assert all(b.bbox is not None and b.bbox[2] <= 900 * 72 / 150 + 1 for b in blocks)  # points, not pixels


@pytest.mark.slow
def test_blank_scan_has_no_legible_text(ocr_engine: OcrEngine) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (600, 400), "white").save(buffer, "PDF", resolution=100)
    with pytest.raises(Unreadable, match="no legible text"):
        read_pdf(buffer.getvalue(), 0, ocr_engine)


@pytest.mark.slow
def test_example_scanned_pdf(ocr_engine: OcrEngine) -> None:
    path = EXAMPLES / "pdf-0013.pdf"
    if not path.exists():
        pytest.skip("contract example pdf-0013.pdf not available")
    expected = ["Krishna Kirana", "Order 07/11", "Toned milk 1L - 4 crate", "Dahi 400 - 2 peti"]
    started = time.perf_counter()
    blocks = read_pdf(path.read_bytes(), 0, ocr_engine)
    print(f"\npdf-0013.pdf OCR in {time.perf_counter() - started:.2f}s:")
    for block in blocks:
        print(f"  {block.confidence:.3f}  {block.text}")
    assert [b.reader for b in blocks] == ["ocr"] * len(blocks)
    for block, line in zip(blocks, expected, strict=True):
        assert fuzz.ratio(block.text.lower(), line.lower()) >= 80, (block.text, line)
