"""The envelope every message travels in, and the base class of every payload.

A payload class names its own routing key (``TYPE``) and schema version (``VERSION``).
A breaking change gets a new class with a higher version; consumers read
``schema_version`` from the envelope and refuse what they do not understand.
"""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class MessageKind(enum.StrEnum):
    EVENT = "event"
    COMMAND = "command"


class Message(BaseModel):
    """Base of every event and command payload."""

    # Unknown fields are ignored so that a producer may add optional fields without
    # breaking consumers that have not been upgraded yet.
    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1
    KIND: ClassVar[MessageKind] = MessageKind.EVENT


PayloadT = TypeVar("PayloadT", bound=Message)


class Envelope(BaseModel, Generic[PayloadT]):
    """What goes over the wire: metadata for tracing and de-duplication, and the payload."""

    model_config = ConfigDict(frozen=True)

    message_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    schema_version: int
    occurred_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    correlation_id: uuid.UUID | None = None
    causation_id: uuid.UUID | None = None
    payload: PayloadT

    @classmethod
    def wrap(
        cls,
        payload: PayloadT,
        *,
        correlation_id: uuid.UUID | None = None,
        causation_id: uuid.UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Envelope[PayloadT]:
        message_id = uuid.uuid4()
        # Parametrized with the payload's own class, so serialization keeps its fields.
        concrete: Any = envelope_of(type(payload))
        envelope: Envelope[PayloadT] = concrete(
            message_id=message_id,
            type=payload.TYPE,
            schema_version=payload.VERSION,
            occurred_at=occurred_at or datetime.now(UTC),
            # A message that starts a conversation correlates with itself.
            correlation_id=correlation_id or message_id,
            causation_id=causation_id,
            payload=payload,
        )
        return envelope

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


_CONCRETE: dict[type[Message], type[Envelope[Any]]] = {}


def envelope_of(message_cls: type[PayloadT]) -> type[Envelope[PayloadT]]:
    """``Envelope[message_cls]``, made once per class and kept. Pydantic's own cache of
    parametrized models holds them weakly, and a model class lives in reference cycles:
    every collection of the cycle collector dropped them, and the next message built
    the class again (a few ms each: 7 % of a bulk import's CPU, bench/README.md)."""
    concrete = _CONCRETE.get(message_cls)
    if concrete is None:
        concrete = _CONCRETE[message_cls] = Envelope[message_cls]  # type: ignore[valid-type]
    return concrete
