"""What a customer asks on an item is no order line; a catalog word nothing took still is one."""

from __future__ import annotations

from dataclasses import replace

from models.accounting import (
    Knowledge,
    asked_on,
    name_holds,
    place_count_word,
    sized_parts,
    unread_words,
)
from models.tagger import LineParts, Span


def _zones(text: str, starts: tuple[int, ...] = ()) -> list[str]:
    return [text[a:b].strip() for a, b in asked_on(text, starts)]


def test_toppings_and_requests_run_until_the_next_item() -> None:
    text = "i'd like a large pizza with ham and pineapple and a coke"
    assert _zones(text) == ["with ham and pineapple and"]
    assert _zones("a burger with onions but no mustard, some fries") == ["with onions but no mustard,"]
    assert _zones("2 shakes no ice\n3 colas") == ["no ice"]
    assert _zones("2 lemonades with a straw & ice and also 2 pizzas") == ["with a straw & ice and"]  # an article


def test_request_cues_are_the_lexicons_phrases_in_any_language() -> None:
    """datasets/lexicon/requests.csv: "easy on the ...", "on the side", Hindi "bina" (without) begin a request."""
    assert _zones("1 puff easy on the green chutney, 2 cakes") == ["easy on the green chutney,"]
    assert _zones("chai bina cheeni 2 samosa") == ["bina cheeni"]


def test_how_an_item_is_cut_is_no_count() -> None:
    """"cut in half" asks how the item is served; "half" there counts no next item, so the request runs on."""
    assert _zones("3 puff veg with cut in half, no ketchup") == ["with cut in half, no ketchup"]
    assert _zones("pizza with cut into four and 2 cokes") == ["with cut into four and"]


def test_a_count_after_no_is_no_request() -> None:
    assert _zones("12 no fevicol 50g") == []


def test_a_span_start_ends_the_zone() -> None:
    text = "pizza with olives dosa 2"
    assert _zones(text, (text.index("dosa"),)) == ["with olives"]


def test_catalog_words_asked_on_an_item_are_not_unread() -> None:
    text = "a dosa with onion and a cola"
    spans = [Span("QTY", 0, 1, 1.0), Span("PRODUCT", 2, 6, 1.0), Span("QTY", 22, 23, 1.0), Span("PRODUCT", 24, 28, 1.0)]
    know = Knowledge(catalog=frozenset({"dosa", "onion", "cola"}))
    assert unread_words(text, spans, know) == []
    # the same word outside any request is a line nobody read
    assert unread_words("a dosa onion uttapam", spans[:2], Knowledge(catalog=frozenset({"dosa", "onion", "uttapam"}))) == [
        "onion", "uttapam"]


def test_a_count_followed_by_a_vague_word_is_vague() -> None:
    """ "a few onion rings": the classifier may take "a" as one; the vague word after it makes the count vague
    (held as QTY_UNCLEAR), never one."""
    from models.accounting import place_count_word
    from models.tagger import lines_from_spans

    text = "a few onion rings"
    spans = [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 6, 17, 0.9)]
    [part] = lines_from_spans(text, spans)
    assert part.qty == 1 and place_count_word(text, part, spans, Knowledge()).vague
    text = "a large pizza"
    spans = [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 13, 0.9)]
    [part] = lines_from_spans(text, spans)
    assert not place_count_word(text, part, spans, Knowledge()).vague


def test_a_size_or_name_word_between_count_and_name_that_no_span_took_is_the_names_first_word() -> None:
    """ "four small | pies": the classifier left "small" out of the name; it is not dropped but read as the name's
    first word, as is a catalog word ("2 diet | coke"); a word nothing places stays unplaced."""
    from models.tagger import lines_from_spans

    know = Knowledge(catalog=frozenset({"diet", "coke", "pizza"}))

    def product(text: str, spans: list[Span]) -> str | None:
        return place_count_word(text, lines_from_spans(text, spans)[0], spans, know).product

    assert product("four small pies", [Span("QTY", 0, 4, 0.9), Span("PRODUCT", 11, 15, 0.9)]) == "small pies"
    assert product("2 diet coke", [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 7, 11, 0.9)]) == "diet coke"
    thela = [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 8, 12, 0.9)]
    assert place_count_word("2 thela coke", lines_from_spans("2 thela coke", thela)[0], thela, know).unplaced == "thela"
    assert product("2 small, coke", [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 9, 13, 0.9)]) is None  # not beside


