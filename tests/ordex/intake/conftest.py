"""Fixtures for the intake tests: real PDFs, images and a lazily loaded OCR engine, built in the test session.

The builders themselves live in ``tests/builders.py``; the data is an invented electrical trade.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from builders import blank_png, photo_jpeg, scanned_pdf, table_pdf

from models.ocr import OcrEngine

EXAMPLE = Path("/work/shared/contract/example")


@pytest.fixture(scope="session")
def lazy_ocr() -> OcrEngine:
    """An OCR engine whose models load only on first use: for fast tests that fail before any OCR runs.

    Tests that do run OCR take the session's warm ``ocr`` engine of ``tests/conftest.py`` instead.
    """
    return OcrEngine(threads=2)


@pytest.fixture(scope="session")
def po_pdf() -> bytes:
    """A one-page purchase order with a table (Sr, Item, Qty, Unit), as an ERP would print it."""
    return table_pdf(
        ["PURCHASE ORDER PO-88121", "Buyer: Northern Power Agencies"],
        ["Sr", "Item", "Qty", "Unit"],
        [
            (1, "LED Bulb 9W Cool Day Light", "60", "box"),
            (2, "MCB 16A Single Pole", "48", "pcs"),
            (3, "PVC Tape Black", "5", "pkt"),
        ],
    )


@pytest.fixture(scope="session")
def list_photo_lines() -> list[str]:
    return ["Volt Electricals order", "LED bulb 9W - 24 box", "MCB 16A - 10 pcs", "PVC tape 30 roll"]


@pytest.fixture(scope="session")
def list_photo(list_photo_lines: list[str]) -> bytes:
    """A JPEG of a list, tilted 3 degrees and stored sideways with EXIF orientation 6 (as phones do)."""
    return photo_jpeg(list_photo_lines, tilt=3, exif_orientation=6)


@pytest.fixture(scope="session")
def scan_lines() -> list[str]:
    return ["Ganesh Wiring Works", "Copper wire 1.5 - 4 roll", "LED 12W - 2 box"]


@pytest.fixture(scope="session")
def scan_pdf(scan_lines: list[str]) -> bytes:
    """A PDF holding only an image of text (no text layer), as a scanner or phone app makes it."""
    return scanned_pdf(scan_lines)


@pytest.fixture(scope="session")
def blank_image() -> bytes:
    """A white PNG with nothing legible on it."""
    return blank_png()


@pytest.fixture(scope="session")
def example_dir() -> Path:
    """The contract example's folder; skips the test when it is absent."""
    if not (EXAMPLE / "cases.jsonl").exists():
        pytest.skip("contract example not available")
    return EXAMPLE


@pytest.fixture(scope="session")
def example_cases(example_dir: Path) -> list[dict[str, Any]]:
    """The contract example's cases (contract section 2), read at run time, never named in a test."""
    text = (example_dir / "cases.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]
