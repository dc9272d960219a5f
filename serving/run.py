"""``ordex serve``: check the master data, then become ``bentoml serve serving.service:Ordex``.

The process replaces itself with BentoML (``exec``), so Ctrl-C, SIGTERM from a supervisor and the exit
status reach the server directly, with no parent in between to forward or lose them.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from ordex.masterdata import load_master_data
from ordex.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SERVICE = "serving.service:Ordex"
MASTER_DATA_ENV = "ORDEX_MASTER_DATA"  # read by serving.service


def absolute_db_url(url: str) -> str:
    """A SQLite URL with a relative path made absolute (the server runs in the project root)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return url
    path = url[len(prefix):]
    if not path or path == ":memory:" or path.startswith("/"):
        return url
    return prefix + str(Path(path).resolve())


def settings_env(settings: Settings) -> dict[str, str]:
    """The effective settings as ``ORDEX_*`` variables, paths absolute, so the server sees what we see.

    ``.env`` and relative paths are read against the caller's folder; the server runs elsewhere.
    """
    env: dict[str, str] = {}
    for name, value in settings.model_dump(mode="json").items():
        if name == "data_dir":
            value = str(Path(value).resolve())
        if name == "database_url" and value:
            value = absolute_db_url(value)
        env[f"ORDEX_{name.upper()}"] = value if isinstance(value, str) else json.dumps(value)
    return env


def server_env(base: Mapping[str, str], master_data: Path | None, db: str) -> dict[str, str]:
    """The server's environment: ours, the effective settings, the master data folder and the store URL."""
    settings = Settings()
    if db:
        settings = settings.model_copy(update={"database_url": db})
    env = {**base, **settings_env(settings), "BENTOML_DO_NOT_TRACK": "True"}
    if master_data is not None:
        env[MASTER_DATA_ENV] = str(master_data.resolve())
    else:
        env.pop(MASTER_DATA_ENV, None)
    return env


def server_argv(host: str, port: int) -> list[str]:
    """The command line that starts the BentoML server (one worker, as the service declares)."""
    return [sys.executable, "-m", "bentoml", "serve", SERVICE, "--host", host, "--port", str(port)]


def serve(master_data: Path | None, db: str, host: str, port: int) -> int:
    """Validate the master data here (a bad file fails in a second, not in a worker), then exec the server.

    Returns only if the exec fails, which raises ``OSError`` instead.
    """
    if master_data is not None:
        load_master_data(master_data)
    env = server_env(os.environ, master_data, db)
    argv = server_argv(host, port)
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(ROOT)
    os.execve(argv[0], argv, env)
