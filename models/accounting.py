"""Every word of an order line accounted for: the word next to a count is a unit, a number, a size, filler, a
product word or learned; a word nothing can place makes the count uncertain instead of being dropped.

The token classifier reads a line into product, count, unit and price; a word it could not place (a regional
piece word, a distributor's own pack word) used to fall out between them and the count was taken in the SKU's
own unit. ``place_count_word`` looks at that word with what the system knows (the lexicon, the catalog's own
words, what was learned from history and from people's corrections) and either reads it as a unit or names it,
so the line is held with a question. ``unread_words`` finds product words no line took at all.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from models.tagger import LineParts, Span
from models.units import (
    FILLER_WORDS,
    NUMBER_WORDS,
    REQUEST_CUES,
    REQUEST_HOW,
    SIZE_WORDS,
    VAGUE_WORDS,
    VARIANT_WORDS,
    like_unit_word,
    measure,
    plain_count,
    read_qty,
    read_unit,
    unit_of,
    unit_word,
)

# The named checks that keep a word or a line from being dropped, each switchable (``ORDEX_LINE_CHECKS``) and
# measured by ``python -m evaluation.compare_extractors --checks`` (README); checks with no gain on any set were
# deleted (dropped_lines, misread_lines). They run in the tag and validate stages; the names live here so
# settings, stages and the evaluation agree on them.
LINE_CHECKS: dict[str, str] = {
    "count_word": "the word after a count is read as a unit (lexicon, learned) or holds the count (tag stage)",
    "unread_words": "two or more catalog words no span took make a line with no count (tag stage)",
    "size_after": "a size word standing alone after an item and a comma (\"a veggie pizza, big,\") is that item's "
                  "size (tag stage)",
    "catalog_spelling": "a word the classifier read inside the product, beside its count, spelt like a catalog word "
                        "(\"2 ice teas\" of Iced Tea) and like no unit word, is the product's, not an unknown unit "
                        "(tag stage, within count_word)",
    "name_after": "catalog words written right after a line that ends with its product, no span taking them (\"one "
                  "diet | coke please\": the classifier ended the name a word early), are the rest of its name "
                  "(tag stage)",
    "learned_requests": "a line counted by an article whose words are all words the distributor's customers ask "
                        "on an item (learned from history: \"with ice, a straw\") is that request, no order line "
                        "(tag stage)",
    "orphan_counts": "a count the classifier read with no product, followed by words nothing places (\"and a "
                     "nachos\"), is a line with those words as its product: held, never dropped (tag stage)",
    "article_items": "an article no span took counts one of what follows it: a product span with no count (\", a "
                     "sprite,\") or catalog words no span took (\"and a lemonade\"), never right after a word that begins "
                     "a request (\"with a straw\") (tag stage)",
    "bare_number": "a line read with no count beside a number no span took (\"1 sunscreen lotion\", the \"1\" "
                   "unlabelled) is held naming the number, not dropped as chatter; a number word that begins its "
                   "name and is no catalog word (\"ek soft drink 600ml\") is its count (tag stage)",
    "second_count": "a counted line whose name begins with a number word that is no catalog word (\"five sgd regular "
                    "n bean 1l x five\") is held as perhaps two items read as one (tag stage)",
    "heading_number": "a number that ends a heading before a colon (\"for table 4: a cold drink\") counts nothing "
                      "for the rule extractor, the second reader (tag stage)",
    "unit_no_count": "a line with a unit word and no count, its words like the catalog's (\"marker black 12 bx\", "
                     "the \"12\" read into the name), is an order line held for its count, not dropped as chatter "
                     "(match stage)",
    "worded_count": "a count written as a word (\"a nachos\", \"two fries\") read at least MatchOptions.count sure "
                    "makes its line an order line whatever its words, held if no SKU fits; a count in digits needs 0.9 "
                    "(match stage)",
    "unit_in_name": "a unit word the SKU's own name holds in the order written (\"kajal stick 3\", \"2 cake box 8x8\" "
                    "of Cake Box White 8x8 inch), whose count does not convert as that unit, is a name word: the "
                    "count is bare, in the SKU's unit (match stage)",
    "listed_line": "a line with a count and a word, in the written line of an order line or the one before or "
                   "after it (\"FILES BUTTON A4 20 AND TAPE 12 MM 2\"), is an order line of that list: held if no SKU "
                   "fits (SKU_UNMATCHED), never dropped as chatter with the rest released (match stage)",
    "joined_words": "a catalog word written in two (\"a cheese burger\" of Cheeseburger) is that catalog word "
                    "wherever words are accounted for: beside a count, before a line's product (the line begins "
                    "there), among words no line took (tag stage, and the gate's words left outside every line)",
    "history_evidence": "a quantity over history_factor times the most ever ordered is QTY_UNCLEAR (validate stage)",
    "unexplained_words": "a SKU whose names and aliases explain half of the mention's words or less, with no exact "
                         "alias, is no match: SKU_UNMATCHED naming the words (match stage)",
    "said_size": "a SKU whose name says one size (\"Pizza Small\"), chosen for a mention that says another size "
                 "word its names and aliases lack (\"regular\"), by habit or a near alias, is SKU_UNMATCHED asking "
                 "which (match stage)",
    "unsaid_variant": "a SKU sold beside a sibling in another size or variant, chosen though the mention says none "
                      "of its own words (by habit), is SKU_UNMATCHED asking which (match stage)",
}
ALL_CHECKS: tuple[str, ...] = tuple(LINE_CHECKS)


def check_names(names: Sequence[str]) -> tuple[str, ...]:
    """The names in the order of ``LINE_CHECKS``, or ValueError naming an unknown one."""
    unknown = sorted(set(names) - set(LINE_CHECKS))
    if unknown:
        raise ValueError(f"unknown line check(s) {', '.join(unknown)}; known: {', '.join(LINE_CHECKS)}")
    return tuple(n for n in LINE_CHECKS if n in set(names))


@cache
def english_function_words() -> frozenset[str]:
    """scikit-learn's list of common English words, loaded when first asked for (not at import)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