def test_a_size_written_after_an_item_and_a_comma_is_its_size() -> None:
    from models.accounting import size_after
    from models.tagger import lines_from_spans

    def size(text: str, spans: list[Span]) -> str:
        return size_after(text, lines_from_spans(text, spans)[0], spans)[0]

    text = "a veggie pizza, big, and 1 sprite"
    assert size(text, [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 14, 0.9)]) == "big"
    assert size("2 pies (small) please", [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 6, 0.9)]) == "small"
    assert size("2 pies, small onions on top", [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 6, 0.9)]) == ""
    assert size("2 pies, garlic", [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 6, 0.9)]) == ""  # no size word
    # a filler or a request after the size names no product: still its size
    assert size("4 veggie pizzas, big asap", [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 15, 0.9)]) == "big"
    assert size("3 pizzas, big (no onions)", [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 8, 0.9)]) == "big"
    part = lines_from_spans(text, [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 14, 0.9)])[0]
    assert text[: size_after(text, part, [])[1]] == "a veggie pizza, big"  # the line reads up to its size
    # the classifier read the size alone as a product: a size names no product, it is still the item's size
    alone = [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 14, 0.9), Span("PRODUCT", 16, 19, 0.9)]
    assert size(text, alone) == "big"
    assert size(text, [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 14, 0.9), Span("PRODUCT", 16, 23, 0.9)]) == ""


def test_a_count_left_without_a_product_keeps_the_words_after_it() -> None:
    """ "... with lemon and a nachos!": the classifier read "a" and left the dish (off the menu) unlabelled; the
    words after the count are a line to hold, not dropped. A count before a unit or known words reads none."""
    from models.accounting import orphan_counts
    from models.tagger import lines_from_spans

    def orphans(text: str, spans: list[Span]) -> list[tuple[float, str]]:
        return [(v, w) for _s, v, w, _e, _u in orphan_counts(text, spans, lines_from_spans(text, spans), Knowledge())]

    text = "one diet coke with lemon and a nachos!"
    assert orphans(text, [Span("QTY", 0, 3, 0.9), Span("PRODUCT", 4, 13, 0.9), Span("QTY", 29, 30, 0.9)]) == \
        [(1, "nachos")]
    assert orphans("5 ctn bhej do", [Span("QTY", 0, 1, 0.9), Span("UNIT", 2, 5, 0.9)]) == []
    assert orphans("deliver by 2 pm please", [Span("QTY", 11, 12, 0.9)]) == []
    # a unit read after the count, and words nothing places after it: the product the classifier left out
    text = "30 PIECE CHITR SENIOR"
    [(_s, value, words, _e, unit)] = orphan_counts(text, [Span("QTY", 0, 2, 0.9), Span("UNIT", 3, 8, 0.9)], [],
                                                   Knowledge())
    assert (value, words, unit) == (30, "CHITR SENIOR", "PIECE")
    # the unit word it passed over is read as any unit is: a pack word or a measure ("5 kg ..."), else learned
    assert Knowledge().unit("PIECE") == "PCS" and Knowledge().unit("kg") == "KG" and Knowledge().unit("bhoomi") is None


def test_a_number_beside_a_line_read_without_a_count_is_named() -> None:
    """ "1 sunscreen lotion" with the "1" left unlabelled: the line is held naming the number, never dropped."""
    from models.accounting import number_beside
    from models.tagger import lines_from_spans

    def beside(text: str, spans: list[Span]) -> str:
        return number_beside(text, lines_from_spans(text, spans)[0], spans)

    assert beside("1 sunscreen lotion", [Span("PRODUCT", 2, 18, 0.9)]) == "1"
    assert beside("sunscreen lotion paanch", [Span("PRODUCT", 0, 16, 0.9)]) == "paanch"
    assert beside("do rolls bpr", [Span("PRODUCT", 3, 12, 0.9)]) == ""  # "do" is a verb too
    assert beside("2 sunscreen lotion", [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 18, 0.9)]) == ""  # has a count


