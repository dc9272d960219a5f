"""The ``ordex`` command line: predict, load, aliases, serve (and, with the service, keys)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from models.artifacts import ArtifactMissing
from ordex.logs import configure as configure_logs
from ordex.masterdata import MasterDataError

if TYPE_CHECKING:
    from ordex.settings import Settings

err = Console(stderr=True)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ordex", description="Turns dealers' messages into validated sales orders.")
    p.add_argument("--version", action="version", version=version_line())
    p.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = p.add_subparsers(dest="command", required=True)

    pr = sub.add_parser("predict", help="run every case of a cases file through the pipeline")
    pr.add_argument("--master-data", required=True, type=Path, help="the master-data folder (customers.csv, products.csv, prices.csv, aliases.csv, history.jsonl; docs/master-data.md)")
    pr.add_argument("--cases", required=True, type=Path, help="the labelled cases, one JSON object per line (the contract's format)")
    pr.add_argument("--out", required=True, type=Path, help="where the predictions are written (JSONL)")
    pr.add_argument("--db", default="", help="store URL (default: a fresh SQLite file in a temporary folder)")

    ev = sub.add_parser("eval", help="score a labelled set per channel and message kind, logged as an MLflow run")
    ev.add_argument("--master-data", required=True, type=Path, help="the master-data folder (customers.csv, products.csv, prices.csv, aliases.csv, history.jsonl; docs/master-data.md)")
    ev.add_argument("--cases", required=True, type=Path, help="the labelled cases, one JSON object per line (the contract's format)")
    ev.add_argument("--name", default=None, help="the evaluation set's name (its MLflow experiment: ordex-eval-NAME)")
    ev.add_argument("--baselines", action="store_true", help="also log, in the same experiment, the pipeline with "
                                                              "the rule extractor, with the rules for both, with "
                                                              "rapidfuzz's extractOne as the matcher, and with "
                                                              "Tesseract as the OCR")

    rp = sub.add_parser("replay", help="live through a labelled set week by week (queue worked with the gold, "
                                       "weekly retraining); the STP curve in MLflow")
    rp.add_argument("--master-data", required=True, type=Path, help="the master-data folder (customers.csv, products.csv, prices.csv, aliases.csv, history.jsonl; docs/master-data.md)")
    rp.add_argument("--cases", required=True, type=Path, help="the labelled cases, one JSON object per line (the contract's format)")
    rp.add_argument("--name", default=None, help="the set's name (its MLflow experiment: ordex-replay-NAME)")
    rp.add_argument("--no-retrain", action="store_true", help="work the queue weekly but do not retrain")

    ld = sub.add_parser("load", help="load (or reload) master data into the store; running services pick it up")
    ld.add_argument("--master-data", required=True, type=Path, help="the master-data folder (customers.csv, products.csv, prices.csv, aliases.csv, history.jsonl; docs/master-data.md)")
    ld.add_argument("--db", default="", help="the store: an SQLAlchemy URL (sqlite:///path or postgresql://...); default ORDEX_DATABASE_URL, else var/ordex.db")

    ks = sub.add_parser("keys", help="API keys of the HTTP service")
    ksub = ks.add_subparsers(dest="keys_command", required=True)
    kc = ksub.add_parser("create", help="create a key and print it once, as the last line")
    kc.add_argument("--role", required=True, choices=["ingest", "ops", "credit", "commercial", "ml", "admin"],
                    help="what the key may do (README, \"HTTP API\": the role of each route)")
    kc.add_argument("--name", required=True, help="who or what uses the key (shown in the audit trail)")
    kc.add_argument("--db", default="", help="the store: an SQLAlchemy URL (sqlite:///path or postgresql://...); default ORDEX_DATABASE_URL, else var/ordex.db")
    kc.add_argument("--save", type=Path, default=None, help="write the key to this new file (mode 600) instead")
    kc.add_argument("--if-missing", action="store_true", help="with --save: do nothing when the file exists")
    kc.add_argument("--new-store", action="store_true", help="with --db: make the store if there is none yet")
    kl = ksub.add_parser("list", help="list keys (names, roles; never the keys)")
    kl.add_argument("--db", default="", help="the store: an SQLAlchemy URL (sqlite:///path or postgresql://...); default ORDEX_DATABASE_URL, else var/ordex.db")

    rs = sub.add_parser("resolve", help="resolve an exception (as POST /v1/exceptions/{id}/resolve does)")
    rs.add_argument("exception_id", type=int, help="the exception's id (GET /v1/exceptions lists them)")
    rs.add_argument("--action", required=True, choices=["approve", "reject"],
                    help="approve releases the order (with --lines when they were fixed); reject drops it")
    rs.add_argument("--lines", default=None, help='JSON list of {"sku", "qty", "uom"?, "text"?}: all the order\'s lines')
    rs.add_argument("--customer", default=None, help="the customer id the order is for")
    rs.add_argument("--actor", default="cli", help="name recorded in the audit trail")
    rs.add_argument("--db", default="", help="the store: an SQLAlchemy URL (sqlite:///path or postgresql://...); default ORDEX_DATABASE_URL, else var/ordex.db")

    tr = sub.add_parser("train", help="train a model and log it to MLflow")
    tr.add_argument("model", choices=["tagger", "matcher"], help="the token classifier or the SKU ranker")
    tr.add_argument("--master-data", type=Path, default=None, help="fine-tune for this distributor")
    tr.add_argument("--corrections", action="store_true", help="learn from lines people corrected (the store's)")
    tr.add_argument("--examples", type=int, default=400, help="synthetic messages per trade")
    tr.add_argument("--epochs", type=int, default=4, help="passes over the training data")
    tr.add_argument("--if-missing", action="store_true", help="do nothing when a champion already exists")
    tr.add_argument("--seed", type=int, default=13, help="the random seed (a run is reproducible from it)")
    tr.add_argument("--db", default="", help="the store: an SQLAlchemy URL (sqlite:///path or postgresql://...); default ORDEX_DATABASE_URL, else var/ordex.db")

    al = sub.add_parser("aliases", help="the alias library learned from history.jsonl")
    al_sub = al.add_subparsers(dest="action", required=True)
    ab = al_sub.add_parser("build", help="learn aliases from the history and print their coverage on a time split")
    ab.add_argument("--master-data", required=True, type=Path, help="the master-data folder (customers.csv, products.csv, prices.csv, aliases.csv, history.jsonl; docs/master-data.md)")
    ab.add_argument("--months-test", type=int, default=1, help="the last N months of history are the test months")
    ab.add_argument("--out", type=Path, default=None, help="also write the aliases learned from the whole history (CSV)")

    bt = sub.add_parser("bento", help="the Bento (BentoML's deployable unit) with the champion models in it")
    bt_sub = bt.add_subparsers(dest="bento_command", required=True)
    bb = bt_sub.add_parser("build", help="put the MLflow champions in BentoML's model store and build the Bento "
                                         "from bentofile.yaml with exactly them")
    bb.add_argument("--version", default=None, help="the Bento's version (default: BentoML makes one)")

    sv = sub.add_parser("serve", help="start the BentoML service")
    sv.add_argument("--master-data", type=Path, default=None, help="load this master-data folder first (the same "
                    "folder again is not reloaded); default: what the store holds")
    sv.add_argument("--db", default="", help="the store: an SQLAlchemy URL (sqlite:///path or postgresql://...); default ORDEX_DATABASE_URL, else var/ordex.db")
    sv.add_argument("--port", type=int, default=3000, help="the HTTP port")
    sv.add_argument("--host", default="127.0.0.1", help="the address to listen on (0.0.0.0 for every interface)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ordex`` console script."""
    args = _parser().parse_args(argv)
    configure_logs(args.verbose)
    try:
        if args.command == "predict":
            return predict(args.master_data, args.cases, args.out, args.db)
        if args.command == "eval":
            return evaluate(args.master_data, args.cases, args.name, args.baselines)
        if args.command == "replay":
            return replay(args.master_data, args.cases, args.name, not args.no_retrain)
        if args.command == "load":
            return load(args.master_data, args.db)
        if args.command == "keys":
            return keys(args)
        if args.command == "resolve":
            return resolve(args)
        if args.command == "train":
            return train(args)
        if args.command == "aliases":
            return aliases_build(args.master_data, args.months_test, args.out)
        if args.command == "bento":
            return bento_build(args.version)
        if args.command == "serve":
            from serving.run import serve

            return serve(master_data=args.master_data, db=args.db, host=args.host, port=args.port)
    except MasterDataError as e:
        err.print(f"[red]master data error:[/red] {e}")
        return 2
    except ArtifactMissing as e:
        err.print(f"[red]model missing:[/red] {e}")
        return 2
    except (OSError, ValueError) as e:
        err.print(f"[red]error:[/red] {e}")
        return 2
    except Exception as e:  # a store that cannot be reached: one line, not a traceback
        from sqlalchemy.exc import SQLAlchemyError

        if not isinstance(e, SQLAlchemyError):
            raise
        cause = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
        err.print(f"[red]store error:[/red] {cause} (check --db or ORDEX_DATABASE_URL)")
        return 2
    return 1


