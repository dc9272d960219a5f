"""The service's settings: the core's, plus what only the HTTP service and its worker use."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ordex.conversation.erp import ErpHttpSender, FileDropSender
from ordex.conversation.options import ConversationOptions
from ordex.conversation.senders import Sender, SmtpSender, WhatsAppSender, load_sender
from ordex.settings import Settings
from ordex.worker import WorkerOptions


class ServiceSettings(Settings):
    """``ORDEX_*`` settings of ``ordex serve`` (the WhatsApp Graph API, the work queue's leases, the senders)."""

    model_config = SettingsConfigDict(env_prefix="ORDEX_", env_file=".env", extra="ignore", env_nested_delimiter="__")

    whatsapp_graph_url: str = Field(default="https://graph.facebook.com/v21.0",
                                    description="Base URL of the Graph API that WhatsApp media are fetched from")
    whatsapp_access_token: str = Field(default="", description="Token for fetching WhatsApp media; without it "
                                                               "photos and documents stay UNREADABLE")
    lease_seconds: float = Field(default=60.0, gt=0, description="A worker's claim on a message; a crashed "
                                                                 "worker's messages are taken over after it")
    worker_poll_seconds: float = Field(default=1.0, gt=0, description="How often an idle worker looks for work")
    worker_max_interruptions: int = Field(default=1, ge=1, description="Times a message's processing may be "
                                                                       "interrupted (a crashed, killed or overrun "
                                                                       "worker) before it is held for a person")
    worker_retry_seconds: float = Field(default=30.0, ge=0, description="Wait before retrying a WhatsApp media "
                                                                        "fetch that failed for a passing reason")
    workers: int = Field(default=2, ge=1, le=32, description="Service worker processes, each with its own models "
                                                              "(about 0.6 GB): 2 fills a 2-core machine")
    session_secret: str = Field(default="", description="Signs the review page's session cookies; the same value on "
                                                        "every replica (empty: a secret kept in data_dir, shared by "
                                                        "the workers of one machine)")
    access_log: bool = Field(default=False, description="Log every request (the audit trail records every state "
                                                        "change either way)")

    conversation: ConversationOptions = Field(default_factory=ConversationOptions,
                                              description="The conversation with dealers (ORDEX_CONVERSATION__*: "
                                                          "language, timezone, delivery_days, question_minutes, ...)")
    whatsapp_phone_number_id: str = Field(default="", description="The business number confirmations are sent "
                                                                  "from; empty: the number the dealer wrote to")
    whatsapp_template: str = Field(default="order_update", description="Approved template for a WhatsApp message "
                                                                       "outside the 24-hour window (one body "
                                                                       "parameter: the text)")
    smtp_host: str = Field(default="", description="SMTP server for e-mail replies; empty: none are sent")
    smtp_port: int = Field(default=25, description="SMTP port")
    smtp_security: Literal["none", "starttls", "tls"] = Field(default="none", description="SMTP transport security")
    smtp_user: str = Field(default="", description="SMTP user (with smtp_password)")
    smtp_password: str = Field(default="", description="SMTP password")
    mail_from: str = Field(default="orders@ordex.local", description="From address of e-mail replies")
    sms_sender: str = Field(default="log", description="SMS sender: 'log' (the log only) or 'package.module:Class' "
                                                       "with a send(item, composed) -> provider id method")

    erp_url: str = Field(default="", description="Released orders are POSTed here (signed JSON, Idempotency-Key)")
    erp_secret: str = Field(default="", description="Shared secret of the ERP delivery's HMAC-SHA256 signature")
    erp_drop_dir: Path | None = Field(default=None, description="Or: a folder each released order is written to "
                                                                "(order-{id}.json and .csv)")
    erp_hold_seconds: float = Field(default=0.0, ge=0, description="A released order waits this long before it "
                                                                   "leaves for the ERP (a dealer's correction "
                                                                   "after it raises an exception instead)")

    def senders(self) -> dict[str, Sender]:
        """The configured sender per channel (a dealer channel with none gets no messages; the ERP's waits)."""
        out: dict[str, Sender] = {"sms": load_sender(self.sms_sender)}
        if self.erp_url:
            out["erp"] = ErpHttpSender(self.erp_url, self.erp_secret)
        elif self.erp_drop_dir is not None:
            out["erp"] = FileDropSender(self.erp_drop_dir)
        if self.whatsapp_access_token:
            out["whatsapp"] = WhatsAppSender(self.whatsapp_graph_url, self.whatsapp_access_token,
                                             self.whatsapp_phone_number_id, self.whatsapp_template,
                                             self.conversation.language, self.conversation.whatsapp_window_hours)
        if self.smtp_host:
            out["email"] = SmtpSender(self.smtp_host, self.smtp_port, self.mail_from, self.smtp_user,
                                      self.smtp_password, self.smtp_security)
        return out

    def worker_options(self) -> WorkerOptions:
        """The work queue's options from these settings."""
        return WorkerOptions(lease_seconds=self.lease_seconds, poll_seconds=self.worker_poll_seconds,
                             retry_seconds=self.worker_retry_seconds, max_interruptions=self.worker_max_interruptions)