# Words that mark a count ("48 x CK Kettle", "qty 4", "quantity: 6"), as "*" and "=" do: they name no unit or item.
COUNT_MARKS = frozenset({"x", "×", "*", "qty", "qty:", "quantity", "qnty", "nos:"})
WORD = re.compile(r"[^\s,;:=*+()\[\]|]+")
PUNCT = ".-–'\"!?"


@dataclass(frozen=True)
class Knowledge:
    """What the system knows of words: the catalog's own (descriptions, pack sizes, aliases), names of
    customers, and unit words learned per distributor (``*``) or per customer."""

    catalog: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    described: frozenset[str] = frozenset()  # the words of product descriptions and pack sizes alone
    asked: frozenset[str] = frozenset()  # words customers ask on an item ("straw"), learned from history
    learned: Mapping[tuple[str, str], str] = field(default_factory=dict)
    joins: bool = True  # the line check ``joined_words``: two words may be one catalog word written apart

    def learned_unit(self, word: str, customer_id: str | None) -> str | None:
        """A unit learned for this word: the customer's own first, then the distributor's."""
        w = word.lower()
        return self.learned.get((customer_id or "", w)) or self.learned.get(("*", w))

    def unit(self, word: str, customer_id: str | None = None) -> str | None:
        """The unit a word reads as: a pack or count word or a measure of the lexicon, else one learned, else None."""
        known = read_unit(word)
        return known.canonical if known.kind != "unknown" else self.learned_unit(word, customer_id)

    @staticmethod
    def lexicon_unit(word: str) -> str | None:
        """The pack or count unit the lexicon gives a word ("CS" -> CASE), or None."""
        return unit_word(word.rstrip("."))

    def knows(self, word: str, customer_id: str | None = None) -> bool:
        """True when anything places a word: it needs no reading, the lexicon or learning reads it as a unit, or it
        is a common English word ("i", "would", "to": a customer typing a sentence is no sign of a misread)."""
        return (self.placed(word) or self.lexicon_unit(word) is not None or self.learned_unit(word, customer_id) is not None
                or word.lower() in english_function_words())

    def in_catalog(self, word: str) -> bool:
        """A word of the catalog, as written or in the plural ("pizzas", "sandwiches" for "pizza", "sandwich")."""
        w = word.lower()
        if w in self.catalog:
            return True
        return len(w) > 3 and w.endswith("s") and (w[:-1] in self.catalog or w.endswith("es") and w[:-2] in self.catalog)

    def joined(self, first: str, second: str) -> bool:
        """True when two words written apart are one catalog word ("cheese burgers" of Cheeseburger, "white
        board"): a name written in two, no unit and no stray word."""
        return self.joins and first.isalpha() and second.isalpha() and self.in_catalog(first + second)

    def like_catalog(self, word: str) -> bool:
        """A word spelled like one of the catalog's: at least 85% alike ("ice" for "iced", "choclate"), or, five
        letters or more, one typing slip from one (a letter added, dropped, changed, or two swapped: "bgael",
        "cookei", "mokha")."""
        w = word.lower()
        if len(w) < 3:
            return False
        if process.extractOne(w, self.catalog, scorer=fuzz.ratio, score_cutoff=85) is not None:
            return True
        return len(w) >= 5 and process.extractOne(w, self.catalog, scorer=OSA.distance, score_cutoff=1) is not None

    def beside_count(self, word: str) -> bool:
        """True when a word after a count leaves it clear: ``placed``, or a word the distributor's customers ask on
        items ("kathi roll * 3 (onion)", "5 packaged water"), a request and no unit."""
        return self.placed(word) or word.lower() in self.asked

    def placed(self, word: str) -> bool:
        """True when a word needs no unit reading: a number, a measure or size word, filler, a product or
        customer word."""
        w = word.lower().strip(".'\"")
        return (not w or any(ch.isdigit() for ch in w) or w in NUMBER_WORDS or w in FILLER_WORDS or w in ASKED_STOP
                or w in COUNT_MARKS
                or ASKED_CUE.fullmatch(w) is not None
                or w in VAGUE_WORDS or w in SIZE_WORDS or w in english_function_words() or measure(w) is not None or self.in_catalog(w) or w in self.names
                or not any(ch.isalpha() for ch in w))