def bento_build(version: str | None) -> int:
    """``ordex bento build``: the champions into BentoML's model store, then the Bento with them (its tag printed)."""
    from serving.bento import build

    bento, stored = build(_settings(""), version=version)
    for m in stored:
        err.print(f"model {m.tag} (registry v{m.version}): {'stored' if m.created else 'already in the model store'}")
    err.print(f"built Bento {bento.tag}: `bentoml serve {bento.tag}`, or `bentoml containerize {bento.tag}`")
    print(bento.tag)
    return 0


def existing_store(db: str, command: str) -> None:
    """Refuse an explicit SQLite ``--db`` whose file does not exist: a typo would silently make a new, empty store."""
    from ordex.settings import sqlite_path

    path = sqlite_path(db)
    if path is not None and not path.exists():
        raise ValueError(f"there is no store at {path} (a typo?); `ordex serve` or `ordex load` makes one"
                         f"{', or pass --new-store to ' + command if command == 'keys create' else ''}")


def version_line() -> str:
    """ordex's version, with the lexicon and the database schema it runs (``ordex --version``)."""
    from importlib.metadata import PackageNotFoundError, version

    from models.units import VOCABULARY_VERSION

    try:
        mine = version("ordex")
    except PackageNotFoundError:
        mine = "unknown (not installed)"
    heads = sorted(p.stem.split("_")[0] for p in (Path(__file__).parent / "migrations" / "versions").glob("0*.py"))
    return f"ordex {mine} (lexicon {VOCABULARY_VERSION}, store schema {heads[-1] if heads else '?'})"