def test_catalog_words_right_after_a_product_are_the_rest_of_its_name() -> None:
    """ "one diet | coke please": the classifier ended the name a word early; the catalog's words after it, apart
    by spaces alone, finish it. A filler, a joiner, a comma or a word the catalog does not hold ends it."""
    from models.accounting import knowledge_of, name_after
    from models.tagger import lines_from_spans

    know = knowledge_of(["Diet Coke Can 330 ml", "Onion Rings", "Iced Tea Bottle"], [], ["Cafe Coke"])

    def rest(text: str, spans: list[Span]) -> str:
        return name_after(text, lines_from_spans(text, spans)[0], spans, know)[0]

    text = "we'd like one diet coke please"
    assert rest(text, [Span("QTY", 10, 13, 0.9), Span("PRODUCT", 14, 18, 0.9)]) == "coke"
    assert rest("a side of onion rings asap", [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 15, 0.9)]) == "rings"
    assert rest("one diet, coke too", [Span("QTY", 0, 3, 0.9), Span("PRODUCT", 4, 8, 0.9)]) == ""  # a comma
    assert rest("one diet and coke", [Span("QTY", 0, 3, 0.9), Span("PRODUCT", 4, 8, 0.9)]) == ""  # a joiner
    assert rest("one diet nachos", [Span("QTY", 0, 3, 0.9), Span("PRODUCT", 4, 8, 0.9)]) == ""  # not the catalog's
    assert rest("diet 1 coke", [Span("PRODUCT", 0, 4, 0.9), Span("QTY", 5, 6, 0.9)]) == ""  # the line ends with its count
    taken = [Span("QTY", 10, 13, 0.9), Span("PRODUCT", 14, 18, 0.9), Span("PRODUCT", 19, 23, 0.9)]
    assert rest(text, taken) == ""  # a span took it: a line of its own


def test_a_product_word_spelt_like_the_catalogs_beside_a_count_is_no_unknown_unit() -> None:
    """ "2 ice teas" of Iced Tea Bottle: the classifier read "ice teas" as the product and "ice" is the catalog's
    "iced" misspelt, so the count stands. A word spelt like a pack word ("botle") is still named, even where
    the catalog has "bottle" in a name: the count is then held, not taken in the SKU's unit."""
    from models.accounting import knowledge_of, place_count_word
    from models.tagger import lines_from_spans

    know = knowledge_of(["Iced Tea Bottle", "Mango Juice Bottle 1 L"], [], [])

    def placed(text: str, spans: list[Span]) -> str | None:
        return place_count_word(text, lines_from_spans(text, spans)[0], spans, know).unplaced

    assert placed("2 ice teas", [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 10, 0.9)]) is None
    ice = [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 10, 0.9)]  # the check catalog_spelling switched off
    assert place_count_word("2 ice teas", lines_from_spans("2 ice teas", ice)[0], ice, know, spelling=False).unplaced == "ice"
    assert placed("3 botle mango juice", [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 19, 0.9)]) == "botle"
    assert placed("3 thappi mango juice", [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 20, 0.9)]) == "thappi"


def test_a_word_customers_ask_on_an_item_is_no_word_of_an_alias_learned_with_it() -> None:
    """An alias learned from "dosa - sambar" took the request into the name; past orders ask "with sambar" and
    "extra sambar", so "sambar" is a request and, left after a line, no dropped order line. A word a product
    description holds, or one spelt like it, stays a catalog word however often it is asked ("cheese", "ice")."""
    from models.accounting import asked_counts, knowledge_of, request_words, unasked_alias

    products = knowledge_of(["Masala Dosa", "Cheese Burger", "Iced Tea"], [], [])
    asked = request_words(asked_counts(["2 dosa with sambar", "1 masala dosa extra sambar", "burger, extra cheese",
                                        "3 burger with cheese", "ice tea no ice", "2 cola with ice"]), products)
    assert unasked_alias("dosa - sambar", asked) == "dosa"
    assert unasked_alias("burger cheese", asked) == "burger cheese"
    assert unasked_alias("ice tea", asked) == "ice tea"  # "ice" is spelt like the name's "iced"
    assert unasked_alias("dosa podi", asked) == "dosa podi"  # "podi" was never asked: a name


