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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--regen-golden", action="store_true", default=False,
                     help="write the golden files' expected outputs from what the code answers now (then review the diff)")


@pytest.fixture(scope="session")
def regen_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-golden"))


@pytest.fixture(scope="session")
def champions() -> Settings:
    """Settings naming the models ``make models`` built (the MLflow champions the service loads), checked against
    their checksums; a test that reads with the default extractor fails here, naming the command, without them."""
    from models.artifacts import ArtifactMissing, find_ranker, find_tagger

    src = Settings(data_dir=Path(__file__).resolve().parents[1] / "var").model_source()
    try:
        tagger = find_tagger(src)
    except ArtifactMissing as e:
        pytest.fail(f"the default extractor needs the trained tagger: run `make models` ({e})")
    ranker = find_ranker(src)
    return Settings(pinned_tagger=tagger.path, pinned_ranker=ranker.path if ranker else None)
