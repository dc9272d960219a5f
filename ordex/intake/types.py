"""Types shared by the readers and the OCR engine: one recognised line and the OCR function's shape.

Kept in a leaf module (pydantic and Pillow only) so that ``models.ocr`` can return these lines
without pulling in the readers.
"""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

BBox = tuple[float, float, float, float]


class OcrLine(BaseModel):
    """One line of text an OCR engine read, in reading order, with its box in image pixels."""

    model_config = ConfigDict(frozen=True)

    text: str
    bbox: BBox = Field(description="x0, y0, x1, y1 in pixels, origin top-left")
    confidence: float = Field(ge=0.0, le=1.0, description="Mean recognition score of the line's boxes")


OcrFn = Callable[[Image.Image], list[OcrLine]]
"""Anything that turns an RGB image into reading-order lines (``models.ocr.OcrEngine`` in production)."""
