"""Resolving exceptions, as the contract's "Resolving" paragraph says, on a real engine and store (SQLite, and
PostgreSQL when ORDEX_TEST_DATABASE_URL is set): approve, reject, corrected lines re-run the rules, approved
findings stay approved, release and the running credit check, learning, idempotency and races, the CLI.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from support import codes, lines_of, msg, run_together

from ordex.cli import main
from ordex.keys import Principal
from ordex.pipeline import Engine
from ordex.resolve import LineFix, Resolution, ResolveError, resolve
from ordex.schema import Attachment
from ordex.store import Store

OPS = Principal("asha", "ops")
CREDIT = Principal("meera", "credit")


def post(engine: Engine, text: str, sender: str = "+911110000001", **kw: Any) -> dict[str, Any]:
    return engine.submit(msg(text, sender=sender, **kw)).model_dump(mode="json")


def exception_of(engine: Engine, pred: dict[str, Any], code: str) -> int:
    """The id of the exception with ``code`` that a prediction raised."""
    view = engine.store.views.message(pred["message_id"])
    assert view is not None
    return next(e["exception_id"] for e in view["exceptions"] if e["code"] == code)


def order_of(engine: Engine, pred: dict[str, Any]) -> dict[str, Any]:
    view = engine.store.views.order(pred["order_ids"][0])
    assert view is not None
    return view


def act(engine: Engine, exception_id: int, action: str = "approve", who: Principal = OPS,
        **kw: Any) -> dict[str, Any]:
    engine.sync()
    return resolve(engine.store, engine.md, exception_id, Resolution(action=action, **kw), who)  # type: ignore[arg-type]


def test_approving_releases_the_order_and_it_counts_toward_the_credit_check(backend_engine: Engine) -> None:
    first = post(backend_engine, "led 9w 2 box", sender="+911110000003")  # 19,000 outstanding + 1,300 > 20,000
    assert codes(first) == {"CREDIT_LIMIT"}
    answer = act(backend_engine, exception_of(backend_engine, first, "CREDIT_LIMIT"), who=CREDIT)
    assert answer["released"] and answer["order"]["state"] == "released"
    second = post(backend_engine, "mcb 16a 5 pc", sender="+911110000003", at="2026-11-02T11:00:00+05:30")  # +900: fits alone
    assert codes(second) == {"CREDIT_LIMIT"}
    assert "released 1,300.00" in second["exceptions"][0]["detail"]


def test_reject_cancels_the_order_closes_its_other_exceptions_and_it_counts_for_nothing(backend_engine: Engine) -> None:
    first = post(backend_engine, "mcb 16a 2 pc\nmodular switch 6a 1 box\nled 12w 1 box", sender="+911110000003")
    assert codes(first) == {"BELOW_MOQ", "PRICE_MISSING", "CREDIT_LIMIT"}
    answer = act(backend_engine, exception_of(backend_engine, first, "PRICE_MISSING"), "reject")
    states = {e["code"]: e["state"] for e in answer["order"]["exceptions"]}
    assert states == {"BELOW_MOQ": "closed", "PRICE_MISSING": "rejected", "CREDIT_LIMIT": "closed"}
    assert order_of(backend_engine, first)["state"] == "rejected" and not answer["released"]
    assert backend_engine.store.released_value("E300", backend_engine.load_id) == 0


def test_each_code_on_an_order_is_one_exception(backend_engine: Engine) -> None:
    pred = post(backend_engine, "blinker gadget 3 pc\nzappy widget 2 pc")
    assert [e["code"] for e in pred["exceptions"]] == ["SKU_UNMATCHED", "SKU_UNMATCHED"]
    assert len(pred["exception_ids"]) == 1
    view = backend_engine.store.views.exception(pred["exception_ids"][0])
    assert view is not None and "blinker" in view["detail"] and "zappy" in view["detail"]


def test_corrected_lines_rerun_the_rules_and_an_approved_finding_is_not_raised_again(backend_engine: Engine) -> None:
    first = post(backend_engine, "mcb 16a 2 pc\nmodular switch 6a 1 box")
    assert codes(first) == {"BELOW_MOQ", "PRICE_MISSING"}
    approved = act(backend_engine, exception_of(backend_engine, first, "BELOW_MOQ"))
    assert not approved["released"]  # PRICE_MISSING is still open
    fixed = act(backend_engine, exception_of(backend_engine, first, "PRICE_MISSING"),
                lines=[LineFix(sku="MCB-16A", qty=2), LineFix(sku="LED-12W", qty=1)])
    assert fixed["raised"] == [] and fixed["released"]  # BELOW_MOQ was approved: not raised again
    assert [(ln["sku"], ln["qty"]) for ln in fixed["order"]["lines"]] == [("MCB-16A", 2), ("LED-12W", 1)]
    assert order_of(backend_engine, first)["value"] == 2 * 180 + 820


def test_a_correction_can_raise_a_new_finding_and_closes_those_it_fixed(backend_engine: Engine) -> None:
    first = post(backend_engine, "blinker gadget 3 pc\nled 12w some box", sender="+911110000005")
    assert codes(first) == {"SKU_UNMATCHED", "QTY_UNCLEAR"}
    answer = act(backend_engine, exception_of(backend_engine, first, "SKU_UNMATCHED"),
                 lines=[LineFix(sku="MCB-16A", qty=3, text="blinker gadget 3 pc"), LineFix(sku="LED-12W", qty=2)])
    states = {e["code"]: e["state"] for e in answer["order"]["exceptions"]}
    assert states == {"SKU_UNMATCHED": "fixed", "QTY_UNCLEAR": "fixed", "BELOW_MOQ": "open"}
    assert len(answer["raised"]) == 1 and not answer["released"]
    last = act(backend_engine, answer["raised"][0], lines=[LineFix(sku="MCB-16A", qty=5), LineFix(sku="LED-12W", qty=2)])
    assert last["released"] and last["learned"] == []  # same SKUs as before: nothing new to teach


def test_a_customer_fix_reruns_the_rules_with_that_customers_prices(backend_engine: Engine) -> None:
    first = post(backend_engine, "led 9w 2 box", sender="+919876500000")
    assert codes(first) == {"CUSTOMER_UNKNOWN"}
    answer = act(backend_engine, exception_of(backend_engine, first, "CUSTOMER_UNKNOWN"), customer_id="E100")
    assert answer["released"] and answer["order"]["customer_id"] == "E100"
    assert answer["order"]["value"] == 2 * 600  # E100's own price of LED-9W


def test_a_message_level_unreadable_holds_every_order_until_resolved(backend_engine: Engine) -> None:
    bad = Attachment(filename="po.pdf", content_type="application/pdf", data=b"%PDF-1.4 broken")
    first = post(backend_engine, "led 9w 2 box", attachments=(bad,))
    assert codes(first) == {"UNREADABLE"} and order_of(backend_engine, first)["state"] == "held"
    answer = act(backend_engine, exception_of(backend_engine, first, "UNREADABLE"))
    assert answer["released_order_ids"] == first["order_ids"] and order_of(backend_engine, first)["state"] == "released"
    second = post(backend_engine, "led 12w 2 box", attachments=(bad,), sender="+911110000005")
    act(backend_engine, exception_of(backend_engine, second, "UNREADABLE"), "reject")
    assert order_of(backend_engine, second)["state"] == "rejected"


def test_a_corrected_line_teaches_that_customers_alias_at_once(backend_engine: Engine) -> None:
    first = post(backend_engine, "zappy widget 4 pc", sender="+911110000002")
    version = backend_engine.store.version()
    answer = act(backend_engine, exception_of(backend_engine, first, "SKU_UNMATCHED"), lines=[LineFix(sku="MCB-32A", qty=4)])
    assert answer["learned"] == [{"customer_id": "E200", "alias": "zappy widget", "sku": "MCB-32A"}]
    assert backend_engine.store.version() > version
    assert ("E200", "zappy widget", "MCB-32A", 1) in backend_engine.store.learned_aliases()
    correction, lines = backend_engine.store.corrections()[-1]
    assert correction["product"] == "zappy widget" and correction["sku"] == "MCB-32A" and lines
    again = post(backend_engine, "zappy widget 6 pc", sender="+911110000002")  # submit syncs the engine first
    assert again["status"] == "auto" and lines_of(again) == [("E200", "MCB-32A", 6, "PCS")]
    other = post(backend_engine, "zappy widget 6 pc", sender="+911110000005")
    assert lines_of(other)[0][1] is None


def test_a_line_text_is_read_for_its_product_words(backend_engine: Engine) -> None:
    first = post(backend_engine, "pls send 3 pc of the long spark gizmo", sender="+911110000006")
    answer = act(backend_engine, exception_of(backend_engine, first, "SKU_UNMATCHED"),
                 lines=[LineFix(sku="MCB-32A", qty=3, text="spark gizmo 3 pc")])
    assert answer["learned"] == [{"customer_id": "E600", "alias": "spark gizmo", "sku": "MCB-32A"}]


def test_resolving_again_replays_and_a_different_decision_is_refused(backend_engine: Engine) -> None:
    first = post(backend_engine, "ceiling fan 1200 mm 1 pc", sender="+911110000005")
    exc = exception_of(backend_engine, first, "SKU_INACTIVE")
    answer = act(backend_engine, exc)
    assert act(backend_engine, exc) == {**answer, "replayed": True}
    with pytest.raises(ResolveError) as refused:
        act(backend_engine, exc, "reject")
    assert (refused.value.kind, refused.value.code) == ("conflict", "already_resolved")
    with pytest.raises(ResolveError) as missing:
        act(backend_engine, 10**8)
    assert missing.value.kind == "not_found"


def test_bad_corrections_change_nothing(backend_engine: Engine) -> None:
    first = post(backend_engine, "blinker gadget 3 pc")
    exc = exception_of(backend_engine, first, "SKU_UNMATCHED")
    for kw, code in (({"lines": [LineFix(sku="NOPE", qty=1)]}, "unknown_sku"),
                     ({"lines": [LineFix(sku="LED-9W", qty=20, uom="PCS"), LineFix(sku="NOPE", qty=1)]}, "unknown_sku"),
                     ({"lines": [LineFix(sku="LED-9W", qty=5, uom="PCS")]}, "qty_not_convertible"),
                     ({"customer_id": "E999"}, "unknown_customer")):
        with pytest.raises(ResolveError) as refused:
            act(backend_engine, exc, **kw)
        assert refused.value.code == code
    assert order_of(backend_engine, first)["lines"][0]["sku"] is None
    assert act(backend_engine, exc, lines=[LineFix(sku="LED-9W", qty=20, uom="PCS")])["order"]["lines"][0]["qty"] == 2


def test_two_people_at_once_release_one_order(backend_engine: Engine) -> None:
    first = post(backend_engine, "mcb 16a 2 pc\nmodular switch 6a 1 box")
    ids = [exception_of(backend_engine, first, "BELOW_MOQ"), exception_of(backend_engine, first, "PRICE_MISSING")]
    stores = [Store(backend_engine.store.url) for _ in range(4)]  # as separate service workers would
    barrier = threading.Barrier(4)
    results: list[Any] = []

    def person(k: int) -> None:
        barrier.wait()
        try:
            results.append(resolve(stores[k], backend_engine.md, ids[k % 2], Resolution(action="approve"), Principal(f"p{k}", "ops")))
        except ResolveError as e:
            results.append(e.code)

    run_together(person, 4)
    for s in stores:
        s.engine.dispose()
    assert len(results) == 4 and all(isinstance(r, dict) for r in results), results
    trail = backend_engine.store.audit_events(first["message_id"])
    assert [e["event"] for e in trail].count("released") == 1
    assert [e["event"] for e in trail].count("resolved") == 2
    assert order_of(backend_engine, first)["state"] == "released"


def test_the_cli_resolves_as_the_api_does(backend_engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    first = post(backend_engine, "blinker gadget 3 pc", sender="+911110000005")
    exc = exception_of(backend_engine, first, "SKU_UNMATCHED")
    lines = json.dumps([{"sku": "MCB-32A", "qty": 3}])
    code = main(["resolve", str(exc), "--action", "approve", "--lines", lines, "--db", backend_engine.store.url, "--actor", "ravi"])
    assert code == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["released"] and answer["learned"][0]["alias"] == "blinker gadget"
    assert main(["resolve", str(exc), "--action", "reject", "--db", backend_engine.store.url]) == 1
    assert main(["resolve", str(exc), "--action", "approve", "--lines", "{not json", "--db", backend_engine.store.url]) == 2
    assert backend_engine.store.audit_events(first["message_id"])[-2]["actor"] == "ravi"
