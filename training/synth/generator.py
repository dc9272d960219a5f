"""Labelled dealer messages from any master data: text, character spans, gold orders and exception codes.

Messages are written the way dealers write (abbreviations, typos, Hinglish, number words, pack words,
lists, tables, e-mails, sub-dealer blocks, agent notes, chatter), so the pipeline and the token tagger
are trained and judged on writing habits, not on one catalog. Everything is seeded and reproducible.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any

from models.units import SIZE_WORDS
from ordex.catalog import Alias, Customer, HistoryLine, HistoryOrder, MasterData, Price, Product
from training.synth.trades import (
    CITIES,
    DEVOTIONAL,
    ENGLISH,
    FIRST_NAMES,
    SURNAMES,
    TRADES,
    Catalog,
    CustomerRow,
    Family,
    SkuFacets,
    build_catalog,
)

IST = timezone(timedelta(hours=5, minutes=30))
LABELS = ("PRODUCT", "QTY", "UNIT", "PRICE", "CUSTOMER", "PO", "DATE")

# -- vocabulary -----------------------------------------------------------------------------------------
# The generator keeps its own word lists on purpose, apart from the readers' one vocabulary (models/units.py):
# a model or parser judged on the very words it was written from would look better than it is. A word added to
# the readers' vocabulary is not added here, and the other way round, without a measured reason.

# How people write each unit of sale (the uom itself).
UOM_WORDS: dict[str, tuple[str, ...]] = {
    "CTN": ("ctn", "ctn", "carton", "cartons", "peti", "ctns", "cartoon"),
    "BOX": ("box", "box", "boxes", "bx", "dabba"),
    "CRT": ("crate", "crates", "crt"),
    "BAG": ("bag", "bags", "bori", "katta"),
    "ROLL": ("roll", "rolls", "coil"),
    "PKT": ("pkt", "packet", "pkts", "packets"),
    "SET": ("set", "sets"),
    "PAIR": ("pair", "pairs", "jodi"),
    "PCS": ("pcs", "pc", "nos", "pieces", "piece"),
    "KG": ("kg", "kgs", "kilo"),
    "M": ("m", "mtr", "meter", "mtrs"),
    "L": ("ltr", "L", "litre"),
    "DOZ": ("dozen", "doz", "dzn"),
}
# How people write a conversion unit (one uom holds n of it).
PIECE_WORDS: dict[str, tuple[str, ...]] = {
    "PCS": ("pcs", "pc", "nos", "pieces"),
    "STRIP": ("strip", "strips"),
    "SACHET": ("sachet", "sachets"),
    "PKT": ("pkt", "packet", "pkts"),
    "REAM": ("ream", "reams", "rim"),
    "SHEET": ("sheet", "sheets"),
    "M": ("m", "mtr", "meter"),
    "KG": ("kg", "kgs"),
    "BTL": ("bottle", "btl", "bottles"),
}
CONTAINER_WORDS: dict[str, tuple[str, ...]] = {
    "bottle": ("bottle", "bottles", "btl"),
    "tin": ("tin", "tins"),
    "jar": ("jar", "jars"),
    "tube": ("tube", "tubes"),
    "can": ("can", "cans"),
    "bucket": ("bucket", "buckets"),
}
# A pack word joined by a hyphen to a word about the pack ("peti-packed", "box-sealed", "ctn-pack"): one unit word, whose count
# comes before it; the tokenizer splits it in three, and the hyphen is no "product - count" dash.
PACK_COMPOUND = frozenset(w for u in ("CTN", "BOX", "BAG", "CRT", "PKT") for w in UOM_WORDS[u])
PACK_SUFFIXES = ("pack", "packed", "sealed", "full", "wala", "master", "packing")
ALL_UNIT_WORDS = frozenset(w.lower() for ws in (*UOM_WORDS.values(), *PIECE_WORDS.values(), *CONTAINER_WORDS.values())
                           for w in ws if w.lower() not in ("m", "l", "kg", "kgs", "kilo", "mtr", "meter", "mtrs", "ltr", "litre"))
EN_NUM = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten",
          11: "eleven", 12: "twelve", 15: "fifteen", 20: "twenty", 25: "twenty five", 30: "thirty", 40: "forty",
          50: "fifty", 100: "hundred"}
HI_NUM = {1: "ek", 2: "do", 3: "teen", 4: "char", 5: "paanch", 6: "chhe", 7: "saat", 8: "aath", 9: "nau", 10: "das",
          11: "gyarah", 12: "barah", 15: "pandrah", 16: "solah", 20: "bees", 25: "pachees", 30: "tees", 40: "chalis",
          50: "pachas", 100: "sau"}
VARIANT_ALT: dict[str, tuple[str, ...]] = {
    "red": ("lal",), "black": ("kala",), "white": ("safed",), "green": ("hara",), "yellow": ("peela",),
    "blue": ("neela",), "orange": ("santra",), "lemon": ("nimbu",), "mango": ("aam",), "rose": ("gulab",),
    "cool day light": ("cdl", "daylight"), "warm white": ("ww", "warm"), "single line": ("1 line", "sl"),
    "four line": ("4 line",), "sugar free": ("sf",), "mixed fruit": ("mix fruit",), "extra dark": ("xd",),
    "neem coated": ("neem",), "straight cut": ("straight",), "kala khatta": ("kalakhatta",),
    "signal red": ("sig red",), "golden yellow": ("golden",), "off white": ("offwhite",), "brown": ("bhura",),
    "elaichi": ("ilaichi", "cardamom"), "chocolate": ("choco",), "premium": ("prem",), "regular": ("reg",),
}
GREETINGS = {
    "en": ("Hi", "Hello sir", "Good morning", "Dear sir", "Hi team", "Pls send", "Please send the following", "Order:",
           "Need urgently:", "Kindly supply", "Good evening sir", "Hello"),
    "hinglish": ("Bhai", "Namaste ji", "Sir ji", "Bhaiya", "Ram Ram ji", "Sat sri akal ji", "Salaam bhai",
                 "Bhai ye bhej do:", "Order likho", "Aaj ka order:", "Namaskar", "Ji"),
    "terse": ("", "", "ORDER", "Order-", "Req:", "Pls"),
}
CLOSINGS = {
    "en": ("Thanks", "Pls deliver today", "Send asap", "Urgent", "thx", "Please confirm", "🙏", "Thank you",
           "Deliver by evening pls", "ok?"),
    "hinglish": ("bhej do", "jaldi bhejna", "kal tak bhej dena", "aaj hi chahiye", "shaam tak", "dhanyawad", "🙏",
                 "bill bhi bhej dena", "jaldi karo", "bhijwa dena"),
    "terse": ("", "", "pls", "asap", "thx"),
}
CHATTER_LEAD = ("Payment of Rs {amt} done today.", "Last order mil gaya, thanks.", "Kal wala maal theek tha.",
                "Sir, cheque of {amt} given to your salesman.", "Good morning 🙏", "Previous bill cleared.")
REMARKS = ("Payment collected Rs {amt} cash", "Next visit Friday", "Owner wants scheme details", "Display done",
           "Shop closed on Sunday", "Old stock returned: none", "Collect cheque {amt} next week")


# -- sizes ------------------------------------------------------------------------------------------------

SIZE_UNITS: dict[str, tuple[str, float]] = {
    "g": ("mass", 1), "gm": ("mass", 1), "gms": ("mass", 1), "gram": ("mass", 1), "grams": ("mass", 1),
    "kg": ("mass", 1000), "kgs": ("mass", 1000), "kilo": ("mass", 1000), "mg": ("mass", 0.001),
    "ml": ("vol", 1), "l": ("vol", 1000), "ltr": ("vol", 1000), "litre": ("vol", 1000), "lit": ("vol", 1000),
    "mm": ("len", 1), "cm": ("len", 10), "m": ("len", 1000), "mtr": ("len", 1000), "ft": ("len", 304.8),
    "inch": ("len", 25.4), "in": ("len", 25.4), '"': ("len", 25.4), "w": ("w", 1), "watt": ("w", 1),
    "a": ("amp", 1), "amp": ("amp", 1), "v": ("volt", 1), "ah": ("ah", 1), "sqmm": ("sqmm", 1),
    "gsm": ("gsm", 1), "pages": ("pages", 1), "pg": ("pages", 1), "gauge": ("gauge", 1), "grit": ("grit", 1),
    "shades": ("shades", 1), "ply": ("ply", 1), "ft.": ("len", 304.8),
}
SIZE_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*([a-zA-Z\"]+\.?)$")
SIZE_SURFACES: dict[str, tuple[str, ...]] = {
    "g": ("g", "gm", "gms", "g", "gram"), "kg": ("kg", "kg", "kgs", "kilo"), "mg": ("mg", "mg", ""),
    "ml": ("ml", "ml", "ML"), "l": ("L", "l", "ltr", "litre", "lt"), "w": ("W", "w", "watt", "w"),
    "a": ("A", "amp", "a", "amps"), "mm": ("mm",), "cm": ("cm",), "m": ("m", "mtr", "meter"),
    "inch": ("inch", '"', "inches"), "sqmm": ("sqmm", "sq mm", "sq.mm", "mm"), "v": ("V", "v", "volt"),
    "ah": ("Ah", "AH", "ah"), "gsm": ("gsm", "GSM"), "pages": ("pages", "pg", "pgs"), "gauge": ("gauge", "g"),
}


def size_key(text: str) -> tuple[str, float] | tuple[str, str]:
    """A size normalised for comparison: ('mass', 500.0) for '500 g' and '0.5 kg'; else the squeezed text."""
    m = SIZE_RE.match(text.strip())
    if m and m.group(2).lower() in SIZE_UNITS:
        dim, factor = SIZE_UNITS[m.group(2).lower()]
        return (dim, round(float(m.group(1)) * factor, 4))
    return ("raw", re.sub(r"\s+", "", text.lower()))


def size_surface(text: str, rng: random.Random, bare_ok: bool = False) -> str:
    """One way of writing a size: '500 g' -> '500g', '500 gm', '1/2 kg' ...; odd sizes keep their text."""
    m = SIZE_RE.match(text.strip())
    if not m:
        return text if rng.random() < 0.7 else text.replace(" ", "")
    num, unit = m.group(1), m.group(2).lower()
    if bare_ok and rng.random() < 0.3:
        return num
    if unit == "kg" and num == "1" and rng.random() < 0.2:
        return rng.choice(("1000 g", "1kg", "1 kilo"))
    if unit == "l" and num == "1" and rng.random() < 0.2:
        return rng.choice(("1000 ml", "1ltr", "1 litre"))
    if unit == "kg" and num == "0.5":
        return rng.choice(("500 g", "1/2 kg", "half kg", "0.5 kg"))
    surfaces = SIZE_SURFACES.get(unit, (m.group(2),))
    u = rng.choice(surfaces)
    if not u:
        return num
    return f"{num}{u}" if rng.random() < 0.55 else f"{num} {u}"


SIZE_FIND = re.compile(r"\d+(?:\.\d+)?\s*(?:sqmm|sq mm|gsm|mm|cm|ml|kg|mg|ltr|l|g|gm|w|a|v|ah|m|inch|ft)\b", re.IGNORECASE)


def words_of(text: str) -> list[str]:
    """Lower-case word tokens of a text (letters and digits), used to judge which SKUs a mention fits."""
    return re.findall(r"[a-z0-9]+(?:[.:/-][a-z0-9]+)*", text.lower())


# -- products as the generator sees them ---------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One part of a product's name: brand, family, variant, size, or a plain description word."""

    kind: str
    text: str
    surfaces: tuple[str, ...]


@dataclass
class ProductView:
    """A SKU with its name parts, the words any of its names use, its sizes and conversions."""

    sku: str
    description: str
    uom: str
    moq: int
    active: bool
    conversions: dict[str, Fraction]
    terms: list[Term]
    words: frozenset[str]
    sizes: tuple[tuple[str, Any], ...]
    container: str = ""
    bare_size: bool = False
    piece_words: tuple[str, ...] = ()
    family: str = ""
    extras: tuple[str, ...] = ()  # what customers ask on it ("no onion"): words of no order line

    def term(self, kind: str) -> Term | None:
        return next((t for t in self.terms if t.kind == kind), None)


def _family_lexicon() -> dict[str, tuple[str, ...]]:
    """Family names of every trade (lower case) -> the words dealers use for them; for catalogs without facets."""
    out: dict[str, tuple[str, ...]] = {}
    for trade in TRADES.values():
        for f in trade.families:
            out.setdefault(f.name.lower(), f.words)
    return out


