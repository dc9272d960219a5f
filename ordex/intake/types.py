"""The OCR function's shape as the readers call it; its line type lives in ``ordex.schema``."""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image

from ordex.schema import BBox, OcrLine

__all__ = ["BBox", "OcrFn", "OcrLine"]

OcrFn = Callable[[Image.Image], list[OcrLine]]
"""Anything that turns an RGB image into reading-order lines (``models.ocr.OcrEngine`` in production)."""
