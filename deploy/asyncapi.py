"""``make asyncapi``: the AsyncAPI document of every message, as FastStream generates it.

Built from the contracts and the topology alone (no service is started): a publisher per
message on its exchange, a subscriber per queue and message type it is bound to. An event
is published by its owner; a command is sent to its owner (``notifications.send_message``
by scheduling and field work, ``fieldwork.open_service_order`` by scheduling). Written
with sorted keys: FastStream's own order varies from run to run, and a regenerated
document should differ only where the messages did.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml
from faststream.rabbit import RabbitBroker
from faststream.specification import AsyncAPI

from aftersales_contracts.envelope import Envelope, MessageKind
from aftersales_contracts.registry import MESSAGES, OWNER
from aftersales_contracts.topology import ALL_QUEUES, COMMANDS_EXCHANGE, EVENTS_EXCHANGE
from aftersales_kit.broker import exchange, rabbit_queue


def build() -> AsyncAPI:
    broker = RabbitBroker("amqp://guest:guest@localhost:5672/", description="Aftersales messages")
    for name, cls in MESSAGES.items():
        target = COMMANDS_EXCHANGE if cls.KIND is MessageKind.COMMAND else EVENTS_EXCHANGE
        broker.publisher(
            exchange=exchange(target),
            routing_key=name,
            title=(
                f"{name}: a command to {OWNER[name]}"
                if cls.KIND is MessageKind.COMMAND
                else f"{OWNER[name]} publishes {name}"
            ),
            description=(cls.__doc__ or "").strip() + f" (schema version {cls.VERSION})",
            schema=Envelope[cls],  # type: ignore[valid-type]
        )
    for spec in ALL_QUEUES:
        for key in spec.routing_keys:
            cls = MESSAGES[key]

            async def handler(body: Any) -> None:  # documentation only, never started
                return None

            handler.__annotations__["body"] = Envelope[cls]  # type: ignore[valid-type]
            broker.subscriber(
                rabbit_queue(spec),
                exchange(spec.exchange),
                title=f"{spec.name} consumes {key}",
            )(handler)
    return AsyncAPI(broker, title="Aftersales", version="1", schema_version="3.0.0")


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/asyncapi")
    target.parent.mkdir(parents=True, exist_ok=True)
    document = json.loads(build().to_specification().to_json())
    target.with_suffix(".json").write_text(json.dumps(document, sort_keys=True))
    target.with_suffix(".yaml").write_text(
        yaml.safe_dump(document, sort_keys=True, allow_unicode=True)
    )
    print(f"wrote {target.with_suffix('.json')} and {target.with_suffix('.yaml')}")


if __name__ == "__main__":
    main()