def _settings(db: str, data_dir: Path | None = None):  # type: ignore[no-untyped-def]
    from ordex.settings import Settings

    s = Settings()
    update: dict[str, object] = {}
    if db:
        update["database_url"] = db
    if data_dir is not None:
        update["data_dir"] = data_dir
    return s.model_copy(update=update)


def baseline_variants(settings: Settings, cases_path: Path) -> list[tuple[str, Settings, dict[str, Any]]]:
    """The baselines ``ordex eval --baselines`` logs beside the pipeline: the rule extractor, the rules for both,
    rapidfuzz's extractOne as the matcher, and Tesseract as the OCR (when the set has files and it is installed)."""
    from evaluation import tesseract
    from evaluation.baseline_matcher import extract_one_matcher
    from ordex.batch import read_cases

    out: list[tuple[str, Settings, dict[str, Any]]] = [
        ("baseline: rule extractor", settings.model_copy(update={"extractor": "rules"}), {}),
        ("baseline: rules for both", settings.model_copy(update={"extractor": "rules", "matcher": "rules"}), {}),
        ("baseline: extractOne matcher", settings, {"make_matcher": extract_one_matcher}),
    ]
    if any(c.get("attachments") or c.get("raw") for c in read_cases(cases_path)):
        if tesseract.available():
            out.append(("baseline: Tesseract OCR", settings, {"ocr": tesseract.tesseract_ocr,
                                                               "ocr_name": tesseract.version()}))
        else:
            err.print("[yellow]Tesseract is not installed (apt install tesseract-ocr): its OCR baseline is skipped[/yellow]")
    return out