def test_words_customers_ask_on_an_item_are_learned_and_an_article_before_them_counts_no_line() -> None:
    """Past orders say "no straw" and "without a straw": "straw" is asked on an item, so "with ice, a straw" is
    that request, not a line of one straw. A word asked once, a catalog word, or a real count is not."""
    from models.accounting import a_request, asked_counts, asked_words, knowledge_of, orphan_counts
    from models.tagger import lines_from_spans

    know = knowledge_of(["Diet Coke Can 330 ml", "Cheese Burger"], [], [])
    past = ["2 diet cokes, no straw", "1 diet coke without a straw and extra cheese", "a burger with pickles"]
    asked = asked_words(asked_counts(past), know)
    assert asked == frozenset({"straw"})  # "cheese" is the catalog's, "pickles" was asked once
    know = replace(know, asked=asked)

    def request(text: str, spans: list[Span]) -> bool:
        return a_request(text, lines_from_spans(text, spans)[0], know)

    assert request("a straw", [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 7, 0.9)])
    assert not request("2 straws", [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 8, 0.9)])  # counted: an order line
    assert not request("a diet coke", [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 11, 0.9)])
    # the classifier read "a" and left "straw" unlabelled: no orphan line either, unless the check is off
    text, spans = "1 diet coke with ice & a straw", [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 11, 0.9),
                                                     Span("QTY", 23, 24, 0.9)]
    assert orphan_counts(text, spans, lines_from_spans(text, spans), know) == []
    assert [w for _s, _v, w, _e, _u in orphan_counts(text, spans, lines_from_spans(text, spans), know,
                                                     requests=False)] == ["straw"]


def test_an_aliases_count_or_common_word_is_no_catalog_word() -> None:
    """An alias learned as written ("a garlic bread", "ek maida bori") keeps its count: "a" and "ek" are no words
    of the catalog, or every "a" left outside a line would look like a dropped product to the gate."""
    from models.accounting import knowledge_of

    know = knowledge_of(["Garlic Bread", "Maida 50 kg"], ["a garlic bread", "ek maida bori"], [])
    assert know.in_catalog("garlic") and know.in_catalog("maida")
    assert not know.in_catalog("a") and not know.in_catalog("ek")


def test_a_name_holds_the_words_of_a_line_in_its_order() -> None:
    assert name_holds("kajal stick 3", "Kajal Stick")
    assert name_holds('2 cake boxes 8x8"', "Cake Box White 8x8 inch")  # plural, a word of the name skipped
    assert not name_holds("10 bottles coconut hair oil", "Coconut Hair Oil Bottle 100 ml")  # the bottle comes first
    assert not name_holds("3 box kajal", "Kajal Stick")
    assert not name_holds("stick 3", "Kajal Stick")  # one word is no name
    assert name_holds("kajal stick 3", "Kajal Stick", product="kajal")  # the word read as a unit is the name's
    assert not name_holds('151 nos flexible connection 24"', "Flexible Connection Hose 24 inch",
                          product='flexible connection 24"')  # "nos" is no word of the name: the count's unit


def test_a_vague_word_after_a_count_makes_it_vague_whatever_span_took_it() -> None:
    know = Knowledge(catalog=frozenset({"sprite", "onion", "rings", "extra", "large", "pizza"}))
    text = "a few sprites"  # the classifier read "few" as a unit
    part = LineParts(text=text, product="sprites", qty=1.0, unit="FEW", vague=False, price=None, product_score=0.9,
                     qty_score=0.99, qty_at=(0, 1), unit_at=(2, 5), start=0)
    spans = [Span("QTY", 0, 1, 0.99), Span("UNIT", 2, 5, 0.4), Span("PRODUCT", 6, 13, 0.9)]
    assert place_count_word(text, part, spans, know).vague
    text = "a few sides of onion rings"  # "few" taken by no span, a unit after it
    part = LineParts(text=text, product="onion rings", qty=1.0, unit="PCS", vague=False, price=None, product_score=0.9,
                     qty_score=0.9, qty_at=(0, 1), unit_at=(6, 11), start=0)
    spans = [Span("QTY", 0, 1, 0.9), Span("UNIT", 6, 11, 0.9), Span("PRODUCT", 15, 26, 1.0)]
    assert place_count_word(text, part, spans, know).vague
    text = "1 extra large pizza"  # a word of the menu's size
    part = LineParts(text=text, product="extra large pizza", qty=1.0, unit=None, vague=False, price=None,
                     product_score=0.9, qty_score=0.99, qty_at=(0, 1), unit_at=None, start=0)
    assert not place_count_word(text, part, [Span("QTY", 0, 1, 0.99), Span("PRODUCT", 2, 19, 0.9)], know).vague
    text = "burgers * 1 (extra onion)"  # a bracket begins a request: onion on one burger, no vague count
    part = LineParts(text="burgers * 1", product="burgers", qty=1.0, unit=None, vague=False, price=None,
                     product_score=0.9, qty_score=0.99, qty_at=(10, 11), unit_at=None, start=0)
    spans = [Span("PRODUCT", 0, 7, 0.9), Span("QTY", 10, 11, 0.99)]
    assert not place_count_word(text, part, spans, know).vague
    assert place_count_word("burgers * 1 extra", part, spans, know).vague  # "1 extra": how many?


