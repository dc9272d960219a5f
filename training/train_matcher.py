"""``ordex train matcher``: the SKU ranker, trained on mentions of invented trades and people's corrections,
calibrated, scored on a trade it never saw, logged to MLflow, promoted only if not worse.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.matcher import SkuMatcher
from models.ranker import FEATURES, Ranker, StaleRanker
from ordex.aliases import build_matcher, learn_history_aliases
from ordex.catalog import MasterData
from ordex.settings import Settings
from ordex.store import Store
from training.tracking import LoggedModel, log_and_register

TRAIN_TRADES = ("fmcg", "electrical", "hardware", "pharmacy", "foodservice", "paints", "agri", "quickservice")
CALIBRATION_TRADE = "autoparts"
HOLDOUT_TRADE = "stationery"
GATE = "top1_accuracy_answered"


@dataclass(frozen=True)
class Mention:
    """A product mention of a customer, with the SKU it means (None: not in the catalog)."""

    text: str
    customer_id: str
    sku: str | None


def matcher_for(md: MasterData, ranker: Ranker | None = None) -> SkuMatcher:
    """A matcher as the pipeline builds it at go-live: catalog, aliases, history aliases and habits."""
    return build_matcher(md, learn_history_aliases(md), ranker)


def trade_mentions(trade: str, seed: int, n: int) -> tuple[MasterData, list[Mention]]:
    """Mentions of generated messages of one invented trade, with their gold SKUs."""
    from training.synth.generator import generate_messages, generate_trade

    td = generate_trade(trade, seed)
    out = []
    for ex in generate_messages(td, n, seed):
        for order in ex.orders:
            for ln in order.lines:
                if ln.mention and order.customer_id:
                    out.append(Mention(ln.mention, order.customer_id, ln.sku))
    return td.master_data(), out


def rows(matcher: SkuMatcher, mentions: Sequence[Mention]) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows of every candidate of every mention, labelled 1 where the candidate is the gold SKU."""
    xs: list[np.ndarray] = []
    ys: list[float] = []
    for m in mentions:
        parsed = matcher.parse(m.text)
        if (not parsed.words and not parsed.sizes) or matcher.by_code(m.text) is not None:
            continue  # a SKU code is looked up, never ranked
        scores = matcher._scores(parsed, [m.customer_id])
        if not scores:
            continue
        skus, feats = matcher.features(m.text, parsed, [m.customer_id], scores)
        xs.append(feats)
        ys.extend(float(s == m.sku) for s in skus)
    return np.vstack(xs), np.asarray(ys)


def evaluate(matcher: SkuMatcher, mentions: Sequence[Mention], threshold: float) -> dict[str, float]:
    """Top-1 accuracy where the matcher answers, abstention, expected calibration error (10 bins), top-1 overall."""
    answered = correct = right_overall = 0
    probs, hits = [], []
    for m in mentions:
        cands = matcher.match(m.text, [m.customer_id])
        top = cands[0] if cands else None
        p = top.probability if top else 0.0
        ok = top is not None and top.sku == m.sku
        probs.append(p)
        hits.append(float(ok))
        right_overall += ok
        if p >= threshold:
            answered += 1
            correct += ok
    probs_a, hits_a = np.asarray(probs), np.asarray(hits)
    ece = 0.0
    for lo in np.linspace(0, 1, 11)[:-1]:
        sel = (probs_a >= lo) & (probs_a < lo + 0.1 + (1e-9 if lo >= 0.9 else 0))
        if sel.any():
            ece += sel.mean() * abs(probs_a[sel].mean() - hits_a[sel].mean())
    n = max(1, len(mentions))
    return {"top1_accuracy_answered": correct / max(1, answered), "abstention": 1 - answered / n,
            "ece": float(ece), "top1_accuracy": right_overall / n, "mentions": float(len(mentions))}


def extract_one_top1(md: MasterData, mentions: Sequence[Mention]) -> float:
    """The baseline: ``rapidfuzz.process.extractOne`` over descriptions, never abstaining."""
    from rapidfuzz import process

    names = {p.sku: p.description for p in md.products}
    hits = sum(1 for m in mentions if (best := process.extractOne(m.text, names)) is not None and best[2] == m.sku)
    return hits / max(1, len(mentions))


