"""models.ocr.OcrEngine: line grouping on its own, then the real engine on the contract's photo."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PIL import Image
from rapidfuzz import fuzz

from models.artifacts import find_ocr_models
from models.ocr import OcrEngine, TextBox, group_lines, line_of, text_boxes

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def folded(text: str) -> str:
    """Lower case, white space folded: how the contract compares transcripts."""
    return " ".join(text.lower().split())


def box(text: str, x0: float, y0: float, x1: float, y1: float, score: float = 0.9) -> TextBox:
    return TextBox(text, score, x0, y0, x1, y1)


def test_boxes_on_one_line_join_left_to_right() -> None:
    boxes = [
        box("pcs", 300, 12, 360, 38),
        box("MCB", 10, 10, 80, 40, 0.8),
        box("next", 10, 60, 80, 90),
        box("4", 200, 8, 220, 36),
    ]
    lines = [line_of(group) for group in group_lines(boxes)]
    assert [line.text for line in lines] == ["MCB 4 pcs", "next"]
    assert lines[0].bbox == (10, 8, 360, 40)
    assert lines[0].confidence == pytest.approx((0.9 + 0.8 + 0.9) / 3)


def test_low_scores_and_empty_texts_are_dropped() -> None:
    quad = [[0, 0], [10, 0], [10, 5], [0, 5]]
    result = SimpleNamespace(boxes=[quad, quad, quad], txts=("keep", "  ", "drop"), scores=(0.9, 0.99, 0.3))
    assert [b.text for b in text_boxes(result, 0.5)] == ["keep"]
    assert text_boxes(SimpleNamespace(boxes=None, txts=None, scores=None), 0.5) == []


def test_bundled_models_are_found_and_named() -> None:
    engine = OcrEngine(threads=1)
    assert engine.models.version in ("PP-OCRv6", "PP-OCRv5")
    assert engine.name.startswith("rapidocr:") and engine.version
    with pytest.raises(FileNotFoundError, match="reinstall"):
        find_ocr_models(Path("/nonexistent"))
    with pytest.raises(ValueError):
        OcrEngine(threads=0)


@pytest.mark.slow
def test_example_photo_transcripts(example_dir: Path, example_cases: list[dict[str, Any]], ocr: OcrEngine) -> None:
    """Each photo of the contract example reads as its gold transcript (cases.jsonl), line by line, within tolerance."""
    photos = [
        (case, example_dir / case["attachments"][0]["path"])
        for case in example_cases
        if case["expected"].get("transcript") and len(case.get("attachments") or []) == 1
        and case["attachments"][0]["path"].lower().endswith(IMAGE_SUFFIXES)
    ]
    if not photos:
        pytest.skip("the contract example holds no transcribed photo")
    for case, path in photos:
        image = Image.open(path)
        started = time.perf_counter()
        lines = ocr(image)
        print(f"\n{case['id']} ({image.width}x{image.height}) OCR in {time.perf_counter() - started:.2f}s:")
        for line in lines:
            print(f"  {line.confidence:.3f}  {line.text}")
        expected = case["expected"]["transcript"].splitlines()
        assert len(lines) == len(expected), case["id"]
        for line, want in zip(lines, expected, strict=True):
            assert fuzz.ratio(folded(line.text), folded(want)) >= 80, (case["id"], line.text, want)
