"""The fault run: the whole system on a private broker and database, work flowing through
every contract, and faults injected while it flows. Shared by ``tests-e2e/faults`` (a few
hundred messages, asserted) and ``bench/faults.py`` (thousands, printed).

Work: send requests over HTTP (``POST /api/messages`` through the gateway; every
``sms_every``-th one an SMS), over AMQP (``notifications.send_message`` commands published
with confirms to the private broker) and callouts (serial items registered through the
gateway for a product whose service type is due at once and approved automatically:
catalog → scheduling → notifications). A client retries what was not accepted (a
transport error, a 5xx, a refused publish) with the same idempotency key, as a careful
requester would; only what was accepted is counted.

Faults, in order, while the work flows: SIGKILL of every service process once (restarted
at once, as a supervisor would; recovery is kill → ``/readyz`` 200), ``kill -9`` of the
broker and its restart, a PostgreSQL crash (``pg_ctl stop -m immediate``) held down for
``outage_seconds`` and its restart, then the same with a backlog: the senders stopped,
``backlog`` e-mails queued, the senders started and the database crashed while they drain.
Then the work stops and the run settles; ``FaultReport`` counts what happened to every
accepted message (``aftersales_testing.fault_counts``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
import httpx

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.notifications import InlineContent, Recipient, SendMessage
from aftersales_contracts.topology import ALL_QUEUES, COMMANDS_EXCHANGE, EVENTS_EXCHANGE
from aftersales_testing import fault_counts
from aftersales_testing.fault_counts import FaultMark, MessageRow, Tally, Window
from aftersales_testing.infrastructure import database_url
from aftersales_testing.journey import expect, login
from aftersales_testing.private_infra import PrivateInfrastructure, spare_ports
from aftersales_testing.stack import SERVICES, Stack, StackConfig, environment, prepare_databases
from aftersales_testing.waiting import eventually

SENDERS = ("notifications-sender", "notifications-sms-sender")
HTTP_REQUESTER = "faults-http"
AMQP_REQUESTER = "faults-amqp"
RESULTS_QUEUE = "faults.results"  # a queue of the suite's own: the results a requester gets


@dataclass(frozen=True)
class FaultPlan:
    http_per_second: float = 2.0
    amqp_per_second: float = 2.0
    items_per_second: float = 0.5
    sms_every: int = 4  # every n-th HTTP request asks for an SMS
    backlog: int = 60
    outage_seconds: float = 4.0  # how long PostgreSQL stays down
    pause_seconds: float = 1.0  # work flowing between two faults
    recovery_seconds: float = 120.0  # a process not ready again by then has not recovered
    settle_seconds: float = 120.0  # after the work stops, for everything accepted to end
    kill: tuple[str, ...] = tuple(s.name for s in SERVICES)


# The kills of processes that cannot leave a message unconfirmed. Every other fault can:
# a sender that dies between handing a message over and recording the answer, and (seen
# once in an SMS delivery, not yet explained) a broker or database fault in that moment.
# An unconfirmed message is sent at most once by design; one with no such fault during
# its attempt breaks the guarantee.
HARMLESS_FOR_ATTEMPTS = frozenset(
    {
        "SIGKILL gateway",
        "SIGKILL catalog",
        "SIGKILL servicetypes",
        "SIGKILL scheduling",
        "SIGKILL notifications",
    }
)


@dataclass
class Fault:
    name: str
    started: float  # wall clock
    down_seconds: float = 0.0  # how long the fault was held
    recovery: dict[str, float | None] = field(default_factory=dict)  # process → seconds

    def mark(self) -> FaultMark:
        start = int(self.started * 1e9)
        return FaultMark(self.name, start, start + int(self.down_seconds * 1e9))

    def outage(self) -> FaultMark:
        """The fault until every process it touched was ready again (its recovery is
        measured from the fault's start): an attempt made while a sender or its database
        connection was still coming back lies inside the fault, not after it."""
        start = int(self.started * 1e9)
        recovered = [s for s in self.recovery.values() if s is not None]
        lasted = max([self.down_seconds, *recovered])
        return FaultMark(self.name, start, start + int(lasted * 1e9))


@dataclass
class FaultReport:
    tallies: list[Tally]
    window: Window
    faults: list[Fault]
    dead_letters: dict[str, int]
    statuses: Counter[tuple[str, int | str]]
    never_accepted: Counter[str]
    errors: dict[str, str]
    settled: bool
    seconds: float

    def problems(self) -> list[str]:
        """What breaks a guarantee: empty when nothing was lost, stuck or sent twice."""
        found = []
        for t in self.tallies:
            for label, keys in (
                ("lost", t.lost),
                ("stuck", t.stuck),
                ("duplicated outside the window", t.duplicated_outside_window),
                (
                    "unconfirmed with no sender, broker or database fault during its attempt",
                    t.unconfirmed_unexplained,
                ),
            ):
                if keys:
                    found.append(f"{t.contract}: {len(keys)} {label} (e.g. {', '.join(keys[:3])})")
            found.extend(
                f"  {key}'s attempt: {detail}" for key, detail in t.attempt_details.items()
            )
        for process, seconds in (
            (f"{f.name}/{p}", s) for f in self.faults for p, s in f.recovery.items()
        ):
            if seconds is None:
                found.append(f"{process}: not ready again")
        return found

    def render(self) -> str:
        lines = [fault_counts.table(self.tallies, self.window, self.dead_letters)]
        lines.append(f"faults ({len(self.faults)}), recovery to /readyz 200 per process:")
        for f in self.faults:
            recovered = ", ".join(
                f"{p} {'NOT READY' if s is None else f'{s:.1f} s'}" for p, s in f.recovery.items()
            )
            held = f" held {f.down_seconds:.1f} s;" if f.down_seconds else ""
            lines.append(f"  {f.name}:{held} {recovered}")
        lines.append(f"answers seen by the clients: {fault_counts.statuses(self.statuses)}")
        if self.never_accepted:
            lines.append(f"never accepted (given up): {dict(self.never_accepted)}")
        for what, text in self.errors.items():
            lines.append(f"first {what}: {text}")
        lines.append(
            f"run {self.seconds:.0f} s; " + ("settled" if self.settled else "NOT settled in time")
        )
        return "\n".join(lines)


# --- the stack on the private infrastructure ---------------------------------------------


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _port_offset() -> int:
    """An offset that puts every service port (8000-8006, 8070) on free spare ports,
    clear of the developer's (0) and the e2e tree's (10000) and below 32768."""
    for offset in range(13000, 15000, 100):
        if all(_free(s.port + offset) for s in SERVICES) and _free(8070 + offset):
            return offset
    raise RuntimeError("no free ports for the fault stack's services")


@contextlib.contextmanager
def fault_stack(
    infra: PrivateInfrastructure, base: Path, extra_env: dict[str, str] | None = None
) -> Iterator[Stack]:
    """Every service on the private infrastructure, migrated, the dev user seeded."""
    config = StackConfig(
        postgres_url=infra.postgres_url,
        amqp_url=infra.amqp_url,
        database_prefix="aftersales_",
        broker_prefix="",
        port_offset=_port_offset(),
        smtp_port=spare_ports(1)[0],
        mail_dir=base / "mail",
        log_dir=base / "logs",
        extra_env={
            "SCHEDULING_DISPATCH_INTERVAL_SECONDS": "0.2",
            "CATALOG_OUTBOX_POLL_SECONDS": "0.1",
            # Retries of a refused SMTP server are not what this suite is about.
            "NOTIFICATIONS_SMTP_RETRY_DELAY_SECONDS": "0.5",
            # The suite is one requester per contract sending thousands in a bench run:
            # the daily send quotas are not what it measures.
            "NOTIFICATIONS_DAILY_EMAILS_PER_REQUESTER": "10000000",
            "NOTIFICATIONS_DAILY_SMS_PER_REQUESTER": "10000000",
            "NOTIFICATIONS_DAILY_SMS_SEGMENTS_PER_REQUESTER": "10000000",
            "NOTIFICATIONS_SMTP_RETRY_MAX_DELAY_SECONDS": "2",
        }
        | (extra_env or {}),
    )
    prepare_databases(config)
    gateway = next(s for s in SERVICES if s.name == "gateway")
    subprocess.run(
        ["gateway", "seed-dev-user"],
        env=os.environ | environment(config, gateway),
        check=True,
        capture_output=True,
    )
    stack = Stack(config)
    with stack.running(timeout=120):
        yield stack


# --- the work --------------------------------------------------------------------------


class Workload:
    """Sends through the three contracts and remembers what was accepted."""

    def __init__(self, stack: Stack, plan: FaultPlan, tag: str) -> None:
        self.stack = stack
        self.plan = plan
        self.tag = tag
        self.http: dict[str, float] = {}  # idempotency key → accepted at
        self.amqp: dict[str, float] = {}
        self.items: dict[str, float] = {}  # serial number → accepted at
        self.statuses: Counter[tuple[str, int | str]] = Counter()
        self.never_accepted: Counter[str] = Counter()
        self.errors: dict[str, str] = {}  # the first text of each kind of failure
        self._client: httpx.AsyncClient | None = None
        self._amqp: aio_pika.abc.AbstractConnection | None = None
        self._amqp_lock = asyncio.Lock()
        self._product_id = ""
        self._customer_id = ""
        self._tasks: set[asyncio.Task[None]] = set()
        self._limit = asyncio.Semaphore(64)
        self._counter = 0

    async def __aenter__(self) -> Workload:
        self._client = httpx.AsyncClient(
            base_url=self.stack.config.url("gateway"), timeout=30, trust_env=False
        )
        await login(self._client, "dev", "dev")
        await self._setup_callouts()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
        if self._amqp is not None:
            with contextlib.suppress(Exception):
                await self._amqp.close()

    @property
    def client(self) -> httpx.AsyncClient:
        assert self._client is not None
        return self._client

    async def _setup_callouts(self) -> None:
        tag = self.tag
        customer = expect(
            await self.client.post(
                "/api/customers",
                json={
                    "customer_number": f"C-{tag}",
                    "name": f"Fault customer {tag}",
                    "emails": [f"faults.{tag}@example.com"],
                    "allowed_methods": ["email"],
                    "preferred_method": "email",
                },
            ),
            201,
        )
        product = expect(
            await self.client.post(
                "/api/products", json={"product_number": f"FP-{tag}", "name": "Fault pump"}
            ),
            201,
        )
        expect(
            await self.client.post(
                "/api/service-types",
                json={
                    "display_name": "Fault inspection",
                    "system_name": f"faults_{tag}",
                    "approval_method": "automatic",
                    "steps": [
                        {
                            "description": "due at once",
                            "schedule": {"kind": "after", "span": 0, "period": "days"},
                            "initial": {
                                "email_subject": "Service due for {{ serial_number }}",
                                "email_body": "Dear {{ customer_name }}, your service is due.",
                            },
                        }
                    ],
                    "links": [{"main_product_id": product["id"], "apply_to_main_product": True}],
                },
            ),
            201,
        )
        self._product_id, self._customer_id = product["id"], customer["id"]

    def spawn(self, work: Awaitable[None]) -> None:
        async def limited() -> None:
            async with self._limit:
                await work

        task = asyncio.create_task(limited())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _retrying(
        self, what: str, attempt: Callable[[], Awaitable[int | str]], ok: frozenset[int | str]
    ) -> bool:
        """Try until accepted or ``recovery_seconds`` pass; every answer is counted."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.plan.recovery_seconds
        while True:
            try:
                status = await attempt()
            except Exception as e:  # every failure to be accepted is an answer to retry
                status = type(e).__name__
                self.errors.setdefault(f"{what} {status}", str(e)[:200])
            self.statuses[(what, status)] += 1
            if status in ok:
                return True
            if isinstance(status, int) and 400 <= status < 500 and status != 429:
                self.never_accepted[f"{what} {status}"] += 1
                return False
            if loop.time() > deadline:
                self.never_accepted[what] += 1
                return False
            await asyncio.sleep(0.5)

    def _request(self, key: str, sms: bool) -> dict[str, Any]:
        content = (
            {"sms_text": f"Fault run {key}"}
            if sms
            else {"email_subject": f"Fault run {key}", "email_body": f"<p>Message {key}</p>"}
        )
        recipient = {"mobiles": ["+46700000000"]} if sms else {"emails": [f"{key}@example.com"]}
        return {
            "idempotency_key": key,
            "requester": HTTP_REQUESTER,
            "requester_reference": key,
            "recipient": recipient,
            "channel": "sms" if sms else "email",
            "content": content,
        }

    async def send_http(self, key: str, *, sms: bool = False) -> None:
        body = self._request(key, sms)

        async def attempt() -> int:
            return (await self.client.post("/api/messages", json=body)).status_code

        if await self._retrying("http", attempt, frozenset({200, 202})):
            self.http[key] = time.time()

    async def _channel(self) -> aio_pika.abc.AbstractChannel:
        async with self._amqp_lock:
            if self._amqp is None or self._amqp.is_closed:
                self._amqp = await aio_pika.connect(self.stack.config.amqp_url, timeout=5)
            return await self._amqp.channel(publisher_confirms=True)

    async def send_amqp(self, key: str) -> None:
        command = SendMessage(
            idempotency_key=key,
            requester=AMQP_REQUESTER,
            requester_reference=key,
            recipient=Recipient(emails=[f"{key}@example.com"]),
            content=InlineContent(email_subject=f"Fault run {key}", email_body=f"<p>{key}</p>"),
        )
        envelope = Envelope.wrap(command)
        body = json.dumps(envelope.to_json_dict()).encode()

        async def attempt() -> str:
            try:
                channel = await self._channel()
                exchange = await channel.get_exchange(COMMANDS_EXCHANGE, ensure=False)
                await asyncio.wait_for(
                    exchange.publish(
                        aio_pika.Message(
                            body,
                            message_id=str(envelope.message_id),
                            content_type="application/json",
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        ),
                        routing_key=SendMessage.TYPE,
                        mandatory=True,
                    ),
                    10,
                )
            except Exception:
                # A connection the broker's death left behind is not reused.
                async with self._amqp_lock:
                    if self._amqp is not None:
                        with contextlib.suppress(Exception):
                            await self._amqp.close()
                    self._amqp = None
                raise
            with contextlib.suppress(Exception):
                await channel.close()
            return "confirmed"

        if await self._retrying("amqp", attempt, frozenset({"confirmed"})):
            self.amqp[key] = time.time()

    async def register_item(self, serial: str) -> None:
        body = {
            "serial_number": serial,
            "product_id": self._product_id,
            "owner_customer_id": self._customer_id,
            "startup_date": datetime.now(UTC).date().isoformat(),
        }
        tried = False

        async def attempt() -> int:
            nonlocal tried
            status = (await self.client.post("/api/serial-items", json=body)).status_code
            # A retry whose first try was stored but unanswered meets its own serial.
            if status == 409 and tried:
                return 201
            tried = True
            return status

        if await self._retrying("serial item", attempt, frozenset({201})):
            self.items[serial] = time.time()

    def next_key(self, kind: str) -> str:
        self._counter += 1
        return f"{self.tag}-{kind}-{self._counter:06d}"

    async def flow(self, stop: asyncio.Event) -> None:
        """Start work at the plan's rates until ``stop`` is set."""
        rates = {
            "http": self.plan.http_per_second,
            "amqp": self.plan.amqp_per_second,
            "item": self.plan.items_per_second,
        }
        due = dict.fromkeys(rates, 0.0)
        tick = 0.05
        http_count = 0
        while not stop.is_set():
            for kind, rate in rates.items():
                due[kind] += rate * tick
                while due[kind] >= 1:
                    due[kind] -= 1
                    if kind == "http":
                        http_count += 1
                        sms = self.plan.sms_every > 0 and http_count % self.plan.sms_every == 0
                        self.spawn(self.send_http(self.next_key("sms" if sms else "http"), sms=sms))
                    elif kind == "amqp":
                        self.spawn(self.send_amqp(self.next_key("amqp")))
                    else:
                        self.spawn(self.register_item(f"SN-{self.next_key('item')}"))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), tick)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


