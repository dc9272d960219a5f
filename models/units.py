"""Units, pack words, sizes and number words: the one vocabulary of quantities every reader uses.

The words themselves are data (``datasets/lexicon``: units, numbers, fillers, vague words, with a data card);
the rule extractor, the tagger's line reader, the match stage and the alias alignment all read a count, a unit
word, a measure or a number word through this module, each reading with how sure it is; quantities are
converted to a SKU's unit of sale here, so every caller agrees on what "48 pcs" means. (The training data
generator keeps its own word lists on purpose, ``training/synth``: a model tested on the very words its parser
was written from would look better than it is.) ``VOCABULARY_VERSION`` names this vocabulary in every trace.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from rapidfuzz import fuzz, process

from ordex.catalog import Product

# The lexicon shipped with the code; ORDEX_LEXICON_DIR points at another copy (the leave-one-language-out
# evaluation runs with one language's rows taken out). Read once, at import: the lexicon is data, not a setting.
LEXICON_DIR = Path(os.environ.get("ORDEX_LEXICON_DIR") or Path(__file__).resolve().parents[1] / "datasets" / "lexicon")


def _rows(name: str) -> list[dict[str, str]]:
    with (LEXICON_DIR / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _words(name: str, **where: str) -> tuple[str, ...]:
    """A lexicon file's words, lower case, in file order; with ``where``, only rows with those column values."""
    return tuple(r["word"].strip().lower() for r in _rows(name) if all(r[k] == v for k, v in where.items()))


def _meanings(name: str, column: str) -> dict[str, str]:
    """A lexicon file's words (lower case) -> their ``column``; a word listed with two meanings is an error."""
    out: dict[str, str] = {}
    for r in _rows(name):
        word, meaning = r["word"].strip().lower(), r[column].strip()
        if out.get(word, meaning) != meaning:
            raise ValueError(f"lexicon {name}: {word!r} means both {out[word]} and {meaning}")
        out[word] = meaning
    return out


# Pack and count words as people write them -> a canonical unit (``datasets/lexicon/units.csv``).
UNIT_WORDS: dict[str, str] = _meanings("units.csv", "unit")
FILLER_WORDS: frozenset[str] = frozenset(_words("fillers.csv"))
# Words that begin what a customer asks on an item ("with", "no", "easy on", "bina"; ``requests.csv``), and words
# after which a number inside such a request says how the item is cut, not how many ("cut in half").
REQUEST_CUES: tuple[str, ...] = _words("requests.csv", role="cue")
REQUEST_HOW: frozenset[str] = frozenset(_words("requests.csv", role="how"))
# Words of a shop's name that say what kind of shop or firm it is ("stores", "bhandar", "book depot", "pvt ltd"),
# not which one (``shops.csv``): a text naming only these names no customer, however like a known name it reads.
SHOP_WORDS: frozenset[str] = frozenset(_words("shops.csv"))
# Words that join two items of an order ("sugar 5 and rice 3", "chai aur biscuit", "a coke plus two fries"), as a
# regular-expression alternation: the readers cut items there.
JOINERS = r"and|aur|&|\+|plus|also|tatha|n"

CASE_CLASS = frozenset({"CTN", "CASE", "BOX", "CRT", "DABBA"})  # "dabba": a box, or the tin itself
PIECE_CLASS = frozenset({"PCS", "PC", "EA", "NOS", "JAR", "BTL", "POUCH", "PKT", "TIN", "TUBE", "CUP", "EACH", "UNIT",
                         "SACHET", "VIAL", "DABBA"})

# Words for "a piece" of whatever is sold. "24 bottles" of a carton of 24 pieces are those pieces; "12 nos" of a box
# of 12 packets may be 12 packets or 12 boxes, so a generic piece word converts through no specific unit's count.
GENERIC_PIECES = frozenset({"PCS", "PC", "EA", "NOS", "EACH", "UNIT"})