def evaluate(master_data: Path, cases_path: Path, name: str | None, baselines: bool = False) -> int:
    """``ordex eval``: the set scored per channel and message kind, one MLflow run (and one per baseline, in the
    same experiment); prints each run and its figures."""
    from evaluation.eval_run import evaluate as run_eval

    settings = _settings("")
    variants: list[tuple[str, Settings, dict[str, Any]]] = [("", settings, {})]
    if baselines:
        variants += baseline_variants(settings, cases_path)
    for label, s, extra in variants:
        run = run_eval(s, master_data, cases_path, name, label, **extra)
        table = Table(title=f"{run.run_name} (MLflow run {run.run_id}, experiment {run.experiment})")
        for col in ("group", "cases", "line_f1", "exception_f1", "auto_precision", "stp_correct", "cer"):
            table.add_column(col)
        for group, f in run.figures.items():
            table.add_row(group, *(str(f.get(k)) for k in ("cases", "line_f1", "exception_f1", "auto_precision",
                                                             "stp_correct", "cer")))
        Console().print(table)
    return 0


def replay(master_data: Path, cases_path: Path, name: str | None, retrain: bool) -> int:
    """``ordex replay``: the weekly STP curve and the second-use release rate, logged to MLflow."""
    from evaluation.replay import log_replay
    from evaluation.replay import replay as run_replay

    settings = _settings("")
    result = run_replay(settings, master_data, cases_path, retrain)
    run_id = log_replay(settings, result, name or cases_path.parent.name or "set")
    table = Table(title=f"replay (MLflow run {run_id})")
    for col in ("week", "messages", "stp", "alias_coverage", "retrained"):
        table.add_column(col)
    for w in result["weeks"]:
        table.add_row(*(str(w.get(k)) for k in ("week", "messages", "stp", "alias_coverage", "retrained")))
    Console().print(table)
    Console().print({k: v for k, v in result.items() if k != "weeks"})
    return 0


