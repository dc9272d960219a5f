"""Process settings, read from the environment (``ORDEX_`` prefix) or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.accounting import ALL_CHECKS
from models.artifacts import ModelSource, pin
from models.span_rules import ALL_RULES


def default_data_dir() -> Path:
    """``var`` in the working folder when it has one; else, run from elsewhere, the ``var`` of the checkout ordex is
    installed from (an editable install: the same models whatever the folder); else ``var`` here."""
    here = Path("var")
    if here.exists():
        return here
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "var").is_dir() and (checkout / "pyproject.toml").exists():
        return checkout / "var"
    return here


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` store URL (relative as written); None for other databases and ``:memory:``."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url.endswith(":memory:") or not url[len(prefix):]:
        return None
    return Path(url[len(prefix):])


class Settings(BaseSettings):
    """Everything a deployment may change without touching code."""

    model_config = SettingsConfigDict(env_prefix="ORDEX_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir, description="Where the store, models and MLflow live "
                                                                        "(default: ./var, else the checkout's var)")
    database_url: str = Field(default="", description="SQLAlchemy URL of the store; SQLite under data_dir if empty")
    mlflow_tracking_uri: str = Field(default="", description="MLflow tracking URI; SQLite under data_dir if empty")
    phone_region: str = Field(default="", description="Region (ISO code, e.g. IN) a sender's phone number without a "
                                                      "country code is read in; empty: where most customers' phones "
                                                      "are")
    whatsapp_app_secret: str = Field(default="", description="Checks X-Hub-Signature-256 on webhooks when set")
    whatsapp_verify_token: str = Field(default="", description="Token for the webhook verification handshake")
    whatsapp_allow_unsigned: bool = Field(default=False, description="Accept webhook deliveries without a signature "
                                                                     "when no app secret is set (off: refused 401, "
                                                                     "so nobody can post orders in a dealer's name)")
    sku_threshold: float = Field(default=0.6, description="Below this SKU confidence a line raises SKU_UNMATCHED")
    qty_threshold: float = Field(default=0.5, description="Below this quantity confidence a line raises QTY_UNCLEAR")
    learn_words: bool = Field(default=True, description="Read unit words learned from the history and from people's "
                                                        "corrections (off: the lexicon alone, as the leave-one-"
                                                        "language-out evaluation compares)")
    learn_names: bool = Field(default=True, description="Read a word the aliases taught as the catalog's word it "
                                                        "stands for (\"regular pizzas\" shipped as Pizza Medium: "
                                                        "\"regular\" is \"medium\"); off: the aliases as written")
    release_gate: bool = Field(default=True, description="The release gate (models.gate): a message every rule "
                                                         "passed is released only when it was read right with the "
                                                         "trained probability; off releases it as before")
    release_precision: float = Field(default=0.985, gt=0.0, le=1.0,
                                     description="The precision released orders must reach: the release gate's "
                                                 "threshold is read off its held-out curve for it")
    release_threshold: float | None = Field(default=None, ge=0.0, le=1.0,
                                            description="Overrides the threshold the target precision gives")
    tagger_threads: int = Field(default=2, description="onnxruntime intra-op threads per worker for the tagger (they "
                                                      "wait rather than spin, so two workers on two cores lose "
                                                      "little under load and a lone message is read twice as fast)")
    max_message_chars: int = Field(default=50_000, ge=1, description="Characters of text read per message (body "
                                                                     "and subject); a longer one is held UNREADABLE")
    max_message_lines: int = Field(default=500, ge=1, description="Lines read per message (body, subject and "
                                                                  "attachments); a message with more is held "
                                                                  "UNREADABLE, so one message costs bounded time")
    max_line_chars: int = Field(default=1_000, ge=20, description="A longer line is read in pieces of at most this "
                                                                 "many characters, cut at an item separator")
    max_attachments: int = Field(default=10, ge=0, description="Attachments read per message; the rest are held "
                                                               "UNREADABLE (kept with the message)")
    max_attachment_bytes: int = Field(default=15 * 2**20, ge=1, description="A larger attachment is held "
                                                                             "UNREADABLE (kept with the message)")
    ocr_threads: int = Field(default=2, description="onnxruntime intra-op threads per worker for OCR")
    read_isolated: bool = Field(default=True, description="Read attachments in a child process that is killed past "
                                                          "ORDEX_READ_SECONDS or when a file crashes it (off: in "
                                                          "the worker)")
    read_seconds: float = Field(default=60.0, gt=0, description="Seconds one attachment may take to read (PDF "
                                                                "rendering, OCR, sheets); past it UNREADABLE")
    ocr_join_runs: bool = Field(default=True, description="Join an OCR line to the next when the writer ran the item "
                                                          "on to it ('… (10 NOS) 50' / 'PCS.'); false reads the lines "
                                                          "as the OCR engine gave them")
    ocr_engine: str = Field(default="", description="Another OCR engine than PP-OCR, as 'module:function' taking a "
                                                    "PIL image and answering ordex.schema.OcrLine's "
                                                    "(evaluation.tesseract:tesseract_ocr reads with Tesseract)")
    extractor: Literal["auto", "tagger", "hybrid", "rules"] = Field(
        default="auto",
        description="Order lines: the token classifier when a model is there, else the rules (auto); the tagger or "
                    "an error (tagger); the rules with the tagger's second opinion (hybrid); the rules alone (rules)",
    )
    matcher: Literal["auto", "ranker", "rules"] = Field(
        default="auto", description="SKU matching: the learned ranker, hand-set scores, or the ranker when trained"
    )
    tagger_path: Path | None = Field(default=None, description="A tagger model folder; else the MLflow champion")
    ranker_path: Path | None = Field(default=None, description="A ranker file (ranker.joblib); else the MLflow champion")
    pinned_tagger: Path | None = Field(default=None, description="Set by `ordex serve`: the tagger champion's folder, "
                                       "resolved once for the workers (forgotten after a promotion)")
    pinned_ranker: Path | None = Field(default=None, description="Set by `ordex serve`: the ranker champion's file")
    span_rules: tuple[str, ...] = Field(
        default=ALL_RULES, description="The hand rules applied to the tagger's spans, by name (models.span_rules); "
                                       "ORDEX_SPAN_RULES='[]' reads with the model alone")
    line_checks: tuple[str, ...] = Field(
        default=ALL_CHECKS, description="The checks that keep a word or a line from being dropped, by name "
                                        "(models.accounting.LINE_CHECKS); ORDEX_LINE_CHECKS='[]' runs none")
    customer_spans: bool = Field(default=False, description="The split stage reads the tagger's CUSTOMER spans as "
                                                            "heading evidence (with the tagger as extractor): off by "
                                                            "default, its gain is within noise and it costs e-mails "
                                                            "a second tagger call (README)")
    retrain_examples: int = Field(default=300, description="Synthetic messages per trade when the tagger is retrained")
    retrain_epochs: int = Field(default=2, description="Epochs when the tagger is retrained")
    max_body_bytes: int = Field(default=25 * 1024 * 1024, description="Largest request body the API accepts")

    def store_url(self) -> str:
        """The store's URL: the explicit one, else an embedded SQLite file under data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'ordex.db').resolve()}"

    def model_source(self) -> ModelSource:
        """Where the models are looked for (``models.artifacts``)."""
        return ModelSource(tracking_uri=self.tracking_uri(), cache_dir=self.data_dir / "models",
                           tagger_path=self.tagger_path, ranker_path=self.ranker_path,
                           pinned_tagger=self.pinned_tagger, pinned_ranker=self.pinned_ranker)

    def pinned(self) -> Settings:
        """The settings with the champions' files resolved once, for a server's workers."""
        src = pin(self.model_source(), tagger=self.extractor != "rules", ranker=self.matcher != "rules")
        return self.model_copy(update={"pinned_tagger": src.pinned_tagger, "pinned_ranker": src.pinned_ranker})

    def unpinned(self) -> Settings:
        """The settings with the pinned champions forgotten (the user's own paths kept): looked up again."""
        return self.model_copy(update={"pinned_tagger": None, "pinned_ranker": None})

    def tracking_uri(self) -> str:
        """MLflow's tracking URI: the explicit one, else a SQLite store under data_dir."""
        if self.mlflow_tracking_uri:
            return self.mlflow_tracking_uri
        return f"sqlite:///{(self.data_dir / 'mlflow.db').resolve()}"
