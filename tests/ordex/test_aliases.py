"""The alias library at go-live: history alignment, per-customer and global aliases, the ``aliases`` command.

The master data is an invented bicycle-parts distributor written here (never the contract example's).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from ordex.aliases import AliasOptions, Mention, global_aliases, learn_history_aliases, quantity_readings
from ordex.catalog import Customer, HistoryLine, HistoryOrder, MasterData, Product
from ordex.cli import main

IST = timezone(timedelta(hours=5, minutes=30))
PRODUCTS = (
    Product(sku="TUBE-26", description="Cycle Tube 26 inch Black - Roadking", uom="BOX", pack_size="10 x 1",
            conversions={"PCS": Decimal(10)}),
    Product(sku="TUBE-28", description="Cycle Tube 28 inch Black - Roadking", uom="BOX", pack_size="10 x 1",
            conversions={"PCS": Decimal(10)}),
    Product(sku="CHAIN-HD", description="Cycle Chain Heavy Duty - Swiftline", uom="PCS"),
    Product(sku="BELL-CR", description="Cycle Bell Chrome - Tringo", uom="PCS"),
    Product(sku="GREASE", description="Bearing Grease - Lubro", uom="KG"),
    Product(sku="BALLS", description="Steel Bearing Balls - Steelo", uom="BAG", conversions={"KG": Decimal(5)}),
)
CUSTOMERS = tuple(Customer(customer_id=f"B0{i}", name=name, phones=(f"+91999000000{i}",)) for i, name in
                  enumerate(("Pedal Point Cycles", "Chakra Cycle Mart", "Saddle Stores", "Spoke and Rim"), start=1))


def order(customer: str, day: int, text: str, *lines: tuple[str, int]) -> HistoryOrder:
    """A past order of ``customer`` on day ``day`` after 1 June 2026."""
    skus = {p.sku: p for p in PRODUCTS}
    return HistoryOrder(customer_id=customer, received_at=datetime(2026, 6, 1, 10, tzinfo=IST) + timedelta(days=day),
                        channel="whatsapp", text=text,
                        lines=tuple(HistoryLine(sku=s, qty=Decimal(q), uom=skus[s].uom) for s, q in lines))


def trade(*history: HistoryOrder) -> MasterData:
    return MasterData(customers=CUSTOMERS, products=PRODUCTS, history=history)


def test_a_private_nickname_is_aligned_by_its_quantity() -> None:
    md = trade(
        order("B01", 0, "mota wala 26 - 20 pcs\nswiftline chain 5 pcs", ("TUBE-26", 2), ("CHAIN-HD", 5)),
        order("B01", 9, "swiftline chain 3 pcs\nmota wala 26 - 40 pcs", ("CHAIN-HD", 3), ("TUBE-26", 4)),
    )
    rows = learn_history_aliases(md)
    assert ("B01", "mota wala 26", "TUBE-26", 2) in rows
    assert ("B01", "swiftline chain", "CHAIN-HD", 2) in rows
    assert not any(r[0] == "*" for r in rows)  # one customer's words are not everyone's


def test_quantity_after_conversion_tells_two_like_names_apart() -> None:
    md = trade(order("B02", 0, "roadking tube black 30 pcs\nroadking tube black 8 box", ("TUBE-28", 8), ("TUBE-26", 3)))
    rows = {(r[1], r[2]) for r in learn_history_aliases(md) if r[0] == "B02"}
    assert rows == {("roadking tube black", "TUBE-26"), ("roadking tube black", "TUBE-28")}
    md = trade(order("B02", 0, "tube 26 black 30 pcs\ntube 28 black 8 box", ("TUBE-28", 8), ("TUBE-26", 3)))
    rows = {(r[1], r[2]) for r in learn_history_aliases(md) if r[0] == "B02"}
    assert rows == {("tube 26 black", "TUBE-26"), ("tube 28 black", "TUBE-28")}


def test_the_word_after_a_count_that_fits_only_in_pieces_is_no_part_of_the_alias() -> None:
    """ "30 peece roadking tube 26" shipped as 3 boxes of 10: "peece" is the count's word, not the tube's name; kept
    in the alias it would be a catalog word, and the next "20 peece ..." would read as 20 boxes."""
    md = trade(order("B04", 0, "30 peece roadking tube 26\ntringo bell 6 pcs", ("TUBE-26", 3), ("BELL-CR", 6)))
    rows = {(r[1], r[2]) for r in learn_history_aliases(md) if r[0] == "B04"}
    assert ("roadking tube 26", "TUBE-26") in rows
    assert not any("peece" in alias for alias, _sku in rows)
    md = trade(order("B04", 0, "3 mota roadking tube 26", ("TUBE-26", 3)))  # the count is the boxes: the word stays
    assert any("mota" in r[1] for r in learn_history_aliases(md) if r[0] == "B04")
    # a catalog that says "piece" somewhere: "peece" is spelled like it, but like a unit word too, so it still goes
    patch = Product(sku="PATCH", description="Puncture Patch Single Piece", uom="BOX", conversions={"PCS": Decimal(50)})
    md = MasterData(customers=CUSTOMERS, products=(*PRODUCTS, patch), history=(
        order("B04", 0, "30 peece roadking tube 26", ("TUBE-26", 3)),))
    assert [(r[1], r[2]) for r in learn_history_aliases(md) if r[0] == "B04"] == [("roadking tube 26", "TUBE-26")]


def test_a_line_that_fits_nothing_shipped_stays_unaligned() -> None:
    md = trade(order("B03", 0, "tringo bell 6 pcs\npayment 4500 done\nmota wala 26 2 box", ("BELL-CR", 6)))
    rows = learn_history_aliases(md)
    assert [(r[1], r[2]) for r in rows if r[0] == "B03"] == [("tringo bell", "BELL-CR")]


def test_a_trailing_measure_is_the_quantity_of_a_sku_sold_by_it_or_converting_from_it() -> None:
    md = trade(order("B04", 0, "lubro grease 5 kg\ntringo bell - 12\nsteelo balls 25 kg", ("GREASE", 5), ("BELL-CR", 12),
                     ("BALLS", 5)))
    rows = learn_history_aliases(md)
    assert ("B04", "lubro grease", "GREASE", 1) in rows
    assert ("B04", "steelo balls", "BALLS", 1) in rows  # as the match stage will read it: 25 KG of a 5 kg bag


def test_quantity_readings_find_a_measure_left_in_the_product_words() -> None:
    def readings(text: str) -> set[tuple[float, str | None, str, float]]:
        return {(r.qty, r.unit, r.rest, r.weight) for r in quantity_readings(Mention(text, None, None, text))}

    assert (500.0, "KG", "dap 50kgs", 1.0) in readings("dap 50kgs 500 kg")
    assert (150.0, "KG", "zsh 10kg", 1.0) in readings("150 kg zsh 10kg")
    assert (3.0, "PCS", "tyre", 1.0) in readings("tyre 3 nos")
    assert {(q, w) for q, u, _r, w in readings("chain hd 2 pcs, ref 1180") if u is None} == {(1180.0, 0.5)}


def test_a_name_many_customers_use_for_one_sku_becomes_global() -> None:
    history = [order(c, d, "swiftline chain 4 pcs", ("CHAIN-HD", 4)) for d, c in enumerate(("B01", "B02", "B03"))]
    history.append(order("B04", 5, "swiftline chain 2 pcs", ("CHAIN-HD", 2)))
    rows = learn_history_aliases(trade(*history))
    assert ("*", "swiftline chain", "CHAIN-HD", 4) in rows
    assert sum(1 for r in rows if r[0] != "*") == 4  # the customers keep their own rows too


def test_global_rule() -> None:
    opts = AliasOptions()

    def glob(per: dict[tuple[str, str, str], int]) -> set[tuple[str, str]]:
        return {(a, s) for _c, a, s, _n in global_aliases(Counter(per), opts)}

    # three customers, same name, same SKU: global
    assert glob({("B01", "chain", "CHAIN-HD"): 1, ("B02", "chain", "CHAIN-HD"): 2, ("B03", "chain", "CHAIN-HD"): 1}) == {
        ("chain", "CHAIN-HD")}
    # two of the two customers who use it (at least 30%): global; the order of words does not matter
    assert glob({("B01", "tube 26", "TUBE-26"): 1, ("B02", "26 tube", "TUBE-26"): 1}) == {("tube 26", "TUBE-26"),
                                                                                         ("26 tube", "TUBE-26")}
    # one customer is never everyone
    assert glob({("B01", "mota wala", "TUBE-26"): 9}) == set()
    # two customers, but seven who use the name: 2/7 < 30% and fewer than three: not global
    per = {("B01", "tube", "TUBE-26"): 1, ("B02", "tube", "TUBE-26"): 1}
    per.update({(f"C{i}", "tube", "TUBE-28"): 1 for i in range(5)})
    assert glob(per) == {("tube", "TUBE-28")}
    # as many customers mean one SKU as another: no global meaning
    assert glob({("B01", "tube", "TUBE-26"): 1, ("B02", "tube", "TUBE-26"): 1, ("B03", "tube", "TUBE-28"): 1,
                 ("B04", "tube", "TUBE-28"): 1}) == set()


def test_learning_is_deterministic_and_sorted() -> None:
    history = [order("B01", 0, "mota wala 26 - 20 pcs, tringo 2", ("TUBE-26", 2), ("BELL-CR", 2)),
               order("B02", 1, "tringo bell 5 pcs\nswiftline chain 3", ("BELL-CR", 5), ("CHAIN-HD", 3)),
               order("B03", 2, "tringo bell 1 pc", ("BELL-CR", 1))]
    first = learn_history_aliases(trade(*history))
    assert first == sorted(first)
    assert first == learn_history_aliases(trade(*reversed(history)))


def write_master_data(d: Path, md: MasterData) -> Path:
    """The tiny trade as a contract master-data folder."""
    d.mkdir(parents=True, exist_ok=True)
    (d / "customers.csv").write_text("customer_id,name,phones,emails,credit_limit,outstanding,currency,active\n" + "".join(
        f"{c.customer_id},{c.name},{c.phones[0]},,100000,0,INR,true\n" for c in md.customers), encoding="utf-8")
    (d / "products.csv").write_text("sku,description,uom,pack_size,moq,active,conversions\n" + "".join(
        f"{p.sku},{p.description},{p.uom},{p.pack_size},,true,{';'.join(f'{u}:{n}' for u, n in p.conversions.items())}\n"
        for p in md.products), encoding="utf-8")
    (d / "prices.csv").write_text("customer_id,sku,unit_price\n" + "".join(f"*,{p.sku},100\n" for p in md.products),
                                  encoding="utf-8")
    (d / "history.jsonl").write_text("".join(json.dumps(o.model_dump(mode="json")) + "\n" for o in md.history),
                                     encoding="utf-8")
    return d


def test_aliases_build_prints_the_time_split_coverage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history = [order("B01", d, "mota wala 26 - 20 pcs", ("TUBE-26", 2)) for d in (0, 20, 40, 70)]
    history.append(order("B01", 75, "chain hd 2 pcs", ("CHAIN-HD", 2)))
    d = write_master_data(tmp_path / "md", trade(*history))
    out = tmp_path / "aliases.csv"
    assert main(["aliases", "build", "--master-data", str(d), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "seed's definition" in printed and "50.0%" in printed  # 1 of the 2 lines of the last month was known
    assert "words the aliases teach" in printed
    assert "B01,mota wala 26,TUBE-26,4" in out.read_text(encoding="utf-8")