def fit(x: np.ndarray, y: np.ndarray, xc: np.ndarray, yc: np.ndarray, seed: int) -> Any:
    """Gradient boosting on the candidates, then isotonic calibration on another trade's candidates."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.frozen import FrozenEstimator

    base = HistGradientBoostingClassifier(max_iter=250, learning_rate=0.08, max_leaf_nodes=31, random_state=seed)
    base.fit(x, y)
    return CalibratedClassifierCV(FrozenEstimator(base), method="isotonic").fit(xc, yc)


def correction_mentions(store: Store) -> list[Mention]:
    """What people corrected: (customer, phrase, sku) — the strongest supervision there is."""
    out = []
    for c, _lines in store.corrections():
        text = c.get("product") or c.get("text") or ""
        if text and c.get("customer_id"):
            out.append(Mention(text, c["customer_id"], c.get("sku")))
    return out


def train_matcher(settings: Settings, store: Store | None = None, *, seed: int = 13, per_trade: int = 250,
                  threshold: float | None = None) -> LoggedModel:
    """Train, calibrate and score the ranker; log the run and register ``ordex-matcher``."""
    random.seed(seed)
    np.random.seed(seed)
    threshold = settings.sku_threshold if threshold is None else threshold
    xs, ys = [], []
    for trade in TRAIN_TRADES:
        md, mentions = trade_mentions(trade, seed, per_trade)
        x, y = rows(matcher_for(md), mentions)
        xs.append(x)
        ys.append(y)
    corrections = correction_mentions(store) if store is not None else []
    if corrections and store is not None:
        current = store.master_data()
        if current is not None:
            x, y = rows(matcher_for(current[1]), corrections * 3)
            xs.append(x)
            ys.append(y)
    cal_md, cal = trade_mentions(CALIBRATION_TRADE, seed + 1, per_trade)
    xc, yc = rows(matcher_for(cal_md), cal)
    model = fit(np.vstack(xs), np.concatenate(ys), xc, yc, seed)
    ranker = Ranker(model)
    hold_md, held = trade_mentions(HOLDOUT_TRADE, seed + 2, per_trade)
    metrics = evaluate(matcher_for(hold_md, ranker), held, threshold)
    baseline = evaluate(matcher_for(hold_md), held, threshold)
    metrics.update({f"rules_{k}": v for k, v in baseline.items()})
    metrics["rapidfuzz_extractone_top1"] = extract_one_top1(hold_md, held)
    params = {"seed": seed, "per_trade": per_trade, "train_trades": ",".join(TRAIN_TRADES), "threshold": threshold,
              "calibration_trade": CALIBRATION_TRADE, "holdout_trade": HOLDOUT_TRADE, "features": ",".join(FEATURES),
              "model": "HistGradientBoosting + isotonic", "corrections": len(corrections)}
    with tempfile.TemporaryDirectory(prefix="ordex-matcher-") as tmp:
        out = Path(tmp) / "model"
        ranker.save(out / "ranker.joblib")
        return log_and_register(settings, "ordex-matcher", params, metrics, out, GATE,
                                tags={"kind": "corrections" if corrections else "generic"},
                                baseline=champion_top1(settings, hold_md, held, threshold))


def champion_top1(settings: Settings, hold_md: MasterData, held: list[Mention], threshold: float) -> float | None:
    """The champion ranker's ``GATE`` figure on this very held-out set (None without a champion): the held-out
    mentions change with the generator, so a figure logged in its day is no yardstick. A champion fitted on other
    features is none."""
    from models.artifacts import find_ranker

    found = find_ranker(settings.model_source())
    if found is None:
        return None
    try:
        champion = Ranker.load(found.path, found.version)
    except StaleRanker:
        return None  # fitted on other features: it cannot run beside this code, any new ranker replaces it
    return float(evaluate(matcher_for(hold_md, champion), held, threshold)[GATE])