# Measure units: surface -> (canonical, dimension, factor to the dimension's base unit).
MEASURES: dict[str, tuple[str, str, float]] = {}
for canon, dim, factor, words in (
    ("KG", "mass", 1000.0, "kg kgs kilo kilos kilogram kilograms kgm"),
    ("G", "mass", 1.0, "g gm gms gram grams gr grm grms"),
    ("MG", "mass", 0.001, "mg"),
    ("L", "volume", 1000.0, "l lt ltr ltrs litre litres liter liters"),
    ("ML", "volume", 1.0, "ml mls millilitre milliliter"),
    ("M", "length", 1000.0, "m mtr mtrs meter meters metre metres"),
    ("CM", "length", 10.0, "cm cms"),
    ("MM", "length", 1.0, "mm"),
    ("FT", "length", 304.8, "ft feet foot"),
    ("IN", "length", 25.4, 'inch inches " ”'),
    ("W", "power", 1.0, "w watt watts"),
    ("KW", "power", 1000.0, "kw"),
    ("V", "voltage", 1.0, "v volt volts"),
    ("A", "current", 1.0, "a amp amps ampere"),
    ("MAH", "charge", 1.0, "mah"),
    ("AH", "charge", 1000.0, "ah"),
    ("PAGES", "pages", 1.0, "pages page pg pgs pp"),
    ("SHADES", "shades", 1.0, "shades shade colours colors"),
    ("GSM", "grammage", 1.0, "gsm"),
    ("PCT", "percent", 1.0, "% pct percent"),
    ("PLY", "ply", 1.0, "ply"),
    ("CC", "volume", 1.0, "cc"),
    ("HP", "power", 746.0, "hp"),
    ("KVA", "apparent", 1000.0, "kva"),
    ("TON", "cooling", 1.0, "ton tons tonne"),
    ("SQMM", "section", 1.0, "sqmm sq.mm"),
    ("MG/ML", "concentration", 1.0, "mg/ml"),
):
    for w in words.split():
        MEASURES[w] = (canon, dim, factor)

MEASURE_UOMS = {"KG": ("mass", 1000.0), "G": ("mass", 1.0), "L": ("volume", 1000.0), "ML": ("volume", 1.0),
                "M": ("length", 1000.0), "MTR": ("length", 1000.0), "CM": ("length", 10.0), "MM": ("length", 1.0),
                "FT": ("length", 304.8)}

NUMBER_WORDS: dict[str, float] = {r["word"].strip().lower(): float(r["value"]) for r in _rows("numbers.csv")}
# Number words that are also ordinary words: a number only right before a unit or pack word.
WEAK_NUMBER_WORDS = frozenset(r["word"].strip().lower() for r in _rows("numbers.csv") if r["weak"] == "true")
VAGUE_WORDS = frozenset(_words("vague.csv"))
# Size words of a menu or a range ("sm", "big", "bada" -> small, large): a variant of the product, never a unit.
SIZE_WORDS: dict[str, str] = {word: size.lower() for word, size in _meanings("sizes.csv", "size").items()}


def _variant_words() -> dict[str, str]:
    """Colour and variant words in Indian languages -> the catalog's English word (``variants.csv``): "kala" is
    black, "santra" orange. A word with two meanings, or one that is also a unit or number word, is an error."""
    out = {word: english.lower() for word, english in _meanings("variants.csv", "english").items()}
    clash = sorted(w for w in out if w in UNIT_WORDS or w in NUMBER_WORDS)
    if clash:
        raise ValueError(f"lexicon variants.csv: {', '.join(map(repr, clash))} are unit or number words too")
    return out


VARIANT_WORDS: dict[str, str] = _variant_words()