def test_an_article_nobody_read_counts_one_catalog_item_of_a_list() -> None:
    """ "pizza and a lemonade without ice": the classifier left "a lemonade" unlabelled. An article before a catalog
    word no span took counts one of it, as an item ends ("without", a comma, "plus", the end); never right after a
    word that begins a request ("with a coke"), nor where the words go on ("do you have a vegan menu?")."""
    from models.accounting import orphan_counts
    from models.tagger import lines_from_spans

    know = Knowledge(catalog=frozenset({"pizza", "lemonade", "coke", "vegan", "garlic", "bread"}))

    def items(text: str, spans: list[Span], articles: bool = True) -> list[tuple[float, str]]:
        return [(v, w) for _s, v, w, _e, _u in orphan_counts(text, spans, lines_from_spans(text, spans), know,
                                                             articles=articles)]

    text = "2 pizza and a lemonade without ice"
    spans = [Span("QTY", 0, 1, 0.99), Span("PRODUCT", 2, 7, 0.99)]
    assert items(text, spans) == [(1, "lemonade")]
    assert items(text, spans, articles=False) == []  # the check switched off: the gate sees a dropped word
    assert items("2 pizza, a garlic bread plus 1 coke", spans) == [(1, "garlic bread")]  # "1" is no article
    assert items("2 pizza with a coke", spans) == []  # asked on the pizza
    assert items("do you have a vegan menu?", [Span("CUSTOMER", 20, 24, 0.4)]) == []  # "menu" goes on
    assert items("do you have a straw?", []) == []  # no catalog word


def test_an_article_before_a_product_read_without_a_count_counts_one() -> None:
    from models.accounting import article_before, item_edge

    text = "two lemonades with ice, a sprite, no lemon"
    at = text.index("sprite")
    art = article_before(text, at, [Span("PRODUCT", at, at + 6, 0.9)])
    assert art is not None and text[art.start:art.end] == "a" and item_edge(text, at + 6)
    text = "a burger with a straw"
    assert article_before(text, text.index("straw"), []) is None  # "with a": a request
    text = "do you have a vegan menu?"
    assert not item_edge(text, text.index("vegan") + 5)


def test_a_size_written_after_an_item_is_that_items_for_readers_of_past_orders() -> None:
    """ "3 pies, medium with anchovies": the past order says "pies medium", as the tag stage reads it live, so the
    alignment with Pizza Medium can teach "pie"; the size's own line goes."""
    text = "3 pies, medium with anchovies"
    spans = [Span("QTY", 0, 1, 0.99), Span("PRODUCT", 2, 6, 0.99), Span("PRODUCT", 8, 14, 0.9)]
    parts = [LineParts("3 pies", "pies", 3.0, None, False, None, 0.99, 0.99, (0, 1), None, 0),
             LineParts("medium", "medium", None, None, False, None, 0.9, 0.0, None, None, 8)]
    [read] = sized_parts(text, parts, spans)
    assert read.product == "pies medium" and read.qty == 3.0 and read.text == "3 pies, medium"
    assert sized_parts("3 pies, 2 cokes", parts[:1], spans[:2]) == parts[:1]  # no size after it: as read


