"""``python -m training.train_gate``: the release gate, fitted on the training generator's held-out trade (never on
the strangers' sets, which judge it), its threshold set for a target precision on the curve of two halves of that
trade's seeds each scored by a gate fitted on the other (cross-fitting), the final gate fitted on both, the
precision/STP curve logged to MLflow, the gate written to ``models/release_gate.json``.

Every message no rule held is an example: each of its lines (its signals, and whether it is right as the contract
scores lines) for the line model, the message (what it left outside its lines, and whether no line was missed) for
the completeness model, and whether the whole message is right (the contract's auto-precision test) for the
threshold. The tagger and ranker never saw this trade; some seeds carry photos read by OCR.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import track

from models.gate import (
    DIRECTIONS,
    GATE_FILE,
    LINE_FEATURES,
    MIN_SIGN,
    ORDER_FEATURES,
    ORDER_SIGNS,
    Logistic,
    ReleaseGate,
    capped,
    choose_threshold,
    once_per_order,
    order_features,
)
from ordex.batch import read_cases
from ordex.messages import message_from_case
from ordex.pipeline import Engine
from ordex.prediction import summed_lines
from ordex.schema import Case
from ordex.settings import Settings
from ordex.stages.gate import GateStage
from training.tagger_data import HOLDOUT_TRADE
from training.tracking import run_name

FIT_SEEDS = (201, 202, 203, 206, 207, 208, 211, 212, 213, 214)
THRESHOLD_SEEDS = (204, 205, 209, 210, 215, 216)
IMAGE_SEEDS = frozenset({203, 208, 209, 213, 216})  # photos read by OCR among the messages of these


@dataclass(frozen=True)
class Examples:
    """The messages no rule held: per line, its features and whether it is right; per message, the completeness
    features, whether no line was missed, and whether the whole message is right; ``owner`` maps lines to messages."""

    line_x: np.ndarray
    line_y: np.ndarray
    owner: np.ndarray
    order_x: np.ndarray
    complete_y: np.ndarray
    right_y: np.ndarray
    count_x: np.ndarray  # the lines' features as the message's probability counts them (``once_per_order``)

    @classmethod
    def empty(cls) -> Examples:
        return cls(np.zeros((0, len(LINE_FEATURES))), np.zeros(0), np.zeros(0, dtype=np.int64),
                   np.zeros((0, len(ORDER_FEATURES))), np.zeros(0), np.zeros(0), np.zeros((0, len(LINE_FEATURES))))

    def __add__(self, other: Examples) -> Examples:
        return Examples(np.concatenate([self.line_x, other.line_x]), np.concatenate([self.line_y, other.line_y]),
                        np.concatenate([self.owner, other.owner + len(self.right_y)]),
                        np.concatenate([self.order_x, other.order_x]), np.concatenate([self.complete_y, other.complete_y]),
                        np.concatenate([self.right_y, other.right_y]), np.concatenate([self.count_x, other.count_x]))

    def save(self, path: Path) -> None:
        np.savez(path, **{k: getattr(self, k) for k in self.__dataclass_fields__})

    @classmethod
    def load(cls, path: Path) -> Examples:
        data = np.load(path)
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


def labels(gold_orders: list[dict[str, Any]], got_orders: list[dict[str, Any]], gold_codes: list[str],
           got_lines: list[tuple[str | None, str | None, str | None]]) -> tuple[list[float], float, float]:
    """(each predicted line right?, no line missed?, the whole message right?) as the contract scores lines: a
    line is right when its customer, SKU and unit sum to the gold quantity; a line is missed when no predicted
    line has its SKU and unit (a wrong customer is the lines' error, not a missed line). A gold code on a message
    whose lines are all right (a repeat, a customer to confirm) counts against completeness."""
    gold, got = summed_lines(gold_orders), summed_lines(got_orders)
    gold_keys: dict[tuple[Any, Any, Any], Any] = {(c, s, u): q for c, s, q, u in gold}
    got_keys: dict[tuple[Any, Any, Any], Any] = {(c, s, u): q for c, s, q, u in got}
    line_ok = [float((c, s, (u or "").upper()) in gold_keys and
                     gold_keys[(c, s, (u or "").upper())] == got_keys.get((c, s, (u or "").upper())))
               for c, s, u in got_lines]
    missed = bool({(s, u) for _c, s, u in gold_keys} - {(s, u) for _c, s, u in got_keys})  # a customer misread is the lines' fault
    complete = not missed and (not gold_codes or not all(line_ok))
    return line_ok, float(complete), float(gold == got and not gold_codes)


def examples(folder: Path, settings: Settings) -> Examples:
    """Every case of a contract folder through the pipeline with the gate off; rows for those it would release."""
    settings = settings.model_copy(update={"release_gate": False})
    cases = read_cases(folder / "cases.jsonl")
    line_x: list[list[float]] = []
    count_x: list[list[float]] = []
    line_y: list[float] = []
    owner: list[int] = []
    order_x: list[list[float]] = []
    complete_y: list[float] = []
    right_y: list[float] = []
    with tempfile.TemporaryDirectory(prefix="ordex-gate-") as tmp:
        engine = Engine.open(settings.model_copy(update={"database_url": f"sqlite:///{Path(tmp) / 'gate.db'}"}), folder)
        engine.warm_up()
        gate = next(s for s in engine.stages if isinstance(s, GateStage))
        seen: list[Case] = []
        for raw in track(cases, description=f"gate examples {folder.name}", transient=True):
            answer = engine.submit(message_from_case(raw, folder), observe=seen.append)
            if answer.status != "auto" or not seen:
                continue
            case = seen[-1]
            lines, left = gate.parts(case)
            got_lines = [(case.sections[ln.section].customer_id, ln.sku, ln.uom) for ln in case.lines]
            ok, complete, right = labels(raw["expected"]["orders"], [o.model_dump() for o in answer.orders],
                                         raw["expected"]["exceptions"], got_lines)
            for s, counted, y in zip(lines, once_per_order(lines), ok, strict=True):
                f, c = s.features(), counted.features()
                line_x.append([f[k] for k in LINE_FEATURES])
                count_x.append([c[k] for k in LINE_FEATURES])
                line_y.append(y)
                owner.append(len(right_y))
            o = order_features(lines, left)
            order_x.append([o[k] for k in ORDER_FEATURES])
            complete_y.append(complete)
            right_y.append(right)
        engine.store.engine.dispose()
    return Examples(np.asarray(line_x).reshape(-1, len(LINE_FEATURES)), np.asarray(line_y),
                    np.asarray(owner, dtype=np.int64), np.asarray(order_x).reshape(-1, len(ORDER_FEATURES)),
                    np.asarray(complete_y), np.asarray(right_y), np.asarray(count_x).reshape(-1, len(LINE_FEATURES)))


def trade_examples(seeds: Sequence[int], n: int, settings: Settings, out: Path) -> Examples:
    """Examples from the held-out trade written with each seed."""
    from training.synth.writer import write_trade

    got = Examples.empty()
    for seed in seeds:
        folder = out / f"{HOLDOUT_TRADE}-{seed}"
        write_trade(HOLDOUT_TRADE, seed, n, folder, images=seed in IMAGE_SEEDS)
        if seed % 2:
            go_live_early(folder)
        got = got + examples(folder, settings)
    return got


def go_live_early(folder: Path, keep: int = 3) -> None:
    """The distributor as it is at an early go-live: each customer's last ``keep`` past orders, no alias list
    (half the seeds, so the gate learns what a short history says, not only what six months say)."""
    path = folder / "history.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    last: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: r["received_at"]):
        last.setdefault(row["customer_id"], []).append(row)
    kept = sorted((r for rs in last.values() for r in rs[-keep:]), key=lambda r: r["received_at"])
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept), encoding="utf-8")
    aliases = folder / "aliases.csv"
    aliases.write_text(aliases.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


def message_probabilities(gate: ReleaseGate, ex: Examples) -> np.ndarray:
    """P(message right) of every message of ``ex``: its completeness (capped by the warning signs it shows) times
    its lines' probabilities, as ``ReleaseGate.probability`` counts them (``Examples.count_x``)."""
    p = np.asarray([capped(gate.order.probability(f := dict(zip(ORDER_FEATURES, row, strict=True))), f, ORDER_SIGNS,
                           gate.caps) for row in ex.order_x])
    for k, row in enumerate(ex.count_x):
        p[ex.owner[k]] *= gate.line.probability(dict(zip(LINE_FEATURES, row, strict=True)))
    return p


def sign_caps(ex: Examples) -> dict[str, float]:
    """Each warning sign's measured precision: the share of the messages showing it that were right (Laplace
    smoothed). A sign seen on fewer than ``MIN_SIGN`` messages caps at 0: a release must rest on a measured
    precision, and nothing measured how often messages showing it are right."""
    shown = {k: ex.order_x[:, ORDER_FEATURES.index(k)] > 0 for k in ORDER_SIGNS}
    return {k: round(float((ex.right_y[m].sum() + 1) / (m.sum() + 2)), 4) if m.sum() >= MIN_SIGN else 0.0
            for k, m in shown.items()}


def curve(p: np.ndarray, y: np.ndarray) -> list[tuple[float, float, float, int]]:
    """(threshold, precision of what it releases, share of right messages it keeps, how many it releases), for
    every distinct probability, from the highest down."""
    order = np.argsort(-p)
    ps, ys = p[order], y[order]
    right = max(1.0, float(y.sum()))
    out = []
    for k in range(len(ps)):
        if k + 1 < len(ps) and ps[k + 1] == ps[k]:
            continue
        kept = ys[: k + 1]
        out.append((float(ps[k]), float(kept.mean()), float(kept.sum()) / right, k + 1))
    return out


def fit(x: np.ndarray, y: np.ndarray, names: Sequence[str], C: float) -> Logistic:
    """A logistic regression over the standardised features, L2-penalised (``C``), each weight kept to its
    feature's known direction (``DIRECTIONS``; L-BFGS-B with bounds). All one class: its log-odds alone."""
    from scipy.optimize import minimize

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    if len(set(y.tolist())) < 2:
        rate = (y.sum() + 1) / (len(y) + 2)
        return Logistic(dict.fromkeys(names, 0.0), float(np.log(rate / (1 - rate))), dict(zip(names, map(float, mean), strict=True)),
                        dict(zip(names, map(float, scale), strict=True)))
    z = (x - mean) / scale

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        t = z @ w[1:] + w[0]
        g = 1.0 / (1.0 + np.exp(-t)) - y
        value = float((np.logaddexp(0.0, t) - y * t).sum() + 0.5 / C * (w[1:] ** 2).sum())
        return value, np.concatenate([[g.sum()], z.T @ g + w[1:] / C])

    sign = [DIRECTIONS.get(n, 0) for n in names]
    bounds = [(None, None)] + [(0.0, None) if d > 0 else (None, 0.0) if d < 0 else (None, None) for d in sign]
    w = minimize(loss, np.zeros(len(names) + 1), jac=True, method="L-BFGS-B", bounds=bounds,
                 options={"maxiter": 2000}).x
    return Logistic(dict(zip(names, map(float, w[1:]), strict=True)), float(w[0]),
                    dict(zip(names, map(float, mean), strict=True)), dict(zip(names, map(float, scale), strict=True)))


def cross_fitted(a: Examples, b: Examples, C: float, target: float) -> tuple[np.ndarray, np.ndarray]:
    """Every message's probability from a gate fitted on the other half (a's from b's fit, b's from a's), with
    whether it is right: a curve over both halves, twice the messages of one, so the threshold a target
    precision picks moves less with a single message either side of it."""
    out_p, out_y = [], []
    for scored, fitted in ((a, b), (b, a)):
        gate = ReleaseGate(line=fit(fitted.line_x, fitted.line_y, LINE_FEATURES, C),
                           order=fit(fitted.order_x, fitted.complete_y, ORDER_FEATURES, C), threshold=1.0,
                           target_precision=target, caps=sign_caps(fitted))
        out_p.append(message_probabilities(gate, scored))
        out_y.append(scored.right_y)
    return np.concatenate(out_p), np.concatenate(out_y)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.train_gate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=200, help="messages per seed of the held-out trade")
    ap.add_argument("--target", type=float, default=Settings().release_precision,
                    help="the precision released orders must reach (the service's default)")
    ap.add_argument("--C", type=float, default=0.5, help="inverse regularisation of the logistic regression")
    ap.add_argument("--out", type=Path, default=GATE_FILE)
    ap.add_argument("--examples", type=Path, default=None,
                    help="a folder for the examples (fit.npz, held.npz): read if there (refit without re-running the "
                         "pipeline), else written")
    ap.add_argument("--no-log", action="store_true")
    args = ap.parse_args(argv)
    settings = Settings()
    if args.examples is not None and (args.examples / "held.npz").exists():
        train, held = Examples.load(args.examples / "fit.npz"), Examples.load(args.examples / "held.npz")
    else:
        with tempfile.TemporaryDirectory(prefix="ordex-gate-sets-") as tmp:
            train = trade_examples(FIT_SEEDS, args.cases, settings, Path(tmp))
            held = trade_examples(THRESHOLD_SEEDS, args.cases, settings, Path(tmp))
        if args.examples is not None:
            args.examples.mkdir(parents=True, exist_ok=True)
            train.save(args.examples / "fit.npz")
            held.save(args.examples / "held.npz")
    p, y = cross_fitted(train, held, args.C, args.target)
    points = curve(p, y)
    threshold = choose_threshold(points, args.target)
    kept = p >= threshold
    both = train + held
    line = fit(both.line_x, both.line_y, LINE_FEATURES, args.C)
    order = fit(both.order_x, both.complete_y, ORDER_FEATURES, args.C)
    caps = sign_caps(both)
    gate = ReleaseGate(line=line, order=order, threshold=1.0, target_precision=args.target, caps=caps)
    metrics = {
        "fit_messages": float(len(both.right_y)), "fit_wrong": float((both.right_y == 0).sum()),
        "fit_lines": float(len(both.line_y)), "fit_lines_wrong": float((both.line_y == 0).sum()),
        "held_messages": float(len(y)), "held_wrong": float((y == 0).sum()),
        "held_precision_ungated": float(y.mean()) if len(y) else 0.0,
        "held_precision": float(y[kept].mean()) if kept.any() else 1.0,
        "held_release_share": float(kept.mean()) if len(kept) else 0.0,
        "held_right_kept": float(y[kept].sum() / max(1.0, y.sum())), "threshold": threshold,
        **{f"cap_{k}": v for k, v in caps.items()},
    }
    run_id = "" if args.no_log else log_run(settings, args, metrics, points, gate)
    gate = ReleaseGate(line=line, order=order, threshold=threshold, target_precision=args.target, caps=caps,
                       version=f"gate-{run_id[:8] or 'local'}", run_id=run_id, metrics=metrics,
                       curve=tuple((round(t, 5), round(p, 4), round(k, 4), n) for t, p, k, n in points))
    gate.save(args.out)
    if run_id:  # the very file the pipeline reads, beside the figures that chose its threshold
        import mlflow

        mlflow.MlflowClient(settings.tracking_uri()).log_artifact(run_id, str(args.out))
    for k, v in metrics.items():
        print(f"{k}: {v:.4f}")
    print(f"gate written to {args.out}" + (f" (MLflow run {run_id})" if run_id else ""))
    return 0


