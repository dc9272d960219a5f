"""The matcher benchmark's catalogs are deterministic and realistic enough, and a tiny run completes."""

from __future__ import annotations

from evaluation.bench_matcher import bench_size, build_catalog, mentions


def test_catalogs_are_deterministic_and_distinct() -> None:
    a, b = build_catalog(300, 20, seed=1), build_catalog(300, 20, seed=1)
    assert [p.sku for p in a.products] == [p.sku for p in b.products]
    assert len({p.sku for p in a.products}) == 300 and len({p.description for p in a.products}) == 300
    assert len(a.aliases) == 20 * 5
    lines = mentions(a, 50)
    assert len(lines) == 50 and lines == mentions(b, 50)
    assert {sku for _m, _c, sku in lines} <= {p.sku for p in a.products}


def test_a_tiny_bench_runs() -> None:
    r = bench_size(200, 30, 40, budget_s=5.0)
    assert r.skus == 200 and 0 < r.lines <= 40
    assert 0 < r.p50_ms <= r.p95_ms <= r.max_ms
