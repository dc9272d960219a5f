"""The strangers' generator writes gold a careful reader could reach: no answer hangs on something no message says."""

from __future__ import annotations

import random
import re

import pytest

from evaluation.strangers import vocab
from evaluation.strangers.lines import unsold_line
from evaluation.strangers.menu import DISHES, TOPPINGS, _extras
from evaluation.strangers.world import make_world


@pytest.mark.parametrize("trade", sorted(vocab.TRADES))
def test_no_two_customers_of_one_world_share_a_name(trade: str) -> None:
    """An agent's visit names the shop: two customers of one name would make either gold a guess."""
    for seed in range(40):
        names = [d.name for d in make_world(trade, random.Random(seed)).dealers]
        assert len(names) == len(set(names)), (seed, names)


def test_a_request_never_refuses_what_it_just_asked_for() -> None:
    """ "with lemon, a straw & ice but no a straw" is no sentence anyone writes; "but no" names a topping not asked."""
    rng = random.Random(7)
    for _ in range(3000):
        said = _extras(rng.choice(DISHES), rng)
        m = re.match(r" with (.+) but no (.+)$", said)
        if m:
            asked = {t.removeprefix("a ").removeprefix("extra ") for t in re.split(r", | and | & ", m.group(1))}
            assert m.group(2) not in asked and not m.group(2).startswith("a "), said


def test_a_product_not_sold_keeps_the_unit_written_beside_it() -> None:
    """As the contract's example keeps "5 ctn of the new mango lassi": the line's sku is null, its unit stays."""
    trade = sorted(vocab.TRADES)[0]
    d = make_world(trade, random.Random(1)).dealers[0]
    rng = random.Random(3)
    seen = set()
    for _ in range(200):
        ln = unsold_line(trade, d, rng)
        words = ln.text.lower().split()
        expected = "PCS" if "pcs" in words else "BOX" if "box" in words else None
        assert ln.sku is None and ln.uom == expected, ln
        seen.add(expected)
    assert seen == {"PCS", "BOX", None}


def test_every_topping_list_is_the_menus() -> None:
    assert {d.extras for d in DISHES} <= set(TOPPINGS)