def log_run(settings: Settings, args: argparse.Namespace, metrics: dict[str, float],
            points: Sequence[tuple[float, float, float, int]], gate: ReleaseGate) -> str:
    """One MLflow run (experiment ``ordex-gate``): params, figures, the curve as CSV and as stepped metrics."""
    import mlflow

    mlflow.set_tracking_uri(settings.tracking_uri())
    mlflow.set_experiment("ordex-gate")
    with mlflow.start_run(run_name=run_name("release-gate")) as run:
        mlflow.log_params({"trade": HOLDOUT_TRADE, "fit_seeds": FIT_SEEDS, "threshold_seeds": THRESHOLD_SEEDS,
                           "image_seeds": sorted(IMAGE_SEEDS), "cases": args.cases, "target_precision": args.target,
                           "C": args.C, "line_features": ",".join(LINE_FEATURES),
                           "order_features": ",".join(ORDER_FEATURES)})
        mlflow.log_metrics(metrics)
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["threshold", "precision", "right_kept", "released"])
        for step, (t, prec, stp, n) in enumerate(points):
            w.writerow([f"{t:.5f}", f"{prec:.4f}", f"{stp:.4f}", n])
            mlflow.log_metrics({"curve_precision": prec, "curve_right_kept": stp, "curve_threshold": t}, step=step)
        mlflow.log_text(buf.getvalue(), "precision_stp_curve.csv")
        mlflow.log_dict({"line": dict(gate.line.weights), "order": dict(gate.order.weights)}, "gate_weights.json")
        return str(run.info.run_id)


if __name__ == "__main__":
    raise SystemExit(main())
