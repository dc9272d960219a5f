"""The first matcher: aliases first, then fuzzy names with sizes compared explicitly, abstaining when unsure."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from models.matcher import SkuMatcher, normalize
from ordex.catalog import Product
from ordex.masterdata import load_master_data


def _products(*rows: tuple[str, str]) -> list[Product]:
    """A catalog of the given (sku, description) rows, sold by the piece."""
    return [Product(sku=s, description=d, uom="PCS", pack_size="", moq=Decimal(0), active=True) for s, d in rows]


def matcher(trade_dir: Path) -> SkuMatcher:
    md = load_master_data(trade_dir)
    return SkuMatcher(md.products, md.aliases)


def top(m: SkuMatcher, mention: str, customers: list[str]) -> tuple[str, float]:
    c = m.match(mention, customers)[0]
    return c.sku, c.probability


def test_sizes_normalise_in_names() -> None:
    assert normalize("Wire 1.5 SQMM") == normalize("wire 1.5sqmm")
    assert normalize("Oil 1 Litre") == normalize("oil 1000 ml") == "oil 1000ml"
    assert normalize("pipe 3/4 inch") == normalize("pipe 3/4inch") == "pipe 19.05mm"
    assert normalize("pipe 1/2 inch") != normalize("pipe 3/4 inch")


def test_pack_words_left_in_a_mention_do_not_change_its_alias_key() -> None:
    from models.matcher import Parsed

    assert Parsed.of("puti 50kg katta").key() == Parsed.of("puti 50kg").key()
    assert Parsed.of("box").key() != Parsed.of("").key()  # a pack word alone is still a key


def test_a_messages_mentions_are_matched_in_one_call_as_one_by_one(trade_dir: Path) -> None:
    m = matcher(trade_dir)
    md = load_master_data(trade_dir)
    cid = md.customers[0].customer_id
    queries = [(p.description.lower(), [cid]) for p in md.products[:6]] + [("zzqx unknown", [cid]), ("", [cid])]
    assert m.match_many(queries) == [m.match(q, c) for q, c in queries]


def test_a_customers_alias_wins(trade_dir: Path) -> None:
    m = matcher(trade_dir)
    assert top(m, "9 watt", ["E100"]) == ("LED-9W", 0.99)


def test_a_global_alias_applies_to_everyone(trade_dir: Path) -> None:
    sku, p = top(matcher(trade_dir), "kala tape", ["E200"])
    assert sku == "TAPE-PVC" and p >= 0.95


def test_sizes_decide_between_variants(trade_dir: Path) -> None:
    m = matcher(trade_dir)
    assert top(m, "led bulb 12 w", ["E200"])[0] == "LED-12W"
    assert top(m, "9w led", ["E200"])[0] == "LED-9W"
    assert top(m, "copper wire 2.5 sqmm", ["E200"])[0] == "WIRE-2.5"


def test_a_conflicting_size_is_not_matched_confidently(trade_dir: Path) -> None:
    sku, p = top(matcher(trade_dir), "led bulb 15 w", ["E200"])
    assert p < 0.6, (sku, p)


def test_unknown_products_abstain(trade_dir: Path) -> None:
    m = matcher(trade_dir)
    assert all(c.probability < 0.6 for c in m.match("solar panel 300 w", ["E200"]))
    assert m.resemblance("payment done by neft") == 0.0
    assert m.resemblance("copper wire") == 1.0


def test_an_alias_taught_at_run_time_is_used_at_once(trade_dir: Path) -> None:
    m = matcher(trade_dir)
    m.add_alias("E200", "roshni wala", "LED-12W")
    assert top(m, "roshni wala", ["E200"]) == ("LED-12W", 0.99)
    assert top(m, "roshni wala", ["E300"])[1] < 0.99  # another customer's private alias is weaker evidence


def test_initials_stand_for_the_words(trade_dir: Path) -> None:
    m = matcher(trade_dir)
    assert top(m, "cdl 9w", ["E200"])[0] == "LED-9W"  # Cool Day Light
    assert top(m, "msw 6a", ["E200"])[0] == "SW-6A"  # Modular SWitch


def test_a_size_left_unsaid_is_a_doubt_only_where_another_size_is_sold() -> None:
    m = SkuMatcher(_products(("A1", "Toned Milk Pouch 1 L"), ("B1", "Cola 250 ml"), ("B2", "Cola 600 ml")))
    assert not m.evidence("toned milk pouch", "A1", []).size_unsaid  # the one toned milk there is
    assert m.evidence("cola", "B2", []).size_unsaid  # which cola?
    assert not m.evidence("cola 600ml", "B2", []).size_unsaid


def test_plurals_and_inch_marks_read_as_the_catalog_writes_them() -> None:
    from models.matcher import Parsed, singular

    assert [singular(w) for w in ("cokes", "pizzas", "batteries", "boxes", "glass", "gas", "plus", "rotis", "panis",
                                  "this")] == ["coke", "pizza", "battery", "box", "glass", "gas", "plus", "roti", "pani",
                                               "this"]
    assert Parsed.of('upvc elbow 1"').sizes == Parsed.of("upvc elbow 1 inch").sizes
    assert Parsed.of("tee 1/2”").sizes == Parsed.of("tee 1/2''").sizes == Parsed.of("tee 1/2 inch").sizes


def test_the_plain_variant_is_said_and_a_sibling_chosen_by_habit_is_not() -> None:
    m = SkuMatcher(_products(("C", "Coke Can 330 ml"), ("D", "Diet Coke Can 330 ml"),
                             ("M", "BBQ Chicken Pizza Medium"), ("L", "BBQ Chicken Pizza Large")))
    assert not m.evidence("cokes", "C", [], ["C", "D"]).size_unsaid  # "coke" names the plain can
    assert m.evidence("cokes", "D", [], ["D", "C"]).size_unsaid  # it never says "diet"
    assert m.evidence("bbq chicken pizza big", "M", [], ["M", "L"]).size_unsaid  # which size is "big"?
    assert not m.evidence("med bbq chicken pizza", "M", [], ["M", "L"]).size_unsaid
    m.add_history("c1", "M", 4)
    assert not m.evidence("bbq chicken pizza", "M", ["c1"], ["M", "L"]).size_unsaid  # only ever this one: history decides
    m.add_history("c1", "L", 1)
    assert m.evidence("bbq chicken pizza", "M", ["c1"], ["M", "L"]).size_unsaid  # both bought: it does not


def test_words_no_name_or_alias_explains_are_named() -> None:
    m = SkuMatcher(_products(("PC-031", "Herbal Shampoo Sachet 6 ml"), ("PL-081", "Flexible Connection Hose 18 inch")))
    assert m.evidence("hair colour sachet", "PC-031", []).explained == 0.0
    assert m.unexplained("hair colour sachet", "PC-031") == ["hair", "colour"]
    assert m.evidence('fch 18"', "PL-081", []).explained == 1.0  # the initials of its name
    assert m.evidence("pc031", "PC-031", []).explained == 1.0 and m.evidence("pc031", "PC-031", []).alias_exact  # its own code
    m.add_alias("*", "bal ka shampoo", "PC-031")
    assert m.unexplained("bal ka shampoo sachet", "PC-031") == []  # the distributor's own words explain it


def test_a_word_like_no_word_of_the_catalog_is_foreign_to_the_match() -> None:
    """ "Rekha copy paper legal" of Vidyarthi Copy Paper Legal: "rekha" is like no name or alias word of the catalog
    (a brand the distributor does not sell), where a misspelling is like one and a word of another SKU is known."""
    m = SkuMatcher(_products(("ST-038", "Vidyarthi Copy Paper Legal"), ("ST-036", "Chitrakala Copy Paper A4")))
    assert m.evidence("rekha copy paper legal", "ST-038", []).foreign == 1
    assert m.evidence("copy papr legal", "ST-038", []).foreign == 0  # a misspelling of a name word
    assert m.evidence("chitrakala copy paper legal", "ST-038", []).foreign == 0  # unexplained, yet a catalog word
    m.add_alias("C1", "rekha copy paper legal", "ST-038")
    assert m.evidence("rekha copy paper legal", "ST-038", ["C1"]).foreign == 0  # the customer's own name for it


def test_a_word_is_not_explained_by_a_two_letter_word_one_letter_away() -> None:
    """ "red" is not "ed", the initials of Extra Dark: an edit of one letter turns a two-letter word into any
    three-letter word, so a red gel pen is not a pencil extra dark because "pen" begins "pencil"."""
    m = SkuMatcher(_products(("ST-049", "Vidyarthi Pencil extra dark"), ("ST-050", "Gel Pen red 0.5 mm")))
    assert m.unexplained("pen red", "ST-049") == ["red"]
    assert m.evidence("pen red", "ST-049", []).explained == 0.5
    assert m.unexplained("ed pencil", "ST-049") == []  # the initials themselves still stand for the words
    assert m.unexplained("gel pen lal", "ST-050") == []  # a colour word of an Indian language still reads


def test_a_word_an_alias_taught_reads_as_the_name_word_it_stood_for() -> None:
    """ "3 regular pizzas" shipped as Pizza Medium: this distributor's "regular" is "medium", for every product
    sold by that size, and the size is then said; built not to learn, the matcher reads the aliases as written."""
    menu = _products(("P1", "Pizza Small"), ("P2", "Pizza Medium"), ("P3", "Pizza Large"),
                     ("V1", "Veggie Supreme Pizza Small"), ("V2", "Veggie Supreme Pizza Medium"),
                     ("V3", "Veggie Supreme Pizza Large"))
    taught = SkuMatcher(menu)
    taught.add_alias("c1", "regular pizzas", "P2")
    assert taught.meanings() == {"regular": "medium"}
    assert top(taught, "regular veggie supreme pizzas", ["c2"])[0] == "V2"
    assert not taught.evidence("regular veggie supreme pizzas", "V2", ["c2"], ["V1", "V3"]).size_unsaid
    plain = SkuMatcher(menu, learn_names=False)
    plain.add_alias("c1", "regular pizzas", "P2")
    assert plain.meanings() == {}
    assert plain.evidence("regular veggie supreme pizzas", "V2", ["c2"], ["V1", "V3"]).size_unsaid


def test_a_name_word_every_product_said_shares_goes_without_saying_and_a_size_stands_only_for_a_size() -> None:
    """ "regular pepperonis" shipped as Pepperoni Pizza Medium leaves "pizza" and "medium" unsaid, but every
    pepperoni is a pizza: "regular" chose the medium. "barbecue chicken pizza" shipped as BBQ Chicken Pizza Medium
    (the size cut off) teaches "barbecue" is "bbq": a word that is no size word never stands for a size."""
    menu = _products(("P1", "Pepperoni Pizza Small"), ("P2", "Pepperoni Pizza Medium"),
                     ("P3", "Pepperoni Pizza Large"), ("B1", "BBQ Chicken Pizza Small"),
                     ("B2", "BBQ Chicken Pizza Medium"), ("B3", "BBQ Chicken Pizza Large"))
    m = SkuMatcher(menu)
    m.add_alias("c1", "regular pepperonis", "P2")
    m.add_alias("c2", "barbecue chicken pizza", "B2")
    assert m.meanings() == {"regular": "medium", "barbecue": "bbq"}
    assert top(m, "2 regular barbecue chicken pizzas", ["c3"])[0] == "B2"


def test_only_one_new_word_for_one_unsaid_name_word_is_learned_and_never_a_lexicon_word() -> None:
    menu = _products(("Y", "Instant Dry Yeast 500 g"), ("P2", "Pizza Medium"), ("P3", "Pizza Large"))
    m = SkuMatcher(menu)
    m.add_alias("c1", "ek instant yeast", "Y")  # "ek" is a number word: "one", not "dry"
    m.add_alias("c1", "peece instant yeast", "Y")  # a misspelt unit word
    m.add_alias("c1", "pepperoni", "P2")  # says no name word at all
    m.add_alias("c1", "regular", "P2")  # one word alone, and two name words unsaid
    assert m.meanings() == {}
    m.add_alias("c1", "regular pizza", "P2")
    m.add_alias("c2", "regular pizza", "P3")  # the customers do not agree what "regular" is: nothing learned
    assert m.meanings() == {}


def test_a_size_word_the_sku_contradicts_is_said_and_an_alias_with_it_explains_it() -> None:
    """ "2 regular bbq chicken pizzas" from a customer who always bought the small one: "regular" is no size of
    Pizza Small, however near the customer's alias "sm bbq chicken pizzas"; a customer who wrote "regular" for the
    medium one taught it for that SKU."""
    m = SkuMatcher(_products(("S", "BBQ Chicken Pizza Small"), ("M", "BBQ Chicken Pizza Medium"),
                             ("C", "Coke Can 330 ml")))
    m.add_alias("T1", "sm bbq chicken pizzas", "S")
    assert m.evidence("regular bbq chicken pizzas", "S", ["T1"], ["S", "M"]).size_said == "regular"
    assert m.evidence("big bbq chicken pizza", "S", ["T1"], ["S", "M"]).size_said == "large"  # "big": large
    assert m.evidence("sm bbq chicken pizza", "S", ["T1"], ["S", "M"]).size_said == ""
    assert m.evidence("large coke", "C", ["T1"], ["C"]).size_said == ""  # the can names no size word
    m.add_alias("T2", "regular bbq chicken pizzas", "M")
    assert m.evidence("regular bbq chicken pizza", "M", ["T1"], ["S", "M"]).size_said == ""


def test_a_word_the_catalog_writes_as_one_or_as_two_reads_either_way() -> None:
    """ "cheese burger" is the Cheeseburger and "handwash" the Hand Wash Refill: the words explain the SKU."""
    m = SkuMatcher(_products(("B", "Cheeseburger"), ("H", "Hand Wash Refill 750 ml"), ("P", "Cheese Pizza Small")))
    assert m.compounds(["cheese", "burger"]) == ["cheeseburger"]
    assert m.compounds(["handwash", "refill"]) == ["hand", "wash", "refill"]
    assert m.compounds(["cheese", "pizza"]) == ["cheese", "pizza"]
    assert m.unexplained("2 cheese burgers", "B") == []
    assert top(m, "cheese burger", ["c1"])[0] == "B"
    assert m.unexplained("handwash refill 750ml", "H") == []


def test_a_new_word_is_learned_only_where_it_stands_in_the_name_words_place() -> None:
    """ "pies medium" shipped as Pizza Medium: "pie" stands where "pizza" stands, before "medium". "stapler machine"
    shipped as Likhit Stapler leaves the brand unsaid and adds a word after the name: no other word for the brand.
    Nor is a word with a digit, or one spelt like the SKU's own words ("inhc" of its "inch"), a new word."""
    m = SkuMatcher(_products(("P2", "Pizza Medium"), ("P3", "Pizza Large"), ("S", "Likhit Stapler No. 10"),
                             ("E", "Likhit Envelope brown 9 x 4 inch"), ("G", "Gyanodaya Stapler No. 10")))
    m.add_alias("c1", "pies medium", "P2")
    m.add_alias("c1", "stapler machine", "S")
    m.add_alias("c1", "envelope brown 9x", "E")
    m.add_alias("c1", "envelope brown inhc", "E")
    assert m.meanings() == {"pie": "pizza"}
    assert top(m, "2 pies large", ["c2"])[0] == "P3"


