"""The ``ordex`` command line: predict, load, serve (and, with the service, keys)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ordex.masterdata import MasterDataError

err = Console(stderr=True)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ordex", description="Turns dealers' messages into validated sales orders.")
    p.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = p.add_subparsers(dest="command", required=True)

    pr = sub.add_parser("predict", help="run every case of a cases file through the pipeline")
    pr.add_argument("--master-data", required=True, type=Path)
    pr.add_argument("--cases", required=True, type=Path)
    pr.add_argument("--out", required=True, type=Path)
    pr.add_argument("--db", default="", help="store URL (default: a fresh SQLite file in a temporary folder)")

    ld = sub.add_parser("load", help="load (or reload) master data into the store")
    ld.add_argument("--master-data", required=True, type=Path)
    ld.add_argument("--db", default="")

    tr = sub.add_parser("train", help="train a model and log it to MLflow")
    tr.add_argument("model", choices=["tagger"])
    tr.add_argument("--master-data", type=Path, default=None, help="fine-tune for this distributor")
    tr.add_argument("--corrections", action="store_true", help="learn from lines people corrected (the store's)")
    tr.add_argument("--examples", type=int, default=300, help="synthetic messages per trade")
    tr.add_argument("--epochs", type=int, default=2)
    tr.add_argument("--if-missing", action="store_true", help="do nothing when a champion already exists")
    tr.add_argument("--seed", type=int, default=13)
    tr.add_argument("--db", default="")

    sv = sub.add_parser("serve", help="start the BentoML service")
    sv.add_argument("--master-data", type=Path, default=None)
    sv.add_argument("--db", default="")
    sv.add_argument("--port", type=int, default=3000)
    sv.add_argument("--host", default="127.0.0.1")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ordex`` console script."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format='{"t":"%(asctime)s","level":"%(levelname)s","logger":"%(name)s","msg":"%(message)s"}')
    try:
        if args.command == "predict":
            return predict(args.master_data, args.cases, args.out, args.db)
        if args.command == "load":
            return load(args.master_data, args.db)
        if args.command == "train":
            return train(args)
        if args.command == "serve":
            from serving.run import serve

            return serve(master_data=args.master_data, db=args.db, host=args.host, port=args.port)
    except MasterDataError as e:
        err.print(f"[red]master data error:[/red] {e}")
        return 2
    except (OSError, ValueError) as e:
        err.print(f"[red]error:[/red] {e}")
        return 2
    return 1


def _settings(db: str, data_dir: Path | None = None):  # type: ignore[no-untyped-def]
    from ordex.settings import Settings

    s = Settings()
    update: dict[str, object] = {}
    if db:
        update["database_url"] = db
    if data_dir is not None:
        update["data_dir"] = data_dir
    return s.model_copy(update=update)


def predict(master_data: Path, cases_path: Path, out: Path, db: str = "") -> int:
    """The contract's ``ordex predict``: every case in received_at order, against a fresh store."""
    from ordex.messages import message_from_case
    from ordex.pipeline import Engine

    cases = [json.loads(line) for line in cases_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    cases.sort(key=lambda c: _when(c.get("received_at")))
    with tempfile.TemporaryDirectory(prefix="ordex-predict-") as tmp:
        # a fresh store for the run; models and MLflow stay where the settings say
        engine = Engine.open(_settings(db or f"sqlite:///{Path(tmp) / 'predict.db'}"), master_data)
        if any(c.get("attachments") or c.get("raw") for c in cases):
            engine.warm_up()  # model loading counts toward the run, not toward a case's latency
        base = cases_path.parent
        results = []
        columns = (TextColumn("predict"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
            for case in progress.track(cases):
                message = message_from_case(case, base)
                results.append(engine.submit(message))
        engine.store.engine.dispose()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for r in results:
            r = {k: v for k, v in r.items() if k not in ("message_id", "order_ids", "exception_ids")}
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    err.print(f"{len(results)} predictions written to {out}")
    return 0


def load(master_data: Path, db: str = "") -> int:
    """Load or reload master data into the store named by ``--db`` or the settings."""
    from ordex.masterdata import load_master_data
    from ordex.pipeline import load_into
    from ordex.store import Store

    settings = _settings(db)
    md = load_master_data(master_data)
    load_id = load_into(Store(settings.store_url()), md, str(master_data))
    err.print(f"loaded {len(md.customers)} customers, {len(md.products)} products, {len(md.prices)} prices "
              f"(load {load_id})")
    return 0


def train(args: argparse.Namespace) -> int:
    """``ordex train tagger``: train, score on the held-out trade, log to MLflow, promote if not worse."""
    from ordex.masterdata import load_master_data
    from training.train_tagger import train_tagger

    settings = _settings(args.db)
    if args.if_missing:
        from training.tracking import champion

        found = champion(settings, "ordex-tagger")
        if found is not None:
            err.print(f"ordex-tagger champion v{found[0]} is there: nothing to build")
            return 0
    md = load_master_data(args.master_data) if args.master_data else None
    corrections = None
    if args.corrections:
        from ordex.store import Store
        from training.corrections import correction_lines

        corrections = correction_lines(Store(settings.store_url()))
        if not corrections:
            err.print("no corrections in the store yet: nothing to learn from")
            return 1
    result, logged = train_tagger(settings, per_trade=args.examples, epochs=args.epochs, seed=args.seed,
                                  master_data=md, corrections=corrections, progress=err.is_terminal or True)
    m = result.metrics
    err.print(f"held-out ({m['eval_examples']:.0f} lines of an unseen trade): span F1 product {m['int8_f1_product']:.4f}, "
              f"qty {m['int8_f1_qty']:.4f}, unit {m.get('int8_f1_unit', 0):.4f}; line exact {m['int8_line_exact']:.4f} "
              f"(fp32 F1 {m['fp32_f1_all']:.4f}, int8 F1 {m['int8_f1_all']:.4f}) in {result.seconds:.0f} s")
    err.print(f"MLflow run {logged.run_id}, ordex-tagger v{logged.version}: "
              f"{'promoted to champion' if logged.promoted else 'not promoted'} ({logged.reason})")
    return 0


def _when(value: str | None) -> datetime:
    if not value:
        return datetime.max.replace(tzinfo=UTC)
    t = datetime.fromisoformat(value)
    return t if t.tzinfo else t.replace(tzinfo=UTC)


if __name__ == "__main__":
    sys.exit(main())