# --- the faults ------------------------------------------------------------------------


async def _ready(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2, trust_env=False) as client:
            return (await client.get(f"{url}/readyz")).status_code == 200
    except httpx.HTTPError:
        return False


async def _recovered(stack: Stack, names: list[str], fault: Fault, within: float) -> None:
    """Record, per process, the seconds from the fault's start to ``/readyz`` 200."""

    async def one(name: str) -> None:
        try:
            await eventually(
                lambda: _ready(stack.config.url(name)),
                within=within,
                interval=0.1,
                what=f"{name} ready after {fault.name}",
            )
            fault.recovery[name] = time.time() - fault.started
        except AssertionError:
            fault.recovery[name] = None

    await asyncio.gather(*(one(n) for n in names))


def _kill(stack: Stack, name: str, signum: signal.Signals = signal.SIGKILL) -> None:
    process = stack.processes[name]
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)
    process.wait(60)


async def inject(
    stack: Stack, infra: PrivateInfrastructure, work: Workload, plan: FaultPlan
) -> list[Fault]:
    faults: list[Fault] = []
    everyone = [s.name for s in SERVICES]

    async def pause() -> None:
        await asyncio.sleep(plan.pause_seconds)  # work flows between two faults

    await pause()
    for name in plan.kill:
        fault = Fault(f"SIGKILL {name}", time.time())
        _kill(stack, name)
        stack.restart(name)
        await _recovered(stack, [name], fault, plan.recovery_seconds)
        faults.append(fault)
        await pause()

    fault = Fault("kill -9 RabbitMQ", time.time())
    infra.rabbit.kill()
    await asyncio.to_thread(infra.rabbit.start)
    fault.down_seconds = time.time() - fault.started
    await _recovered(stack, everyone, fault, plan.recovery_seconds)
    faults.append(fault)
    await pause()

    async def crash_postgres(name: str) -> Fault:
        fault = Fault(name, time.time())
        await asyncio.to_thread(infra.postgres.stop_immediately)
        await asyncio.sleep(plan.outage_seconds)  # the outage itself
        await asyncio.to_thread(infra.postgres.start)
        fault.down_seconds = time.time() - fault.started
        await _recovered(stack, everyone, fault, plan.recovery_seconds)
        return fault

    faults.append(await crash_postgres("PostgreSQL crash (immediate), under load"))
    await pause()

    # A backlog: the senders stopped, e-mails queued, the senders started, and the
    # database crashed while they drain it.
    for name in SENDERS:
        _kill(stack, name, signal.SIGTERM)
    backlog = [work.next_key("backlog") for _ in range(plan.backlog)]
    await asyncio.gather(*(work.send_http(key) for key in backlog))
    for name in SENDERS:
        stack.restart(name)
    started = Fault("senders started on the backlog", time.time())
    await _recovered(stack, list(SENDERS), started, plan.recovery_seconds)
    faults.append(await crash_postgres(f"PostgreSQL crash (immediate), {plan.backlog} queued"))
    return faults