def test_filler_the_classifier_read_as_the_unit_leaves_the_count_bare() -> None:
    """ "rubber dust free : three pls": "pls" read as the unit would hold a right order as "3 PLS"; filler of the
    lexicon is no unit, and a unit word stays one."""
    from models.accounting import knowledge_of
    from models.tagger import lines_from_spans

    know = knowledge_of(["Rubber Dust Free"], [], [])
    text = "rubber dust free : three pls"
    spans = [Span("PRODUCT", 0, 16, 0.9), Span("QTY", 19, 24, 0.9), Span("UNIT", 25, 28, 0.8)]
    part = lines_from_spans(text, spans)[0]
    assert part.unit == "PLS" and place_count_word(text, part, spans, know).bare
    boxed = "rubber dust free : three box"
    part = lines_from_spans(boxed, spans)[0]
    assert not place_count_word(boxed, part, spans, know).bare



def test_a_product_word_one_slip_from_the_catalogs_is_the_names_whatever_label_the_classifier_gave_it() -> None:
    """ "4 bgael hummus", "1 cookei almond", "2 bagelz": a letter swapped, added or changed in a catalog word
    beside the count is the name's, not an unknown unit, whether the classifier read it in the product or as the
    unit; a word spelt like a pack word, or far from every catalog word, still holds the count."""
    from models.accounting import knowledge_of
    from models.tagger import lines_from_spans

    know = knowledge_of(["Bagel Hummus", "Cookie Almond", "Mango Juice Bottle 1 L"], [], [])
    assert know.like_catalog("bgael") and know.like_catalog("cookei") and know.like_catalog("bagelz")
    assert not know.like_catalog("thappi") and not know.like_catalog("bgl")

    def placed(text: str, spans: list[Span]):  # type: ignore[no-untyped-def]
        return place_count_word(text, lines_from_spans(text, spans)[0], spans, know)

    as_unit = placed("4 bgael hummus", [Span("QTY", 0, 1, 0.9), Span("UNIT", 2, 7, 0.9), Span("PRODUCT", 8, 14, 0.9)])
    assert as_unit.unplaced is None and as_unit.bare and as_unit.product == "bgael hummus"
    assert placed("1 cookei almond", [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 15, 0.9)]).unplaced is None
    from models.span_rules import ALL_RULES, read_lines

    bagelz = [Span("QTY", 0, 1, 0.9), Span("UNIT", 2, 8, 0.9)]  # the span rules make the lone unit word the product
    [part] = read_lines("2 bagelz", bagelz, ALL_RULES)
    assert part.product == "bagelz" and place_count_word("2 bagelz", part, bagelz, know).unplaced is None
    thappi = [Span("QTY", 0, 1, 0.9), Span("UNIT", 2, 8, 0.9), Span("PRODUCT", 9, 20, 0.9)]
    assert placed("3 thappi mango juice", thappi).unplaced == "thappi"


def test_a_word_that_begins_a_request_or_the_next_item_is_no_unknown_unit() -> None:
    """ "shake regular - 2 hold the ice", "thali x 6 plus 4 naan": the words that begin what is asked on an item or
    the next item need no unit reading, so they hold no count; nor does a word customers ask on items ("kathi roll
    * 3 (onion)")."""
    from models.tagger import lines_from_spans

    know = Knowledge(catalog=frozenset({"shake", "regular", "thali", "naan"}))
    for text, end in (("shake regular - 2 hold the ice", 13), ("thali x 6 plus 4 naan", 5)):
        spans = [Span("PRODUCT", 0, end, 0.9), Span("QTY", text.index(" 2 ") + 1 if " 2 " in text else 8,
                                                    (text.index(" 2 ") + 2) if " 2 " in text else 9, 0.9)]
        part = lines_from_spans(text, spans)[0]
        assert place_count_word(text, part, spans, know).unplaced is None
    assert know.placed("hold") and know.placed("plus") and not know.placed("thappi")
    # a word the history shows customers asking on items ("with onion", "no onion") is a request, no unit word
    text, spans = "thali x 6 onion", [Span("PRODUCT", 0, 5, 0.9), Span("QTY", 8, 9, 0.9)]
    part = lines_from_spans(text, spans)[0]
    assert place_count_word(text, part, spans, know).unplaced == "onion"
    assert place_count_word(text, part, spans, replace(know, asked=frozenset({"onion"}))).unplaced is None


