"""The whole pipeline, message in, prediction out, on a real SQLite store: every contract code and status."""

from __future__ import annotations

from pathlib import Path

from support import codes, lines_of, msg

from ordex.pipeline import Engine
from ordex.settings import Settings


def test_a_clean_chat_order_goes_through_untouched(engine: Engine) -> None:
    pred = engine.submit(msg("bhai 9 watt 5 dabba aur 16 amp mcb 10 pc bhejo"))
    assert pred.status == "auto"
    assert lines_of(pred) == [("E100", "LED-9W", 5, "BOX"), ("E100", "MCB-16A", 10, "PCS")]
    assert pred.exceptions == []
    assert pred.order_ids and not pred.exception_ids


def test_pieces_convert_to_the_skus_unit(engine: Engine) -> None:
    pred = engine.submit(msg("LED bulb 12W - 20 pcs, 2.5 sqmm wire 3 rolls", sender="+911110000002"))
    assert lines_of(pred) == [("E200", "LED-12W", 2, "BOX"), ("E200", "WIRE-2.5", 3, "ROLL")]
    assert pred.status == "auto"


def test_chatter_is_no_order(engine: Engine) -> None:
    for text in ("ok thanks, when will the goods arrive?", "Payment of 12,500 done by NEFT today, pls check"):
        pred = engine.submit(msg(text))
        assert pred.status == "no_order", text
        assert pred.orders == [] and pred.exceptions == []


def test_customer_unknown_for_a_stranger_and_an_inactive_customer(engine: Engine) -> None:
    for sender in ("+919999999999", "+911110000004"):
        pred = engine.submit(msg("led 12w 5 box", sender=sender))
        assert codes(pred) == {"CUSTOMER_UNKNOWN"}
        assert lines_of(pred) == [(None, "LED-12W", 5, "BOX")]


def test_sku_unmatched_keeps_the_line_without_a_sku(engine: Engine) -> None:
    pred = engine.submit(msg("led 9w 2 box and solar panel 300 W 5 pcs"))
    assert codes(pred) == {"SKU_UNMATCHED"}
    assert ("E100", None, 5, "PCS") in lines_of(pred)
    assert pred.status == "exception"


def test_sku_inactive_keeps_the_inactive_sku(engine: Engine) -> None:
    pred = engine.submit(msg("ceiling fan 1200mm 4 nos"))
    assert codes(pred) == {"SKU_INACTIVE"}
    assert lines_of(pred) == [("E100", "FAN-1200", 4, "PCS")]


def test_qty_unclear_for_vague_and_unconvertible_counts(engine: Engine) -> None:
    pred = engine.submit(msg("need 2-3 box of 12 w bulbs"))
    assert codes(pred) == {"QTY_UNCLEAR"}
    assert lines_of(pred) == [("E100", "LED-12W", None, "BOX")]
    pred = engine.submit(msg("9 W bulb 15 pcs"))  # 15 pieces is not a whole box of 10
    assert codes(pred) == {"QTY_UNCLEAR"}


def test_credit_limit_counts_outstanding(engine: Engine) -> None:
    pred = engine.submit(msg("led 12w 5 box", sender="+911110000003"))
    assert codes(pred) == {"CREDIT_LIMIT"}
    assert "outstanding 19,000.00" in pred.exceptions[0].detail
    assert pred.exceptions[0].queue == "credit"


def test_credit_limit_counts_orders_released_since_the_load(engine: Engine) -> None:
    first = engine.submit(msg("copper wire 2.5 sqmm 20 roll", sender="+911110000005", at="2026-11-02T09:00:00+05:30"))
    assert first.status == "auto"  # 46,000 of a 90,000 limit
    text = "copper wire 2.5 sqmm 18 roll and led 9w 5 box"
    second = engine.submit(msg(text, sender="+911110000005", at="2026-11-03T09:00:00+05:30"))
    assert codes(second) == {"CREDIT_LIMIT"}  # 44,650 + 46,000 released > 90,000
    assert "released 46,000.00" in second.exceptions[0].detail