def predict(master_data: Path, cases_path: Path, out: Path, db: str = "") -> int:
    """The contract's ``ordex predict``: every case in received_at order, against a fresh store."""
    from ordex.batch import predict_cases, write_predictions

    columns = (TextColumn("predict"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        predictions = predict_cases(_settings(db), master_data, cases_path, progress.track)
    n = write_predictions(predictions, out)
    err.print(f"{n} predictions written to {out}")
    return 0


def load(master_data: Path, db: str = "") -> int:
    """Load or reload master data into the store named by ``--db`` or the settings (audited, with what changed)."""
    from ordex.aliases import history_reader
    from ordex.masterdata import load_master_data
    from ordex.pipeline import load_tagger
    from ordex.reload import reload_master_data
    from ordex.store import Store

    settings = _settings(db)
    md = load_master_data(master_data)
    store = Store(settings.store_url())
    summary = reload_master_data(store, md, str(master_data.resolve()), read=history_reader(load_tagger(settings)))
    store.engine.dispose()
    ch = summary["changes"]
    err.print(f"loaded {len(md.customers)} customers, {len(md.products)} products, {len(md.prices)} prices "
              f"(load {summary['load_id']}; customers +{ch['customers']['added']} -{ch['customers']['removed']} "
              f"~{ch['customers']['changed']}, products +{ch['products']['added']} -{ch['products']['removed']} "
              f"~{ch['products']['changed']}, prices +{ch['prices']['added']} -{ch['prices']['removed']} "
              f"~{ch['prices']['changed']})")
    return 0


def keys(args: argparse.Namespace) -> int:
    """``ordex keys create`` prints a new key once, as the last line; ``ordex keys list`` shows names and roles."""
    from ordex.keys import Authenticator, create_key, save_key_file
    from ordex.store import Store

    if args.db and not getattr(args, "new_store", False):
        existing_store(args.db, f"keys {args.keys_command}")
    store = Store(_settings(args.db).store_url())
    try:
        if args.keys_command == "list":
            for k in store.keys.all():
                print(f"{k.id}\t{k.role}\t{k.name}\t{k.created_at:%Y-%m-%d %H:%M}\t{'revoked' if k.revoked else 'live'}")
            return 0
        if args.save is not None and args.save.exists():
            if not args.if_missing:
                err.print(f"[red]error:[/red] {args.save} exists; remove it or pass --if-missing")
                return 2
            if Authenticator(store).check(args.save.read_text(encoding="utf-8").strip()) is not None:
                print(f"{args.role} key already in {args.save}")
                return 0
            err.print(f"{args.save} holds no key of this store: making a new one")
            args.save.unlink()
        key = create_key(store, args.role, args.name)
        if args.save is not None:
            save_key_file(args.save, key)
            print(f"created {args.role} key {args.name!r}; it is in {args.save} (mode 600)")
            return 0
        print(f"created {args.role} key {args.name!r}; it is shown once:")
        print(key)
        return 0
    finally:
        store.engine.dispose()


def resolve(args: argparse.Namespace) -> int:
    """``ordex resolve``: the API's resolve on the store, printing the answer as JSON."""
    from pydantic import ValidationError

    from ordex.keys import Principal
    from ordex.resolve import Resolution, ResolveError
    from ordex.resolve import resolve as resolve_exception
    from ordex.store import Store

    try:
        lines = json.loads(args.lines) if args.lines is not None else None
        request = Resolution(action=args.action, customer_id=args.customer, lines=lines)
    except (json.JSONDecodeError, ValidationError) as e:
        err.print(f"[red]error:[/red] bad --lines or --customer: {e}")
        return 2
    if args.db:
        existing_store(args.db, "resolve")
    store = Store(_settings(args.db).store_url())
    try:
        current = store.master_data()
        if current is None:
            err.print("[red]error:[/red] the store holds no master data")
            return 2
        answer = resolve_exception(store, current[1], args.exception_id, request, Principal(args.actor, "cli"))
    except ResolveError as e:
        err.print(f"[red]{e.code}:[/red] {e.message}")
        return 1
    finally:
        store.engine.dispose()
    print(json.dumps(answer, indent=2, ensure_ascii=False, default=str))
    return 0


def train(args: argparse.Namespace) -> int:
    """``ordex train tagger``: train, score on the held-out trade, log to MLflow, promote if not worse."""
    from ordex.masterdata import load_master_data
    from training.train_tagger import train_tagger

    settings = _settings(args.db)
    if args.model == "matcher":
        return train_matcher_command(settings, args)
    if args.if_missing:
        found = _built(settings, "ordex-tagger")
        if found is not None:
            err.print(f"ordex-tagger champion v{found} is there: nothing to build")
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


def aliases_build(master_data: Path, months_test: int = 1, out: Path | None = None) -> int:
    """``ordex aliases build``: the alias library's coverage on a time split (last months vs the ones before)."""
    import csv

    from rich.table import Table

    from evaluation.coverage import coverage
    from ordex.aliases import build_matcher, history_reader, learn_history_aliases
    from ordex.masterdata import load_master_data
    from ordex.pipeline import load_tagger

    md = load_master_data(master_data)
    if not md.history:
        err.print(f"{master_data}: no history.jsonl (or it is empty): nothing to learn aliases from")
        return 1
    tagger = load_tagger(_settings(""))
    read = history_reader(tagger)
    c = coverage(md, months_test, read=read)
    reader = "the token classifier" if tagger is not None else "the rule extractor"
    table = Table(title=f"alias coverage: last {months_test} month(s) of history vs the months before "
                        f"(cut-off {c.cutoff:%Y-%m-%d}), read with {reader}" if c.cutoff else "alias coverage")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("orders before / after the cut-off", f"{c.train_orders} / {c.test_orders}"),
        ("test mentions (shipped lines after the cut-off)", str(c.test_lines)),
        ("could not be aligned to a mention", f"{c.unaligned} ({c.unaligned / max(1, c.test_lines):.1%})"),
        ("coverage, seed's definition (exact alias string)", f"{c.seed:.1%}"),
        ("coverage, ours (order-free key, aliases-only top-1 right)", f"{c.ours:.1%}"),
        ("ceiling: (customer, key) seen before", f"{c.ceiling_own:.1%}"),
        ("ceiling: key seen before, any customer", f"{c.ceiling_any:.1%}"),
        ("matcher top-1 with the learned aliases", f"{c.matcher_top1:.1%}"),
        ("aliases learned (of which global)", f"{c.aliases_learned} ({c.global_aliases})"),
    ]
    learned = learn_history_aliases(md, read=read)
    words = build_matcher(md, learned).meanings()
    rows.append(("words the aliases teach", ", ".join(f"{w} = {m}" for w, m in sorted(words.items())) or "none"))
    for name, value in rows:
        table.add_row(name, value)
    Console().print(table)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["customer_id", "alias", "sku", "support"])
            w.writerows(learned)
        err.print(f"{len(learned)} aliases learned from {len(md.history)} past orders written to {out}")
    return 0