def test_a_count_whose_only_word_the_classifier_read_as_a_unit_that_nothing_reads_is_an_item_to_hold() -> None:
    """ "5 momos aur 2 punjabi wala": the dish is off the menu and the classifier read it as the unit of a count
    with no product; it is a line (held, no SKU), never dropped while the rest goes out. A unit word stays a unit
    and makes no line ("5 ctn bhej do")."""
    from models.accounting import orphan_counts

    text = "5 momos aur 2 punjabi wala"
    spans = [Span("QTY", 0, 1, 0.9), Span("UNIT", 2, 7, 0.9), Span("QTY", 12, 13, 0.9), Span("PRODUCT", 14, 26, 0.9)]
    from models.tagger import lines_from_spans

    parts = [p for p in lines_from_spans(text, spans) if p.product]
    know = Knowledge(catalog=frozenset({"punjabi", "wala", "thali"}))
    assert [(v, w, u) for _s, v, w, _e, u in orphan_counts(text, spans, parts, know)] == [(5, "momos", None)]
    ctn = [Span("QTY", 0, 1, 0.9), Span("UNIT", 2, 5, 0.9)]
    assert orphan_counts("5 ctn bhej do", ctn, [], know) == []


def test_a_number_word_the_classifier_read_into_a_name_is_the_lines_count() -> None:
    """ "also ek soft drink 600ml", all of it read as the name: "ek" is its count (the line is then held as a dish
    the menu lacks, not dropped as chatter); a number word that is a catalog word ("Seven Up") or digits stay."""
    from models.accounting import number_in_name

    know = Knowledge(catalog=frozenset({"seven", "up", "naan"}))
    text = "also ek soft drink 600ml"
    part = LineParts(text="ek soft drink 600ml", product="ek soft drink 600ml", qty=None, unit=None, vague=False,
                     price=None, product_score=0.9, qty_score=0.0, start=5)
    read = number_in_name(text, part, know)
    assert (read.qty, read.product, read.qty_at) == (1.0, "soft drink 600ml", (5, 7))
    for name in ("seven up", "2 in 1 naan", "naan"):
        same = replace(part, text=name, product=name, start=0)
        assert number_in_name(name, same, know) == same


def test_a_counted_line_whose_name_begins_with_a_number_word_may_be_two_items() -> None:
    """ "five sgd regular n bean 1l x five" read as one line counted five: the "five" its name begins with is a
    second count, so the line is held rather than released as one item; a catalog word ("Seven Up") or digits
    ("2 in 1 naan") are names."""
    from models.accounting import count_in_name

    know = Knowledge(catalog=frozenset({"seven", "up", "naan", "bean"}))
    part = LineParts(text="five sgd regular n bean 1l x five", product="five sgd regular n bean 1l", qty=5.0,
                     unit=None, vague=False, price=None, product_score=0.9, qty_score=0.99, start=0)
    assert count_in_name(part, know) == "five"
    assert count_in_name(replace(part, qty=None), know) == ""  # no count: number_in_name reads it as the count
    for name in ("seven up", "2 in 1 naan", "naan"):
        assert count_in_name(replace(part, product=name), know) == ""


def test_catalog_words_after_a_request_word_and_an_article_name_an_item() -> None:
    """ "with a wrap soya": two catalog words in a row after "with a" name an item, counted as left outside every
    line when no line read them; "with a straw", "with a little ice" are requests."""
    from models.accounting import items_asked

    know = Knowledge(catalog=frozenset({"wrap", "soya", "naan", "ice", "straw", "cola"}))
    assert items_asked("3 naan with a wrap soya - no extra egg", know) == ["wrap", "soya"]
    assert items_asked("2 cola with a straw", know) == []
    assert items_asked("2 cola with a little ice", know) == []
    assert items_asked("2 cola with wrap soya", know) == []  # no article: a request on the cola


