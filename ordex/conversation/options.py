"""How ordex talks to dealers: which messages it sends, when, and through what."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ConversationOptions(BaseModel):
    """Settings of the conversation with the dealer (``ServiceSettings.conversation_options``)."""

    model_config = ConfigDict(frozen=True)

    enabled: bool = Field(default=True, description="Send confirmations and questions, and read replies to them")
    language: str = Field(default="en", description="Template language for a customer with none set")
    timezone: str = Field(default="Asia/Kolkata", description="The distributor's time zone, for delivery dates")
    delivery_days: int = Field(default=1, ge=0, description="Delivery this many days after the order's day")
    delivery_cutoff_hour: int = Field(default=14, ge=0, le=24, description="An order after this hour counts from "
                                                                           "the next day")
    delivery_sunday: bool = Field(default=False, description="Deliveries run on Sundays")
    question_minutes: float = Field(default=120.0, gt=0, description="How long a clarifying question waits for "
                                                                     "its answer; after it the exception stays for ops")
    correction_hours: float = Field(default=24.0, gt=0, description="How long after a confirmation a reply may "
                                                                    "still correct the order")
    burst_minutes: float = Field(default=3.0, ge=0, description="Orders a sender releases within this long of "
                                                               "their previous one on a chat channel join it: one "
                                                               "order, confirmed once")
    settle_seconds: float = Field(default=15.0, ge=0, description="A chat confirmation waits this long for the rest "
                                                                 "of a burst before it is sent")
    max_attempts: int = Field(default=8, ge=1, description="Sends of one message before it is a dead letter")
    backoff_seconds: float = Field(default=5.0, ge=0, description="First retry wait; doubled per attempt, with jitter")
    poll_seconds: float = Field(default=0.5, gt=0, description="How often the dispatcher looks for due messages")
    lease_seconds: float = Field(default=60.0, gt=0, description="A dispatcher's claim on a message it sends")
    whatsapp_window_hours: float = Field(default=24.0, description="Free-form WhatsApp replies only within this "
                                                                   "long after the dealer's last message")