# --- counting --------------------------------------------------------------------------


async def _declare_results_queue(amqp_url: str) -> None:
    connection = await aio_pika.connect(amqp_url, timeout=10)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(RESULTS_QUEUE, durable=True)
        await queue.bind(EVENTS_EXCHANGE, routing_key="notifications.message.*")
    finally:
        await connection.close()


async def _results(amqp_url: str, seen: dict[tuple[str, str], str]) -> None:
    """Take every result event a requester would have received so far."""
    connection = await aio_pika.connect(amqp_url, timeout=10)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(RESULTS_QUEUE, durable=True)
        while (message := await queue.get(fail=False, no_ack=False)) is not None:
            envelope = json.loads(message.body)
            payload = envelope["payload"]
            seen[(payload["requester"], payload["idempotency_key"])] = envelope["type"]
            await message.ack()
    finally:
        await connection.close()


async def _dead_letters(amqp_url: str) -> dict[str, int]:
    connection = await aio_pika.connect(amqp_url, timeout=10)
    counts = {}
    try:
        channel = await connection.channel()
        for spec in ALL_QUEUES:
            queue = await channel.declare_queue(spec.dead_letter_name, passive=True)
            count = queue.declaration_result.message_count or 0
            if count:
                counts[spec.dead_letter_name] = count
    finally:
        await connection.close()
    return counts