@dataclass(frozen=True)
class Placement:
    """What the word next to a line's count turned out to be: a unit or a word nothing places (the count is then
    unclear), each with the product without it, or a vague word ("a few": the count is vague); none of these when
    the word needs no reading."""

    unit: str | None = None
    product: str | None = None
    unplaced: str | None = None
    vague: bool = False
    bare: bool = False  # the word the classifier read as the unit is filler ("three pls") or the name's: no unit


def knowledge_of(product_texts: Sequence[str], alias_texts: Sequence[str], customer_names: Sequence[str],
                 learned: Mapping[tuple[str, str], str] | None = None) -> Knowledge:
    """The words a distributor's catalog, aliases and customer names use, and the unit words it taught. A word
    right after a count in an alias ("kajal stick 10 thappi", learned from a past order) is not taken as a
    product word: it is the very kind of word this module must place; nor is an alias's count, common English
    word ("a garlic bread": "a" is no catalog word), filler or request word (an alias learned from "... plus 2
    naan" holds no catalog word "plus"). A lexicon variant word of a catalog word ("santra" of
    "orange") is a catalog word too."""
    def words(texts: Sequence[str], after_count: bool = True) -> frozenset[str]:
        out: set[str] = set()
        for t in texts:
            prev = ""
            for _a, _b, w in words_of(t):
                if any(c.isalpha() for c in w) and (after_count or read_qty(prev).value is None
                                                    and w.lower() not in NUMBER_WORDS
                                                    and not names_no_item(w.lower())):
                    out.add(w.lower())
                prev = w
        return frozenset(out)

    catalog = words(product_texts) | words(alias_texts, after_count=False)
    said_so = frozenset(w for w, english in VARIANT_WORDS.items() if english in catalog)  # "santra" when "orange" is
    return Knowledge(catalog=catalog | said_so,
                     names=words(customer_names) - words(product_texts), described=words(product_texts),
                     learned=dict(learned or {}))


def words_of(text: str) -> list[tuple[int, int, str]]:
    """The words of a text with their character offsets."""
    out = []
    for m in WORD.finditer(text):
        w = m.group().strip(PUNCT)
        if w:
            a = m.start() + m.group().index(w)
            out.append((a, a + len(w), w))
    return out


def name_holds(text: str, name: str, product: str = "") -> bool:
    """True when the words of a line, its counts left out, are the words of a name in the order the name has
    them (plurals as singulars), the words the line read outside its ``product`` among them: "kajal stick 3" and
    "2 cake box 8x8\"" say "Kajal Stick" and "Cake Box White 8x8 inch"; "10 bottles coconut hair oil" does not
    say "Coconut Hair Oil Bottle" (the bottle is the count's), nor "151 nos flexible connection 24\"" its hose."""
    def like(w: str, o: str) -> bool:
        return w in (o, o + "s", o + "es")

    said = [w.lower() for _a, _b, w in words_of(text)
            if not plain_count(w) and w.lower() not in FILLER_WORDS and w.lower() not in COUNT_MARKS]
    named = [w.lower() for _a, _b, w in words_of(name)]
    read = {w.lower() for _a, _b, w in words_of(product)}
    outside = [w for w in said if w not in read]
    if product and (not outside or not all(any(like(w, o) for o in named) for w in outside)):
        return False
    own = iter(named)
    return len(said) >= 2 and all(any(like(w, o) for o in own) for w in said)


def next_word(text: str, at: int) -> tuple[int, int, str] | None:
    """The first word starting at or after ``at`` on the same line (punctuation and glue skipped)."""
    rest = text[at:]
    for m in WORD.finditer(rest):  # the first word only: a long line is not read to its end for each count
        w = m.group().strip(PUNCT)
        if w:
            a = m.start() + m.group().index(w)
            return at + a, at + a + len(w), w
    return None


def _vague_after(hit: tuple[int, int, str] | None, spans: Sequence[Span], know: Knowledge, gap: str = "") -> bool:
    """True when the word right after the count (``hit``) is a vague one ("a few", "2 kuch"), whatever span took
    it: a unit span ("a few | sprites"), none, or a product span when the word is no word of the catalog (a menu's
    "Extra Large" keeps "1 extra large pizza" counted). A bracket or a comma in the ``gap`` between them begins
    something else: "burgers * 1 (extra onion)" asks for onion on one burger."""
    if hit is None or hit[2].lower() not in VAGUE_WORDS or any(c in gap for c in "([{,;"):
        return False
    inside = next((s for s in spans if s.start <= hit[0] < s.end), None)
    return inside is None or inside.label in ("QTY", "UNIT") or inside.label == "PRODUCT" and not know.in_catalog(hit[2])


