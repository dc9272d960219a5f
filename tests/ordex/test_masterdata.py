"""Master data loads whole or not at all, and a bad file names its file, line and column."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from ordex.masterdata import MasterDataError, load_master_data


def test_a_good_directory_loads_everything(trade_dir: Path) -> None:
    md = load_master_data(trade_dir)
    assert len(md.customers) == 6 and len(md.products) == 9
    assert md.product("LED-9W") is not None and md.product("LED-9W").conversions == {"PCS": Decimal(10)}  # type: ignore[union-attr]
    assert md.customer("E200").phones == ("+911110000002", "+911110000022")  # type: ignore[union-attr]
    assert md.price("E100", "LED-9W") == Decimal(600) and md.price("E200", "LED-9W") == Decimal(650)
    assert md.price("E200", "SW-6A") is None
    assert len(md.history) == 1


def _break(trade_dir: Path, name: str, old: str, new: str) -> None:
    p = trade_dir / name
    p.write_text(p.read_text().replace(old, new, 1))


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        ("products.csv", "sku,description,uom", "code,description,uom", "products.csv, line 1: missing column(s) sku"),
        ("products.csv", "LED-12W,", "LED-9W,", "products.csv, line 3, column sku: duplicate 'LED-9W' (first on line 2)"),
        ("prices.csv", "*,MCB-16A,180", "*,MCB-99A,180", "prices.csv, line 4, column sku: unknown SKU 'MCB-99A'"),
        ("customers.csv", "+911110000003", "98110", "customers.csv, line 4, column phones"),
        ("customers.csv", "20000,19000,INR,true", "20000,19000,INR,maybe", "customers.csv, line 4, column active"),
        ("customers.csv", "500000,10000", "lots,10000", "customers.csv, line 2, column credit_limit"),
        ("products.csv", "PCS:10", "PCS:ten", "products.csv, line 2, column conversions"),
        ("aliases.csv", "E100,9 watt", "E999,9 watt", "aliases.csv, line 2, column customer_id: unknown customer 'E999'"),
        ("history.jsonl", '"customer_id": "E500"', '"customer_id": "E500",,', "history.jsonl, line 1, column"),
    ],
)
def test_a_bad_file_fails_the_whole_load_naming_where(trade_dir: Path, name: str, old: str, new: str, expected: str) -> None:
    _break(trade_dir, name, old, new)
    with pytest.raises(MasterDataError) as e:
        load_master_data(trade_dir)
    assert expected in str(e.value)


def test_a_missing_file_is_named(trade_dir: Path) -> None:
    (trade_dir / "prices.csv").unlink()
    with pytest.raises(MasterDataError, match="prices.csv: file is missing"):
        load_master_data(trade_dir)


def test_the_cli_reports_a_bad_file_without_a_traceback(trade_dir: Path, tmp_path: Path) -> None:
    _break(trade_dir, "products.csv", "LED-12W,", "LED-9W,")
    run = subprocess.run(
        [sys.executable, "-m", "ordex.cli", "load", "--master-data", str(trade_dir), "--db", f"sqlite:///{tmp_path}/x.db"],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 2
    assert "duplicate 'LED-9W'" in run.stderr
    assert "Traceback" not in run.stderr


def test_loading_the_same_master_data_again_reuses_what_its_history_taught(trade_dir: Path, tmp_path: Path) -> None:
    """A restart with the same folder does not load or align it again (start-up must not grow with the history);
    a changed folder is loaded."""
    from ordex.reload import reload_master_data
    from ordex.store import Store

    store = Store(f"sqlite:///{tmp_path / 'o.db'}")
    first = reload_master_data(store, load_master_data(trade_dir), "first")
    aliases = store.learned_aliases()
    again = reload_master_data(store, load_master_data(trade_dir), "again")
    assert (again["load_id"], again["unchanged"], first["unchanged"]) == (first["load_id"], True, False)
    assert store.learned_aliases() == aliases and aliases
    assert len(store.views.audit(event="master_data_loaded")) == 1
    (trade_dir / "prices.csv").write_text((trade_dir / "prices.csv").read_text().replace("TAPE-PVC,120", "TAPE-PVC,125"))
    changed = reload_master_data(store, load_master_data(trade_dir), "changed")
    assert changed["load_id"] != first["load_id"] and not changed["unchanged"]