def test_held_orders_do_not_count_toward_credit(engine: Engine) -> None:
    held = engine.submit(msg("copper wire 2.5 sqmm 20 roll and solar panel 2 pcs", sender="+911110000005"))
    assert held.status == "exception"
    pred = engine.submit(msg("copper wire 2.5 sqmm 19 roll", sender="+911110000005", at="2026-11-03T09:00:00+05:30"))
    assert pred.status == "auto"


def test_price_missing(engine: Engine) -> None:
    pred = engine.submit(msg("Modular switch 6A 2 box", sender="+911110000002"))
    assert codes(pred) == {"PRICE_MISSING"}
    assert pred.exceptions[0].queue == "commercial"


def test_below_moq_suggests_the_minimum(engine: Engine) -> None:
    pred = engine.submit(msg("mcb 16a 2 pcs"))
    assert codes(pred) == {"BELOW_MOQ"}
    assert "suggest 5" in pred.exceptions[0].detail


def test_duplicate_within_24_hours_whatever_became_of_the_first(engine: Engine) -> None:
    a = engine.submit(msg("led 12w 5 box", sender="+911110000002", at="2026-11-02T12:00:00+05:30"))
    assert a.status == "auto"
    b = engine.submit(msg("LED 12 W 5 boxes", sender="+911110000022", at="2026-11-02T20:00:00+05:30"))
    assert codes(b) == {"DUPLICATE_ORDER"}
    c = engine.submit(msg("led 12w 5 box", sender="+911110000002", at="2026-11-04T12:00:00+05:30"))
    assert c.status == "auto"


def test_unreadable_attachment_is_held_and_stored(engine: Engine) -> None:
    from ordex.schema import Attachment

    broken = Attachment(filename="po.pdf", content_type="application/pdf", data=b"%PDF-1.4 this is not a pdf")
    pred = engine.submit(msg("", attachments=(broken,)))
    assert codes(pred) == {"UNREADABLE"}
    assert pred.status == "exception" and pred.orders == []
    assert "po.pdf" in pred.exceptions[0].detail
    assert engine.store.audit_events(pred.message_id)[0]["event"] == "received"


def test_the_same_message_id_twice_gives_the_first_answer(engine: Engine) -> None:
    a = engine.submit(msg("led 9w 2 box", id="dup-1"))
    b = engine.submit(msg("led 9w 2 box", id="dup-1"))
    assert a == b


def test_sub_dealer_orders_split_into_one_order_each(engine: Engine) -> None:
    text = (
        "Dear sir,\nOrders for tomorrow's route:\n\n1) Volt Electricals\n - LED 9W 3 box\n - MCB 32A 2 pcs\n\n"
        "2) Bright Lights Company\n - copper wire 1.5 sqmm 2 roll\n\n3) Sai Electric Point\n - led 12 w 1 box\n\n"
        "Regards,\nPurchase, Northern Power"
    )
    pred = engine.submit(msg(text, sender="purchase@northernpower.example", channel="email"))
    assert [o.customer_id for o in pred.orders] == ["E100", "E200", None]
    assert lines_of(pred) == [("E100", "LED-9W", 3, "BOX"), ("E100", "MCB-32A", 2, "PCS"),
                              ("E200", "WIRE-1.5", 2, "ROLL"), (None, "LED-12W", 1, "BOX")]
    assert codes(pred) == {"CUSTOMER_UNKNOWN"}
    assert "Sai Electric Point" in pred.exceptions[0].detail


def test_a_field_agent_names_the_outlet(engine: Engine) -> None:
    pred = engine.submit(msg("Visited Ganesh Wiring Works today. led 9w 4 box", sender="+917777777777", channel="agent"))
    assert lines_of(pred) == [("E500", "LED-9W", 4, "BOX")]
    assert pred.status == "auto"


def test_history_teaches_a_customers_own_words(engine: Engine) -> None:
    pred = engine.submit(msg("laal taar dedh 4 roll", sender="+911110000005"))
    assert lines_of(pred) == [("E500", "WIRE-1.5", 4, "ROLL")]
    assert pred.status == "auto"


def test_every_stage_is_traced(engine: Engine) -> None:
    pred = engine.submit(msg("led 9w 2 box"))
    case = engine.store.session  # the case with its trace is stored against the message
    from ordex.store.tables import MessageRow

    with case() as s:
        row = s.get(MessageRow, pred.message_id)
        assert row is not None and row.case_json is not None
        stages = [t["stage"] for t in row.case_json["trace"]]
    assert stages == ["intake", "read", "split", "tag", "match", "validate", "gate", "decide"]