def test_an_aliass_filler_and_request_words_are_no_catalog_words() -> None:
    """An alias learned from "... plus 2 naan" or "punjabi wala" holds no catalog word "plus" or "wala": such a
    word left outside every line is no sign of a dropped line."""
    from models.accounting import knowledge_of

    know = knowledge_of(["Naan Butter"], ["plus 2 naan", "punjabi wala", "extra cheese burst"], [])
    assert {"naan", "punjabi", "cheese", "burst"} <= know.catalog
    assert not {"plus", "wala", "extra"} & know.catalog
    assert "extra" in knowledge_of(["Extra Cheese"], [], []).catalog  # a product's own name keeps its words


def test_a_catalog_word_the_classifier_read_as_a_count_is_an_item_to_hold() -> None:
    """ "a fries masala with nan - a": the classifier read the naan as a count; no number reads it, it is a catalog
    word, and no line took it, so it is an item to hold for its count, never dropped. A count that reads is none."""
    from models.accounting import misread_counts

    know = Knowledge(catalog=frozenset({"fries", "masala", "nan"}))
    text = "a fries masala with nan - a, 5 fries"
    spans = [Span("QTY", 0, 1, 0.99), Span("PRODUCT", 2, 14, 0.99), Span("QTY", 20, 23, 0.93),
             Span("QTY", 29, 30, 0.99), Span("PRODUCT", 31, 36, 0.99)]
    assert [text[s.start:s.end] for s in misread_counts(text, spans, [], know)] == ["nan"]
    assert misread_counts("ek fries", [Span("QTY", 0, 2, 0.9)], [], Knowledge(catalog=frozenset({"fries"}))) == []


def test_a_catalog_word_written_in_two_beside_a_count_is_the_name_not_a_unit() -> None:
    """ "two cheese burgers" of a Cheeseburger: "cheese" is the name's first half, whatever label the classifier
    gave it, so the count stands; a word that joins into no catalog word ("two jhola burgers") is still named."""
    from models.accounting import knowledge_of
    from models.tagger import lines_from_spans

    know = knowledge_of(["Cheeseburger", "Burger Box"], [], [])

    def placed(text: str, spans: list[Span]) -> tuple[str | None, str]:
        got = place_count_word(text, lines_from_spans(text, spans)[0], spans, know)
        return got.unplaced, got.product or lines_from_spans(text, spans)[0].product

    assert placed("two cheese burgers", [Span("QTY", 0, 3, 0.9), Span("PRODUCT", 4, 18, 0.9)]) == (None, "cheese burgers")
    as_unit = [Span("QTY", 0, 3, 0.9), Span("UNIT", 4, 10, 0.9), Span("PRODUCT", 11, 18, 0.9)]
    assert placed("two cheese burgers", as_unit) == (None, "cheese burgers")
    assert placed("two jhola burgers", [Span("QTY", 0, 3, 0.9), Span("PRODUCT", 4, 17, 0.9)])[0] == "jhola"


def test_the_word_before_a_product_that_joins_its_first_word_begins_the_line() -> None:
    """ "plus a cheese burger": the classifier took "burger" alone, which is too little like Cheeseburger to be an
    order line; "cheese" joins it into the catalog's word, so the line is "a cheese burger", counted by its
    article. A word that joins nothing ("a big burger") is left as it was."""
    from models.accounting import knowledge_of, name_before, unread_words
    from models.tagger import lines_from_spans

    know = knowledge_of(["Cheeseburger", "Burger Box"], [], [])
    text = "5 fries plus a cheese burger"
    spans = [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 7, 0.9), Span("PRODUCT", 22, 28, 0.9)]
    part = lines_from_spans(text, spans)[1]
    got = name_before(text, part, spans, know)
    assert (got.text, got.product, got.start) == ("cheese burger", "cheese burger", 15)
    big = "5 fries plus a big burger"
    spans = [Span("QTY", 0, 1, 0.9), Span("PRODUCT", 2, 7, 0.9), Span("PRODUCT", 19, 25, 0.9)]
    assert name_before(big, lines_from_spans(big, spans)[1], spans, know).product == "burger"
    # no span took either half: both are words of a dropped line
    assert unread_words("and some cheese burgers", [], know) == ["cheese", "burgers"]


def test_the_joined_words_check_switches_off_in_the_knowledge() -> None:
    from dataclasses import replace as with_

    from models.accounting import knowledge_of

    know = knowledge_of(["Cheeseburger"], [], [])
    assert know.joined("cheese", "burgers") and not with_(know, joins=False).joined("cheese", "burgers")
