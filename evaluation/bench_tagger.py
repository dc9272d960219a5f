"""``make bench`` part: the token classifier's latency on a 64-token message, int8 ONNX beside fp32 ONNX and torch.

usage: python -m evaluation.bench_tagger   (uses the MLflow champion; says how to build one when there is none)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from models.artifacts import ArtifactMissing
from models.tagger import TokenTagger
from ordex.settings import Settings

TEXT = ("bhai please send 24 ctn brake pads comet 220, 10 nos wiper blade 18 inch, 5 box spark plug "
        "and 2 dozen engine oil 1 L by tomorrow evening, rate as last time, also 3 sets clutch plates vega 110 "
        "and 12 pcs air filter nova 125 please, send bill with goods, thanks")


def _timed(fn: Callable[[], object], n: int = 200) -> tuple[float, float]:
    for _ in range(10):
        fn()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * len(times)) - 1]


def main() -> int:
    from ordex.pipeline import load_tagger

    try:
        tagger = load_tagger(Settings(extractor="tagger", tagger_threads=1))
    except ArtifactMissing as e:
        print(f"no tagger to bench: {e}", file=sys.stderr)
        return 0
    assert tagger is not None
    tagger.warm_up()
    n_tokens = len(tagger._tokenizer.encode(TEXT).ids)
    rows: list[tuple[str, float, float]] = [("int8 ONNX (served)", *_timed(lambda: tagger.spans([TEXT])))]
    hf = tagger.model_dir / "hf"
    if hf.is_dir():
        import torch
        from transformers import AutoModelForTokenClassification, AutoTokenizer

        from training.tagger import export_onnx, split_digits

        torch.set_num_threads(1)
        model = AutoModelForTokenClassification.from_pretrained(hf).eval()
        tok = split_digits(AutoTokenizer.from_pretrained(hf))
        with tempfile.TemporaryDirectory() as tmp:
            export_onnx(model, tok, Path(tmp))
            fp32 = TokenTagger(Path(tmp), threads=1, model_file="model_fp32.onnx")
            fp32.warm_up()
            rows.append(("fp32 ONNX", *_timed(lambda: fp32.spans([TEXT]))))
        enc = tok([TEXT], return_tensors="pt")

        def run_torch() -> object:
            with torch.no_grad():
                return model(**enc).logits.numpy()

        rows.append(("torch fp32", *_timed(run_torch, 100)))
    table = Table(title=f"tagger latency, one {n_tokens}-token message, 1 thread (ms)")
    for col in ("model", "p50", "p95"):
        table.add_column(col)
    for name, p50, p95 in rows:
        table.add_row(name, f"{p50:.2f}", f"{p95:.2f}")
    Console().print(table)
    np.set_printoptions()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
