"""The service's settings: the core's, plus what only the HTTP service and its worker use."""

from __future__ import annotations

from pydantic import Field

from ordex.settings import Settings
from ordex.worker import WorkerOptions


class ServiceSettings(Settings):
    """``ORDEX_*`` settings of ``ordex serve`` (the WhatsApp Graph API, the work queue's leases)."""

    whatsapp_graph_url: str = Field(default="https://graph.facebook.com/v21.0",
                                    description="Base URL of the Graph API that WhatsApp media are fetched from")
    whatsapp_access_token: str = Field(default="", description="Token for fetching WhatsApp media; without it "
                                                               "photos and documents stay UNREADABLE")
    lease_seconds: float = Field(default=60.0, gt=0, description="A worker's claim on a message; a crashed "
                                                                 "worker's messages are taken over after it")
    worker_poll_seconds: float = Field(default=1.0, gt=0, description="How often an idle worker looks for work")
    worker_retry_seconds: float = Field(default=30.0, ge=0, description="Wait before retrying a WhatsApp media "
                                                                        "fetch that failed for a passing reason")
    workers: int = Field(default=2, ge=1, le=32, description="Service worker processes, each with its own models "
                                                              "(about 0.6 GB): 2 fills a 2-core machine")
    session_secret: str = Field(default="", description="Signs the review page's session cookies; the same value on "
                                                        "every replica (empty: a secret kept in data_dir, shared by "
                                                        "the workers of one machine)")
    access_log: bool = Field(default=False, description="Log every request (the audit trail records every state "
                                                        "change either way)")

    def worker_options(self) -> WorkerOptions:
        """The work queue's options from these settings."""
        return WorkerOptions(lease_seconds=self.lease_seconds, poll_seconds=self.worker_poll_seconds,
                             retry_seconds=self.worker_retry_seconds)