@dataclass
class _Evidence:
    messages: dict[tuple[str, str], MessageRow]
    by_id: dict[uuid.UUID, MessageRow]
    callouts: dict[str, tuple[str, uuid.UUID | None]]  # serial → (state, message id)
    mail: dict[uuid.UUID, list[int]]
    sms: dict[uuid.UUID, list[int]]


async def _evidence(stack: Stack, tag: str) -> _Evidence:
    config = stack.config

    async def connect(service: str) -> asyncpg.Connection:
        url = database_url(config.postgres_url, config.database_name(service), "postgresql")
        return await asyncpg.connect(url, timeout=10)

    notifications = await connect("notifications")
    try:
        rows = await notifications.fetch(
            "SELECT requester, idempotency_key, m.id, status,"
            " pg_xact_commit_timestamp(m.xmin) AS committed,"
            " a.started_at AS open_attempt, a.phase || ': ' || coalesce(a.detail, '')"
            "   || ' (ended ' || coalesce(a.ended_at::text, 'never') || ')' AS attempt_detail"
            " FROM message m LEFT JOIN LATERAL ("
            # The attempt an unconfirmed message's "may have gone out" is about: the one
            # that ended unconfirmed (or, while a delivery runs, the one with no outcome).
            "   SELECT started_at, phase, detail, ended_at FROM delivery_attempt"
            "   WHERE message_id = m.id AND (outcome IS NULL OR outcome = 'unconfirmed')"
            "   ORDER BY started_at DESC LIMIT 1) a ON true"
        )
    finally:
        await notifications.close()
    messages, by_id = {}, {}
    for r in rows:
        row = MessageRow(
            r["id"],
            r["status"],
            fault_counts.commit_ns(r["committed"]),
            fault_counts.commit_ns(r["open_attempt"]),
            r["attempt_detail"],
        )
        messages[(r["requester"], r["idempotency_key"])] = row
        by_id[r["id"]] = row
    scheduling = await connect("scheduling")
    try:
        callouts = await scheduling.fetch(
            "SELECT s.serial_number, c.state, c.message_id FROM callout c"
            " JOIN serial_item s ON s.id = c.serial_item_id WHERE s.serial_number LIKE $1",
            f"SN-{tag}-%",
        )
    finally:
        await scheduling.close()
    return _Evidence(
        messages,
        by_id,
        {c["serial_number"]: (c["state"], c["message_id"]) for c in callouts},
        fault_counts.read_mail(config.mail_dir),
        fault_counts.read_sms(config.sms_dir),
    )


