"""The match stage keeps a guess from being released: a SKU the ranker is sure of, resting on a habit or a size
alone (words of the mention that no name or alias of it explains, or a sibling variant the mention does not tell
apart), is SKU_UNMATCHED naming why; a person's answer (an alias) settles the same phrase next time."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from support import match_one

from models.artifacts import load_ranker
from models.matcher import SkuMatcher
from ordex.catalog import Customer, MasterData, Product
from ordex.schema import Case, Line, Message, Section
from ordex.settings import Settings
from ordex.stages.match import MatchOptions, match

PRODUCTS = (("PC-031", "Herbal Shampoo Sachet 6 ml", "BOX"), ("PC-011", "Coconut Hair Oil 200 ml", "CTN"),
            ("PZ-022", "Paneer Pizza Medium", "PCS"), ("PZ-023", "Paneer Pizza Large", "PCS"))


LOW = MatchOptions(sku=0.01)  # whatever the ranker's probability: the check is about what backs it


def distributor(champions: Settings) -> tuple[SkuMatcher, MasterData]:
    products = [Product(sku=s, description=d, uom=u, pack_size="", moq=Decimal(0), active=True) for s, d, u in PRODUCTS]
    customer = Customer(customer_id="C1", name="Ganga Beauty Centre", phones=("+919000000001",), emails=(),
                        credit_limit=Decimal(10**6), outstanding=Decimal(0), currency="INR", active=True)
    m = SkuMatcher(products, (), load_ranker(champions.model_source(), required=True))
    m.add_history("C1", "PC-031", 5)  # the sachet is what this customer buys
    m.add_history("C1", "PZ-022", 8)  # mostly the medium pizza, the large one once
    m.add_history("C1", "PZ-023", 1)
    return m, MasterData(products=tuple(products), customers=(customer,))


def read(m: SkuMatcher, md: MasterData, product: str, options: MatchOptions | None = None) -> Line:
    line = Line(text=f"{product} 2", product=product, qty=2, qty_confidence=0.97)
    return match_one(m, md, line, options or LOW, text=f"{product} 2 box")


def test_words_no_name_explains_hold_a_sure_match_and_are_named(champions: Settings) -> None:
    m, md = distributor(champions)
    line = read(m, md, "hair colour sachet")
    assert line.candidates[0].sku == "PC-031"  # the ranker's best, by the customer's habit
    assert line.sku is None and "'hair', 'colour'" in line.sku_note
    assert read(m, md, "hair colour sachet", LOW.model_copy(update={'explained': 0.0, 'unsaid': False})).sku == "PC-031"  # checks off
    m.add_alias("C1", "hair colour sachet", "PC-031")  # a person said it is that SKU
    assert read(m, md, "hair colour sachet").sku == "PC-031"


def test_one_word_of_two_agreeing_is_a_guess(champions: Settings) -> None:
    """Half the words explained is not enough: "herbal" alone does not make "herbal cream" the herbal shampoo."""
    m, md = distributor(champions)
    line = read(m, md, "herbal cream")
    assert line.sku is None and "'cream'" in line.sku_note
    assert read(m, md, "herbal cream", LOW.model_copy(update={"explained": 0.5})).sku == "PC-031"  # the old bar


def test_a_variant_the_mention_does_not_tell_apart_is_asked_about(champions: Settings) -> None:
    m, md = distributor(champions)
    line = read(m, md, "paneer pizza")  # medium or large? the customer bought both
    assert line.sku is None and "names no size or variant" in line.sku_note
    assert read(m, md, "paneer pizza large").sku == "PZ-023"
    assert read(m, md, "paneer pizza", LOW.model_copy(update={'unsaid': False})).sku in {"PZ-022", "PZ-023"}


def test_a_line_with_a_unit_word_and_no_count_is_held_not_dropped(champions: Settings) -> None:
    """ "coconut hair oil 12 ctn" read with the "12" inside the product: the unit word says it is an order line,
    so it stays, with no quantity (QTY_UNCLEAR downstream), instead of vanishing as chatter."""
    m, md = distributor(champions)
    message = Message(id="t", channel="whatsapp", sender="+919000000001", received_at=datetime(2026, 11, 2, 10, 0),
                      text="coconut hair oil 12 ctn")
    line = Line(text="coconut hair oil 12 ctn", product="coconut hair oil 12", qty=None, unit="CTN", qty_confidence=0.0)
    case = Case(message=message, sections=(Section(customer_id="C1"),), lines=(line,))
    [kept] = match(case, m, md, MatchOptions()).lines
    assert kept.qty is None and kept.sku_qty is None
    off = match(case, m, md, MatchOptions(unit_lines=False))  # the unit_no_count check off: dropped
    assert off.lines == () and off.dropped == (line,)  # kept for the release gate to weigh what was dropped
    chatter = line.model_copy(update={"text": "sab thik hai 12 ctn", "product": "sab thik hai"})
    assert match(case.model_copy(update={"lines": (chatter,)}), m, md, MatchOptions()).lines == ()  # no catalog words


def test_a_counted_dish_the_catalog_lacks_is_held_not_dropped(champions: Settings) -> None:
    """ "a nachos" with "a" read as the count (0.87): the count makes it an order line, held with no SKU, where a
    message released without it would be an order short."""
    m, md = distributor(champions)
    message = Message(id="t", channel="sms", sender="+919000000001", received_at=datetime(2026, 11, 2, 10, 0),
                      text="i'll have a nachos")
    line = Line(text="a nachos", product="nachos", qty=1, qty_confidence=0.87)
    digits = line.model_copy(update={"text": "payment 12500", "product": "payment", "qty": 12500})
    case = Case(message=message, sections=(Section(customer_id="C1"),), lines=(line,))
    [kept] = match(case, m, md, MatchOptions()).lines
    assert kept.sku is None and kept.qty == 1
    assert match(case, m, md, MatchOptions(count=0.9)).lines == ()  # the old bar: dropped as chatter
    # digits read as unsure are no such evidence: an amount, a code or a date
    assert match(case.model_copy(update={"lines": (digits,)}), m, md, MatchOptions()).lines == ()


def test_a_habit_does_not_add_words_the_plain_variant_does_without(champions: Settings) -> None:
    """ "a pizza, regular" from a customer who only ever bought Veggie Supreme Pizza Medium: Pizza Medium is named
    by every word but its size, so the habit is no reading of "veggie supreme" and the line is asked about; where
    the rival has words of its own the mention lacks too (Pepperoni Pizza Medium), the habit decides."""
    products = [Product(sku=s, description=d, uom="PCS", pack_size="", moq=Decimal(0), active=True)
                for s, d in (("PZ-M", "Pizza Medium"), ("VS-M", "Veggie Supreme Pizza Medium"),
                             ("PP-M", "Pepperoni Pizza Medium"))]
    m = SkuMatcher(products, (), load_ranker(champions.model_source(), required=True))
    m.add_history("C1", "VS-M", 2)
    assert m.evidence("pizza regular", "VS-M", ["C1"], ["VS-M", "PZ-M"]).size_unsaid
    assert not m.evidence("veggie pizza regular", "VS-M", ["C1"], ["VS-M", "PZ-M"]).size_unsaid
    assert not m.evidence("pizza regular", "VS-M", ["C1"], ["VS-M", "PP-M"]).size_unsaid
