"""``ordex serve``: open the store and load the master data once, then become ``bentoml serve``.

Loading here rather than in each worker means a bad folder or store URL fails in a second with a
message (instead of a worker restarting forever), and a restarted worker does not start a new master
data load, which would reset the credit rule's "released since the load" sums.
The process then replaces itself with BentoML (``exec``), so Ctrl-C, SIGTERM from a supervisor and the
exit status reach the server directly, with no parent in between to forward or lose them.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from ordex.aliases import history_reader
from ordex.masterdata import load_master_data
from ordex.pipeline import load_tagger
from ordex.reload import reload_master_data
from ordex.settings import Settings, sqlite_path
from ordex.store import Store
from serving.server import METRICS_DIR_ENV
from serving.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[1]
SERVICE = "serving.service:Ordex"
MASTER_DATA_ENV = "ORDEX_MASTER_DATA"  # serving.service loads it when set (plain `bentoml serve`)


def absolute_db_url(url: str) -> str:
    """A SQLite URL with a relative path made absolute (the server runs in the project root)."""
    path = sqlite_path(url)
    return url if path is None or path.is_absolute() else f"sqlite:///{path.resolve()}"


def settings_env(settings: Settings) -> dict[str, str]:
    """The effective settings as ``ORDEX_*`` variables, paths absolute, so the server sees what we see.

    ``.env`` and relative paths are read against the caller's folder; the server runs elsewhere.
    """
    env: dict[str, str] = {}
    for name, value in settings.model_dump(mode="json").items():
        if value is None:
            continue  # unset stays unset (an empty variable would not read back as None)
        if name == "data_dir":
            value = str(Path(value).resolve())
        if name == "database_url" and value:
            value = absolute_db_url(value)
        env[f"ORDEX_{name.upper()}"] = value if isinstance(value, str) else json.dumps(value)
    return env


def effective_settings(db: str) -> ServiceSettings:
    """The settings from the environment and ``.env``, with ``--db`` winning over ``ORDEX_DATABASE_URL``."""
    settings = ServiceSettings()
    return settings.model_copy(update={"database_url": db}) if db else settings


# A worker processes one message at a time; native thread pools (OpenMP in the SKU ranker, BLAS) would only
# spin against each other and against the request threads, which stalled matching for seconds under load.
NATIVE_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def server_env(base: Mapping[str, str], settings: Settings) -> dict[str, str]:
    """The server's environment: ours plus the effective settings; the store already holds the master data."""
    env = {**base, **settings_env(settings), "BENTOML_DO_NOT_TRACK": "True"}
    for name in NATIVE_THREADS:
        env.setdefault(name, "1")
    env.pop(MASTER_DATA_ENV, None)
    return env


def prepare_store(settings: Settings, master_data: Path | None) -> None:
    """Migrate the store and load the master data folder into it; a store that cannot open is a ValueError."""
    md = load_master_data(master_data) if master_data is not None else None
    url = settings.store_url()
    try:
        store = Store(url)
    except (SQLAlchemyError, ImportError, OSError) as e:
        raise ValueError(f"cannot open the store {safe_url(url)}: {type(e).__name__}: {e}") from e
    try:
        if md is not None and master_data is not None:
            reload_master_data(store, md, str(master_data.resolve()), read=history_reader(load_tagger(settings)))
        elif store.master_data() is None:
            raise ValueError("the store holds no master data: pass --master-data DIR")
    finally:
        store.engine.dispose()


def safe_url(url: str) -> str:
    """The store URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparsable URL)"


def server_argv(host: str, port: int) -> list[str]:
    """The command line that starts the BentoML server (one worker, as the service declares)."""
    return [sys.executable, "-m", "serving.server", SERVICE, "--host", host, "--port", str(port)]


def metrics_dir(env: Mapping[str, str], settings: Settings, port: int) -> str:
    """This instance's Prometheus folder: ``ORDEX_METRICS_DIR`` when set, else ``<data dir>/metrics/<port>``
    (two instances on one host serve on two ports, so their counters never mix)."""
    return str(Path(env.get(METRICS_DIR_ENV) or settings.data_dir / "metrics" / str(port)).resolve())


def serve(master_data: Path | None, db: str, host: str, port: int) -> int:
    """Prepare the store, then exec the BentoML server; never returns (a failed exec raises OSError)."""
    settings = effective_settings(db).pinned()  # the champions looked up once, here, for the load and the workers
    prepare_store(settings, master_data)
    env = server_env(os.environ, settings)
    env[METRICS_DIR_ENV] = metrics_dir(os.environ, settings, port)
    argv = server_argv(host, port)
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(ROOT)
    os.execve(argv[0], argv, env)
