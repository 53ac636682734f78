"""Message contracts of Aftersales: the envelope, every event and command, and the topology."""

from aftersales_contracts.envelope import Envelope, Message, MessageKind

__all__ = ["Envelope", "Message", "MessageKind"]