def train_matcher_command(settings, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    """``ordex train matcher``: the ranker from invented trades, the store's corrections and history."""
    from ordex.store import Store
    from training.train_matcher import train_matcher

    if args.if_missing and _built(settings, "ordex-matcher") is not None and _ranker_runs(settings):
        err.print("ordex-matcher champion is there: nothing to build")
        return 0
    store = Store(settings.store_url()) if args.corrections or args.db else None
    logged = train_matcher(settings, store, seed=args.seed)
    m = logged.metrics
    err.print(f"held-out trade ({m['mentions']:.0f} mentions): top-1 {m['top1_accuracy_answered']:.4f} where answered, "
              f"abstention {m['abstention']:.3f}, ECE {m['ece']:.4f}, top-1 overall {m['top1_accuracy']:.4f} "
              f"(hand-set scores {m['rules_top1_accuracy']:.4f}, rapidfuzz extractOne {m['rapidfuzz_extractone_top1']:.4f})")
    err.print(f"MLflow run {logged.run_id}, ordex-matcher v{logged.version}: "
              f"{'promoted to champion' if logged.promoted else 'not promoted'} ({logged.reason})")
    return 0


def _ranker_runs(settings) -> bool:  # type: ignore[no-untyped-def]
    """True when the champion ranker was fitted on the features this code computes."""
    from models.artifacts import load_ranker
    from models.ranker import StaleRanker

    try:
        return load_ranker(settings.model_source()) is not None
    except StaleRanker as e:
        err.print(f"{e}: building a new one")
        return False


def _built(settings, name: str) -> str | None:  # type: ignore[no-untyped-def]
    """The champion's version when it is there and its files check out; None when it must be (re)built."""
    from models.artifacts import verified_champion

    found = verified_champion(settings.model_source(), name)
    return found.version if found is not None else None


if __name__ == "__main__":
    sys.exit(main())
