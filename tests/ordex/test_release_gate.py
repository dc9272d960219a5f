"""The gate stage: a message every rule passed is held, with its weakest line's code and a question, when the gate
doubts it; the threshold can be set by hand; a gate fitted on other readers' signals does not judge these."""

from __future__ import annotations

from pathlib import Path

from support import msg

from models.gate import LINE_FEATURES, ORDER_FEATURES, Logistic, ReleaseGate
from ordex.pipeline import Engine
from ordex.schema import Case, Code, Line
from ordex.settings import Settings
from ordex.stages import GateOptions, GateStage


def one_feature_gate(feature: str, weight: float, threshold: float = 0.5) -> ReleaseGate:
    """A gate whose line model weighs one feature alone (unstandardised) and whose completeness is sure: enough to
    show what the stage does with a doubt."""
    line = Logistic({f: (weight if f == feature else 0.0) for f in LINE_FEATURES}, 0.0,
                    dict.fromkeys(LINE_FEATURES, 0.0), dict.fromkeys(LINE_FEATURES, 1.0))
    order = Logistic(dict.fromkeys(ORDER_FEATURES, 0.0), 10.0, dict.fromkeys(ORDER_FEATURES, 0.0),
                     dict.fromkeys(ORDER_FEATURES, 1.0))
    return ReleaseGate(line=line, order=order, threshold=threshold, reads_with="rules+rules")


def read(engine: Engine, text: str, sender: str = "+911110000001") -> Case:
    """A message through every stage before the gate (the rule readers of the test engine)."""
    case = Case(message=msg(text, sender=sender))
    for stage in engine.stages:
        if isinstance(stage, GateStage):
            return case
        case = stage(case)
    raise AssertionError("the pipeline has no gate stage")


def gate_stage(engine: Engine, gate: ReleaseGate, threshold: float | None = None) -> GateStage:
    validate = next(s for s in engine.stages if s.name == "validate")
    return GateStage(gate, engine.md, engine.matcher, engine.knowledge, validate.usual,  # type: ignore[attr-defined]
                     options=GateOptions(threshold=threshold, reads_with="rules+rules"))


def test_a_doubtful_product_holds_the_message_as_sku_unmatched_with_the_probability(engine: Engine) -> None:
    case = read(engine, "led bulb 9w 3 box\nmcb 16a 10 pcs")
    assert not case.findings and len(case.lines) == 2
    sure = gate_stage(engine, one_feature_gate("sku_sure", 2.0, threshold=0.5))
    assert sure(case).findings == ()  # well-matched lines: P near 1, released
    held = gate_stage(engine, one_feature_gate("sku_sure", 2.0), threshold=1.0)(case)
    [finding] = held.findings
    assert finding.code == Code.SKU_UNMATCHED and finding.queue == "catalog" and finding.line is not None
    assert "probability 1.000" in finding.detail and "this message" in finding.detail


def test_a_customer_found_by_a_name_in_the_text_is_asked_about_not_guessed(engine: Engine) -> None:
    gate = one_feature_gate("customer_by_name", -10.0, threshold=0.4)
    named = read(engine, "Volt Electricals new shop order\nled bulb 9w 3 box", sender="+919999999999")
    [finding] = gate_stage(engine, gate)(named).findings
    assert finding.code == Code.CUSTOMER_UNKNOWN and "found by the name" in finding.detail
    by_phone = read(engine, "led bulb 9w 3 box")
    assert gate_stage(engine, gate)(by_phone).findings == ()


def test_the_engine_traces_a_gate_fitted_on_other_readers_as_off(engine: Engine) -> None:
    answer = engine.submit(msg("led bulb 9w 3 box"))
    assert answer.status == "auto"
    [gate] = [t for t in answer.trace if t.stage == "gate"]
    assert gate.version.startswith("off (fitted for tagger+ranker, reading with rules+rules)")


def test_release_threshold_and_switch_come_from_the_settings(tmp_path: Path, trade_dir: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", extractor="rules", matcher="rules", release_gate=False,
                        release_precision=0.98, release_threshold=0.9)
    e = Engine.open(settings, trade_dir)
    stage = next(s for s in e.stages if isinstance(s, GateStage))
    assert stage.options == GateOptions(enabled=False, precision=0.98, threshold=0.9, reads_with="rules+rules")
    assert not stage.on and stage.model == ""
    e.store.engine.dispose()


def test_a_photo_line_ocr_could_not_read_holds_the_order_and_names_the_line(engine: Engine) -> None:
    """The gate cannot vouch for what nobody read: a line of the page OCR doubted and no order line came from holds
    the message (QTY_UNCLEAR, the line quoted), however sure the lines that were read are."""
    case = read(engine, "led bulb 9w 3 box\nmcb 16a 10 pcs")
    photo = tuple(b.model_copy(update={"reader": "ocr", "confidence": 0.99}) for b in case.blocks)
    fragment = photo[0].model_copy(update={"text": "2OS P P P PO P PES", "confidence": 0.66})
    gate = one_feature_gate("sku_sure", 2.0, threshold=0.5)
    gate = ReleaseGate(line=gate.line, order=gate.order, threshold=0.5, reads_with=gate.reads_with,
                       caps={"unread_unsure": 0.0})
    clear = case.model_copy(update={"blocks": photo})
    assert gate_stage(engine, gate)(clear).findings == ()
    unread = case.model_copy(update={"blocks": (*photo, fragment)})
    [finding] = gate_stage(engine, gate)(unread).findings
    assert finding.code == Code.QTY_UNCLEAR and "'2OS P P P PO P PES'" in finding.detail


def test_a_dropped_line_with_a_count_beside_unknown_words_holds_the_order_as_an_unknown_item(engine: Engine) -> None:
    """ "sink mixer tap 1 bhejo" read as one name with its count inside and dropped as no order line: the gate
    cannot vouch that nothing was left out, and the question is which SKU, if any, the item is (SKU_UNMATCHED, the
    dropped line quoted)."""
    case = read(engine, "led bulb 9w 3 box\nmcb 16a 10 pcs")
    gate = one_feature_gate("sku_sure", 2.0, threshold=0.5)
    gate = ReleaseGate(line=gate.line, order=gate.order, threshold=0.5, reads_with=gate.reads_with,
                       caps={"leftover_unplaced_counts": 0.0})
    assert gate_stage(engine, gate)(case).findings == ()
    lost = Line(section=0, text="zorbix flange 1 bhejo", product="zorbix flange 1 bhejo", block=0)
    [finding] = gate_stage(engine, gate)(case.model_copy(update={"dropped": (lost,)})).findings
    assert finding.code == Code.SKU_UNMATCHED and "'zorbix flange 1 bhejo'" in finding.detail
