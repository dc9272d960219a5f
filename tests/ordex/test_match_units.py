"""The match stage reads a unit word that the SKU's own name holds as a name word: "kajal stick 3" is three of the
Kajal Stick in its own unit, where the classifier took "stick" for the count's unit; a pack word written apart
from the name ("10 bottles coconut hair oil") stays the count's unit, and a count that is no whole number of the
SKU's unit is held."""

from __future__ import annotations

from decimal import Decimal

from support import match_one

from models.artifacts import load_ranker
from models.matcher import SkuMatcher
from ordex.catalog import Customer, MasterData, Product
from ordex.schema import Line
from ordex.settings import Settings
from ordex.stages.match import MatchOptions

PRODUCTS = (("PC-091", "Kajal Stick", "BOX", {}), ("PC-021", "Coconut Hair Oil Bottle 100 ml", "CTN", {"PCS": 24}))


def distributor(champions: Settings) -> tuple[SkuMatcher, MasterData]:
    products = [Product(sku=s, description=d, uom=u, pack_size="", moq=Decimal(0), active=True, conversions=c)
                for s, d, u, c in PRODUCTS]
    customer = Customer(customer_id="C1", name="Ganga Beauty Centre", phones=("+919000000001",))
    return SkuMatcher(products, (), load_ranker(champions.model_source(), required=True)), \
        MasterData(products=tuple(products), customers=(customer,))


def read(champions: Settings, text: str, product: str, qty: float, unit: str | None, **options: object) -> Line:
    m, md = distributor(champions)
    line = Line(text=text, product=product, qty=qty, unit=unit, qty_confidence=0.97)
    return match_one(m, md, line, MatchOptions(**options))  # type: ignore[arg-type]


def test_a_unit_word_the_name_holds_is_the_names(champions: Settings) -> None:
    line = read(champions, "kajal stick 3", "kajal", 3, "STICK")
    assert (line.sku, line.sku_qty, line.unit) == ("PC-091", 3, None)
    off = read(champions, "kajal stick 3", "kajal", 3, "STICK", unit_in_name=False)
    assert (off.sku, off.sku_qty) == ("PC-091", None)  # the check switched off: 3 sticks of a box, held


def test_a_pack_word_apart_from_the_name_stays_the_counts(champions: Settings) -> None:
    line = read(champions, "10 bottles coconut hair oil", "coconut hair oil", 10, "BTL")
    assert (line.sku, line.sku_qty, line.unit) == ("PC-021", None, "BTL")  # 10 of 24 a carton: held
    whole = read(champions, "48 bottles coconut hair oil", "coconut hair oil", 48, "BTL")
    assert (whole.sku, whole.sku_qty) == ("PC-021", 2)


def test_a_counted_item_in_a_list_with_order_lines_is_held_not_dropped(champions: Settings) -> None:
    """ "files button a4 20 and kajal stick 3": the catalog holds no files, and the item was dropped as chatter
    while the kajal went out alone. An item of a list with an order line is an order line: held (no SKU), with
    its count; alone, or with the check off, such words stay chatter."""
    from datetime import datetime

    from ordex.schema import Block, Case, Message, Section
    from ordex.stages.match import match

    m, md = distributor(champions)
    text = "files button a4 20 and kajal stick 3"
    message = Message(id="t", channel="sms", sender="+919000000001", received_at=datetime(2026, 11, 2, 10), text=text)
    lines = (Line(text="files button a4 20", product="files button a4", qty=20, qty_confidence=0.76, block=0),
             Line(text="kajal stick 3", product="kajal stick", qty=3, qty_confidence=0.99, block=0))
    case = Case(message=message, blocks=(Block(text=text),), sections=(Section(customer_id="C1", blocks=(0,)),), lines=lines)
    held = match(case, m, md, MatchOptions())
    assert [(ln.product, ln.sku, ln.qty) for ln in held.lines] == [("files button a4", None, 20), ("kajal stick", "PC-091", 3)]
    off = match(case, m, md, MatchOptions(listed=False))
    assert [ln.sku for ln in off.lines] == ["PC-091"]
    alone = match(case.model_copy(update={"lines": lines[:1]}), m, md, MatchOptions())
    assert alone.lines == ()