def place_count_word(text: str, part: LineParts, spans: Sequence[Span], know: Knowledge,
                     customer_id: str | None = None, spelling: bool = True) -> Placement:
    """Read the word right after a line's count: a unit the lexicon or learning knows is its unit; a word nobody
    places is named, so the count is not taken in the SKU's own unit by guess. With ``spelling`` (the check
    ``catalog_spelling``), a product word spelt like the catalog's and like no unit word is placed."""
    if part.qty is None or part.qty_at is None:
        return Placement()
    hit = next_word(text, part.qty_at[1])
    if _vague_after(hit, spans, know, text[part.qty_at[1]:hit[0]] if hit else ""):
        return Placement(vague=True)  # "a few onion rings", "2 kuch", "a few sides of ...": the count is vague
    if part.unit_at is not None:  # the tagger read a unit word: known, learned, or unplaced
        word = text[part.unit_at[0]:part.unit_at[1]].strip()
        if know.lexicon_unit(word) or measure(word.lower()):
            return Placement()
        if word.lower().strip(".") in FILLER_WORDS and not know.in_catalog(word):
            return Placement(bare=True)  # "rubber : three pls": filler is no unit; the count is in the SKU's own
        learned = know.learned_unit(word, customer_id)
        if learned:
            return Placement(unit=learned)
        if know.beside_count(word):
            return Placement()
        if _joined_name(text, part.unit_at[1], word, know):  # "2 cheese | burgers" of a Cheeseburger
            return Placement(bare=True, product=f"{word} {part.product}")
        if spelling and _misspelt_name(word, know):  # "4 bgael hummus": the name's, read as the unit
            named = any(w.lower() == word.lower() for _a, _b, w in words_of(part.product))
            return Placement(bare=True, product=part.product if named else f"{word} {part.product}")
        return Placement(unplaced=word)
    if hit is None:
        return Placement()
    a, b, word = hit
    inside = next((s for s in spans if s.start <= a < s.end), None)
    # (a UNIT span here is one the span rules gave to the product, "6 thela coconut oil": it is placed below or
    # named; a second count that is no number, "paanch thappi" read as two counts, likewise)
    if inside is not None and (inside.label in ("PRICE", "CUSTOMER")
                               or inside.label == "QTY" and read_qty(word).value is not None):
        return Placement()
    lexicon, learned = know.lexicon_unit(word), know.learned_unit(word, customer_id)
    unit = learned or (lexicon if word.lower() not in know.described else None)  # "box" in "cake box" is a product's
    if unit is not None:
        product = part.product
        if inside is not None and inside.label == "PRODUCT" and text[inside.start:b].strip() == word:
            rest = text[b:inside.end].strip()
            product = part.product.replace(text[inside.start:inside.end], rest, 1).strip() if rest else part.product
        return Placement(unit=unit, product=product)
    if inside is None and _names_with(text, b, part, spans, word, know):
        return Placement(product=f"{word} {part.product}")  # "four small | pies": the size is the product's
    if know.beside_count(word) or _joined_name(text, b, word, know):  # "two cheese burgers": a Cheeseburger, apart
        return Placement()
    if spelling and inside is not None and inside.label in ("PRODUCT", "UNIT") and _misspelt_name(word, know):
        return Placement()  # "2 ice teas" of Iced Tea, "2 bagelz": the product's own word, misspelt, no pack word's
    if inside is not None and inside.label == "PRODUCT" and not any(
            know.in_catalog(w) for _a, _b, w in words_of(part.product)):
        return Placement()  # "5 baby wipes": no word of the catalog at all; the matcher holds an unknown product
    # the word stands where a unit stands: it is the count's, unplaced, and the rest names the product ("3 thela
    # powder pouch": the pouch with its count held, not a product called "thela powder pouch")
    return Placement(unplaced=word, product=_name_without(part.product, word))


def _joined_name(text: str, end: int, word: str, know: Knowledge) -> bool:
    """True when the word ending at ``end`` and the next one, a space apart, are one catalog word written in two
    ("cheese burgers" of Cheeseburger, "tooth paste", "white board"): the name's first half, no unit."""
    after = next_word(text, end)
    return after is not None and _apart(text, end, after[0]) and know.joined(word, after[2])


def _apart(text: str, end: int, start: int) -> bool:
    """True when only spaces stand between two words on one line."""
    return start > end and text[end:start].isspace() and "\n" not in text[end:start]


def name_before(text: str, part: LineParts, spans: Sequence[Span], know: Knowledge) -> LineParts:
    """The line with the word right before it, which no span took, as the first half of its product's first word
    when the two are one catalog word ("a cheese | burger": the classifier took "burger" alone, and "burger" alone
    is too little like Cheeseburger to be an order line). The line then begins there, so an article before it
    counts it (``article_before``). Only a line that begins with its product."""
    first = words_of(part.product)
    if not first or not any(s.label == "PRODUCT" and s.start == part.start for s in spans):
        return part
    before = words_of(text[:part.start])
    if not before:
        return part
    a, b, word = before[-1]
    if any(s.start < b and a < s.end for s in spans) or not _apart(text, b, part.start) \
            or not know.joined(word, first[0][2]):
        return part
    return replace(part, text=text[a:part.start + len(part.text)], product=f"{word} {part.product}", start=a)


def _misspelt_name(word: str, know: Knowledge) -> bool:
    """A word beside a count spelt like a catalog word and like no pack word: the product's own, misspelt (the
    check ``catalog_spelling``)."""
    return know.like_catalog(word) and not like_unit_word(word)