def _count(
    work: Workload,
    evidence: _Evidence,
    results: dict[tuple[str, str], str],
    faults: list[Fault],
) -> tuple[list[Tally], Window]:
    marks = [f.mark() for f in faults]
    kills = [f.outage() for f in faults if f.name not in HARMLESS_FOR_ATTEMPTS]
    window = fault_counts.duplicate_window(evidence.by_id.values(), evidence.mail, marks)
    deliveries = evidence.mail | {k: evidence.mail.get(k, []) + v for k, v in evidence.sms.items()}
    tallies = []
    for contract, requester, keys in (
        ("HTTP send requests", HTTP_REQUESTER, work.http),
        ("AMQP send commands", AMQP_REQUESTER, work.amqp),
    ):
        rows = {
            key: row for key in keys if (row := evidence.messages.get((requester, key))) is not None
        }
        reported = {key: (requester, key) in results for key in keys}
        tallies.append(
            fault_counts.tally(
                contract,
                keys,
                rows,
                deliveries,
                reported=reported,
                faults=marks,
                window_ms=window.max_ms,
                sender_kills=kills,
            )
        )
    callout_rows: dict[str, MessageRow] = {}
    waiting: set[str] = set()
    for serial, (state, message_id) in evidence.callouts.items():
        if state in fault_counts.WAITING_CALLOUT:
            waiting.add(serial)
        if message_id is not None and message_id in evidence.by_id:
            callout_rows[serial] = evidence.by_id[message_id]
    callouts = fault_counts.tally(
        "due callouts",
        work.items,
        callout_rows,
        deliveries,
        reported={s: s in evidence.callouts and s not in waiting for s in work.items},
        faults=marks,
        window_ms=window.max_ms,
        sender_kills=kills,
    )
    callouts.stuck = sorted(set(callouts.stuck) | (waiting & set(work.items)))
    tallies.append(callouts)
    return tallies, window