def _spelled_units(word: str) -> set[str]:
    """The units of the lexicon's unit words a word is most like, at 80% alike or more (none: like no unit word)."""
    hits = process.extract(word.lower(), UNIT_WORDS.keys(), scorer=fuzz.ratio, score_cutoff=80, limit=None)
    best = max((score for _w, score, _k in hits), default=0.0)
    return {UNIT_WORDS[w] for w, score, _k in hits if score == best}


def like_unit_word(word: str) -> bool:
    """True when a word is spelled like one of the lexicon's unit words ("peece", "cartoon"): a misspelt pack word."""
    return bool(_spelled_units(word))


def spelled_unit(word: str) -> str | None:
    """The unit of the lexicon's unit words a word is spelled like ("peece" -> PCS, "cartoon" -> CTN), when every
    one it is most like names the same unit; None otherwise. A spelling alone is no reading: it only tells which
    unit a use the shipped lines already decide agrees with (``models.word_learning``)."""
    units = _spelled_units(word)
    return units.pop() if len(units) == 1 else None


def plain_count(word: str) -> bool:
    """Digits, or a number word that is no other word too ("do", "tin" are weak: a verb, a pack word)."""
    w = word.lower()
    return w.isdigit() or w in NUMBER_WORDS and w not in WEAK_NUMBER_WORDS


def joined_number(left: float, right: float) -> float | None:
    """Two number words written apart as one number: "twenty five" is 25, "two hundred" 200; None otherwise."""
    if left >= 20 and left % 10 == 0 and right < 10:
        return left + right
    if right == 100 and left < 100:
        return left * 100
    return None


def words_number(words: list[str]) -> float | None:
    """The number a run of number words writes ("twenty five", "paanch sau", "dedh"), or None."""
    values = [NUMBER_WORDS.get(w) for w in words]
    if not values or any(v is None for v in values):
        return None
    total = float(values[0])  # type: ignore[arg-type]
    for v in values[1:]:
        joined = joined_number(total, float(v))  # type: ignore[arg-type]
        if joined is None:
            return None
        total = joined
    return total


class QtyReading(NamedTuple):
    """A quantity as written: its value (None when none can be read), whether it is vague ("2-3", "some"), and
    how sure the reading is (digits 1.0, number words 0.9, words that are also ordinary words 0.6)."""

    value: float | None
    vague: bool = False
    certainty: float = 0.0


class UnitReading(NamedTuple):
    """A unit word as written: its canonical unit (CTN, PCS, KG …; the upper-cased word when unknown), whether
    it is a pack word, a measure or unknown, and how sure the reading is (known 1.0, unknown 0.0)."""

    canonical: str | None
    kind: str  # "pack", "measure" or "unknown"
    certainty: float


PLAIN_NUMBER = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+(?:[.,]\d+)?$")
RANGE = re.compile(r"\d\s*(?:-|–|to|or|se)\s*\d")


def parse_number(text: str) -> float | None:
    """A number written in digits: "1,200" (thousands), "2,5" or "2.5" (decimals); None otherwise."""
    t = text.strip()
    if not PLAIN_NUMBER.match(t):
        return None
    return float(t.replace(",", "") if re.match(r"^\d{1,3}(,\d{3})+", t) else t.replace(",", "."))


def read_qty(text: str) -> QtyReading:
    """A quantity span's value: digits, or number words ("paanch", "twenty five"); a range or a vague word
    ("2-3", "some") is vague and has no value."""
    t = text.strip().lower().lstrip("x×*").strip()
    if RANGE.search(t) or any(w in VAGUE_WORDS for w in t.split()):
        return QtyReading(None, True, 0.0)
    digits = parse_number(t)
    if digits is not None:
        return QtyReading(digits, False, 1.0)
    words = t.split()
    value = words_number(words)
    if value is None:
        return QtyReading(None, False, 0.0)
    return QtyReading(value, False, 0.6 if all(w in WEAK_NUMBER_WORDS for w in words) else 0.9)


