"""``ordex serve``'s preparation: settings carried to the server, store URLs, the store loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from ordex.settings import Settings
from ordex.store import Store
from serving.run import (
    MASTER_DATA_ENV,
    absolute_db_url,
    metrics_dir,
    prepare_store,
    server_argv,
    server_env,
    settings_env,
)


def test_relative_sqlite_paths_become_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert absolute_db_url("sqlite:///x/o.db") == f"sqlite:///{tmp_path / 'x' / 'o.db'}"
    for url in ("sqlite:////abs/o.db", "sqlite:///:memory:", "postgresql://u:p@h/db"):
        assert absolute_db_url(url) == url


def test_the_server_sees_the_same_settings_wherever_it_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ours = Settings(data_dir=Path("rel"), whatsapp_app_secret="s", sku_threshold=0.7, ocr_threads=1)
    env = settings_env(ours)
    assert env["ORDEX_DATA_DIR"] == str(tmp_path / "rel") and env["ORDEX_SKU_THRESHOLD"] == "0.7"
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir("/")
    assert Settings() == ours.model_copy(update={"data_dir": tmp_path / "rel"})


def test_server_env_drops_a_stale_master_data_folder_and_tracking(tmp_path: Path) -> None:
    env = server_env({MASTER_DATA_ENV: "/old", "PATH": "/bin"}, Settings(data_dir=tmp_path))
    assert MASTER_DATA_ENV not in env and env["PATH"] == "/bin" and env["BENTOML_DO_NOT_TRACK"] == "True"
    assert server_argv("0.0.0.0", 8080)[1:] == ["-m", "serving.server", "serving.service:Ordex",
                                                "--host", "0.0.0.0", "--port", "8080"]


def test_each_instance_has_its_own_metrics_folder(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert metrics_dir({}, settings, 3000) == str(tmp_path / "metrics" / "3000")
    assert metrics_dir({}, settings, 3001) != metrics_dir({}, settings, 3000)
    assert metrics_dir({"ORDEX_METRICS_DIR": str(tmp_path / "m")}, settings, 3000) == str(tmp_path / "m")


def test_prepare_store_loads_the_master_data_once(tmp_path: Path, trade_dir: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="")
    prepare_store(settings, trade_dir)
    store = Store(settings.store_url())
    current = store.master_data()
    assert current is not None and current[1].customers
    prepare_store(settings, None)  # serving what is already loaded is fine
    assert store.master_data() is not None and store.master_data()[0] == current[0]  # type: ignore[index]
    store.engine.dispose()


def test_prepare_store_refuses_an_empty_store_and_an_unopenable_one(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no master data"):
        prepare_store(Settings(data_dir=tmp_path, database_url=""), None)
    (tmp_path / "a-file").write_text("")
    with pytest.raises(ValueError, match="cannot open the store sqlite:///.*a-file/x.db"):
        prepare_store(Settings(database_url=f"sqlite:///{tmp_path}/a-file/x.db"), None)