def _names_with(text: str, end: int, part: LineParts, spans: Sequence[Span], word: str, know: Knowledge) -> bool:
    """True when the word after a count that no span took is a size or catalog word right before the line's
    product span, apart from it by spaces alone: the first word of the name, which the classifier left out."""
    w = word.lower()
    if not (w in SIZE_WORDS or know.in_catalog(w) or _joined_name(text, end, word, know)) \
            or w in english_function_words() or w in know.names:
        return False
    after = next((s for s in spans if s.start >= end), None)
    return (after is not None and after.label == "PRODUCT" and not text[end:after.start].strip()
            and part.product.startswith(text[after.start:after.end].strip()))


def _name_without(product: str, word: str) -> str:
    """The product without the word after its count, when the product begins with it and goes on after it (the
    classifier's name span or the span rules put it there); else the product as read."""
    head, _, rest = product.strip().partition(" ")
    return rest.strip() if head.lower() == word.lower() and rest.strip() else product


SIZE_AFTER = re.compile(r"\s*[,(]\s*([^\W\d_]+)\s*(?=[,.;:()!?]|$|\s+([^\W\d_]+))", re.IGNORECASE)


def names_no_item(word: str) -> bool:
    """A word (lower case) that begins no item: a common English word ("and", "for"), filler ("asap", "thanks"),
    or a word that begins a request or the next item ("no", "hold", "plus"). An item may end before it, and a
    size written before it is the size of the item before ("big, no onions")."""
    return (word in english_function_words() or word in FILLER_WORDS or word in ASKED_STOP
            or ASKED_CUE.fullmatch(word) is not None)


def size_after(text: str, part: LineParts, spans: Sequence[Span]) -> tuple[str, int]:
    """The size word written alone after a line and a comma or bracket ("a veggie pizza, big, and ...", "2 pies
    (small)"), which is that item's size, and where it ends; ("", -1) when there is none or a span other than a
    product span of that word alone took it (a size alone names no product)."""
    return size_at(text, part.start + len(part.text), spans)


def size_at(text: str, at: int, spans: Sequence[Span]) -> tuple[str, int]:
    """``size_after`` for an item whose words end at ``at``."""
    m = SIZE_AFTER.match(text, at)
    if m is None or m.group(1).lower() not in SIZE_WORDS or (m.group(2) and not names_no_item(m.group(2).lower())):
        return "", -1
    alone = (m.start(1), m.end(1))
    if any(s.start < m.end(1) and m.start(1) < s.end and (s.label != "PRODUCT" or (s.start, s.end) != alone)
           for s in spans):
        return "", -1
    return m.group(1), m.end(1)


def sized_parts(text: str, parts: Sequence[LineParts], spans: Sequence[Span]) -> list[LineParts]:
    """The lines with the size written alone after each taken into its product ("3 pies, medium": "pies medium"),
    and the size's own line dropped: the tag stage's reading, for readers of past orders that have no stage."""
    out: list[LineParts] = []
    sized = -1
    for p in parts:
        if p.start < sized:
            continue
        size, sized = size_after(text, p, spans)
        out.append(replace(p, product=f"{p.product} {size}", text=text[p.start:sized]) if size else p)
    return out


NAME_AFTER = re.compile(r"[ \t]+([^\W\d_]+)")


def name_after(text: str, part: LineParts, spans: Sequence[Span], know: Knowledge, most: int = 3) -> tuple[str, int]:
    """Catalog words written right after a line that ends with its product, apart from it by spaces alone and
    taken by no span ("one diet | coke please", the classifier ended the name a word early): the rest of the
    product's name, and where it ends; ("", -1) when there is none. A unit, number, filler or function word ends
    it, as does any word the catalog does not hold."""
    at = part.start + len(part.text)
    if not any(s.label == "PRODUCT" and s.end == at for s in spans):
        return "", -1
    words: list[str] = []
    while len(words) < most and (m := NAME_AFTER.match(text, at)) is not None:
        w, lw = m.group(1), m.group(1).lower()
        if (any(s.start < m.end(1) and m.start(1) < s.end for s in spans) or not know.in_catalog(lw)
                or lw in know.names or know.lexicon_unit(w) is not None or lw in english_function_words()
                or lw in FILLER_WORDS or lw in NUMBER_WORDS):
            break
        words.append(w)
        at = m.end(1)
    return (" ".join(words), at) if words else ("", -1)


def number_in_name(text: str, part: LineParts, know: Knowledge) -> LineParts:
    """A line with no count whose name begins with a number word that is no other word and no catalog word ("also
    ek soft drink 600ml": the classifier read "ek" into the name) has that count; any other line is as it was."""
    w = _leading_number(part.product, know)
    at = text.lower().find(w, part.start) if w else -1
    if part.qty is not None or part.vague or at < 0:
        return part
    rest = words_of(part.product)[1][0]
    return replace(part, product=part.product[rest:].strip(), qty=NUMBER_WORDS[w], qty_score=ARTICLE_SCORE,
                   qty_at=(at, at + len(w)))


