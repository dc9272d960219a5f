"""Shared fixtures: master data of an invented trade, real engines on fresh SQLite stores, the OCR engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support import write_trade

from ordex.pipeline import Engine
from ordex.settings import Settings


@pytest.fixture
def trade_dir(tmp_path: Path) -> Path:
    return write_trade(tmp_path / "md")


@pytest.fixture(scope="session")
def ocr():  # type: ignore[no-untyped-def]
    """The real OCR engine, loaded once per test session."""
    from models.ocr import OcrEngine

    engine = OcrEngine()
    engine.warm_up()
    return engine


@pytest.fixture
def engine(tmp_path: Path, trade_dir: Path) -> Iterator[Engine]:
    """A real engine on a fresh SQLite store loaded with the invented trade."""
    settings = Settings(data_dir=tmp_path / "var", database_url="", extractor="rules", matcher="rules")
    e = Engine.open(settings, trade_dir)
    yield e
    e.store.engine.dispose()


@pytest.fixture
def ocr_engine(tmp_path: Path, trade_dir: Path, ocr) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """As ``engine``, with the session's OCR engine."""
    e = Engine.open(Settings(data_dir=tmp_path / "var", extractor="rules", matcher="rules"), trade_dir, ocr=ocr)
    yield e
    e.store.engine.dispose()




@pytest.fixture(params=["sqlite", "postgresql"])
def backend_engine(request: pytest.FixtureRequest, tmp_path: Path, trade_dir: Path, ocr) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A real engine on a fresh store of each backend (PostgreSQL only when ORDEX_TEST_DATABASE_URL is set)."""
    from support_serving import PG_URL, fresh_database

    settings = Settings(data_dir=tmp_path / "var", database_url="", extractor="rules", matcher="rules")
    if request.param == "sqlite":
        e = Engine.open(settings, trade_dir, ocr=ocr)
        yield e
        e.store.engine.dispose()
        return
    if not PG_URL:
        pytest.skip("ORDEX_TEST_DATABASE_URL is not set (CI sets it)")
    with fresh_database() as url:
        e = Engine.open(settings.model_copy(update={"database_url": url}), trade_dir, ocr=ocr)
        yield e
        e.store.engine.dispose()