FAMILY_LEXICON = _family_lexicon()


def view_from_facets(p: Product, f: SkuFacets) -> ProductView:
    """A ProductView from the generator's own facets (a trade catalog)."""
    terms: list[Term] = []
    if f.brand:
        terms.append(Term("brand", f.brand, (f.brand,)))
    terms.append(Term("family", f.family_name, tuple(dict.fromkeys((*f.family_words, f.family_name.lower())))))
    if f.variant:
        terms.append(Term("variant", f.variant, (f.variant, *VARIANT_ALT.get(f.variant.lower(), ()))))
    if f.size:
        terms.append(Term("size", f.size, (f.size,)))
    return _view(p, terms, f.container, f.bare_size, f.piece_words, f.family, f.extras)


def view_from_description(p: Product) -> ProductView:
    """A ProductView parsed from a description alone: known family phrases, sizes, and the other words."""
    desc = p.description
    low = desc.lower()
    terms: list[Term] = []
    rest = desc
    for name in sorted(FAMILY_LEXICON, key=len, reverse=True):
        i = low.find(name)
        if i >= 0 and re.match(r"\b", low[i:]) and (i + len(name) == len(low) or not low[i + len(name)].isalnum()):
            terms.append(Term("family", desc[i:i + len(name)], tuple(dict.fromkeys((*FAMILY_LEXICON[name], name)))))
            rest = desc[:i] + " " + desc[i + len(name):]
            break
    tokens = re.findall(r"\d+(?:\.\d+)?\s*(?:x\s*\d+(?:\.\d+)?\s*)?[a-zA-Z\"]*|[^\s\d()\-,/]+", rest)
    for tok in tokens:
        tok = tok.strip()
        if not tok:
            continue
        if re.match(r"^\d", tok):
            unit = re.sub(r"[^a-z]", "", tok.lower().split()[-1]) if re.search(r"[a-z]", tok.lower()) else ""
            if unit in ALL_UNIT_WORDS:
                continue
            terms.append(Term("size", tok, (tok,)))
        elif tok.lower() not in ("nos", "pcs", "x", "&", "and", "of", "with", "for"):
            kind = "variant" if tok.lower() in VARIANT_ALT else "word"
            terms.append(Term(kind, tok, (tok, *VARIANT_ALT.get(tok.lower(), ()))))
    return _view(p, terms, "", False, (), "")


def _view(p: Product, terms: list[Term], container: str, bare: bool, piece_words: tuple[str, ...],
          family: str, extras: tuple[str, ...] = ()) -> ProductView:
    words: set[str] = set(words_of(p.description))
    sizes = []
    for t in terms:
        if t.kind == "size":
            sizes.append(size_key(t.text))
            continue
        for s in t.surfaces:
            words.update(words_of(s))
    conv = {u.upper(): Fraction(str(n)) for u, n in p.conversions.items()}
    return ProductView(p.sku, p.description, p.uom, int(p.moq), p.active, conv, terms, frozenset(words), tuple(sizes),
                       container, bare, piece_words, family, extras)


def fits(words: Sequence[str], sizes: Sequence[tuple[str, Any]], pv: ProductView) -> bool:
    """Whether a mention made of these words and sizes could name this product."""
    return all(w in pv.words for w in words) and all(s in pv.sizes for s in sizes)


def rivals(words: Sequence[str], sizes: Sequence[tuple[str, Any]], pv: ProductView, other: ProductView) -> bool:
    """Whether a mention of ``pv`` could also name ``other``: it fits it, unless ``pv`` is the plain dish of its
    family and the mention leaves out the variant ``other`` is ("a large pizza" is the plain one, not the paneer
    tikka one)."""
    if not fits(words, sizes, other):
        return False
    variant = other.term("variant")
    if pv.term("variant") is None and variant is not None and pv.family and other.family == pv.family:
        return any(set(words_of(s)) <= set(words) for s in variant.surfaces)
    return True


# -- text with spans ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A labelled character span of a message's text."""

    start: int
    end: int
    label: str


class Builder:
    """Assembles a message chunk by chunk, recording labelled spans; a transform (case, OCR noise) runs per chunk."""

    def __init__(self, transform: Callable[[str], str] | None = None) -> None:
        self.parts: list[str] = []
        self.spans: list[Span] = []
        self.length = 0
        self.transform = transform

    def add(self, text: str, label: str | None = None) -> None:
        if self.transform is not None and text:
            text = self.transform(text)
        if not text:
            return
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        if label:
            lead = len(text) - len(text.lstrip())
            trail = len(text) - len(text.rstrip())
            if start + lead < self.length - trail:
                self.spans.append(Span(start + lead, self.length - trail, label))

    def chunks(self, chunks: Sequence[tuple[str, str | None]]) -> None:
        for text, label in chunks:
            self.add(text, label)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def ends_with_newline(self) -> bool:
        return not self.parts or self.parts[-1].endswith("\n")


Chunks = list[tuple[str, str | None]]


# -- gold -----------------------------------------------------------------------------------------------


@dataclass
class GoldLine:
    """A gold order line: SKU (None when not in the catalog), quantity in the SKU's uom (None when unclear)."""

    sku: str | None
    qty: int | float | None
    uom: str
    mention: str = ""
    written: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"sku": self.sku, "qty": self.qty, "uom": self.uom}


@dataclass
class GoldOrder:
    """One order of a message: its customer (None when unknown) and its lines."""

    customer_id: str | None
    lines: list[GoldLine]

    def as_json(self) -> dict[str, Any]:
        return {"customer_id": self.customer_id, "lines": [ln.as_json() for ln in self.lines]}


@dataclass
class Example:
    """A labelled message: the contract's case fields, character spans of its text, gold orders and codes."""

    id: str
    channel: str
    sender: str
    received_at: datetime
    subject: str
    text: str
    spans: list[Span]
    orders: list[GoldOrder]
    exceptions: list[str]
    sheet: list[list[Any]] | None = None  # rows of an .xlsx attachment (header first)
    raw_kind: str | None = None  # "eml" or "whatsapp": the writer stores the whole message as received
    image: bool = False  # the text travels as a photo of a handwritten/printed list
    transcript: str | None = None
    scenario: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def spans_json(self) -> dict[str, Any]:
        """The tagger's training record: text and spans (with their strings, for eyes and checks)."""
        return {"id": self.id, "channel": self.channel, "text": self.text,
                "spans": [{"start": s.start, "end": s.end, "label": s.label, "text": self.text[s.start:s.end]}
                          for s in self.spans]}


WORD_VALUES = {w: n for table in (EN_NUM, HI_NUM) for n, w in table.items()}


def as_digits(qty: str) -> str:
    """A number word as digits ('chhe' -> '6'), for table cells and sheets where people type digits."""
    return str(WORD_VALUES.get(qty.lower(), qty)) if qty else qty


def money(d: Decimal) -> str:
    """A price as people write it: '450', '98.5'."""
    text = f"{d:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_qty(q: Fraction | None) -> int | float | None:
    """A gold quantity as JSON: an int when whole."""
    if q is None:
        return None
    return int(q) if q.denominator == 1 else round(float(q), 6)


def exceptions_for(orders: Sequence[GoldOrder], md: MasterData) -> list[str]:
    """Every code the contract says these orders raise (credit and duplicates are kept out by construction)."""
    codes: set[str] = set()
    for o in orders:
        if o.customer_id is None:
            codes.add("CUSTOMER_UNKNOWN")
        for ln in o.lines:
            if ln.sku is None:
                codes.add("SKU_UNMATCHED")
                continue
            p = md.product(ln.sku)
            assert p is not None, ln.sku
            if not p.active:
                codes.add("SKU_INACTIVE")
            if ln.qty is None:
                codes.add("QTY_UNCLEAR")
            elif p.moq > 0 and Decimal(str(ln.qty)) < p.moq:
                codes.add("BELOW_MOQ")
            if md.price(o.customer_id, ln.sku) is None:
                codes.add("PRICE_MISSING")
    return sorted(codes)


# -- personas -------------------------------------------------------------------------------------------


@dataclass
class Persona:
    """A customer's writing habits: language, case, list format, templates, typo rate, channels, vocabulary."""

    customer_id: str
    name: str
    kind: str
    lang: str
    case: str
    fmt: str
    templates: tuple[str, ...]
    typo: float
    number_words: float
    greet: float
    price_rate: float
    channels: tuple[tuple[str, float], ...]
    contact: str
    city: str
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    active: bool = True
    vocab: dict[str, str] = field(default_factory=dict)
    old_vocab: dict[str, str] = field(default_factory=dict)
    basket: list[str] = field(default_factory=list)
    late_basket: list[str] = field(default_factory=list)
    unit_bias: int = 0
    opaque: set[str] = field(default_factory=set)  # SKUs whose habitual name only history explains

    @property
    def stickiness(self) -> float:
        """How often this customer writes its habitual name for a SKU in day-to-day orders (0.90-0.99, its own
        draw so that adding it changed no other habit): the rest are new names appearing."""
        return random.Random(f"stickiness:{self.customer_id}:{self.name}").uniform(0.90, 0.99)


TEMPLATES_UNIT = ("P Q U", "Q U P", "P - Q U", "P : Q U", "P x Q U", "Q U P", "P Q U", "P qty Q U", "QU P", "P QU",
                  "P = Q U", "P (Q U)", "P U Q")
TEMPLATES_BARE = ("P Q", "Q P", "P - Q", "P : Q", "P x Q", "Q x P", "P qty: Q", "P = Q", "P -- Q", "P Q", "P * Q",
                  "Q * P", "Q nos P")

# Orders typed as sentences (a chat or a web form): a lead, items joined by commas and "and", an ending. An item
# is a count ("a", "an", "one", "2", "ek"), a unit and "of" now and then, the product (size first, plural when
# more than one), and what the customer asks on it, which belongs to the item and is no line of its own.
SENTENCE_LEADS = ("i want ", "need ", "pls send ", "send ", "can you send ", "i'd like to order ", "we need ",
                  "order for today: ", "book ", "we want ", "kindly send ", "get us ", "please deliver ", "", "",
                  "hi, i want ", "Hello, please send ", "I would like ", "for table 4: ", "my order: ", "can i get ",
                  "could i get ", "could we have ", "i'd like ", "we'd like ", "i'll have ", "we'll take ", "let me get ",
                  "please get me ", "can we order ", "may i have ", "i need ", "could you deliver ", "order: ",
                  "hey! ", "good morning, can you send ", "we would like to order ")
HINGLISH_LEADS = ("bhai ", "bhaiya ", "sir ", "mujhe ", "")
HINGLISH_ENDS = (" chahiye", " bhejo", " bhej do", " bhej dena", " dena")
SENTENCE_ENDS = ("", "", ".", " please", " pls", " thank you", ", thanks", " for lunch", " by 1 pm",
                 " for home delivery", " - takeaway", "?", " asap", ". Deliver by evening.", " parcel", " for pickup",
                 " to go", ", that's all", " - thanks!", " for delivery tonight", " at 7 pm", ". cash on delivery",
                 " for the office", ", ty")
LAST_JOINS = (" and ", " and ", ", and ", " & ", " plus ", ", ", " n ", " and also ", ", also ", " as well as ",
              " along with ", ", plus ", " and then ", " also ", "; ")
MID_JOINS = (", ", ", ", " and ", " + ", " plus ", ", also ", " and also ", "; ", " with ")
MODIFIER_FORMS = ("with {a}", "with {a}", "with {a} and {b}", "with {a}, {b} and {c}", "with no {a}", "without {a}",
                  "no {a}", "extra {a}", "add {a}", "less {a}", "with {a}, no {b}", "({a})", "- no {a}",
                  "with extra {a}", "with {a} on the side", "but no {a}", "with {a} but without {b}", "with {a} & {b}",
                  "{a} please", "- {a}, {b}", "hold the {a}", "(no {a})", "no {a}, no {b}", "{a} on the side",
                  "easy on the {a}", "without any {a}", "with a little {a}", "(extra {a})", "- {a} and {b}",
                  "but hold the {a}", "and no {a}", "with {a} please", "with a {a}", "with a {a} and {b}",
                  "and a {a} but no {b}", "with an extra {a}", "but no {a}, a {b}")
SERVING_WORDS = ("plate", "plates", "portion", "portions", "serving", "servings", "side", "sides")


