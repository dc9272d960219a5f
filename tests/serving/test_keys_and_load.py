"""``ordex keys`` and ``ordex load``: keys printed once and stored hashed; a reload is atomic, audited with what
changed, noticed by running engines, and leaves open exceptions and learned aliases alone.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from support import PRICES, msg, write_trade

from ordex.cli import main
from ordex.keys import Authenticator, hash_key
from ordex.pipeline import Engine
from ordex.settings import Settings
from ordex.store import Store

ORDEX = Path(sys.executable).with_name("ordex")


def test_keys_create_prints_the_key_once_as_the_last_line_and_stores_its_hash(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    done = subprocess.run([str(ORDEX), "keys", "create", "--role", "ops", "--name", "asha", "--db", url, "--new-store"],
                          capture_output=True, text=True, timeout=120, check=True)
    output = (done.stderr + done.stdout).strip().splitlines()
    key = output[-1]
    assert key.startswith("ordex_") and done.stdout.count(key) == 1
    store = Store(url)
    principal = Authenticator(store).check(key)
    assert principal is not None and (principal.name, principal.role) == ("asha", "ops")
    assert [k.key_hash for k in store.keys.all()] == [hash_key(key)]
    assert Authenticator(store).check(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert store.views.audit(event="key_created")[0]["detail"] == {"key_id": 1, "name": "asha", "role": "ops"}
    store.engine.dispose()


def test_a_saved_key_is_private_and_made_only_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    path = tmp_path / "var" / "admin.key"
    assert main(["keys", "create", "--role", "admin", "--name", "local", "--db", url, "--save", str(path),
                 "--if-missing", "--new-store"]) == 0
    key = path.read_text().strip()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and key not in capsys.readouterr().out
    assert main(["keys", "create", "--role", "admin", "--name", "local", "--db", url, "--save", str(path),
                 "--if-missing"]) == 0
    assert path.read_text().strip() == key
    assert main(["keys", "create", "--role", "admin", "--name", "x", "--db", url, "--save", str(path)]) == 2
    other = f"sqlite:///{tmp_path / 'other.db'}"  # a fresh store: the saved key means nothing there
    assert main(["keys", "create", "--role", "admin", "--name", "local", "--db", other, "--save", str(path),
                 "--if-missing", "--new-store"]) == 0
    assert path.read_text().strip() != key and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert main(["keys", "list", "--db", url]) == 0
    assert "admin\tlocal" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["keys", "create", "--role", "root", "--name", "x", "--db", url])


def test_a_typo_in_the_store_path_makes_no_new_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    typo = tmp_path / "vra" / "ordex.db"
    for argv in (["keys", "create", "--role", "ops", "--name", "x", "--db", f"sqlite:///{typo}"],
                 ["keys", "list", "--db", f"sqlite:///{typo}"],
                 ["resolve", "1", "--action", "approve", "--db", f"sqlite:///{typo}"]):
        assert main(argv) == 2
        assert f"there is no store at {typo} (a typo?)" in capsys.readouterr().err.replace("\n", "")
    assert not typo.exists() and not typo.parent.exists()


def test_an_unreachable_store_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "list", "--db", "postgresql://nobody@127.0.0.1:1/ordex"]) == 2
    said = capsys.readouterr().err
    assert "store error:" in said and "Traceback" not in said and len(said.strip().splitlines()) <= 3


def test_ordex_load_reloads_atomically_and_running_engines_notice(tmp_path: Path, trade_dir: Path) -> None:
    url = f"sqlite:///{tmp_path / 'o.db'}"
    engine = Engine.open(Settings(data_dir=tmp_path / "var", database_url=url, extractor="rules", matcher="rules"),
                         trade_dir)
    held = engine.submit(msg("modular switch 6a 1 box"))
    assert held.status == "exception"
    engine.store.add_learned_aliases([("E100", "sparky", "MCB-32A", 1)], source="correction")
    newer = write_trade(tmp_path / "md2")
    (newer / "prices.csv").write_text(PRICES + "*,SW-6A,310\n")
    (newer / "history.jsonl").unlink()
    assert main(["load", "--master-data", str(newer), "--db", url]) == 0
    event = engine.store.views.audit(event="master_data_loaded")[-1]
    assert event["detail"]["changes"]["prices"]["added_keys"] == [["*", "SW-6A"]]
    assert event["detail"]["changes"]["customers"] == {"added": 0, "removed": 0, "changed": 0, "added_keys": [],
                                                       "removed_keys": [], "changed_keys": []}
    assert engine.sync() and engine.load_id == event["detail"]["load_id"]
    assert engine.submit(msg("modular switch 6a 1 box", sender="+911110000005")).status == "auto"
    assert ("E100", "sparky", "MCB-32A", 1) in engine.store.learned_aliases()
    assert any(a[3] and a[0] == "E500" for a in engine.store.learned_aliases())  # history aliases kept too
    view = engine.store.views.exception(held.exception_ids[0])
    assert view is not None and view["state"] == "open"
    assert not engine.sync()  # nothing moved since
    engine.store.engine.dispose()