def count_in_name(part: LineParts, know: Knowledge) -> str:
    """The number word a counted line's name begins with (``_leading_number``), or "": a second count, so the line
    may be two items read as one ("five sgd regular n bean 1l x five")."""
    return _leading_number(part.product, know) if part.qty is not None else ""


def _leading_number(name: str, know: Knowledge) -> str:
    """The number word (lower case) a name of two words or more begins with, when it is no other word too and no
    catalog word ("ek soft drink"; not "Seven Up", not "2 in 1 naan"), or ""."""
    words = words_of(name)
    w = words[0][2].lower() if len(words) >= 2 else ""
    return w if w and not w.isdigit() and plain_count(w) and not know.in_catalog(w) else ""


def number_beside(text: str, part: LineParts, spans: Sequence[Span]) -> str:
    """A number written right before or after a line that has no count, which no span took ("1 sunscreen
    lotion" with the "1" unlabelled): the count the classifier missed, or "" when there is none. Digits, or a
    number word that is no other word too ("do", "tin" are not taken)."""
    at = part.start
    if part.qty is not None or part.vague:
        return ""
    after = next_word(text, at + len(part.text))
    hits = [(a, w) for a, _b, w in words_of(text[:at])[-1:]] + ([(after[0], after[2])] if after else [])
    for a, w in hits:
        if plain_count(w) and not any(s.start <= a < s.end for s in spans) and "\n" not in text[min(a, at):max(a, at)]:
            unit = next_word(text, a + len(w))
            if unit is not None and unit[0] - a - len(w) <= 1 and measure(unit[2].lower()) is not None:
                continue  # "tile glue 20 kg available?": a size, no count
            return w
    return ""


ARTICLES = frozenset({"a", "an"})  # a count of one in a sentence, and an article before a request ("with a straw")
ITEM_END = re.compile(r"[,;:.!?()\n]")
ARTICLE_SCORE = 0.9  # an article read as a count after decoding: the classifier's own read articles score 0.97+


def article_before(text: str, at: int, spans: Sequence[Span]) -> Span | None:
    """The article right before ``at`` that no span took and that does not begin a request ("a sprite", not "with
    a straw"), as a count of one."""
    words = words_of(text[:at])
    return _article(text, words, len(words), at, spans)


def _article(text: str, words: Sequence[tuple[int, int, str]], k: int, at: int, spans: Sequence[Span]) -> Span | None:
    """``article_before`` for the word ``k`` of ``words`` (the text's words), which begins at ``at``."""
    if k < 1:
        return None
    a, b, w = words[k - 1]
    cue = k >= 2 and ASKED_CUE.fullmatch(words[k - 2][2]) is not None
    if w.lower() not in ARTICLES or cue or text[b:at].strip() or any(s.start <= a < s.end for s in spans):
        return None
    return Span("QTY", a, b, ARTICLE_SCORE)


def article_counts(text: str, spans: Sequence[Span], know: Knowledge) -> list[Span]:
    """Articles no span took, each right before a catalog word no span took ("and a lemonade without ice"): the
    counts of lines the classifier dropped, for ``orphan_counts`` to read (the text's words read once)."""
    words = words_of(text)
    out = []
    for k, (a, _b, w) in enumerate(words):
        if know.in_catalog(w) and not any(s.start <= a < s.end for s in spans):
            art = _article(text, words, k, a, spans)
            if art is not None:
                out.append(art)
    return out


def orphan_counts(text: str, spans: Sequence[Span], parts: Sequence[LineParts], know: Knowledge,
                  customer_id: str | None = None, requests: bool = True,
                  articles: bool = False) -> list[tuple[Span, float, str, int, str | None]]:
    """Counts the classifier read that no line took, each followed by words nothing places ("and a nachos!":
    the dish is off the menu and was left unlabelled): the count, its value, those words, where they end and the
    unit word read right after the count, passed over ("30 PIECE CHITR SENIOR"): a line to hold. A count followed
    by known words reads none ("5 ctn bhej do" reads no product), nor, with ``requests``, an article before words
    customers ask on an item (``requested``: "with ice & a straw"). With ``articles``, an article no span took
    before a catalog word counts too (``article_counts``)."""
    taken = {p.qty_at for p in parts if p.qty_at is not None}
    found = article_counts(text, spans, know) if articles else []
    if found:
        spans = sorted([*spans, *found], key=lambda s: s.start)
    out: list[tuple[Span, float, str, int, str | None]] = []
    for k, s in enumerate(spans):
        value = read_qty(text[s.start:s.end]).value if s.label == "QTY" and (s.start, s.end) not in taken else None
        if value is None:
            continue
        nxt = spans[k + 1] if k + 1 < len(spans) else None
        unit = nxt if nxt is not None and nxt.label == "UNIT" and not text[s.end : nxt.start].strip() else None
        after = unit.end if unit is not None else s.end
        stop = ITEM_END.search(text, after)
        words, end = [], after
        for a, b, w in words_of(text[after : stop.start() if stop else len(text)]):
            if (any(x.start <= after + a < x.end for x in spans) or w.lower() in ASKED_STOP
                    or know.knows(w, customer_id) and not know.in_catalog(w)):
                break
            words.append(w)
            end = after + b
        if s in found and not item_edge(text, end):  # "do you have a vegan menu?": the article counts no item
            continue
        if not words and unit is not None and _named_as_unit(text[unit.start:unit.end], know, customer_id):
            out.append((s, value, text[unit.start:unit.end], unit.end, None))  # "5 momos": the item, off the menu
            continue
        if words and not (requests and unit is None and requested(text[s.start:s.end], " ".join(words), know)):
            out.append((s, value, " ".join(words), end, text[unit.start : unit.end] if unit else None))
    return out