def make_persona(c: Customer, kind: str, rng: random.Random, city: str = "", contact: str = "") -> Persona:
    """Seeded writing habits for one customer."""
    lang = rng.choices(("en", "hinglish", "terse"), (0.4, 0.4, 0.2))[0]
    case = rng.choices(("as_is", "lower", "upper"), (0.5, 0.35, 0.15))[0]
    fmt = rng.choices(("chat", "lines", "numbered", "bullets"), (0.4, 0.3, 0.18, 0.12))[0]
    templates = tuple(rng.sample(TEMPLATES_UNIT, 3))
    if c.emails and kind == "distributor":
        channels: tuple[tuple[str, float], ...] = (("email", 0.6), ("whatsapp", 0.4))
    elif c.emails:
        channels = (("whatsapp", 0.55), ("email", 0.3), ("sms", 0.1), ("portal", 0.05))
    else:
        channels = (("whatsapp", 0.8), ("sms", 0.15), ("portal", 0.05))
    return Persona(c.customer_id, c.name, kind, lang, case, fmt, templates, rng.choice((0.0, 0.03, 0.08, 0.15)),
                   rng.choice((0.0, 0.1, 0.3)), rng.choice((0.2, 0.5, 0.8)), rng.choice((0.0, 0.0, 0.1, 0.3)), channels,
                   contact or rng.choice(FIRST_NAMES), city or rng.choice(CITIES), c.phones, c.emails, c.active,
                   unit_bias=rng.randrange(3))


# -- the generator ----------------------------------------------------------------------------------------


@dataclass
class Hints:
    """What a trade catalog knows beyond master data: facets, shop kinds, agents, outsiders, unused families."""

    facets: dict[str, SkuFacets] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    cities: dict[str, str] = field(default_factory=dict)
    contacts: dict[str, str] = field(default_factory=dict)
    agents: list[tuple[str, str]] = field(default_factory=list)
    outsiders: list[str] = field(default_factory=list)
    unused_families: list[Family] = field(default_factory=list)
    spare_brands: list[str] = field(default_factory=list)
    personas: dict[str, Persona] = field(default_factory=dict)
    slang: dict[str, str] = field(default_factory=dict)


@dataclass
class Line:
    """A line being generated: product view (or an outside mention), quantity form, and the gold."""

    chunks: Chunks
    gold: GoldLine
    sku: str | None


DISTRIBUTOR_RE = re.compile(r"distribut|agenc|marketing|trading|wholesale|sales corp|enterprises", re.IGNORECASE)


