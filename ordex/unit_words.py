"""A distributor's own unit words, learned at go-live from ``history.jsonl`` and from each resolved exception
(``models.word_learning``), with what the readers already know of words (``models.accounting.Knowledge``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from models.accounting import Knowledge, asked_counts, asked_words, knowledge_of, request_words, unasked_alias
from models.word_learning import LearnedRow, Said, SplitReport, learn_words, shipped, time_split, votes
from ordex.catalog import MasterData


def knowledge(md: MasterData, learned_aliases: Iterable[tuple[str, str, str, int]] = (),
              learned_units: dict[tuple[str, str], str] | None = None,
              asked: Mapping[str, int] | None = None, joins: bool = True) -> Knowledge:
    """The catalog's words (descriptions, pack sizes, aliases given and learned), customer names, unit words, and,
    given the history's ``asked_in_history`` counts, the words customers ask on an item ("no straw"), which are
    then no words of a learned alias (``unasked_alias``); ``joins`` is the line check ``joined_words``."""
    products = [f"{p.description} {p.pack_size}" for p in md.products]
    learned = [alias for _c, alias, _s, _n in learned_aliases]
    if asked:
        requests = request_words(asked, knowledge_of(products, [], []))  # against the descriptions' words alone
        learned = [unasked_alias(a, requests) for a in learned]
    know = replace(knowledge_of(products, [a.alias for a in md.aliases] + learned, [c.name for c in md.customers],
                                learned_units), joins=joins)
    return replace(know, asked=asked_words(asked, know)) if asked else know


def asked_in_history(md: MasterData) -> Counter[str]:
    """How often each word is asked on an item in the past orders (``models.accounting.asked_counts``): one pass
    over the history per master data load, not per refresh."""
    return asked_counts([o.text for o in md.history])


def said_in_history(md: MasterData) -> list[Said]:
    """Every past order as a text and what was shipped for it, oldest first."""
    out = []
    for h in sorted(md.history, key=lambda h: h.received_at):
        lines = tuple(shipped(float(ln.qty), ln.uom, md.product(ln.sku)) for ln in h.lines)
        out.append(Said(h.customer_id, h.text, lines))
    return out


def learn_from_history(md: MasterData) -> list[LearnedRow]:
    """The unit words the distributor's past orders teach. Aliases learned from the same history are not taken
    as product words here: a reader that folded "40 gaddi" into a product name would hide the very word."""
    return learn_words(said_in_history(md), knowledge(md))


def history_split(md: MasterData) -> SplitReport:
    """Learned on the first 70% of the history (by time), checked on the rest."""
    return time_split(said_in_history(md), knowledge(md))


def taught_by(customer_id: str | None, lines: Sequence[tuple[str, str | None, float | None]],
              md: MasterData) -> list[LearnedRow]:
    """Unit words a person's correction teaches: each corrected line's text against the quantity they set
    (``(text, sku, qty in the SKU's uom)``); one correction is enough, as it is for an alias."""
    said = []
    for text, sku, qty in lines:
        p = md.product(sku)
        if p is None or qty is None or not text:
            continue
        said.append(Said(customer_id or "*", text, (shipped(float(qty), None, p),)))
    rows = votes(said, knowledge(md))
    return [(cid, word, unit, 1) for cid, word, unit in dict.fromkeys(rows)]