def read_unit(text: str) -> UnitReading:
    """A unit span's canonical unit: a pack or count word, else a measure, else the word itself, unknown."""
    t = text.strip().lower().rstrip(".")
    pack = unit_word(t)
    if pack:
        return UnitReading(pack, "pack", 1.0)
    m = measure(t)
    if m:
        return UnitReading(m[0], "measure", 1.0)
    return UnitReading(t.upper() or None, "unknown", 0.0)


def unit_of(word: str) -> str | None:
    """The canonical unit a word names, a measure (KG, L …) or a pack word (CTN, PCS …), or None."""
    m = measure(word)
    return m[0] if m else unit_word(word)


class Size(NamedTuple):
    """A size written with a measure unit, in the dimension's base unit (g, ml, mm, …)."""

    value: float
    dim: str


def measure(word: str) -> tuple[str, str, float] | None:
    """The measure unit a word names, as (canonical, dimension, factor), or None."""
    return MEASURES.get(word.lower().rstrip("."))


def unit_word(word: str) -> str | None:
    """The canonical pack or count unit a word names, or None. A pack word joined by a hyphen to a word that is no
    unit or number ("peti-packed", "box-sealed"), to "pack" ("bx-pack": packed in boxes) or to a word of its own
    unit ("packet-pack") names the pack word's unit; "ctn-pcs" (cartons or pieces?) names none."""
    w = word.lower()
    head, dash, tail = w.partition("-")
    if dash and tail.isalpha() and head in UNIT_WORDS and tail not in NUMBER_WORDS and (
            tail not in UNIT_WORDS or UNIT_WORDS[tail] == UNIT_WORDS[head] or PACKED.fullmatch(tail)):
        return UNIT_WORDS[head]
    return UNIT_WORDS.get(w)


PACKED = re.compile(r"pack(?:ed|ing)?")  # after a pack word and a hyphen: how the goods come, not a second unit


SIZE_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-zA-Z]{1,10}\b)")


def sizes_in(text: str) -> list[Size]:
    """Every size written in a text ("1 L", "500ml", "2.5 kg"), normalised to base units."""
    out = []
    for num, word in SIZE_RE.findall(text):
        m = measure(word)
        if m:
            out.append(Size(round(float(num.replace(",", ".")) * m[2], 6), m[1]))
    return out


def uom_dimension(uom: str) -> tuple[str, float] | None:
    """The dimension and factor of a measure uom (KG, L, M …), or None for count units."""
    return MEASURE_UOMS.get(uom.upper())


class Converted(NamedTuple):
    """A quantity in the SKU's uom, or None with the reason it could not be converted."""

    qty: float | None
    reason: str = ""


def piece_unit(conversions: Mapping[str, Any]) -> tuple[str, float] | None:
    """The piece-class unit a SKU's conversions name and how many of it one uom holds ("PCS:12" -> PCS, 12)."""
    return next(((u.upper(), float(n)) for u, n in conversions.items() if u.upper() in PIECE_CLASS), None)


def to_uom(qty: float, unit: str | None, uom: str, conversions: dict[str, Decimal]) -> Converted:
    """Convert a quantity written in ``unit`` to the SKU's ``uom`` (the contract's conversions rule).

    A bare number is already in the uom; a pack word converts through ``conversions`` (one uom holds n UNIT);
    a count that is not a whole number of the uom is unclear.
    """
    uom = uom.upper()
    conv = {k.upper(): float(v) for k, v in conversions.items()}
    if unit is None or unit == uom:
        return _whole(qty, uom, unit or uom, qty)
    if unit == "DOZ":
        return to_uom(qty * 12, "PCS", uom, conversions)
    if unit in conv:
        return _whole(qty / conv[unit], uom, unit, qty)
    if unit in CASE_CLASS and uom in CASE_CLASS:
        return _whole(qty, uom, unit, qty)
    if unit in PIECE_CLASS:
        if uom in PIECE_CLASS:
            return _whole(qty, uom, unit, qty)
        piece = piece_unit(conv)
        if piece and (piece[0] in GENERIC_PIECES or unit not in GENERIC_PIECES):
            return _whole(qty / piece[1], uom, unit, qty)
    m, d = measure(unit), uom_dimension(uom)
    if m and d and m[1] == d[0]:
        return Converted(round(qty * m[2] / d[1], 6))
    return Converted(None, f"{_fmt(qty)} {unit} does not convert to {uom}")