class Generator:
    """Writes labelled messages for one distributor's master data; every draw comes from one seeded RNG."""

    def __init__(self, md: MasterData, hints: Hints | None, seed: int | str) -> None:
        self.md = md
        self.hints = hints or Hints()
        self.rng = random.Random(f"gen:{seed}")
        self.views: dict[str, ProductView] = {}
        for p in md.products:
            f = self.hints.facets.get(p.sku)
            self.views[p.sku] = view_from_facets(p, f) if f else view_from_description(p)
        self.active = [v for v in self.views.values() if v.active]
        self.inactive = [v for v in self.views.values() if not v.active]
        self.personas = dict(self.hints.personas) or self._personas()
        self.retail = [p for p in self.personas.values() if p.active and p.kind == "retail"]
        self.distributors = [p for p in self.personas.values() if p.active and p.kind == "distributor"]
        if not self.distributors:
            self.distributors = self.retail[:1]
        self.agents = self.hints.agents or self._agents()
        self.outsiders = self.hints.outsiders or self._outsiders()
        self.recent: dict[str, list[tuple[datetime, tuple[tuple[str, float], ...]]]] = {}
        self.po_counter = self.rng.randrange(1000, 90000)

    # -- set-up for plain master data ------------------------------------------------------------------
    def _personas(self) -> dict[str, Persona]:
        out: dict[str, Persona] = {}
        for c in self.md.customers:
            kind = self.hints.kinds.get(c.customer_id) or ("distributor" if DISTRIBUTOR_RE.search(c.name) else "retail")
            p = make_persona(c, kind, random.Random(f"persona:{c.customer_id}:{self.rng.random()}"),
                             self.hints.cities.get(c.customer_id, ""), self.hints.contacts.get(c.customer_id, ""))
            pool = [v.sku for v in self.active]
            p.basket = self.rng.sample(pool, min(len(pool), self.rng.randint(4, 9)))
            for a in self.md.aliases:
                if a.customer_id == c.customer_id and a.sku in self.views:
                    p.vocab[a.sku] = a.alias
            out[c.customer_id] = p
        return out

    def _agents(self) -> list[tuple[str, str]]:
        used = {ph for c in self.md.customers for ph in c.phones}
        out: list[tuple[str, str]] = []
        while len(out) < 3:
            ph = "+91" + str(self.rng.choice((7, 8, 9))) + "".join(str(self.rng.randrange(10)) for _ in range(9))
            if ph not in used:
                out.append((self.rng.choice(FIRST_NAMES), ph))
        return out

    def _outsiders(self) -> list[str]:
        taken = {w for c in self.md.customers for w in words_of(c.name)}
        heads = [h for h in (*SURNAMES, *DEVOTIONAL, *ENGLISH) if not set(words_of(h)) & taken]
        self.rng.shuffle(heads)
        return [f"{h} {self.rng.choice(('Stores', 'Traders', 'Enterprises', 'Mart', 'Agency'))}" for h in heads[:12]]

    # -- small helpers -----------------------------------------------------------------------------------
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def casing(self, persona: Persona | None, channel: str) -> Callable[[str], str]:
        case = persona.case if persona else "as_is"
        if channel == "sms" and self.chance(0.6):
            case = "upper"
        if channel in ("email", "portal") and case == "upper":
            case = "as_is"
        if case == "lower":
            return str.lower
        if case == "upper":
            return str.upper
        return lambda s: s

    def typo(self, word: str) -> str:
        """One keyboard or phonetic slip in a word: swap, drop or double a letter, or a sound-alike spelling."""
        if len(word) < 4 or not word.isalpha():
            return word
        i = self.rng.randrange(1, len(word) - 1)
        kind = self.rng.randrange(5)
        if kind == 0:
            return word[:i] + word[i + 1] + word[i] + word[i + 2:]
        if kind == 1:
            return word[:i] + word[i + 1:]
        if kind == 2:
            return word[:i] + word[i] + word[i:]
        if kind == 3:
            for a, b in (("ph", "f"), ("c", "k"), ("w", "v"), ("ee", "i"), ("oo", "u"), ("s", "z"), ("y", "i")):
                if a in word[1:]:
                    return word[0] + word[1:].replace(a, b, 1)
        vowels = [j for j, ch in enumerate(word) if ch in "aeiou" and 0 < j < len(word) - 1]
        if vowels:
            j = self.rng.choice(vowels)
            return word[:j] + word[j + 1:]
        return word

    # -- product mentions ------------------------------------------------------------------------------
    def mention(self, pv: ProductView, persona: Persona | None, fresh: bool = False, habit: float | None = None) -> str:
        """How this dealer names the SKU now: their habitual name (with probability ``habit``), or a fresh way that
        still names only it. Live messages stray from habits more than the history does (the harder test)."""
        if persona is not None and not fresh and pv.sku in persona.vocab:
            if self.chance(habit if habit is not None else 0.85 if pv.sku in persona.opaque else 0.5):
                return persona.vocab[pv.sku]
        if not fresh and pv.sku in self.hints.slang and self.chance(0.1):
            return self.hints.slang[pv.sku]
        return self.fresh_mention(pv, persona.typo if persona else 0.05, terse=persona is not None and persona.lang == "terse")

    def fresh_mention(self, pv: ProductView, typo: float = 0.05, terse: bool = False) -> str:
        """A new way of naming the SKU (drop, swap, abbreviate parts) that no other SKU of the catalog fits."""
        rng = self.rng
        if self.chance(0.06):
            return pv.description if self.chance(0.5) else pv.description.lower()
        terms = list(pv.terms)
        required = [t for t in terms if t.kind in ("family", "word")][:1] or terms[:1]
        strategy = rng.choices(("full", "nobrand", "brandsize", "famsize", "min"),
                               (0.15, 0.25, 0.15, 0.2, 0.25 + (0.3 if terse else 0)))[0]
        kinds = {"full": ("brand", "family", "variant", "size", "word"), "nobrand": ("family", "variant", "size", "word"),
                 "brandsize": ("brand", "variant", "size"), "famsize": ("family", "size"), "min": ("family", "word")}[strategy]
        chosen = [t for t in terms if t.kind in kinds]
        if strategy == "brandsize" and not any(t.kind == "brand" for t in chosen):
            chosen = [t for t in terms if t.kind in ("family", "size")]
        if strategy in ("min", "full") and any(t.kind == "word" for t in terms):
            words = [t for t in terms if t.kind == "word"]
            keep = rng.sample(words, max(1, len(words) - rng.randint(0, len(words) // 2))) if strategy == "min" else words
            chosen = [t for t in terms if t in keep or t.kind in (("size",) if strategy == "min" else ("brand", "family", "variant", "size"))]
        if not chosen:
            chosen = list(required)
        surfaces = {id(t): self.surface(t, pv) for t in terms}
        order = [t for t in terms if t in chosen]
        extra = [t for t in self.priority(terms) if t not in order]
        while not self.unique(pv, order, surfaces):
            if not extra:
                return pv.description if self.chance(0.5) else pv.description.lower()
            order.append(extra.pop(0))
            order = [t for t in terms if t in order]
        order = self.arrange(order)
        out = []
        for t in order:
            s = surfaces[id(t)]
            if t.kind == "size":
                s = size_surface(t.text, rng, bare_ok=pv.bare_size and len(order) > 1)
            elif t.kind == "brand" and self.chance(0.12) and len(s) > 6:
                clipped = s[: rng.randint(4, 5)]
                if not any(w.startswith(clipped.lower()) for v in self.views.values() for w in v.words
                           if w != s.lower()):
                    s = clipped
            out.append(s)
        text = " ".join(x for x in out if x)
        if typo and self.chance(typo * 3):
            ws = text.split(" ")
            idx = [i for i, w in enumerate(ws) if len(w) >= 4 and w.isalpha()]
            if idx:
                j = rng.choice(idx)
                ws[j] = self.typo(ws[j])
                text = " ".join(ws)
        if self.chance(0.25):
            text = text.lower()
        return text

    def priority(self, terms: list[Term]) -> list[Term]:
        rank = {"size": 0, "variant": 1, "family": 2, "word": 2, "brand": 3}
        return sorted(terms, key=lambda t: rank.get(t.kind, 4))

    def arrange(self, order: list[Term]) -> list[Term]:
        r = self.rng.random()
        if r < 0.55:
            return order
        by = {t.kind: t for t in order}
        if r < 0.7 and "size" in by:  # size first: "9w bulb"
            return [by["size"], *[t for t in order if t.kind != "size"]]
        if r < 0.85 and "brand" in by:  # brand last: "bulb 9w lumexa"
            return [*[t for t in order if t.kind != "brand"], by["brand"]]
        if "variant" in by and "family" in by:  # variant before family: "blue pen", "53 grade cement", "2 way switch"
            rest = [t for t in order if t.kind not in ("variant",)]
            i = rest.index(by["family"])
            return [*rest[:i], by["variant"], *rest[i:]]
        return order

    def surface(self, t: Term, pv: ProductView) -> str:
        if t.kind == "size":
            return t.text
        if t.kind == "family":
            weights = [3.0 if i == 0 else 1.0 for i in range(len(t.surfaces))]
            s = self.rng.choices(t.surfaces, weights)[0]
            if self.chance(0.08) and s[-1].isalpha() and not s.endswith("s"):
                s += "s"
            return s
        if t.kind == "variant" and len(t.surfaces) > 1 and self.chance(0.35):
            return self.rng.choice(t.surfaces[1:])
        return t.surfaces[0]

    def unique(self, pv: ProductView, order: list[Term], surfaces: dict[int, str]) -> bool:
        words: list[str] = []
        sizes = []
        for t in order:
            if t.kind == "size":
                sizes.append(size_key(t.text))
            else:
                words.extend(words_of(surfaces[id(t)]))
        if not words and not sizes:
            return False
        if not fits(words, sizes, pv):
            return False
        return not any(rivals(words, sizes, pv, other) for other in self.views.values() if other.sku != pv.sku)

    def outside_mention(self) -> tuple[str, str | None]:
        """A product the catalog does not hold: an unused family of the trade, a new brand, or a size not stocked."""
        for _ in range(20):
            r = self.rng.random()
            if r < 0.45 and self.hints.unused_families:
                fam = self.rng.choice(self.hints.unused_families)
                text = self.rng.choice(fam.words)
                if fam.variants and self.chance(0.4):
                    text += " " + self.rng.choice(fam.variants)
                if fam.sizes and fam.sizes[0].text:
                    size = self.rng.choice(fam.sizes).text
                    text += " " + size_surface(size, self.rng)
                uom = fam.uom
            elif r < 0.75:
                pv = self.rng.choice(self.active)
                brand = self.rng.choice(self.hints.spare_brands or ["Zorvik", "Quenta", "Novabloom", "Trimax", "Ujala Star"])
                fam_t = pv.term("family") or pv.term("word")
                if fam_t is None:
                    continue
                size_t = pv.term("size")
                text = f"{brand} {self.rng.choice(fam_t.surfaces)}" + (f" {size_surface(size_t.text, self.rng)}" if size_t else "")
                uom = pv.uom
            else:
                pv = self.rng.choice(self.active)
                fam_t = pv.term("family") or pv.term("word")
                size_t = pv.term("size")
                m = SIZE_RE.match(size_t.text) if size_t else None
                if fam_t is None or not m:
                    continue
                new = Fraction(m.group(1)) * self.rng.choice((2, 3, Fraction(1, 2), Fraction(3, 2)))
                num = str(int(new)) if new.denominator == 1 else str(float(new))
                text = f"{self.rng.choice(fam_t.surfaces)} {num} {m.group(2)}"
                uom = pv.uom
            sizes = [size_key(s) for s in SIZE_FIND.findall(text)]
            plain = [w for w in words_of(SIZE_FIND.sub(" ", text)) if not re.match(r"^\d", w)]
            if any(fits(plain, [s for s in sizes if s[0] != "raw"], v) for v in self.views.values()):
                continue
            if any(fits(plain, [], v) and not v.sizes for v in self.views.values()):
                continue
            return text, uom
        return "special gift hamper", None

    # -- quantities -----------------------------------------------------------------------------------
    def pick_qty(self, pv: ProductView, below_moq: bool = False) -> Fraction:
        """A plausible order quantity in the SKU's uom, at or above the minimum unless asked to be below it."""
        rng = self.rng
        if below_moq and pv.moq >= 2:
            return Fraction(rng.randint(1, pv.moq - 1))
        uom = pv.uom
        if uom == "KG":
            q = rng.choice((5, 10, 20, 25, 50, 100, 150, 200, 500, 1000))
        elif uom == "M":
            q = rng.choice((10, 20, 25, 50, 100, 150, 200, 300))
        elif uom == "L":
            q = rng.choice((5, 10, 20, 50))
        elif uom == "PCS":
            q = rng.choice((1, 2, 3, 4, 5, 6, 10, 12, 12, 20, 24, 25, 30, 36, 48, 50, 60, 100))
        else:
            q = rng.choices((1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50), (3, 5, 5, 4, 5, 3, 2, 5, 2, 3, 3, 1, 1, 1, 1))[0]
        if pv.moq and q < pv.moq:
            q = pv.moq * rng.choice((1, 1, 2, 3, 5))
        return Fraction(q)

    def num_text(self, n: Fraction, persona: Persona | None, with_unit: bool) -> str:
        if n.denominator != 1:
            return str(float(n))
        k = int(n)
        if persona and self.chance(persona.number_words):
            if persona.lang == "hinglish" and k in HI_NUM and with_unit:
                return HI_NUM[k]
            if k in EN_NUM and (with_unit or k > 2):
                return EN_NUM[k]
        return str(k)

    def unit_surface(self, words: tuple[str, ...], persona: Persona | None) -> str:
        if persona is not None and self.chance(0.6):
            word = words[persona.unit_bias % len(words)]
        else:
            word = self.rng.choice(words)
        if word.lower() in PACK_COMPOUND and self.chance(0.06):
            return f"{word}-{self.rng.choice(PACK_SUFFIXES)}"
        return word

    def quantity(self, pv: ProductView, persona: Persona | None, q: Fraction, issue: str = ""
                 ) -> tuple[str | None, str | None, Fraction | None, str]:
        """(qty text, unit text, gold qty in uom, kind) for a quantity q of the SKU's uom, or an unclear one."""
        rng = self.rng
        pieces = [(u, n) for u, n in pv.conversions.items() if n > 1]
        if issue == "vague":
            a = rng.randint(1, 5)
            r = rng.random()
            if r < 0.5:
                unit = self.unit_surface(UOM_WORDS.get(pv.uom, (pv.uom.lower(),)), persona)
                return f"{a}-{a + rng.randint(1, 2)}" if self.chance(0.7) else f"{a} to {a + 1}", unit, None, "vague"
            return rng.choice(("some", "kuch", "thoda", "few", "thode")), None, None, "vague"
        if issue == "missing":
            return None, None, None, "missing"
        if issue == "nonwhole":
            for u, n in pieces:
                if n.denominator == 1 and n >= 3 and u in PIECE_WORDS:
                    k = int(n) * rng.randint(1, 3) + rng.randint(1, int(n) - 1)
                    return str(k), self.unit_surface(self._piece_words(pv, u), persona), None, "nonwhole"
            issue = ""
        options = ["bare", "uom", "uom", "uom"]
        if q.denominator == 1:
            for u, n in pieces:
                if n.denominator == 1 and q * n <= 600:
                    options += ["piece", "piece"]
                    if u == "PCS" and (q * n) % 12 == 0 and q * n <= 240:
                        options.append("dozen")
                    if u == "PCS" and q * n == 6:
                        options.append("halfdozen")
        if pv.uom == "PCS" and q.denominator == 1 and int(q) % 12 == 0 and q <= 120:
            options.append("dozen")
        kind = rng.choice(options)
        if kind == "bare":
            return self.num_text(q, persona, False), None, q, "bare"
        if kind == "uom":
            words = UOM_WORDS.get(pv.uom, (pv.uom.lower(),))
            if pv.uom == "PCS" and pv.container in CONTAINER_WORDS and self.chance(0.5):
                words = CONTAINER_WORDS[pv.container]
            return self.num_text(q, persona, True), self.unit_surface(words, persona), q, "uom"
        if kind in ("dozen", "halfdozen"):
            total = q * (pv.conversions.get("PCS", Fraction(1)) if pv.uom != "PCS" else 1)
            if kind == "halfdozen":
                return "half", rng.choice(("dozen", "dozen", "doz")), q, "dozen"
            return self.num_text(total / 12, persona, True), rng.choice(("dozen", "dozen", "doz", "dzn")), q, "dozen"
        u, n = rng.choice([(u, n) for u, n in pieces if n.denominator == 1 and q * n <= 600])
        return self.num_text(q * n, persona, True), self.unit_surface(self._piece_words(pv, u), persona), q, "piece"

    def _piece_words(self, pv: ProductView, unit: str) -> tuple[str, ...]:
        words = PIECE_WORDS.get(unit, (unit.lower(),))
        if unit == "PCS" and pv.piece_words:
            own = {w.lower() for w in UOM_WORDS.get(pv.uom, ())}
            words = tuple(w for w in pv.piece_words if w.lower() not in own) or words
        return words

    # -- lines -----------------------------------------------------------------------------------------------
    def line(self, pv: ProductView | None, persona: Persona | None, customer_id: str | None, issue: str = "",
             templates: Sequence[str] | None = None, outside: tuple[str, str | None] | None = None,
             allow_price: bool = True, habit: float | None = None, sentence: bool = False) -> Line:
        """One order line as chunks with labels, and its gold."""
        rng = self.rng
        if sentence:
            return self.sentence_line(pv, persona, issue, outside, habit)
        if pv is None:
            assert outside is not None
            text, uom = outside
            q = Fraction(rng.choice((1, 2, 3, 5, 6, 10, 12, 20)))
            words = UOM_WORDS.get(uom or "", ("pcs",))
            unit = self.unit_surface(words, persona) if self.chance(0.6) else None
            gold = GoldLine(None, fmt_qty(q), uom or (unit or "").upper(), text)
            return Line(self.assemble(text, self.num_text(q, persona, True), unit, None, persona, templates), gold, None)
        text = self.mention(pv, persona, habit=habit)
        q = self.pick_qty(pv, below_moq=issue == "below_moq")
        qt, ut, gold_q, kind = self.quantity(pv, persona, q, issue if issue in ("vague", "missing", "nonwhole") else "")
        price = None
        if allow_price and persona is not None and kind in ("bare", "uom") and self.chance(persona.price_rate):
            p = self.md.price(customer_id, pv.sku)
            if p is not None:
                price = p
        gold = GoldLine(pv.sku, fmt_qty(gold_q), pv.uom, text, " ".join(x for x in (qt, ut) if x))
        size = pv.term("size")
        bare_end = size is not None and text.split()[-1:] == [size.text.split()[0]]  # "wiper 18": no "wiper 18 pcs 25"
        chunks = self.assemble(text, qt, ut, price, persona, templates, vague=kind == "vague" and ut is None,
                               bare_end=bare_end)
        return Line(chunks, gold, pv.sku)

    def assemble(self, product: str, qt: str | None, ut: str | None, price: Decimal | None, persona: Persona | None,
                 templates: Sequence[str] | None, vague: bool = False, bare_end: bool = False) -> Chunks:
        rng = self.rng
        if qt is None:
            tail = rng.choice(("", "", " bhi", " also", " bhi bhejna", " - ?"))
            return [(product, "PRODUCT"), (tail, None)]
        if vague:
            if self.chance(0.5):
                return [(qt, "QTY"), (" ", None), (product, "PRODUCT")]
            return [(product, "PRODUCT"), (" ", None), (qt, "QTY")]
        starts_num = bool(re.match(r"^\d", product))
        if ut is None:
            pool = [t for t in TEMPLATES_BARE if not (starts_num and t.startswith("Q")) and not (bare_end and t == "P Q")]
            tpl = rng.choice(pool)
        else:
            favourites = list(templates or (persona.templates if persona else TEMPLATES_UNIT))
            pool = favourites if self.chance(0.75) else list(TEMPLATES_UNIT)
            if re.match(r"^[a-z]", qt, re.IGNORECASE):  # number words: before the unit, never glued to it
                pool = [t for t in pool if "QU" not in t and "U Q" not in t] or ["P Q U"]
            if bare_end:
                pool = [t for t in pool if t != "P U Q"] or ["P - Q U"]
            tpl = rng.choice(pool)
        out: Chunks = []
        i = 0
        while i < len(tpl):
            ch = tpl[i]
            if tpl.startswith("QU", i):
                out += [(qt, "QTY"), (ut or "", "UNIT")]
                i += 2
                continue
            if ch == "P":
                out.append((product, "PRODUCT"))
            elif ch == "Q":
                out.append((qt, "QTY"))
            elif ch == "U":
                out.append((ut or "", "UNIT"))
            else:
                j = i
                while j < len(tpl) and tpl[j] not in "PQU":
                    j += 1
                out.append((tpl[i:j], None))
                i = j
                continue
            i += 1
        if price is not None:
            ptext = money(price)
            form = rng.choice(("@ {}", "@{}", "rate {}", "Rs {}", "@ Rs.{}", "({}/-)", "@ {}/-", "rate {}/- each"))
            before, _, after = form.partition("{}")
            out += [(" " + before, None), (ptext, "PRICE"), (after, None)]
        return out

    # -- sentences ---------------------------------------------------------------------------------------
    @cached_property
    def menu(self) -> bool:
        """Whether this catalog is a menu (dishes customers ask things on): its customers mostly type sentences."""
        return any(v.extras for v in self.views.values())

    def sentence_rate(self, persona: Persona) -> float:
        """How often this customer types an order as a sentence instead of a list."""
        if self.menu:
            return 0.8
        return 0.12 if persona.lang == "en" else 0.04

    def sentence_line(self, pv: ProductView | None, persona: Persona | None, issue: str,
                      outside: tuple[str, str | None] | None, habit: float | None) -> Line:
        """One item of a typed sentence: "a large paneer pizza with extra cheese", "two cartons of ...", and its
        gold; what the customer asks on it is left unlabelled (no product, no count)."""
        rng = self.rng
        if pv is None:
            assert outside is not None
            text, uom = outside
            q = Fraction(rng.choice((1, 1, 2, 3, 5, 10)))
            count = self.sentence_count(q, text, persona)
            gold = GoldLine(None, fmt_qty(q), uom or "", text)
            return Line([(count, "QTY"), (" ", None), (self.plural(text) if q > 1 else text, "PRODUCT")], gold, None)
        text = self.size_first(pv, self.mention(pv, persona, habit=habit))
        q = (Fraction(rng.choice((1, 1, 1, 2, 2, 3, 4, 5, 6, 10))) if self.menu and issue != "below_moq"
             else self.pick_qty(pv, below_moq=issue == "below_moq"))
        if pv.moq and q < pv.moq and issue != "below_moq":
            q = Fraction(pv.moq)
        qt, ut, gold_q, kind = self.quantity(pv, persona, q, issue if issue in ("vague", "missing", "nonwhole") else "")
        canned = ut is not None and ut in CONTAINER_WORDS.get(pv.container, ())  # "three cans of fizz": kept
        if canned and gold_q == 1 and ut is not None and ut.endswith("s"):
            ut = ut[:-1]  # "a can of", not "a cans of"
        if pv.extras and pv.uom == "PCS" and kind in ("bare", "uom") and not canned:  # a dish is counted bare, now
            ut = rng.choice(SERVING_WORDS[0::2] if q == 1 else SERVING_WORDS[1::2]) if self.chance(0.15) else None  # and then in plates
        if ut in ("pcs", "nos", "pieces", "pc") and gold_q == 1:
            ut = rng.choice(("piece", "pc"))
        gold = GoldLine(pv.sku, fmt_qty(gold_q), pv.uom, text, " ".join(x for x in (qt, ut) if x))
        if qt is None:
            chunks: Chunks = [(text, "PRODUCT"), (rng.choice(("", " also", " too")), None)]
        else:
            if kind in ("bare", "uom") and gold_q is not None:
                qt = self.sentence_count(gold_q, ut or text, persona, qt)
            if ut is None and pv.extras and gold_q is not None and self.chance(0.12):
                # "an order of fries", "two orders of garlic bread": "order" is filler, the count is the dish's
                qt = "an" if qt.lower() in ("a", "an") else qt
                chunks = [(qt, "QTY"), (" order of " if gold_q == 1 else " orders of ", None), (text, "PRODUCT")]
            elif ut is None:
                many = gold_q is None or gold_q > 1
                family = pv.term("family")
                nouns = [w for s_ in family.surfaces for w in words_of(s_)] if family else []
                said = self.plural(text, nouns) if many and self.chance(0.6) else text
                chunks = ([(qt, "QTY"), (" ", None), (said, "PRODUCT")] if self.chance(0.88) else
                          [(said, "PRODUCT"), (rng.choice((" x ", " * ", " - ")), None), (qt, "QTY")])
            else:
                hing = persona is not None and persona.lang == "hinglish"
                form = rng.choices(("of", "plain", "after"), (0.2, 0.3, 0.5) if hing else (0.6, 0.25, 0.15))[0]
                if form == "of":
                    chunks = [(qt, "QTY"), (" ", None), (ut, "UNIT"), (" of ", None), (text, "PRODUCT")]
                elif form == "plain":
                    chunks = [(qt, "QTY"), (" ", None), (ut, "UNIT"), (" ", None), (text, "PRODUCT")]
                else:
                    chunks = [(text, "PRODUCT"), (rng.choice((" - ", ": ", " x ", " ", " ")), None), (qt, "QTY"),
                              (" ", None), (ut, "UNIT")]
        if pv.extras and qt is not None and self.chance(0.12):
            chunks = self.size_after(chunks)
        if pv.extras and self.chance(0.5):
            chunks.append((" " + self.modifier(pv), None))
        return Line(chunks, gold, pv.sku)

    def size_after(self, chunks: Chunks) -> Chunks:
        """The dish's size word written after it, past a comma or in brackets ("a farmhouse pizza, large", "2
        shakes (reg)"): unlabelled, as the size reads apart from the name (``models.accounting.size_after``)."""
        out: Chunks = []
        for piece, label in chunks:
            first, _, rest = piece.partition(" ")
            if label == "PRODUCT" and rest and first.lower() in SIZE_WORDS:
                out += [(rest, label), (f", {first}" if self.chance(0.7) else f" ({first})", None)]
            else:
                out.append((piece, label))
        return out

    def sentence_count(self, q: Fraction, following: str, persona: Persona | None, written: str | None = None) -> str:
        """A count as typed in a sentence: "a"/"an"/"one" for one, else words or digits."""
        if q == 1 and self.chance(0.65):
            if persona is not None and persona.lang == "hinglish" and self.chance(0.3):
                return "ek"
            return "an" if following[:1].lower() in "aeiou" else "a"
        return written if written is not None else self.num_text(q, persona, True)

    def size_first(self, pv: ProductView, text: str) -> str:
        """A size in words moved before the dish ("pizza large" -> "large pizza"), as people say it."""
        size = pv.term("size")
        if size is None or size_key(size.text)[0] != "raw" or not text.lower().endswith(" " + size.text.lower()):
            return text
        said = self.size_said(size.text)
        if self.chance(0.8):
            return said + " " + text[: -len(size.text) - 1].rstrip(" -,")
        return text[: -len(size.text)] + said

    def size_said(self, size: str) -> str:
        """A size word as typed: now and then another word the lexicon has for it ("lg", "reg", "big")."""
        others = sorted(w for w, s in SIZE_WORDS.items() if s == size.lower() and w != s and w.isascii())
        return self.rng.choice(others) if others and self.chance(0.3) else size

    @staticmethod
    def plural(text: str, nouns: Sequence[str] = ()) -> str:
        """The name with its last word in the plural ("dosa" -> "dosas"), when that word is a plain word (and one
        of ``nouns`` when given: "2 lassi sweet" stays, not "lassi sweets")."""
        head, _, last = text.rpartition(" ")
        if len(last) < 3 or not last.isalpha() or last.lower().endswith("s") or nouns and last.lower() not in nouns:
            return text
        tail = "es" if last.lower().endswith(("ch", "sh", "x")) else "s"
        return f"{head} {last}{tail}".strip() if head else last + tail

    def modifier(self, pv: ProductView) -> str:
        """What the customer asks on the item: toppings, without, extra, spice."""
        picks = self.rng.sample(pv.extras, min(3, len(pv.extras)))
        while len(picks) < 3:
            picks.append(picks[0])
        form = self.rng.choice(MODIFIER_FORMS)
        if "a {a}" in form and picks[0].split()[0] in ("no", "less", "extra", "not", "double"):
            form = "with {a}"  # "with a straw", never "with a no ice"
        return form.format(a=picks[0], b=picks[1], c=picks[2])

    def sentence_order(self, persona: Persona, lines: list[Line], channel: str) -> Builder:
        """An order typed as one sentence into a chat or a web form (an e-mail wraps it in a greeting)."""
        rng = self.rng
        b = Builder(str.lower if self.chance(0.6) else self.casing(persona, channel))
        hing = persona.lang == "hinglish" and self.chance(0.6)
        if channel == "email":
            b.add(rng.choice(("Hi,", "Hello,", "Dear team,")) + "\n\n")
        b.add(rng.choice(HINGLISH_LEADS if hing else SENTENCE_LEADS))
        for i, ln in enumerate(lines):
            if i:
                last = i == len(lines) - 1
                b.add(rng.choice((" aur ", ", ")) if hing else rng.choice(LAST_JOINS) if last else
                      rng.choice(MID_JOINS))
            b.chunks(ln.chunks)
        b.add(rng.choice(HINGLISH_ENDS) if hing else rng.choice(SENTENCE_ENDS))
        if channel == "email":
            b.add("\n\n" + rng.choice(("Thanks,", "Regards,")) + "\n" + persona.contact)
        return b

    def plan_lines(self, persona: Persona | None, customer_id: str | None, n: int, issues: Sequence[str],
                   known_customer: bool = True, sentence: bool = False) -> list[Line]:
        """n lines for an order, each issue ('unmatched', 'inactive', 'vague' ...) on its own line."""
        rng = self.rng
        issues = list(issues)[:n]
        slots = [""] * (n - len(issues)) + issues
        rng.shuffle(slots)
        used: set[str] = set()
        out: list[Line] = []
        priced = [v for v in self.active if self.md.price(customer_id, v.sku) is not None]
        no_price = [v for v in self.active if self.md.price(customer_id, v.sku) is None]
        for issue in slots:
            if issue == "no_price" and customer_id is None:
                issue = ""
            if issue == "unmatched":
                out.append(self.line(None, persona, customer_id, outside=self.outside_mention(), sentence=sentence))
                continue
            if issue == "inactive":
                pool = [v for v in self.inactive if v.sku not in used and self.md.price(customer_id, v.sku) is not None]
            elif issue == "no_price":
                pool = [v for v in no_price if v.sku not in used]
            elif issue == "below_moq":
                pool = [v for v in priced if v.moq >= 2 and v.sku not in used]
            elif issue == "nonwhole":
                pool = [v for v in priced if v.sku not in used and any(n_ >= 3 and u in PIECE_WORDS for u, n_ in v.conversions.items())]
            else:
                basket = [self.views[s] for s in (persona.basket if persona and known_customer else []) if s in self.views]
                basket = [v for v in basket if v.active and v.sku not in used and self.md.price(customer_id, v.sku) is not None]
                pool = basket if basket and self.chance(0.75) else [v for v in priced if v.sku not in used]
            if not pool:
                pool = [v for v in priced if v.sku not in used] or priced
                issue = ""
            pv = rng.choice(pool)
            used.add(pv.sku)
            out.append(self.line(pv, persona, customer_id, issue if issue not in ("inactive", "no_price") else "",
                                 sentence=sentence))
        return out

    def draw_issues(self, rate: float = 1.0) -> list[str]:
        """The problems one order carries, drawn so that about half the orders go straight through."""
        issues = []
        for name, p in (("unmatched", 0.08), ("inactive", 0.05), ("vague", 0.05), ("missing", 0.025),
                        ("nonwhole", 0.03), ("below_moq", 0.05), ("no_price", 0.05)):
            if self.chance(p * rate):
                issues.append(name)
        return issues

    # -- bodies -------------------------------------------------------------------------------------------
    def body(self, b: Builder, lines: list[Line], fmt: str, persona: Persona | None, lead_newline: bool = True) -> None:
        """Write order lines in a list format: chat one-liner, one a line, numbered, bulleted."""
        rng = self.rng
        if fmt == "chat":
            hing = persona is not None and persona.lang == "hinglish"
            sep = rng.choice((", ", ", ", " aur ", ", aur ", " , ", "; ", " + ") if hing else (", ", ", ", " and ", ", ", "; ", " & "))
            for i, ln in enumerate(lines):
                if i:
                    b.add(" and " if i == len(lines) - 1 and sep == ", " and self.chance(0.3) else sep)
                b.chunks(ln.chunks)
            return
        bullet = rng.choice(("- ", "* ", "• ", "-> ", "+ ")) if fmt == "bullets" else ""
        num = rng.choice(("{}. ", "{}) ", "({}) ", "{}- ", "#{} ")) if fmt == "numbered" else ""
        end = rng.choice(("", "", "", ",", "."))
        for i, ln in enumerate(lines):
            if i or (lead_newline and not b.ends_with_newline()):
                b.add("\n")
            b.add(bullet + (num.format(i + 1) if num else ""))
            b.chunks(ln.chunks)
            b.add(end)

    def table(self, b: Builder, lines: list[Line], customer_id: str | None) -> None:
        """An e-mail table: header row, then one row per line (pipes, tabs or aligned columns)."""
        rng = self.rng
        style = rng.choice(("pipe", "tab", "space"))
        with_sn = self.chance(0.5)
        with_rate = self.chance(0.3)
        head = (["S.No"] if with_sn else []) + [rng.choice(("Item", "Product", "Description", "Item Name", "Particulars")),
                                                 rng.choice(("Qty", "Quantity", "Qty.", "QTY")), rng.choice(("Unit", "UOM", "Pack"))]
        if with_rate:
            head.append(rng.choice(("Rate", "Price")))
        rows: list[list[tuple[str, str | None]]] = []
        for i, ln in enumerate(lines):
            prod = next((t for t, lab in ln.chunks if lab == "PRODUCT"), ln.gold.mention)
            qty = as_digits(next((t for t, lab in ln.chunks if lab == "QTY"), ""))
            unit = next((t for t, lab in ln.chunks if lab == "UNIT"), "")
            row: list[tuple[str, str | None]] = ([(str(i + 1), None)] if with_sn else []) + [(prod, "PRODUCT"), (qty, "QTY"), (unit, "UNIT")]
            if with_rate:
                price = self.md.price(customer_id, ln.sku) if ln.sku else None
                row.append((money(price) if price is not None else "", "PRICE"))
            rows.append(row)
        widths = [max(len(head[j]), *(len(r[j][0]) for r in rows)) + 2 for j in range(len(head))]
        sep = {"pipe": " | ", "tab": "\t", "space": ""}[style]

        def cell(j: int, text: str) -> str:
            return text.ljust(widths[j]) if style == "space" and j < len(head) - 1 else text

        b.add(sep.join(cell(j, h) for j, h in enumerate(head)).rstrip())
        for row in rows:
            b.add("\n")
            for j, (text, label) in enumerate(row):
                if j:
                    b.add(sep)
                padded = cell(j, text)
                b.add(text, label)
                if len(padded) > len(text):
                    b.add(padded[len(text):])

    # -- scenarios --------------------------------------------------------------------------------------------
    def new_date(self, t: datetime, fmt: str | None = None) -> str:
        d = (t + timedelta(days=self.rng.randint(1, 5))).date()
        fmt = fmt or self.rng.choice(("%d/%m", "%d/%m/%Y", "%d-%m-%y", "%d %b", "%b %d", "%Y-%m-%d", "%d.%m.%Y", "%dth %b"))
        text = d.strftime(fmt)
        return text.lstrip("0") if fmt.startswith("%d") and self.chance(0.5) else text

    def po_number(self) -> tuple[str, str]:
        """(lead text, PO id) such as ('PO No: ', '4471') or ('Ref ', 'PO-88121')."""
        self.po_counter += self.rng.randint(1, 40)
        n = self.po_counter
        return self.rng.choice((("PO No: ", str(n)), ("PO: ", f"PO-{n}"), ("Ref ", f"PO/{n % 100}-{n % 100 + 1}/{n % 997}"),
                                ("PO# ", str(n)), ("Order no. ", f"{n}"), ("P.O. ", f"{n}")))

    def address(self, persona: Persona | None) -> str:
        """A delivery address, full of numbers that are no counts ("Plot 14, Sector 5"): a line of no order."""
        rng = self.rng
        place = rng.choice((f"Plot {rng.randint(1, 250)}", f"Shop No. {rng.randint(1, 90)}", f"Gali no {rng.randint(1, 20)}",
                            f"Survey no {rng.randint(10, 400)}", f"{rng.randint(1, 4)}rd floor, Plot {rng.randint(1, 90)}",
                            f"H.No. {rng.randint(1, 999)}-{rng.randint(1, 40)}", f"Godown {rng.randint(1, 9)}"))
        area = rng.choice((f"Sector {rng.randint(1, 60)}", "MIDC", "Sadar Bazar", "Main Road", "Station Road",
                           f"Phase {rng.randint(1, 3)}", f"Ward {rng.randint(1, 30)}", "near bus stand", "Gandhi Nagar"))
        city = persona.city if persona is not None and self.chance(0.7) else rng.choice(CITIES)
        lead = rng.choice(("Deliver to: ", "Delivery address: ", "Address - ", "Ship to: ", "Godown: ", "Send at ",
                           "Delivery at "))
        return f"{lead}{place}, {area}, {city}" + rng.choice(("", "", f" - {rng.randint(110001, 799999)}"))

    def extras(self, b: Builder, t: datetime, persona: Persona | None, channel: str, p_po: float, p_date: float) -> None:
        if self.chance(0.1 if channel == "email" else 0.04):
            b.add(("\n" if not b.ends_with_newline() else "") + self.address(persona))
        if self.chance(p_po):
            lead, po = self.po_number()
            b.add(("\n" if not b.ends_with_newline() else "") + lead)
            b.add(po, "PO")
        if self.chance(p_date):
            d = self.new_date(t)
            if persona is not None and persona.lang == "hinglish" and channel != "email":
                b.add("\n" if not b.ends_with_newline() else "")
                b.add(d, "DATE")
                b.add(self.rng.choice((" tak delivery chahiye", " ko bhejna", " tak")))
            else:
                b.add(("\n" if not b.ends_with_newline() else "") + self.rng.choice(("Delivery by ", "Deliver on ", "Required on ", "Need by ")))
                b.add(d, "DATE")

    def greeting(self, persona: Persona | None) -> str:
        lang = persona.lang if persona else "en"
        return self.rng.choice(GREETINGS[lang])

    def closing(self, persona: Persona | None) -> str:
        lang = persona.lang if persona else "en"
        return self.rng.choice(CLOSINGS[lang])

    def chat_order(self, persona: Persona, lines: list[Line], t: datetime, channel: str) -> Builder:
        """A WhatsApp or SMS order: greeting, lines in the dealer's format, closing, maybe a PO or a date."""
        b = Builder(self.casing(persona, channel))
        fmt = persona.fmt if self.chance(0.8) else self.rng.choice(("chat", "lines", "numbered", "bullets"))
        if channel == "sms":
            fmt = "chat" if self.chance(0.8) else "lines"
            if self.chance(0.35):
                b.add(self.name_variant(persona.name), "CUSTOMER")
                b.add(self.rng.choice((" ORDER: ", " order - ", ": ")))
        elif self.chance(0.12):
            b.add(self.rng.choice(CHATTER_LEAD).format(amt=f"{self.rng.randrange(5, 90) * 1000:,}") + "\n")
        if channel != "sms" and self.chance(persona.greet):
            g = self.greeting(persona)
            if g:
                b.add(g + ("\n" if fmt != "chat" or self.chance(0.3) else " "))
        self.body(b, lines, fmt, persona, lead_newline=False)
        self.extras(b, t, persona, channel, 0.05, 0.12)
        if channel != "sms" and self.chance(0.45):
            c = self.closing(persona)
            if c:
                b.add(("\n" if fmt != "chat" else " ") + c)
        return b

    def email_order(self, persona: Persona, sections: list[tuple[str | None, list[Line]]], t: datetime,
                    intro: str | None = None, table: bool | None = None) -> tuple[Builder, str]:
        """An e-mail body with greeting, intro, list or table (one block per named section), PO, signature, quote."""
        rng = self.rng
        b = Builder(self.casing(persona, "email"))
        b.add(rng.choice(("Dear Sir,", "Hi team,", "Hello,", "Respected sir,", "Dear Sir/Madam,", "Hi,", "Good morning,")) + "\n\n")
        b.add((intro or rng.choice(("Please supply the following items:", "Kindly arrange the below order:",
                                    "Our requirement for this week:", "PFB our order.", "Please send:",
                                    "Kindly dispatch the following at the earliest."))) + "\n\n")
        use_table = table if table is not None else self.chance(0.35)
        heading_style = rng.choice(("num", "colon", "party", "for"))
        named = 0
        for k, (name, lines) in enumerate(sections):
            if name is None and len(sections) > 1:
                b.add(rng.choice(("For our own stock:", "Our requirement:", "For us:")) + "\n")
            if name is not None:
                named += 1
                if k:
                    b.add("\n\n")
                head = {"num": f"{named}) ", "colon": "", "party": "Party: ", "for": "For "}[heading_style]
                b.add(head)
                b.add(name, "CUSTOMER")
                b.add({"num": "\n", "colon": ":\n", "party": "\n", "for": " -\n"}[heading_style])
            if use_table and name is None:
                self.table(b, lines, persona.customer_id)
            else:
                self.body(b, lines, "bullets" if name is not None and self.chance(0.6) else rng.choice(("lines", "numbered", "bullets")),
                          persona, lead_newline=False)
        b.add("\n")
        self.extras(b, t, persona, "email", 0.35, 0.3)
        b.add("\n\n" + rng.choice(("Thanks & regards,", "Regards,", "Thanks,", "Warm regards,", "Best regards,", "Rgds,")) + "\n")
        b.add(persona.contact + "\n")
        b.add(persona.name, "CUSTOMER")
        if persona.phones and self.chance(0.6):
            ph = persona.phones[0]
            b.add("\n" + rng.choice((ph, f"+91 {ph[3:8]} {ph[8:]}", f"Mob: {ph[3:]}")))
        if self.chance(0.25):
            pv = rng.choice(self.active)
            d = (t - timedelta(days=rng.randint(2, 9))).strftime("%a, %d %b %Y")
            old = f"{rng.randint(2, 30)} {rng.choice(UOM_WORDS.get(pv.uom, ('pcs',)))} {pv.description}"
            b.add(rng.choice((f"\n\n> On {d}, sales@distributor.example wrote:\n> Your order has been dispatched: {old}.\n> Regards",
                              f"\n\n-----Original Message-----\nFrom: sales@distributor.example\nSent: {d}\nSubject: Order\n\n{old}\nPlease confirm.")))
        subject = rng.choice(("Order", "Purchase order", "Order for this week", "Stock requirement", "Re: order",
                              f"Order - {persona.name}", "Urgent order", "PO"))
        return b, subject

    def portal_order(self, persona: Persona, lines: list[Line], t: datetime) -> Builder:
        """A web-portal order: structured rows with SKU code or catalog description, quantity and uom."""
        b = Builder()
        lead, po = self.po_number()
        b.add("Web order ")
        b.add(po, "PO")
        b.add("\nCustomer: ")
        b.add(persona.name, "CUSTOMER")
        if self.chance(0.5):
            b.add("\nDelivery date: ")
            b.add(self.new_date(t, "%Y-%m-%d"), "DATE")
        b.add("\n")
        for ln in lines:
            b.add("\n")
            if ln.sku is not None:
                pv = self.views[ln.sku]
                use_code = self.chance(0.5)
                b.add(pv.sku if use_code else pv.description, "PRODUCT")
                q = ln.gold.qty
                if q is None:
                    b.add(" | Qty: ")
                    b.add(self.rng.choice(("2-3", "TBD", "?")), "QTY")
                else:
                    b.add(" | Qty: ")
                    b.add(str(q), "QTY")
                    b.add(" ")
                    b.add(pv.uom, "UNIT")
                ln.gold.mention = pv.sku if use_code else pv.description
            else:
                b.chunks(ln.chunks)
        return b

    def agent_note(self, outlet: str, lines: list[Line], t: datetime) -> Builder:
        """A field agent's note naming the outlet the order was taken at."""
        rng = self.rng
        b = Builder(str.lower if self.chance(0.3) else None)
        city = rng.choice(CITIES)
        style = rng.randrange(4)
        if style == 0:
            b.add("Outlet: ")
            b.add(outlet, "CUSTOMER")
            b.add("\n")
            self.body(b, lines, rng.choice(("lines", "bullets")), None, lead_newline=False)
        elif style == 1:
            b.add("Visited ")
            b.add(outlet, "CUSTOMER")
            b.add(f", {city}. Order: ")
            self.body(b, lines, "chat", None)
            b.add(".")
        elif style == 2:
            b.add(outlet, "CUSTOMER")
            b.add(f" ({city})\n")
            self.body(b, lines, rng.choice(("lines", "numbered")), None, lead_newline=False)
        else:
            b.add("Shop - ")
            b.add(outlet, "CUSTOMER")
            b.add("\nOrder -\n")
            self.body(b, lines, "lines", None, lead_newline=False)
        if self.chance(0.5):
            b.add("\n" + rng.choice(REMARKS).format(amt=f"{rng.randrange(2, 60) * 1000:,}"))
        return b

    def chatter(self, persona: Persona, t: datetime, channel: str) -> Builder:
        """A message that holds no order: thanks, payments, delivery questions, price and stock enquiries."""
        rng = self.rng
        b = Builder(self.casing(persona, channel))
        pv = rng.choice(self.active)
        name = self.mention(pv, persona, fresh=True)
        amt = f"{rng.randrange(5, 400) * 500:,}"
        unit = rng.choice(UOM_WORDS.get(pv.uom, ("pcs",)))
        r = rng.randrange(14)
        if r == 0:
            b.add(rng.choice(("Thank you sir, received the goods 👍", "Received with thanks", "ok noted", "👍", "Thanks ji",
                              "Maal mil gaya, dhanyawad", "ok", "Noted sir")))
        elif r == 1:
            b.add(f"Payment of Rs {amt} done today by {rng.choice(('NEFT', 'UPI', 'RTGS', 'cheque'))}, pls check and update ledger")
        elif r == 2:
            b.add(rng.choice(("When will yesterday's order be delivered?", "Kal ka order kab tak aayega?",
                              "Sir delivery kab hogi?", "Any update on dispatch?", "Gaadi kitne baje aayegi?")))
        elif r == 3:
            b.add(f"Bill no {rng.randint(1000, 9999)} ka copy bhejo")
        elif r == 4:
            b.add(rng.choice(("Please share the new price list", "Send latest rate list pls", "Scheme kya chal rahi hai is month?")))
        elif r == 5:
            b.add(f"Rate of {name} kya hai?")
        elif r == 6:
            b.add(f"Is {name} available in stock?")
        elif r == 7:
            b.add(f"{rng.randint(1, 4)} {unit} {name} damaged in last delivery, pls adjust in next bill")
        elif r == 8:
            b.add("Shop closed on ")
            b.add(self.new_date(t), "DATE")
            b.add(", deliver after that")
        elif r == 9:
            b.add(f"Received {rng.randint(2, 30)} {unit} {name} yesterday, bill pending")
        elif r == 10:
            b.add(f"Sir outstanding {amt} hai, next week clear kar denge")
        elif r == 11:
            b.add(rng.choice(("Call me when free", "Salesman ko bhejo", "Can you send your GST number?",
                              "Happy Diwali sir 🪔", "Our new address: shop 12, main market")))
        elif r == 12:
            b.add(f"Last week's {name} was short by {rng.randint(1, 5)} {unit}, please check")
        else:
            b.add(f"Pls cancel the order I sent, will order {name} next week")
        return b

    # -- one example -------------------------------------------------------------------------------------
    def example(self, idx: int, t: datetime, scenario: str | None = None, images: bool = False) -> Example:
        """One labelled message at time t; the scenario decides who writes and what."""
        rng = self.rng
        scenario = scenario or rng.choices(
            ("order", "chatter", "subdealer", "agent", "unknown", "sheet", "portal"),
            (0.62, 0.1, 0.07, 0.07, 0.04, 0.04, 0.06))[0]
        for _attempt in range(30):
            ex = self._example(idx, t, scenario, images)
            if ex is not None:
                return ex
        raise RuntimeError(f"could not draw a non-duplicate example at {t}")

    def _not_duplicate(self, orders: list[GoldOrder], t: datetime) -> bool:
        for o in orders:
            if o.customer_id is None:
                continue
            sig = tuple(sorted((ln.sku, float(ln.qty or 0)) for ln in o.lines if ln.sku))
            if not sig:
                continue
            for when, old in self.recent.get(o.customer_id, []):
                if old == sig and t - when <= timedelta(hours=25):
                    return False
        return True

    def _remember(self, orders: list[GoldOrder], t: datetime) -> None:
        for o in orders:
            if o.customer_id is None:
                continue
            sig = tuple(sorted((ln.sku, float(ln.qty or 0)) for ln in o.lines if ln.sku))
            if sig:
                self.recent.setdefault(o.customer_id, []).append((t, sig))

    def _example(self, idx: int, t: datetime, scenario: str, images: bool) -> Example | None:
        rng = self.rng
        persona = rng.choice(self.retail + self.distributors)
        sender = persona.phones[0] if persona.phones else ""
        subject = ""
        orders: list[GoldOrder] = []
        sheet = None
        raw_kind = None
        image = False
        channel = rng.choices([c for c, _ in persona.channels], [w for _, w in persona.channels])[0]
        if scenario == "chatter":
            channel = "sms" if channel == "sms" else ("email" if channel == "email" and self.chance(0.3) else "whatsapp")
            b = self.chatter(persona, t, channel)
            if channel == "email":
                sender = persona.emails[0]
                subject = rng.choice(("Payment", "Query", "Delivery", "Re: order"))
        elif scenario == "subdealer":
            dist = rng.choice(self.distributors)
            persona = dist
            named = rng.sample([p for p in self.retail if p.customer_id != dist.customer_id], min(len(self.retail) - 1, rng.randint(2, 3)))
            sections: list[tuple[str | None, list[Line]]] = []
            if self.chance(0.2):
                lines = self.plan_lines(dist, dist.customer_id, rng.randint(1, 3), self.draw_issues(0.5))
                sections.append((None, lines))
                orders.append(GoldOrder(dist.customer_id, [ln.gold for ln in lines]))
            unknown_at = rng.randrange(len(named)) if self.chance(0.3) else -1
            for k, sub in enumerate(named):
                if k == unknown_at:
                    nm, cid = rng.choice(self.outsiders), None
                else:
                    nm, cid = self.name_variant(sub.name), sub.customer_id
                lines = self.plan_lines(dist, cid, rng.randint(1, 4), self.draw_issues(0.6), known_customer=False)
                sections.append((nm, lines))
                orders.append(GoldOrder(cid, [ln.gold for ln in lines]))
            channel = "email" if dist.emails and self.chance(0.6) else "whatsapp"
            if channel == "email":
                sender = dist.emails[0]
                b, subject = self.email_order(dist, sections, t, intro=rng.choice((
                    "Sub-dealer orders for tomorrow's route:", "Below orders for our retailers:", "Orders collected today:",
                    "Please dispatch the following party-wise orders:")), table=False)
            else:
                sender = dist.phones[0]
                b = self.subdealer_chat(dist, sections)
        elif scenario == "agent":
            channel = "agent"
            agent_name, sender = rng.choice(self.agents)
            if self.chance(0.2):
                outlet, cid, who = rng.choice(self.outsiders), None, None
            else:
                who = rng.choice(self.retail)
                outlet, cid = self.name_variant(who.name), who.customer_id
            lines = self.plan_lines(who, cid, rng.randint(1, 5), self.draw_issues(0.7), known_customer=who is not None)
            orders.append(GoldOrder(cid, [ln.gold for ln in lines]))
            b = self.agent_note(outlet, lines, t)
        elif scenario == "unknown":
            name = rng.choice(self.outsiders)
            channel = rng.choice(("whatsapp", "whatsapp", "sms", "email"))
            sender = ("+91" + str(rng.choice((7, 8, 9))) + "".join(str(rng.randrange(10)) for _ in range(9))
                      if channel != "email" else f"{re.sub(r'[^a-z]', '', name.lower())[:12]}{rng.randint(1, 99)}@gmail.com")
            lines = self.plan_lines(None, None, rng.randint(1, 4), self.draw_issues(0.5), known_customer=False)
            orders.append(GoldOrder(None, [ln.gold for ln in lines]))
            b = Builder(str.lower if self.chance(0.3) else None)
            b.add(rng.choice(("Hello, this is ", "Hi sir, ", "Namaste, main ", "Good morning. We are ")))
            b.add(name, "CUSTOMER")
            b.add(rng.choice((f" from {rng.choice(CITIES)}. ", ". ", " bol raha hoon. ", ", new shop. ")))
            b.add(rng.choice(("Please send ", "Need ", "Order: ", "Bhejiye: ")))
            self.body(b, lines, "chat", None)
            if channel == "email":
                subject = "New order"
        else:
            customer_id = persona.customer_id
            n = rng.choices((1, 2, 3, 4, 5, 6, 8), (3, 4, 4, 3, 2, 1, 1))[0]
            issues = self.draw_issues()
            typed = scenario != "sheet" and channel in ("whatsapp", "sms", "portal", "email") and self.chance(
                self.sentence_rate(persona))
            if typed:
                n = min(n, 4)
            elif scenario == "portal" or channel == "portal":  # a web form takes whole quantities of listed SKUs only
                issues = [i for i in issues if i in ("inactive", "below_moq", "no_price")]
            lines = self.plan_lines(persona, customer_id, n, issues, sentence=typed)
            orders.append(GoldOrder(customer_id, [ln.gold for ln in lines]))
            if typed:
                if channel == "email":
                    sender, subject = persona.emails[0], "Order"
                b = self.sentence_order(persona, lines, channel)
            elif scenario == "sheet":
                channel = "email" if persona.emails and self.chance(0.6) else "spreadsheet"
                sheet = self.sheet_rows(lines, customer_id)
                b = Builder()
                if channel == "email":
                    sender = persona.emails[0]
                    subject = rng.choice(("Order sheet", "PO attached", "Order", "Weekly order"))
                    b.add(rng.choice(("Dear sir, order sheet attached.", "PFA our order.", "Please find attached PO.",
                                      "Hi, this week's order in the attached sheet.")) + "\n\nRegards,\n")
                    b.add(persona.name, "CUSTOMER")
            elif scenario == "portal" or channel == "portal":
                channel = "portal"
                b = self.portal_order(persona, lines, t)
            elif channel == "email":
                sender = persona.emails[0]
                b, subject = self.email_order(persona, [(None, lines)], t)
                if self.chance(0.3):
                    raw_kind = "eml"
            else:
                b = self.chat_order(persona, lines, t, channel)
                if channel == "whatsapp" and self.chance(0.1):
                    raw_kind = "whatsapp"
                if channel == "whatsapp" and images and self.chance(0.5):
                    image, channel = True, "image"
        if not self._not_duplicate(orders, t):
            return None
        self._remember(orders, t)
        orders = [o for o in orders if o.lines]
        prefix = {"whatsapp": "wa", "sms": "sm", "email": "em", "agent": "ag", "portal": "po", "spreadsheet": "ss",
                  "image": "im"}[channel]
        text = b.text
        return Example(f"{prefix}-{idx:04d}", channel, sender, t, subject, text, list(b.spans), orders,
                       exceptions_for(orders, self.md), sheet, raw_kind, image, text if image else None, scenario)

    def subdealer_chat(self, dist: Persona, sections: list[tuple[str | None, list[Line]]]) -> Builder:
        """A distributor's WhatsApp listing orders of several sub-dealers, each under a heading or inline."""
        rng = self.rng
        b = Builder(self.casing(dist, "whatsapp"))
        b.add(rng.choice(("Aaj ke party orders:", "Orders for retailers", "Sub dealer orders -", "Route orders:", "Party wise order")) + "\n")
        style = rng.choice(("num", "colon", "star", "party", "inline"))
        named = 0
        for k, (name, lines) in enumerate(sections):
            b.add("\n" if k == 0 else "\n\n")
            named += name is not None
            if name is None:
                b.add(rng.choice(("Own stock:", "For our godown:", "Hamare liye:")) + "\n")
                self.body(b, lines, "lines", dist, lead_newline=False)
                continue
            if style == "inline":
                b.add(name, "CUSTOMER")
                b.add(": ")
                self.body(b, lines, "chat", dist)
                continue
            head, tail = {"num": (f"{named}) ", "\n"), "colon": ("", ":\n"), "star": ("*", "*\n"), "party": ("Party: ", "\n")}[style]
            b.add(head)
            b.add(name, "CUSTOMER")
            b.add(tail)
            self.body(b, lines, rng.choice(("lines", "bullets")), dist, lead_newline=False)
        return b

    def name_variant(self, name: str) -> str:
        """A customer's name as others write it: as is, lower case, without the trade word, with M/s."""
        r = self.rng.random()
        if r < 0.45:
            return name
        if r < 0.6:
            return name.lower()
        words = name.split()
        if r < 0.8 and len(words) > 2 and words[-2].lower() not in ("&", "and", "new", "m/s"):
            return " ".join(words[:-1])
        if r < 0.9:
            return "M/s " + name
        return name.upper()

    def sheet_rows(self, lines: list[Line], customer_id: str | None) -> list[list[Any]]:
        """Rows of an order spreadsheet: a header, then product, quantity, unit (and sometimes rate)."""
        rng = self.rng
        head = rng.choice((["Item", "Qty", "Unit"], ["S.No", "Description", "Quantity", "UOM"], ["Product", "Qty"],
                           ["Item Name", "Qty", "Pack", "Rate"]))
        rows: list[list[Any]] = [head]
        for i, ln in enumerate(lines):
            prod = next((t for t, lab in ln.chunks if lab == "PRODUCT"), ln.gold.mention)
            qty_t = as_digits(next((t for t, lab in ln.chunks if lab == "QTY"), ""))
            unit = next((t for t, lab in ln.chunks if lab == "UNIT"), "")
            qty: Any = int(qty_t) if qty_t.isdigit() else qty_t
            if head[-1] == "Qty" and len(head) == 2:
                rows.append([prod, f"{qty} {unit}".strip() if unit else qty])
            elif head[0] == "S.No":
                rows.append([i + 1, prod, qty, unit])
            elif head[-1] == "Rate":
                price = self.md.price(customer_id, ln.sku) if ln.sku else None
                rows.append([prod, qty, unit, float(price) if price is not None else ""])
            else:
                rows.append([prod, qty, unit])
        return rows


# -- OCR-like noise ------------------------------------------------------------------------------------------

OCR_SWAPS = (("O", "0"), ("0", "O"), ("l", "1"), ("1", "l"), ("I", "1"), ("S", "5"), ("5", "S"), ("B", "8"),
             ("8", "B"), ("rn", "m"), ("m", "rn"), ("e", "c"), ("i", "l"), ("g", "q"), ("Z", "2"), (".", ","))


def ocr_noise(rng: random.Random, rate: float) -> Callable[[str], str]:
    """A per-chunk transform that makes text look read by PP-OCR: confusable glyphs, lost spaces, split lines."""

    def noisy(text: str) -> str:
        out = text
        for a, b in OCR_SWAPS:
            if a in out and rng.random() < rate:
                i = out.find(a)
                out = out[:i] + b + out[i + len(a):]
        if out == " " and rng.random() < rate:
            return rng.choice(("", "\n"))
        if " " in out.strip() and rng.random() < rate / 2:
            i = out.strip().find(" ") + (len(out) - len(out.lstrip()))
            out = out[:i] + out[i + 1:]
        return out

    return noisy


# -- history and aliases -------------------------------------------------------------------------------------


def opaque_nickname(pv: ProductView, rng: random.Random) -> str:
    """A name only its customer understands: initials, '<variant> wala <size>', or a clipped brand."""
    words = [w for w in re.findall(r"[A-Za-z]+", pv.description) if len(w) > 1]
    size = pv.term("size")
    variant = pv.term("variant")
    r = rng.random()
    if r < 0.4 and len(words) >= 2:
        initials = "".join(w[0] for w in words[:3]).upper()
        if size is not None:
            return f"{initials} {size.text.replace(' ', '')}"
        return f"{initials} {variant.text.lower()}" if variant is not None else initials
    if r < 0.7 and variant is not None:
        v = rng.choice(variant.surfaces)
        return f"{v} wala {size.text.replace(' ', '').lower()}" if size else f"{v} wala"
    brand = pv.term("brand")
    if brand is not None and size is not None:
        return f"{brand.text[:4].lower()} {size.text.replace(' ', '').lower()}"
    return " ".join(w.lower()[:4] for w in words[:2]) + (f" {size.text.replace(' ', '')}" if size else "")


def build_vocab(gen: Generator, persona: Persona, rng: random.Random, slang: dict[str, str]) -> None:
    """A customer's habitual names for their basket: fresh mentions, shared street names, private nicknames."""
    taken: dict[str, str] = {}
    for sku in persona.basket + persona.late_basket:
        pv = gen.views[sku]
        for _ in range(6):
            r = rng.random()
            opaque = r < 0.23
            if r < 0.15 and sku in slang:
                name = slang[sku]
            elif r < 0.23:
                name = opaque_nickname(pv, rng)
            else:
                name = gen.fresh_mention(pv, persona.typo, terse=persona.lang == "terse")
            clash = any(v.lower() == name.lower() and k != sku for k, v in slang.items())
            if name.lower() not in taken and not clash:
                break
        taken[name.lower()] = sku
        persona.vocab[sku] = name
        if opaque:
            persona.opaque.add(sku)
        if rng.random() < 0.2:
            old = gen.fresh_mention(pv, persona.typo)
            if old.lower() not in taken:
                persona.old_vocab[sku] = old


@dataclass
class TradeData:
    """A generated distributor: catalog, personas with their habits, six months of history, aliases."""

    catalog: Catalog
    personas: dict[str, Persona]
    history: list[HistoryOrder]
    aliases: list[Alias]
    slang: dict[str, str]
    hints: Hints
    _md: MasterData | None = None

    @property
    def name(self) -> str:
        return self.catalog.trade

    def master_data(self) -> MasterData:
        """The master data as ordex loads it (customers, products, prices, aliases, history)."""
        if self._md is None:
            self._md = MasterData(
                customers=tuple(_customer(c) for c in self.catalog.customers),
                products=tuple(Product(sku=p.sku, description=p.description, uom=p.uom, pack_size=p.pack_size, moq=Decimal(p.moq),
                                       active=p.active, conversions={u: Decimal(n) for u, n in p.conversions})
                               for p in self.catalog.products),
                prices=tuple(Price(customer_id=r.customer_id, sku=r.sku, unit_price=r.unit_price) for r in self.catalog.prices),
                aliases=tuple(self.aliases),
                history=tuple(self.history),
            )
        return self._md


def _customer(c: CustomerRow) -> Customer:
    return Customer(customer_id=c.customer_id, name=c.name, phones=c.phones, emails=c.emails, credit_limit=c.credit_limit,
                    outstanding=c.outstanding, currency=c.currency, active=c.active)


def generate_trade(name: str, seed: int, start: datetime | None = None) -> TradeData:
    """A whole invented distributor of one trade: catalog, customers, prices, personas, aliases, history."""
    cat = build_catalog(name, seed)
    rng = random.Random(f"trade:{name}:{seed}")
    base = MasterData(
        customers=tuple(_customer(c) for c in cat.customers),
        products=tuple(Product(sku=p.sku, description=p.description, uom=p.uom, pack_size=p.pack_size, moq=Decimal(p.moq),
                               active=p.active, conversions={u: Decimal(n) for u, n in p.conversions}) for p in cat.products),
        prices=tuple(Price(customer_id=r.customer_id, sku=r.sku, unit_price=r.unit_price) for r in cat.prices),
    )
    hints = Hints(facets=cat.facets, kinds={c.customer_id: c.kind for c in cat.customers},
                  cities={c.customer_id: c.city for c in cat.customers}, contacts={c.customer_id: c.contact for c in cat.customers},
                  agents=cat.agents, outsiders=cat.outsiders, unused_families=cat.unused_families, spare_brands=cat.spare_brands)
    gen = Generator(base, hints, f"trade:{name}:{seed}")
    active = [v.sku for v in gen.active]
    slang = {}
    for sku in rng.sample(active, len(active) // 4):
        slang[sku] = opaque_nickname(gen.views[sku], rng) if rng.random() < 0.4 else gen.fresh_mention(gen.views[sku], 0.0, terse=True)
    personas: dict[str, Persona] = {}
    for c in base.customers:
        p = make_persona(c, hints.kinds[c.customer_id], random.Random(f"persona:{name}:{seed}:{c.customer_id}"),
                         hints.cities[c.customer_id], hints.contacts[c.customer_id])
        priced = [s for s in active if base.price(c.customer_id, s) is not None]
        p.basket = rng.sample(priced, min(len(priced), rng.randint(5, 10)))
        rest = [s for s in priced if s not in p.basket]
        p.late_basket = rng.sample(rest, min(len(rest), rng.randint(1, 3)))
        build_vocab(gen, p, rng, slang)
        personas[c.customer_id] = p
    hints.personas = personas
    gen = Generator(base, hints, f"history:{name}:{seed}")
    start = start or datetime(2026, 11, 2, 9, 0, tzinfo=IST)
    history = _history(gen, personas, start, rng)
    aliases = _aliases(personas, slang, gen, rng)
    hints.slang = {a.sku: a.alias for a in aliases if a.customer_id == "*"}  # names every dealer may use
    td = TradeData(cat, personas, history, aliases, slang, hints)
    return td


def _history(gen: Generator, personas: dict[str, Persona], start: datetime, rng: random.Random) -> list[HistoryOrder]:
    """Six months of past orders per customer, in their own words; some names and the basket change four months
    before the end."""
    out: list[HistoryOrder] = []
    for cid in sorted(personas):
        p = personas[cid]
        t = (start - timedelta(days=183) + timedelta(days=rng.randint(0, 9))).replace(hour=rng.randint(8, 20), minute=rng.randrange(60))
        end = start - timedelta(days=1) if p.active else start - timedelta(days=120)
        while t < end:
            late = t > start - timedelta(days=120)
            basket = p.basket + (p.late_basket if late else [])
            vocab = dict(p.vocab)
            if not late:
                vocab.update(p.old_vocab)
            saved = p.vocab
            p.vocab = vocab
            skus = rng.sample(basket, min(len(basket), rng.randint(1, 5)))
            typed = gen.menu and gen.chance(gen.sentence_rate(p))
            lines = []
            for sku in skus:
                pv = gen.views[sku]
                lines.append(gen.line(pv, p, cid, allow_price=False, habit=p.stickiness, sentence=typed))
            p.vocab = saved
            channel = rng.choices([c for c, _ in p.channels], [w for _, w in p.channels])[0]
            if typed:
                b = gen.sentence_order(p, lines, "whatsapp" if channel in ("email", "portal") else channel)
            elif channel == "email" and p.emails:
                b, _subject = gen.email_order(p, [(None, lines)], t)
            elif channel == "portal":
                b = gen.portal_order(p, lines, t)
            else:
                b = gen.chat_order(p, lines, t, "sms" if channel == "sms" else "whatsapp")
            hl = tuple(HistoryLine(sku=ln.gold.sku, qty=Decimal(str(ln.gold.qty)), uom=ln.gold.uom) for ln in lines
                       if ln.gold.sku and ln.gold.qty is not None)
            out.append(HistoryOrder(customer_id=cid, received_at=t, channel=channel, text=b.text, lines=hl))
            t += timedelta(days=rng.randint(6, 21))
            t = t.replace(hour=rng.randint(8, 20), minute=rng.randrange(60))
    out.sort(key=lambda h: (h.received_at, h.customer_id))
    return out


def _aliases(personas: dict[str, Persona], slang: dict[str, str], gen: Generator, rng: random.Random) -> list[Alias]:
    out: list[Alias] = []
    seen: set[tuple[str, str]] = set()
    for cid in sorted(personas):
        p = personas[cid]
        for sku in sorted(p.vocab):
            name = p.vocab[sku]
            if name.lower() == gen.views[sku].description.lower():
                continue
            if rng.random() < (0.5 if sku in p.opaque else 0.3) and (cid, name.lower()) not in seen:
                seen.add((cid, name.lower()))
                out.append(Alias(customer_id=cid, alias=name, sku=sku))
    for sku in sorted(slang)[: max(3, len(slang) // 3)]:
        name = slang[sku]
        if ("*", name.lower()) not in seen and not any(a.alias.lower() == name.lower() and a.sku != sku for a in out):
            seen.add(("*", name.lower()))
            out.append(Alias(customer_id="*", alias=name, sku=sku))
    return out


# -- public API -------------------------------------------------------------------------------------------------


def timeline(n: int, rng: random.Random, start: datetime, days: int = 21) -> list[datetime]:
    """n increasing message times over a few weeks, in shop hours (08:00-21:00 IST)."""
    out: set[datetime] = set()
    while len(out) < n:
        d = start + timedelta(days=rng.randrange(days))
        out.add(d.replace(hour=rng.randint(8, 20), minute=rng.randrange(60), second=0, microsecond=0))
    return sorted(out)


def generate_cases(td: TradeData, n: int, seed: int, *, images: bool = False,
                   start: datetime | None = None) -> list[Example]:
    """n evaluation cases for a generated distributor, in received order, with gold orders and codes."""
    md = td.master_data()
    gen = Generator(md, td.hints, f"cases:{td.name}:{seed}")
    times = timeline(n, random.Random(f"times:{td.name}:{seed}"), start or datetime(2026, 11, 2, tzinfo=IST))
    return [gen.example(i + 1, t, images=images) for i, t in enumerate(times)]


def generate_messages(md: MasterData | TradeData, n: int, seed: int, *, ocr_rate: float = 0.0,
                      hints: Hints | None = None) -> list[Example]:
    """n labelled messages for any master data (a loaded folder or a TradeData); a share gets OCR-like noise.

    The tagger's training entry point: with a plain MasterData the product parts come from the descriptions.
    """
    if isinstance(md, TradeData):
        hints = hints or md.hints
        md = md.master_data()
    gen = Generator(md, hints, f"messages:{seed}")
    rng = random.Random(f"messages-noise:{seed}")
    times = timeline(n, random.Random(f"messages-times:{seed}"), datetime(2026, 11, 2, tzinfo=IST), days=max(21, n // 20))
    out = []
    for i, t in enumerate(times):
        ex = gen.example(i + 1, t)
        if ocr_rate and rng.random() < ocr_rate and ex.sheet is None and ex.channel in ("whatsapp", "sms", "agent"):
            ex = noisy_copy(ex, rng)
        out.append(ex)
    return out


def noisy_copy(ex: Example, rng: random.Random, rate: float = 0.08) -> Example:
    """The same example as if its text had been photographed and read by OCR; spans follow the noise."""
    noise = ocr_noise(rng, rate)
    b = Builder(noise)
    pos = 0
    for s in sorted(ex.spans, key=lambda s: s.start):
        b.add(ex.text[pos:s.start])
        b.add(ex.text[s.start:s.end], s.label)
        pos = s.end
    b.add(ex.text[pos:])
    return Example(ex.id, "image", ex.sender, ex.received_at, ex.subject, b.text, list(b.spans), ex.orders, ex.exceptions,
                   None, None, False, b.text, ex.scenario, {"clean_text": ex.text})


def all_trades() -> list[str]:
    """Names of every invented trade."""
    return list(TRADES)
