"""One order line as a strangers' dealer writes it: the count, the pack or piece word, the product, and the gold."""

from __future__ import annotations

import random

from evaluation.strangers import vocab
from evaluation.strangers.world import Dealer, Sku, World, Written, mention

OWN_WORDS = {"BUNDLE": ("bundle", "bdl", "bundles"), "BAG": ("bags", "bag", "sack"), "KG": ("kg", "kilo", "kgs"),
             "ROLL": ("roll", "rolls"), "PKT": ("pkt", "packet", "pkts"), "TIN": ("tin", "tins"),
             "PCS": ("nos", "pcs", "pc", "pieces")}
PACKED = frozenset({"CTN", "BOX"})


def count_phrase(n: int, word: str, d: Dealer, rng: random.Random, words_ok: bool) -> str:
    """ "4 ctn", "4ctn", "rendu petti": a count with its word, in digits or in the dealer's number words."""
    if words_ok and n in vocab.NUMBER_WORDS[d.language] and rng.random() < 0.8:
        return f"{vocab.NUMBER_WORDS[d.language][n]} {word}".strip()
    if word and rng.random() < 0.2 and word.isalpha() and len(word) <= 4:
        return f"{n}{word}"
    return f"{n} {word}".strip()


def unit_word(s: Sku, d: Dealer, w: World, rng: random.Random) -> str:
    """The word for the SKU's own unit of sale, in the dealer's habits."""
    if s.uom in PACKED:
        if d.slang and rng.random() < 0.5:
            return w.slang_pack
        return rng.choice(vocab.PACK_WORDS["*"] + vocab.PACK_WORDS[d.language])
    return rng.choice(OWN_WORDS.get(s.uom, ("",)))


def piece_word(d: Dealer, w: World, rng: random.Random) -> str:
    if d.slang and rng.random() < 0.5:
        return w.slang_piece
    return rng.choice(vocab.PIECE_WORDS["*"] + vocab.PIECE_WORDS[d.language])


def place(product: str, qty: str, style: str, rng: random.Random) -> str:
    """The product and its count in the order the dealer writes them."""
    if style == "count_first":
        return f"{qty} {product}"
    return rng.choice((f"{product} {qty}", f"{product} - {qty}", f"{product} x {qty}", f"{product} * {qty}",
                       f"{product} = {qty}", f"{product}: {qty}"))


def write_line(s: Sku, d: Dealer, w: World, rng: random.Random, kind: str, *, words_ok: bool = True) -> Written:
    """One line of a kind: plain (the SKU's own unit, or a bare count), pieces, dozen, slang, rare, vague."""
    p = mention(s, d, rng, w.skus)
    style = d.style if d.style != "sentence" else "product_first"
    n = rng.choice((1, 2, 2, 3, 4, 5, 6, 10, 12, 15, 20, 25, 40)) if s.uom not in PACKED else rng.choice((1, 2, 3, 4, 5, 6, 10))
    if kind == "pieces" and s.per:
        k = rng.choice((1, 2, 3))
        whole = rng.random() < 0.8
        count = k * s.per if whole else k * s.per + rng.choice((1, 5, 7))
        text = place(p, count_phrase(count, piece_word(d, w, rng), d, rng, False), style, rng)
        return Written(text, s.sku, k if whole else None, s.uom, unclear=not whole)
    if kind == "dozen" and s.per and s.per % 12 == 0:
        k = rng.choice((1, 2))
        text = place(p, f"{k * s.per // 12} {rng.choice(vocab.DOZEN_WORDS)}", style, rng)
        return Written(text, s.sku, k, s.uom)
    if kind == "rare":
        text = place(p, f"{n} {rng.choice(vocab.RARE_WORDS)}", style, rng)
        return Written(text, s.sku, None, s.uom, unclear=True)
    if kind == "vague":
        q = rng.choice(("2-3", "some", "thoda", "few", "4 or 5"))
        word = unit_word(s, d, w, rng) if s.uom in PACKED else ""
        return Written(place(p, f"{q} {word}".strip(), style, rng), s.sku, None, s.uom, unclear=True)
    word = unit_word(s, d, w, rng) if kind != "bare" else ""
    return Written(place(p, count_phrase(n, word, d, rng, words_ok), style, rng), s.sku, n, s.uom)


def sentence_line(s: Sku, d: Dealer, w: World, rng: random.Random) -> tuple[str, Written]:
    """A line of an English sentence: "2 cartons of neem bath soap 75g", "a box of kajal stick"."""
    p = mention(s, None, rng, w.skus)
    n = rng.choice((1, 1, 2, 3, 4, 5, 10))
    noun = {"CTN": ("carton", "cartons"), "BOX": ("box", "boxes"), "BAG": ("bag", "bags"), "PKT": ("packet", "packets"),
            "ROLL": ("roll", "rolls"), "TIN": ("tin", "tins"), "BUNDLE": ("bundle", "bundles"), "KG": ("kg", "kg"),
            "PCS": ("piece", "pieces")}[s.uom]
    count = rng.choice(("a", "one")) if n == 1 and s.uom != "KG" else str(n)
    if count == "a" and noun[0][0] in "aeiou":
        count = "an"
    phrase = f"{count} {noun[0] if n == 1 else noun[1]} of {p}"
    return phrase, Written(phrase, s.sku, n, s.uom)


def unsold_line(trade: str, d: Dealer, rng: random.Random) -> Written:
    """A product no catalog of this distributor holds."""
    p = rng.choice(vocab.NOT_SOLD[trade])
    n = rng.choice((1, 2, 5, 10))
    word = rng.choice(("pcs", "box", ""))  # the unit written stays on the line, as the contract's example keeps it
    return Written(place(p, f"{n} {word}".strip(), d.style, rng), None, n, {"pcs": "PCS", "box": "BOX"}.get(word))


def rewrite(ln: Written, d: Dealer, w: World, rng: random.Random) -> Written:
    """The same line written again another way (a repeat of an order): same SKU and count, new words."""
    if ln.sku is None or ln.qty is None:
        return ln
    s = w.sku(ln.sku)
    qty = f"{ln.qty:g}" if isinstance(ln.qty, float) else str(ln.qty)
    text = place(mention(s, d, rng, w.skus), f"{qty} {unit_word(s, d, w, rng)}".strip(), d.style if d.style != "sentence" else "product_first", rng)
    return Written(text, s.sku, ln.qty, s.uom)