def _whole(value: float, uom: str, unit: str, qty: float) -> Converted:
    if uom_dimension(uom):  # sold by measure: fractions are fine
        return Converted(round(value, 6))
    if abs(value - round(value)) > 1e-6:
        return Converted(None, f"{_fmt(qty)} {unit} is not a whole number of {uom}")
    return Converted(float(round(value)))


def _fmt(q: float) -> str:
    return str(int(q)) if q == int(q) else str(q)


TRAILING_MEASURE = re.compile(r"\s*[-:x=]?\s*(\d+(?:[.,]\d+)?|[a-zA-Z]+)\s*([a-zA-Z]+)\.?$")
LEADING_MEASURE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([a-zA-Z]+)\.?\s+(?=\S)")


class MeasureReading(NamedTuple):
    """A measure written beside a product's words read as the quantity, and the words left."""

    rest: str
    qty: float
    unit: str
    dimension: str
    base: float  # the measure in its dimension's base unit (g, ml, mm …), to compare with a SKU's own size


def number_value(text: str) -> float | None:
    """A number written in digits or as one number word."""
    t = text.lower().replace(",", ".")
    if re.fullmatch(r"\d+(?:\.\d+)?", t):
        return float(t)
    return float(NUMBER_WORDS[t]) if t in NUMBER_WORDS else None


def _vocabulary_version() -> str:
    """A short hash of the lexicon's files and the measure list: changes whenever any word does."""
    import hashlib
    import json

    h = hashlib.sha256(json.dumps(MEASURES, sort_keys=True).encode())
    for f in sorted(LEXICON_DIR.glob("*.csv")):
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()[:12]


VOCABULARY_VERSION = _vocabulary_version()


def measure_readings(text: str) -> list[MeasureReading]:
    """A measure at the end ("putty 40kg 400 kg") or the start ("500 kilo ntb 16mm") of product words with no
    count given: the quantity of a SKU sold by that measure (see ``sold_by``), the end first."""
    out = []
    for rx in (TRAILING_MEASURE, LEADING_MEASURE):
        m = rx.search(text)
        unit = measure(m.group(2)) if m else None
        value = number_value(m.group(1)) if m else None
        rest = (text[: m.start()] + " " + text[m.end():]).strip() if m else ""
        if unit is not None and value is not None and rest:
            out.append(MeasureReading(rest, value, unit[0], unit[1], value * unit[2]))
    return out


def is_own_size(dimension: str, base: float, own_sizes: Iterable[Size]) -> bool:
    """True when a measure (in its dimension's base unit) is one of a SKU's own sizes."""
    return any(s.dim == dimension and abs(s.value - base) < 1e-6 for s in own_sizes)


def sold_by(reading: MeasureReading, uom: str, conversions: Mapping[str, Any], own_sizes: Iterable[Size] = ()) -> bool:
    """True when a SKU is sold by the reading's measure (its uom is of that dimension, or converts from its
    unit) and the measure is not the SKU's own size: "tile glue 20kg" names the 20 kg bag, it orders none."""
    if is_own_size(reading.dimension, reading.base, own_sizes):
        return False
    dim = uom_dimension(uom)
    return (dim is not None and dim[0] == reading.dimension) or reading.unit in {u.upper() for u in conversions}


def own_sizes(p: Product) -> list[Size]:
    """The sizes a product's description and pack size state ("20 kg", "1 L"), in base units."""
    return sizes_in(f"{p.description} {p.pack_size}")
