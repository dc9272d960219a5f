"""Golden files: small real inputs (chats, an e-mail, a PDF, a sheet, a photo) through the whole pipeline, with
the default extractor (the token classifier ``make models`` built) and with the rule extractor, compared with the
expected predictions in ``golden/expected/<extractor>/``. Each bug fixed since the first release has a case named
after it. ``pytest --regen-golden`` rewrites the expectations; review the diff before committing it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evaluation.score import _edits
from ordex.messages import message_from_case
from ordex.pipeline import Engine
from ordex.prediction import Answer
from ordex.settings import Settings

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted((GOLDEN / "cases").glob("*.json"))
MAX_CER = 0.1  # OCR'd transcripts may differ this much from the expected one (character error rate)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["tagger", "rules"])
def golden_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, champions: Settings,
                  ocr: Any) -> Iterator[tuple[str, Engine]]:
    """A real engine on a fresh store with the golden master data, reading with one extractor."""
    extractor = request.param
    tmp = tmp_path_factory.mktemp(f"golden-{extractor}")
    settings = champions.model_copy(update={"data_dir": tmp, "database_url": f"sqlite:///{tmp / 'golden.db'}",
                                            "extractor": extractor})
    engine = Engine.open(settings, GOLDEN / "master", ocr=ocr)
    yield extractor, engine
    engine.store.engine.dispose()


def view(pred: Answer) -> dict[str, Any]:
    """What a golden file pins: the status, the codes, each order's lines, the transcript (not confidences)."""
    return {
        "status": pred.status,
        "codes": sorted(e.code for e in pred.exceptions),
        "orders": [{"customer_id": o.customer_id, "lines": [[ln.sku, ln.qty, ln.uom, ln.text] for ln in o.lines]}
                   for o in pred.orders],
        "transcript": pred.transcript,
    }


@pytest.mark.parametrize("case_file", CASES, ids=[p.stem for p in CASES])
def test_golden(case_file: Path, golden_engine: tuple[str, Engine], regen_golden: bool) -> None:
    extractor, engine = golden_engine
    case = json.loads(case_file.read_text(encoding="utf-8"))
    got = view(engine.submit(message_from_case(case, case_file.parent)))
    expected_file = GOLDEN / "expected" / extractor / f"{case_file.stem}.json"
    if regen_golden:
        expected_file.parent.mkdir(parents=True, exist_ok=True)
        expected_file.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    assert expected_file.is_file(), f"no golden file {expected_file}: run pytest --regen-golden and review it"
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    if expected["transcript"] is not None:  # OCR: the reading may wander a little, what it decides may not
        ref, hyp = expected.pop("transcript"), got.pop("transcript") or ""
        assert _edits(ref, hyp) / max(1, len(ref)) <= MAX_CER, (ref, hyp)
    assert got == expected


def test_the_tagger_never_drops_a_product_named_without_a_count(golden_engine: tuple[str, Engine]) -> None:
    extractor, engine = golden_engine
    if extractor != "tagger":
        pytest.skip("the rule extractor's reading is pinned by the golden case")
    case = json.loads((GOLDEN / "cases" / "named_product_without_count_is_held.json").read_text(encoding="utf-8"))
    case.update(id="gap-named-product", received_at="2027-03-01T10:00:00+05:30")
    pred = engine.submit(message_from_case(case, GOLDEN / "cases"))
    assert pred.status == "exception" and [e.code for e in pred.exceptions] == ["QTY_UNCLEAR"]