def test_two_letters_typed_the_other_way_round_and_a_misspelt_compound_read_as_the_catalogs() -> None:
    m = SkuMatcher(_products(("B", "Vidyarthi Whiteboard Marker blue"), ("R", "Vidyarthi Whiteboard Marker red"),
                             ("T", "Vidyarthi Cello Tape 48 mm"), ("N", "Pustika Notebook four line 200 pages")))
    assert top(m, "vidyarthi whiteboard marker bleu", ["c1"])[0] == "B"
    assert m.unexplained("vidyarthi whiteboard marker bleu", "B") == []
    assert m.compounds(["celotape"]) == ["cello", "tape"]
    assert m.compounds(["notte", "book", "line"]) == ["notebook", "line"]
    assert m.unexplained("celotape 48 mm", "T") == []
    assert m.compounds(["gel", "pen"]) == ["gel", "pen"]  # short words are never taken for a misspelt compound


def test_a_number_word_of_a_name_is_the_number_a_customer_writes() -> None:
    from models.matcher import Parsed

    assert Parsed.of("notebook four line").key() == Parsed.of("notebook 4 line").key()
    assert Parsed.of("do pizza").words == ("do", "pizza")  # a weak number word ("do": two, or a verb) stays a word
    m = SkuMatcher(_products(("S", "Pustika Notebook single line 200 pages"), ("F", "Pustika Notebook four line 200 pages")))
    assert top(m, "notebook 4 line 200 pg", ["c1"])[0] == "F"