def _pending(tallies: list[Tally]) -> int:
    return sum(len(t.lost) + len(t.stuck) + len(t.unreported) for t in tallies)


async def run(stack: Stack, infra: PrivateInfrastructure, plan: FaultPlan) -> FaultReport:
    """Work through every contract, inject the faults, settle, and count."""
    started = time.monotonic()
    tag = uuid.uuid4().hex[:8]
    await _declare_results_queue(stack.config.amqp_url)
    results: dict[tuple[str, str], str] = {}
    async with Workload(stack, plan, tag) as work:
        stop = asyncio.Event()
        flowing = asyncio.create_task(work.flow(stop))
        try:
            faults = await inject(stack, infra, work, plan)
            await asyncio.sleep(plan.pause_seconds)  # work flows after the last fault too
        finally:
            stop.set()
            await flowing
            await work.drain()

        async def counted() -> tuple[list[Tally], Window]:
            await _results(stack.config.amqp_url, results)
            return _count(work, await _evidence(stack, tag), results, faults)

        settled = True
        try:
            await eventually(
                counted,
                until=lambda counts: _pending(counts[0]) == 0,
                within=plan.settle_seconds,
                interval=1.0,
                what="every accepted message delivered or failed, and reported",
            )
        except AssertionError:
            settled = False
        tallies, window = await counted()
        return FaultReport(
            tallies=tallies,
            window=window,
            faults=faults,
            dead_letters=await _dead_letters(stack.config.amqp_url),
            statuses=work.statuses,
            never_accepted=work.never_accepted,
            errors=work.errors,
            settled=settled,
            seconds=time.monotonic() - started,
        )