def misread_counts(text: str, spans: Sequence[Span], parts: Sequence[LineParts], know: Knowledge) -> list[Span]:
    """Spans the classifier read as a count that no line took, that no number reading reads and that are catalog
    words ("with nan - a": the naan read as a count): an item no line read, to be held, never dropped."""
    taken = {p.qty_at for p in parts if p.qty_at is not None}
    return [s for s in spans if s.label == "QTY" and (s.start, s.end) not in taken
            and read_qty(text[s.start:s.end]).value is None and know.in_catalog(text[s.start:s.end].strip())]


def _named_as_unit(word: str, know: Knowledge, customer_id: str | None) -> bool:
    """True when a word the classifier read as a count's unit, with no product after it, is no unit anything
    reads and is a catalog word or a word nothing places: the item itself ("5 momos"), to be held, not dropped."""
    return know.unit(word, customer_id) is None and (know.in_catalog(word) or not know.knows(word, customer_id))


def item_edge(text: str, at: int) -> bool:
    """True when an item of a list may end at ``at``: the text ends, a mark ends the item, or the next word is a
    common English word ("and", "for"), filler ("please") or begins a request or the next item ("with", "plus");
    "a vegan menu" is no item ending at "vegan"."""
    nxt = next_word(text, at)
    if nxt is None or ITEM_END.search(text, at, nxt[0]):
        return True
    return names_no_item(nxt[2].lower())


def unplaced_note(word: str, qty: float) -> str:
    """Why a count is held: the word beside it that nothing places (the QTY_UNCLEAR detail)."""
    return f"the word {word!r} next to the count {qty:g} is not a unit ordex knows"


# What a customer asks on an item ("with ham and pineapple", "no ice", "hold the mayo", "easy on the chutney")
# begins with a request cue of the lexicon (``requests.csv``) and runs until a count (digits, a number or vague
# word of the lexicon), the next item or the end of the line: its words are no order line.
ASKED_CUE = re.compile(r"(?<![\w-])(?<!\d )(?:" + "|".join(
    r"\s+".join(map(re.escape, cue.split())) for cue in sorted(REQUEST_CUES, key=len, reverse=True)) + r")(?![\w-])",
    re.IGNORECASE)
ASKED_STOP = frozenset({"plus", "also"})


def asked_on(text: str, starts: Sequence[int] = ()) -> list[tuple[int, int]]:
    """Character zones of what customers ask on an item (toppings, requests): from a cue word ("with", "no",
    "extra" ...) to the next count, the next span start in ``starts``, or the end of the line. These words belong
    to the item before them and are never read as a dropped order line."""
    zones: list[tuple[int, int]] = []
    for m in ASKED_CUE.finditer(text):
        if zones and m.start() < zones[-1][1]:
            continue
        stops = [text.find(c, m.end()) for c in "\n;"] + [s for s in starts if s >= m.end()]
        end = min((s for s in stops if s >= 0), default=len(text))
        prev = ""
        for k, (a, _b, w) in enumerate(words_of(text[m.end():end])):
            lw, cut, prev = w.lower(), prev in REQUEST_HOW, w.lower()
            if k == 0 and lw in ARTICLES or cut:  # "with a straw": an article; "cut in half": how, not how many
                continue
            if any(c.isdigit() for c in lw) or lw in NUMBER_WORDS or lw in VAGUE_WORDS or lw in ASKED_STOP:
                end = m.end() + a
                break
        zones.append((m.start(), end))
    return zones


def items_asked(text: str, know: Knowledge) -> list[str]:
    """Catalog words inside what reads as a request that name an item, which a request ("with a straw", "with a
    little ice") does not: two or more in a row right after a request word and an article ("with a wrap soya").
    The words, so the gate counts them as left outside every line when no line read them."""
    out: list[str] = []
    every = words_of(text)  # once: each cue looks at the next four words only
    for m in ASKED_CUE.finditer(text):
        words = [w for w in every if w[0] >= m.end()][:4]
        if not words or words[0][2].lower() not in ARTICLES:
            continue
        run: list[str] = []
        for _a, _b, w in words[1:]:
            if not _item_word(w, know):
                break
            run.append(w)
        out += run if len(run) >= 2 else []
    return out


def _item_word(word: str, know: Knowledge) -> bool:
    """A catalog word that can name an item: no word that begins none (``names_no_item``), no customer's name."""
    return know.in_catalog(word) and not names_no_item(word.lower()) and word.lower() not in know.names


