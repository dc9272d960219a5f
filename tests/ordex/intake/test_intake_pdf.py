"""read_pdf on real PDFs: a text layer grouped into lines, scans through OCR, and every way a PDF fails."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest
from builders import render_lines, text_pdf
from PIL import Image
from rapidfuzz import fuzz

from models.ocr import OcrEngine
from ordex.intake import Unreadable, read_pdf


def folded(text: str) -> str:
    """Lower case, white space folded: how the contract compares transcripts."""
    return " ".join(text.lower().split())


def test_text_layer_table_rows_become_lines(po_pdf: bytes) -> None:
    blocks = read_pdf(po_pdf, 2, None)
    assert [b.text for b in blocks] == [
        "PURCHASE ORDER PO-88121",
        "Buyer: Northern Power Agencies",
        "Sr  Item  Qty  Unit",
        "1  LED Bulb 9W Cool Day Light  60  box",
        "2  MCB 16A Single Pole  48  pcs",
        "3  PVC Tape Black  5  pkt",
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


def test_pages_are_numbered_from_one() -> None:
    data = text_pdf([[(40, 800, "page one 10 box")], [(40, 800, "page two 5 box")]])
    assert [(b.page, b.text) for b in read_pdf(data, 0, None)] == [
        (1, "page one 10 box"),
        (2, "page two 5 box"),
    ]


def test_encrypted_pdf_is_unreadable() -> None:
    data = text_pdf([[(40, 800, "Secret order 10 box")]], password="secret")
    with pytest.raises(Unreadable, match="password-protected"):
        read_pdf(data, 0, None)


def test_corrupt_pdf_is_unreadable(po_pdf: bytes) -> None:
    with pytest.raises(Unreadable, match="PDF"):
        read_pdf(po_pdf[:200], 0, None)


def test_not_a_pdf_is_unreadable() -> None:
    with pytest.raises(Unreadable, match="not a PDF"):
        read_pdf(b"PK\x03\x04 this is a zip", 0, None)


def test_pdf_without_pages_is_unreadable() -> None:
    with pytest.raises(Unreadable, match="no pages|corrupt"):
        read_pdf(text_pdf([]), 0, None)


def test_scan_without_ocr_engine_is_unreadable(scan_pdf: bytes) -> None:
    with pytest.raises(Unreadable, match="no OCR engine"):
        read_pdf(scan_pdf, 0, None)


@pytest.mark.slow
def test_scanned_pdf_is_read_through_ocr(scan_pdf: bytes, scan_lines: list[str], ocr: OcrEngine) -> None:
    blocks = read_pdf(scan_pdf, 1, ocr)
    assert {(b.reader, b.page, b.attachment) for b in blocks} == {("ocr", 1, 1)}
    assert len(blocks) == len(scan_lines)
    for block, expected in zip(blocks, scan_lines, strict=True):
        assert fuzz.ratio(block.text.lower(), expected.lower()) >= 80, (block.text, expected)
        assert 0.5 <= block.confidence <= 1.0
    page_width = render_lines(scan_lines).width * 72 / 150  # the scan's pixels at 150 dpi, in points
    assert all(b.bbox is not None and b.bbox[2] <= page_width + 1 for b in blocks)  # points, not pixels


@pytest.mark.slow
def test_blank_scan_has_no_legible_text(ocr: OcrEngine) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (600, 400), "white").save(buffer, "PDF", resolution=100)
    with pytest.raises(Unreadable, match="no legible text"):
        read_pdf(buffer.getvalue(), 0, ocr)


@pytest.mark.slow
def test_example_scans_read_as_their_transcripts(
    example_dir: Path, example_cases: list[dict[str, Any]], ocr: OcrEngine
) -> None:
    """Each scanned PDF of the contract example reads as its gold transcript (cases.jsonl), within tolerance."""
    scans = [
        (case, example_dir / case["attachments"][0]["path"])
        for case in example_cases
        if case["expected"].get("transcript") and len(case.get("attachments") or []) == 1
        and case["attachments"][0]["path"].lower().endswith(".pdf")
    ]
    if not scans:
        pytest.skip("the contract example holds no transcribed scan")
    for case, path in scans:
        started = time.perf_counter()
        blocks = read_pdf(path.read_bytes(), 0, ocr)
        print(f"\n{case['id']} OCR in {time.perf_counter() - started:.2f}s:")
        for block in blocks:
            print(f"  {block.confidence:.3f}  {block.text}")
        assert [b.reader for b in blocks] == ["ocr"] * len(blocks)
        expected = case["expected"]["transcript"].splitlines()
        assert len(blocks) == len(expected), case["id"]
        for block, line in zip(blocks, expected, strict=True):
            assert fuzz.ratio(folded(block.text), folded(line)) >= 80, (case["id"], block.text, line)


def test_a_pdf_of_more_pages_than_an_order_has_is_refused_before_reading(lazy_ocr: OcrEngine) -> None:
    from ordex.intake.pdf import MAX_PAGES

    pages = [Image.new("L", (60, 80), 255) for _ in range(MAX_PAGES + 1)]
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:])
    t = time.perf_counter()
    with pytest.raises(Unreadable, match=f"PDF has {MAX_PAGES + 1} pages; ordex reads at most {MAX_PAGES}"):
        read_pdf(buffer.getvalue(), 0, lazy_ocr)
    assert time.perf_counter() - t < 1.0  # no page was rendered or read