def test_sizes_that_agree_do_not_lift_a_sibling_of_another_colour_to_a_tie() -> None:
    """The catalog's own description, pack and all, is that SKU and clearly not its sibling in black."""
    m = SkuMatcher(_products(("K", "Vidyarthi Gel Pen black 0.5 mm (10 nos)"), ("B", "Vidyarthi Gel Pen blue 0.5 mm (10 nos)")))
    [(best, p), (other, q)] = [(c.sku, c.probability) for c in m.match("Vidyarthi Gel Pen blue 0.5 mm (10 nos)", ["c1"], 2)]
    assert best == "B" and p > 2 * q


def test_a_colour_word_of_an_indian_language_names_the_catalogs_colour() -> None:
    """ "highlighter santra" (Hindi), "marker pachai" (Tamil), "pen kempu" (Kannada): the lexicon's variant words
    (datasets/lexicon/variants.csv) read as the catalog's English colour, so the right sibling wins."""
    m = SkuMatcher(_products(("H-ORG", "Highlighter Orange"), ("H-PNK", "Highlighter Pink"),
                             ("M-GRN", "Marker Green"), ("M-RED", "Marker Red"), ("P-RED", "Pen Red"),
                             ("P-BLU", "Pen Blue")), [])
    for mention, sku in (("highlighter santra", "H-ORG"), ("marker pachai", "M-GRN"), ("pen kempu", "P-RED"),
                         ("pen neela", "P-BLU")):
        got, p = top(m, mention, [])
        assert got == sku and p > 0.5, mention


def test_a_variant_word_of_a_catalog_word_is_a_catalog_word() -> None:
    """ "santra" is a word of a catalog that sells something orange, and no word to hold a count for."""
    from models.accounting import knowledge_of

    know = knowledge_of(["Highlighter Orange"], [], [])
    assert know.in_catalog("santra") and know.placed("santra")
    assert not knowledge_of(["Highlighter Pink"], [], []).in_catalog("santra")