def asked_counts(texts: Sequence[str]) -> Counter[str]:
    """How often each word (lower case) is written inside what was asked on an item (``asked_on``) in these
    texts: read once per history, so what the knowledge learns later only filters it (``asked_words``)."""
    seen: Counter[str] = Counter()
    for t in texts:
        zones = asked_on(t)
        seen.update(w.lower() for a, _b, w in words_of(t) if any(za <= a < zb for za, zb in zones))
    return seen


def asked_words(counts: Mapping[str, int], know: Knowledge, least: int = 2) -> frozenset[str]:
    """Words a distributor's customers ask on an item: written at least ``least`` times inside what was asked
    ("with ice, no straw", ``asked_counts`` of past orders), and no word anything else places (the catalog's
    included)."""
    return frozenset(w for w, n in counts.items() if n >= least and not know.knows(w))


def request_words(asked: Mapping[str, int], products: Knowledge, least: int = 2) -> frozenset[str]:
    """Words customers ask on items (written at least ``least`` times inside what was asked, ``asked_counts``)
    that are no word of the product descriptions (``products``) nor spelt like one: "sambar" of "with sambar";
    not the "ice" of "no ice", which Iced Tea's "iced" spells. Each word is looked at once per load."""
    return frozenset(w for w, n in asked.items()
                     if n >= least and not products.in_catalog(w) and not products.like_catalog(w))


def unasked_alias(alias: str, requests: frozenset[str]) -> str:
    """A learned alias without the ``requests`` (``request_words``) it holds: the reader that learned "dosa -
    sambar" from a past order took the request into the name, and "sambar" is no word of the catalog."""
    return " ".join(w for _a, _b, w in words_of(alias) if w.lower() not in requests)


def requested(count: str, product: str, know: Knowledge) -> bool:
    """True when a count is an article and the words it counts are all words customers ask on an item ("with ice,
    a straw"): the request goes on after a comma or "and", and "a" there counts no order line."""
    if count.strip().lower() not in ARTICLES:
        return False
    words = [w.lower() for _a, _b, w in words_of(product) if w.lower() not in english_function_words()]
    return bool(words) and all(w in know.asked for w in words)


def a_request(text: str, part: LineParts, know: Knowledge) -> bool:
    """True when a line is a request counted by an article (``requested``), not an order line."""
    return part.qty_at is not None and requested(text[part.qty_at[0]:part.qty_at[1]], part.product, know)


def unasked_words(text: str, starts: Sequence[int] = ()) -> list[tuple[int, int, str]]:
    """The words of a text (with offsets) outside what customers ask on an item (``asked_on``)."""
    asked = asked_on(text, starts)
    return [(a, b, w) for a, b, w in words_of(text) if not any(za <= a < zb for za, zb in asked)]


def unread_words(text: str, spans: Sequence[Span], know: Knowledge) -> list[str]:
    """Catalog words of a text that no product, count or unit span took ("char cs kajal stick" read as a name)
    and that are not asked on an item ("with onion"): an order line the reader dropped."""
    taken = [s for s in spans if s.label in ("PRODUCT", "QTY", "UNIT", "PRICE")]
    free = [(a, b, w) for a, b, w in unasked_words(text, [s.start for s in taken])
            if not any(s.start <= a < s.end for s in taken)]
    halves = joined_halves(text, free, know)
    return [w for k, (_a, _b, w) in enumerate(free)
            if k in halves or know.in_catalog(w.lower()) and w.lower() not in know.names]


def joined_halves(text: str, words: Sequence[tuple[int, int, str]], know: Knowledge) -> set[int]:
    """The indexes of the words of ``words`` that, with their neighbour a space apart, are one catalog word
    written in two ("cheese burger")."""
    out: set[int] = set()
    for k, ((_a, b, w), (c, _d, x)) in enumerate(zip(words, words[1:], strict=False)):
        if _apart(text, b, c) and know.joined(w, x):
            out |= {k, k + 1}
    return out


def rule_line_parts(text: str, product: str, qty: float | None, unit: str | None) -> tuple[LineParts, list[Span]]:
    """A line the rule extractor read, as parts and spans (its count, unit and product words located in its
    text), so the same accounting applies whichever reader read it."""
    spans: list[Span] = []
    words = words_of(text)
    qty_at = unit_at = None
    for a, b, w in words:
        if qty_at is None and qty is not None and read_qty(w).value == qty:
            qty_at = (a, b)
            spans.append(Span("QTY", a, b, 1.0))
    product_words = {w.lower() for _a, _b, w in words_of(product)}
    for a, b, w in words:
        if qty_at is not None and a >= qty_at[1] and unit is not None and unit_at is None and \
                unit_of(w) == unit:
            unit_at = (a, b)
            spans.append(Span("UNIT", a, b, 1.0))
        elif w.lower() in product_words and (qty_at is None or (a, b) != qty_at):
            spans.append(Span("PRODUCT", a, b, 1.0))
    parts = LineParts(text=text, product=product, qty=qty, unit=unit, vague=False, price=None, product_score=1.0,
                      qty_score=1.0, qty_at=qty_at, unit_at=unit_at)
    return parts, sorted(spans, key=lambda s: s.start)