def test_a_sub_dealer_named_on_the_same_line_as_its_items(engine: Engine) -> None:
    text = "Volt Electricals: led 9w 3 box, mcb 32a 2 pcs\nBright Lights Company: copper wire 1.5 sqmm 2 roll"
    pred = engine.submit(msg(text, sender="purchase@northernpower.example", channel="email"))
    assert lines_of(pred) == [("E100", "LED-9W", 3, "BOX"), ("E100", "MCB-32A", 2, "PCS"), ("E200", "WIRE-1.5", 2, "ROLL")]


def test_a_learned_alias_is_the_customers_own(engine: Engine) -> None:
    first = engine.submit(msg("roshni wala 5 box", sender="+911110000002"))
    assert codes(first) == {"SKU_UNMATCHED"}
    engine.store.add_learned_aliases([("E200", "roshni wala", "LED-12W", 1)], source="correction")
    engine.refresh()
    again = engine.submit(msg("roshni wala 5 box", sender="+911110000002", at="2026-11-03T10:00:00+05:30"))
    assert again.status == "auto" and lines_of(again) == [("E200", "LED-12W", 5, "BOX")]
    other = engine.submit(msg("roshni wala 5 box", sender="+911110000005", at="2026-11-03T11:00:00+05:30"))
    assert "SKU_UNMATCHED" in codes(other)


def test_a_size_read_as_the_count_is_no_count(engine: Engine) -> None:
    pred = engine.submit(msg("90 m copper wire 2.5 sqmm", sender="+911110000001"))  # the 90 m roll, how many?
    assert lines_of(pred) == [("E100", "WIRE-2.5", None, "ROLL")] and "QTY_UNCLEAR" in codes(pred)


def test_a_crash_in_a_stage_is_stored_and_held_on_the_batch_path_as_in_the_service(engine: Engine) -> None:
    """``Engine.submit`` (``ordex predict``, evaluation, benchmarks) holds a crash as the service's worker does: an
    UNREADABLE exception in the intake queue, the answer stored, the raw message kept."""
    from builders import blank_png

    from ordex.schema import Attachment
    from ordex.store import Store

    def crashing_ocr(image: object) -> list[object]:
        raise RuntimeError("the OCR runtime died")

    crashing = Engine(Store(engine.store.url), engine.settings, ocr=crashing_ocr)
    photo = Attachment(filename="list.png", content_type="image/png", data=blank_png())
    m = msg("see photo", id="batch-crash-1", attachments=(photo,))
    answer = crashing.submit(m)
    assert answer.status == "exception" and codes(answer) == {"UNREADABLE"} and len(answer.exception_ids) == 1
    assert "processing failed: RuntimeError" in answer.exceptions[0].detail
    assert crashing.submit(m) == answer  # the same id again gets the stored answer
    view = engine.store.views.message(answer.message_id)
    assert view is not None and view["state"] == "failed" and view["exceptions"][0]["queue"] == "intake"


def test_every_prediction_carries_the_trace_of_the_models_and_rules_that_made_it(engine: Engine) -> None:
    pred = engine.submit(msg("bhai 9 watt 5 dabba bhejo"))
    trace = {t.stage: t for t in pred.trace}
    assert list(trace) == ["intake", "read", "split", "tag", "match", "validate", "gate", "decide"]
    assert trace["tag"].model == "rule-extractor" and "vocabulary" in trace["tag"].version
    assert len(trace["validate"].version) == 12 and all(t.ms >= 0 for t in pred.trace)
    stored = engine.store.prediction(pred.message_id)
    assert stored is not None and stored["trace"][3]["version"] == trace["tag"].version


def test_a_name_two_customers_share_names_neither(tmp_path: Path, trade_dir: Path) -> None:
    with (trade_dir / "customers.csv").open("a", encoding="utf-8") as f:
        f.write("E700,Volt Electricals,+911110000007,,100000,0,INR,true\n")  # a second shop of the same name
    settings = Settings(data_dir=tmp_path / "var2", database_url="", extractor="rules", matcher="rules")
    engine = Engine.open(settings, trade_dir)
    pred = engine.submit(msg("Outlet: Volt Electricals\nled 9w 2 box", sender="+919999999999"))
    assert codes(pred) == {"CUSTOMER_UNKNOWN"}
    assert "E100, E700" in pred.exceptions[0].detail
    engine.store.engine.dispose()


