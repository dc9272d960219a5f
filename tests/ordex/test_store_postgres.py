"""The same pipeline on PostgreSQL: migrations, the running credit check and duplicates on a real server.

CI (.ci/run) starts a throwaway PostgreSQL server and sets ORDEX_TEST_DATABASE_URL; without it the test is skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from support import codes, lines_of, msg

from ordex.pipeline import Engine
from ordex.settings import Settings

URL = os.environ.get("ORDEX_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not URL, reason="ORDEX_TEST_DATABASE_URL is not set (CI sets it)")


def _with_db(url: str, db: str) -> str:
    base, _, query = url.partition("?")
    return base.rsplit("/", 1)[0] + "/" + db + (("?" + query) if query else "")


@pytest.fixture
def pg_engine(tmp_path: Path, trade_dir: Path) -> Iterator[Engine]:
    """An engine on a fresh PostgreSQL database, dropped afterwards."""
    db = f"ordex_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{db}"'))
    e = Engine.open(Settings(data_dir=tmp_path, database_url=_with_db(URL, db)), trade_dir)
    try:
        yield e
    finally:
        e.store.engine.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE "{db}"'))
        admin.dispose()


def test_orders_credit_and_duplicates_on_postgresql(pg_engine: Engine) -> None:
    first = pg_engine.submit(msg("copper wire 2.5 sqmm 20 roll", sender="+911110000005", at="2026-11-02T09:00:00+05:30"))
    assert first.status == "auto"
    assert lines_of(first) == [("E500", "WIRE-2.5", 20, "ROLL")]
    again = pg_engine.submit(msg("copper wire 2.5 sqmm 20 roll", sender="+911110000005", at="2026-11-02T18:00:00+05:30"))
    assert codes(again) == {"DUPLICATE_ORDER", "CREDIT_LIMIT"}
    assert pg_engine.store.audit_events(first.message_id)[0]["event"] == "received"