MENU = {
    "customers.csv": "customer_id,name,phones,emails,credit_limit,outstanding,currency,active\n"
                     "Q1,Corner Cafe,+911110000101,,100000,0,INR,true\n",
    "products.csv": "sku,description,uom,pack_size,moq,active,conversions\n"
                    "PZ-M,Paneer Pizza Medium,PCS,1,1,true,\nPZ-L,Paneer Pizza Large,PCS,1,1,true,\n"
                    "CK-1,Cold Coffee,PCS,1,1,true,\n",
    "prices.csv": "customer_id,sku,unit_price\n*,PZ-M,250\n*,PZ-L,350\n*,CK-1,90\n",
    "aliases.csv": "customer_id,alias,sku\n",
    "history.jsonl": "",
}


def test_a_size_written_after_the_dish_and_a_comma_is_its_size_not_a_line(tmp_path: Path, champions: Settings) -> None:
    """ "1 paneer pizza, large, and ...": whether the classifier left "large" unlabelled or read it alone as a
    product, it is the pizza's size; no line of its own, no held "large" with no count."""
    md = tmp_path / "menu"
    md.mkdir()
    for name, text in MENU.items():
        (md / name).write_text(text, encoding="utf-8")
    settings = champions.model_copy(update={"data_dir": tmp_path / "var", "database_url": ""})
    engine = Engine.open(settings, md)
    try:
        pred = engine.submit(msg("1 paneer pizza, large, and two cold coffees please", sender="+911110000101"))
        assert lines_of(pred) == [("Q1", "PZ-L", 1, "PCS"), ("Q1", "CK-1", 2, "PCS")]
        assert "QTY_UNCLEAR" not in codes(pred)
    finally:
        engine.store.engine.dispose()


FURNITURE = {
    "customers.csv": "customer_id,name,phones,emails,credit_limit,outstanding,currency,active\n"
                     "F1,Sharma Furnishings,+911110000202,,10000000,0,INR,true\n",
    "products.csv": "sku,description,uom,pack_size,moq,active,conversions\n"
                    "WD-2,2 Door Wardrobe Walnut,PCS,1,1,true,\nSF-3,3 Seater Sofa Grey,PCS,1,1,true,\n"
                    "TB-6,Dining Table 6 Seater,PCS,1,1,true,\n",
    "prices.csv": "customer_id,sku,unit_price\n*,WD-2,9000\n*,SF-3,15000\n*,TB-6,12000\n",
    "aliases.csv": "customer_id,alias,sku\n",
    "history.jsonl": "",
}


def test_a_number_that_begins_a_products_name_is_the_names_not_the_count(tmp_path: Path, champions: Settings) -> None:
    """ "4 2 door wardrobe": the count is 4 and "2 door" names the wardrobe; a trade the classifier never saw. Read
    as 2, the order would go out wrong; the count word before such a name is the count too ("teen 3 seater sofa")."""
    md = tmp_path / "furniture"
    md.mkdir()
    for name, text in FURNITURE.items():
        (md / name).write_text(text, encoding="utf-8")
    settings = champions.model_copy(update={"data_dir": tmp_path / "var", "database_url": ""})
    engine = Engine.open(settings, md)
    try:
        pred = engine.submit(msg("4 2 door wardrobe walnut\nteen 3 seater sofa grey", sender="+911110000202"))
        assert lines_of(pred) == [("F1", "WD-2", 4, "PCS"), ("F1", "SF-3", 3, "PCS")]
        pred = engine.submit(msg("do 3 seater sofa grey", sender="+911110000202", at="2026-11-05T10:00:00+05:30"))
        assert lines_of(pred) == [("F1", "SF-3", 2, "PCS")]  # the Hindi two opens the line: no "do you have"
        pred = engine.submit(msg("do you have 2 door wardrobe walnut", sender="+911110000202", at="2026-11-08T10:00:00+05:30"))
        assert lines_of(pred) == []
    finally:
        engine.store.engine.dispose()
