"""Messages per second from send request to the local SMTP sink, with one and with two
e-mail sender processes; or (``--channel sms``) to the fake SMS provider, with SMS senders.

For each sender count: a fresh database and broker prefix; the SMTP sink
(``aftersales_testing.smtp_sink``), the notifications API (``notifications.main``) and
the e-mail senders (``notifications.sender``) each run as their own process, as in
production. N send requests go to ``POST /messages`` (the HTTP send contract, the path
outside systems use; ``CONCURRENCY`` in flight), each to its own address; the clock runs
from the first request until the N-th e-mail is a file in the sink. Prints the rate the
API accepted requests at, the end-to-end rate, and each process's peak resident memory
(VmHWM).

"commands": the same N as ``SendMessage`` commands published to the broker (the path
other services use: scheduling's due callouts and "send now"), end to end.

"wrk": the same N over HTTP, posted by wrk (Debian's package, a Lua script making each
request's body) instead of httpx: httpx spends ~3 ms of CPU a request on the two cores
the API needs too, which holds the requests to ~200 a second and the API's group commit
to ~3 requests a group; wrk spends microseconds. E-mail only.

Then the same with a backlog ("drain"): the N requests are accepted with no sender
running, then the senders start; the clock runs from the first e-mail in the sink to the
N-th. This is the senders' own rate, apart from the API's, and what running a second
sender process buys when a queue has piled up.

``--channel sms``: the same phases (no latency) for SMS: each request to its own mobile
number, the fake provider (``notifications.fake_sms``, a process writing a JSON file per
SMS) in place of the sink, ``notifications.sms_sender`` in place of the e-mail sender,
its pacing (``NOTIFICATIONS_SMS_RATE_PER_SECOND``, 10 a second by default) lifted as the
e-mail pacing is; the ceilings then name the fake provider's own rate.

Usage: uv run python bench/notifications_send.py [N]   (defaults to 2000)
       uv run python bench/notifications_send.py 2000 --channel sms --senders 1
       uv run python bench/notifications_send.py 2000 --senders 1 --phases end-to-end \
           --profile var/profiles/send     # py-spy over every process of the measured phase
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aio_pika
import batch_sizes
import ceilings
import httpx
from installed_base_import import SharedCpu
from profiling import sampled

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.notifications import SendMessage
from aftersales_contracts.topology import COMMANDS_EXCHANGE
from aftersales_testing.infrastructure import create_database, delete_topology, drop_database
from aftersales_testing.smtp_sink import free_port

POSTGRES = os.environ.get(
    "AFTERSALES_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
AMQP = os.environ.get("AFTERSALES_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
MIGRATIONS = Path(__file__).parent.parent / "services/notifications/src/notifications/migrations"
CONCURRENCY = 32
SENDER_COUNTS = (1, 2)
DEADLINE_SECONDS = 900.0


@dataclass(frozen=True)
class Channel:
    """What a channel's run starts and counts: its sender processes and where its
    messages arrive (the SMTP sink's ``.eml`` files, the fake provider's ``.json``)."""

    name: str
    sender_label: str
    sender_module: str
    sender_port_variable: str
    sink_label: str
    sink_module: str
    suffix: str
    arrived: str  # "in the sink", as the report says it


EMAIL = Channel(
    "email",
    "e-mail sender",
    "notifications.sender",
    "NOTIFICATIONS_SENDER_HTTP_PORT",
    "smtp sink",
    "aftersales_testing.smtp_sink",
    ".eml",
    "in the sink",
)
SMS = Channel(
    "sms",
    "SMS sender",
    "notifications.sms_sender",
    "NOTIFICATIONS_SMS_SENDER_HTTP_PORT",
    "fake SMS provider",
    "notifications.fake_sms",
    ".json",
    "at the provider",
)
CHANNELS = {c.name: c for c in (EMAIL, SMS)}


def notifications_env(url: str, prefix: str, api_port: int, smtp_port: int) -> dict[str, str]:
    """The environment of the bench's notifications processes: its database, broker
    prefix and sink; the daily quota and the e-mail pacing out of the way."""
    return os.environ | {
        "NOTIFICATIONS_DATABASE_URL": url,
        "NOTIFICATIONS_AMQP_URL": AMQP,
        "NOTIFICATIONS_BROKER_PREFIX": prefix,
        "NOTIFICATIONS_HTTP_PORT": str(api_port),
        "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
        "NOTIFICATIONS_SMTP_PORT": str(smtp_port),
        "NOTIFICATIONS_LOG_LEVEL": "WARNING",
        # One requester sends every message of the bench: the daily quota is not measured.
        "NOTIFICATIONS_DAILY_EMAILS_PER_REQUESTER": "10000000",
        # The pacing a provider asks for (20 a second per server by default) would be
        # the measured rate: the local sink asks for none.
        "NOTIFICATIONS_SMTP_RATE_PER_SECOND": "1000000",
        "NOTIFICATIONS_SMTP_RATE_BURST": "1000",
    }


def sms_env(provider_port: int) -> dict[str, str]:
    """SMS set up against the fake provider, its pacing (10 a second per SMS sender by
    default) and the daily SMS quotas lifted as the e-mail ones are."""
    return {
        "NOTIFICATIONS_SMS_PROVIDER_URL": f"http://127.0.0.1:{provider_port}",
        "NOTIFICATIONS_SMS_RATE_PER_SECOND": "1000000",
        "NOTIFICATIONS_SMS_RATE_BURST": "1000",
        "NOTIFICATIONS_DAILY_SMS_PER_REQUESTER": "10000000",
        "NOTIFICATIONS_DAILY_SMS_SEGMENTS_PER_REQUESTER": "10000000",
    }


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def stop_all(processes: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
    """Stop a bench's processes, the last started first (the senders before the sink: a
    sender still at work meets no closed port)."""
    for _, process in reversed(processes):
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def request(run: str, i: int, channel: str = "email") -> dict[str, object]:
    sms = channel == "sms"
    return {
        "idempotency_key": f"bench-{run}-{i}",
        "requester": "bench",
        "requester_reference": f"ref-{i}",
        "recipient": {"mobiles": [f"+4670{i:07d}"]}
        if sms
        else {"emails": [f"customer{i}@example.com"]},
        "channel": channel,
        "content": {"sms_text": "{{ customer_name }}: {{ serial_number }} is due for service."}
        if sms
        else {
            "email_subject": "Service due for {{ serial_number }}",
            "email_body": "<p>Dear {{ customer_name }},</p><p>your machine is due for service.</p>",
        },
        "values": {"serial_number": f"SN-{i}", "customer_name": f"Customer {i}"},
        "business_object": {"kind": "bench.order", "id": f"o-{i % 100}", "version": 1},
    }


async def wait_ready(url: str, path: str = "/readyz") -> None:
    async with httpx.AsyncClient(timeout=5, trust_env=False) as client:
        for _ in range(600):
            try:
                if (await client.get(f"{url}{path}")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not become ready")


async def provider_ready(channel: Channel, port: int) -> None:
    """The fake SMS provider answers (the SMTP sink is not waited for: it never was)."""
    if channel is SMS:
        await wait_ready(f"http://127.0.0.1:{port}", "/messages")


def delivered(mail: Path, suffix: str = ".eml") -> int:
    return sum(1 for _ in mail.glob(f"*{suffix}"))


async def send_all(api: str, run: str, n: int, channel: str = "email") -> float:
    """Post the N requests; returns when the last was accepted (perf_counter)."""
    semaphore = asyncio.Semaphore(CONCURRENCY)
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(
        base_url=api, timeout=60, trust_env=False, limits=limits
    ) as client:
        retried: list[str] = []

        async def one(i: int) -> None:
            async with semaphore:
                # As a client does: a 503 (the database out of reach, e.g. a shared server
                # out of connections) or a dropped connection is tried again with the same
                # idempotency key, which never makes a second message.
                for _ in range(20):
                    try:
                        response = await client.post("/messages", json=request(run, i, channel))
                    except httpx.TransportError as error:
                        retried.append(type(error).__name__)
                    else:
                        if response.status_code != 503:
                            break
                        retried.append("503")
                    await asyncio.sleep(0.5)
                if response.status_code != 202:
                    raise RuntimeError(f"request {i}: {response.status_code} {response.text}")

        await asyncio.gather(*(one(i) for i in range(n)))
    if retried:
        print(f"  requests tried again: {dict(Counter(retried))}")
    return time.perf_counter()


# wrk's Lua: each request the next index in the template; once the N are accepted wrk
# exits (it would otherwise run out its duration; requests beyond N, sent on the other
# connections meanwhile, are health checks). wrk calls ``request`` once at start and
# drops what it returns: the index that call takes (0) is not sent, so they run to N.
_WRK_SCRIPT = """
local template = [[%(template)s]]
local quota, sent, accepted = %(n)d, 0, 0
local headers = {["Content-Type"] = "application/json"}
request = function()
  if sent > quota then return wrk.format("GET", "/healthz") end
  local i = sent
  sent = sent + 1
  return wrk.format("POST", "/messages", headers, string.format(template, %(indices)s))
end
response = function(status, headers, body)
  if status == 202 then
    accepted = accepted + 1
    if accepted >= quota then os.exit(0) end
  end
end
"""


async def send_all_wrk(api: str, run: str, n: int, channel: str = "email") -> float:
    """The N requests of ``send_all``, posted by wrk (C, one thread, CONCURRENCY
    connections: a few microseconds of CPU a request where httpx spends milliseconds,
    so the API meets requests at the rate it can take them); returns when the last was
    accepted. Needs ``wrk`` (Debian's package)."""
    marker = 987654321
    body = json.dumps(request(run, marker, channel)).replace(str(marker), "%d")
    script = _WRK_SCRIPT % {
        "template": body,
        "n": n,
        "indices": ", ".join(["i"] * body.count("%d")),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        wrk = await asyncio.create_subprocess_exec(
            "wrk",
            "-t1",
            f"-c{CONCURRENCY}",
            "-d600s",
            "-s",
            lua.name,
            api,
            stdout=asyncio.subprocess.PIPE,
        )
        out = (await wrk.communicate())[0].decode()
    finally:
        os.unlink(lua.name)
    if wrk.returncode != 0 or "Non-2xx" in out or "requests in" in out:
        # It ran out its duration: some request was not accepted.
        raise RuntimeError(f"wrk: not every request was accepted\n{out}")
    return time.perf_counter()


def persistent(envelope: Envelope[Any]) -> aio_pika.Message:
    """An envelope as a producer publishes it: JSON, persistent, its id the message id."""
    return aio_pika.Message(
        envelope.model_dump_json().encode(),
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=str(envelope.message_id),
    )


async def publish_all(prefix: str, run: str, n: int, kind: str = "email") -> float:
    """Publish the N requests as ``SendMessage`` commands (persistent, confirmed, 200 in
    flight), as scheduling's callouts and other services send them; returns when the
    last was confirmed (perf_counter)."""
    connection = await aio_pika.connect(AMQP)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(prefix + COMMANDS_EXCHANGE, ensure=False)

        async def one(i: int) -> None:
            envelope = Envelope.wrap(SendMessage.model_validate(request(run, i, kind)))
            await exchange.publish(persistent(envelope), routing_key=SendMessage.TYPE)

        for start in range(0, n, 200):
            await asyncio.gather(*(one(i) for i in range(start, min(n, start + 200))))
    return time.perf_counter()


async def measure(
    n: int, send: Callable[[], Coroutine[Any, Any, float]], mail: Path, suffix: str = ".eml"
) -> tuple[float, float]:
    """Seconds until all N were accepted, and until all N were in the sink."""
    started = time.perf_counter()
    sending = asyncio.create_task(send())
    deadline = started + DEADLINE_SECONDS
    while delivered(mail, suffix) < n:
        if time.perf_counter() > deadline:
            raise RuntimeError(
                f"only {delivered(mail, suffix)} of {n} messages within {DEADLINE_SECONDS}s"
            )
        if sending.done() and sending.exception() is not None:
            await sending
        await asyncio.sleep(0.05)
    finished = time.perf_counter()
    accepted = await sending
    return accepted - started, finished - started


async def drain(
    n: int,
    api: str,
    run: str,
    mail: Path,
    start_senders: Callable[[], list[str]],
    on_ready: Callable[[], None],
    channel: Channel = EMAIL,
) -> float:
    """Accept all N with no sender running, start the senders, and return the seconds
    from the first e-mail in the sink to the N-th."""
    await send_all(api, run, n, channel.name)
    sender_urls = start_senders()
    await asyncio.gather(*(wait_ready(u) for u in sender_urls))
    on_ready()
    deadline = time.perf_counter() + DEADLINE_SECONDS
    first: float | None = None
    while (count := delivered(mail, channel.suffix)) < n:
        if first is None and count > 0:
            first = time.perf_counter()
        if time.perf_counter() > deadline:
            raise RuntimeError(f"only {count} of {n} messages within {DEADLINE_SECONDS}s")
        await asyncio.sleep(0.02)
    return time.perf_counter() - (first or time.perf_counter())


PROBES = 100
PROBE_GAP_SECONDS = 0.2


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def latencies(
    api: str, run: str, mail: Path, background_rate: float, tag: str
) -> list[float]:
    """Milliseconds from each probe's request to its e-mail in the sink (the sink names
    each file by its arrival in nanoseconds), PROBES probes PROBE_GAP_SECONDS apart;
    with ``background_rate`` > 0 other requests flow meanwhile at that rate (open loop)."""
    seen: set[str] = set()
    arrived: dict[str, int] = {}  # probe address -> arrival (ns)

    def look() -> None:
        with os.scandir(mail) as entries:
            fresh = [e.name for e in entries if e.name.endswith(".eml") and e.name not in seen]
        for name in fresh:
            seen.add(name)
            head = (mail / name).read_bytes()[:2000]
            start = head.find(b"probe")
            if start >= 0:
                address = head[start : head.index(b"@", start)].decode()
                arrived[address] = int(name.split("-")[0])

    limits = httpx.Limits(max_connections=64)
    client = httpx.AsyncClient(base_url=api, timeout=60, trust_env=False, limits=limits)
    async with client:
        stop = asyncio.Event()

        async def background() -> None:
            started, k, tasks = time.perf_counter(), 0, set()
            while not stop.is_set():
                k += 1
                body = request(f"{run}-{tag}-bg", k)
                task = asyncio.create_task(client.post("/messages", json=body))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                await asyncio.sleep(max(0.0, started + k / background_rate - time.perf_counter()))
            await asyncio.gather(*tasks)

        loader = asyncio.create_task(background()) if background_rate > 0 else None
        await asyncio.sleep(2.0 if loader else 0.0)  # the background flow settles first
        sent: dict[str, int] = {}
        for k in range(PROBES):
            body = request(f"{run}-{tag}-probe", k)
            address = f"probe{tag}-{k}"
            body["recipient"] = {"emails": [f"{address}@example.com"]}
            sent[address] = time.time_ns()
            response = await client.post("/messages", json=body)
            if response.status_code != 202:
                raise RuntimeError(f"probe {k}: {response.status_code} {response.text}")
            await asyncio.sleep(PROBE_GAP_SECONDS)
            look()
        deadline = time.perf_counter() + 60
        while len(arrived) < PROBES and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
            look()
        stop.set()
        if loader is not None:
            await loader
    if len(arrived) < PROBES:
        raise RuntimeError(f"only {len(arrived)} of {PROBES} probes arrived")
    return [(arrived[a] - sent[a]) / 1e6 for a in sent]


def exited(processes: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
    """Say which process ended before the bench stopped it (a crash shows here)."""
    for label, process in processes:
        if process.poll() is not None:
            print(f"  {label} exited during the run, status {process.returncode}")


def run_with(
    senders: int,
    n: int,
    *,
    phase: str,
    profile: Path | None = None,
    background_rate: float = 0,
    channel: Channel = EMAIL,
) -> None:
    backlog = phase == "drain"
    run = uuid.uuid4().hex[:8]
    name = f"bench_notifications_{run}"
    prefix = f"bench-{run}"
    url = create_database(POSTGRES, name, MIGRATIONS)
    api_port, smtp_port = free_port(), free_port()
    env = notifications_env(url, prefix, api_port, smtp_port)
    if channel is SMS:
        env |= sms_env(smtp_port)  # the fake provider listens where the sink would
    processes: list[tuple[str, subprocess.Popen[bytes]]] = []
    # Each process's CPU time once all are ready: start-up (imports) is not counted.
    baseline: dict[int, float] = {}
    # PostgreSQL's and RabbitMQ's processes (every one on the machine), and the machine.
    shared: list[SharedCpu] = []

    profiling = contextlib.ExitStack()
    # The processes that serve /metrics, for their batch sizes.
    measured: list[tuple[str, str]] = [("API", f"http://127.0.0.1:{api_port}")]

    def on_ready() -> None:
        baseline.update({p.pid: cpu_seconds(p.pid) for _, p in processes})
        shared[:] = [SharedCpu()]
        if profile is not None:
            where = profile / f"{phase}-{senders}"
            pids = {label: p.pid for label, p in processes if label != channel.sink_label}
            profiling.enter_context(sampled(pids, where))

    def start_senders() -> list[str]:
        urls = []
        for i in range(senders):
            port = free_port()
            sender_env = env | {channel.sender_port_variable: str(port)}
            command = [sys.executable, "-m", channel.sender_module]
            label = f"{channel.sender_label} {i + 1}"
            processes.append((label, subprocess.Popen(command, env=sender_env)))
            urls.append(f"http://127.0.0.1:{port}")
            measured.append((label, urls[-1]))
        return urls

    with ceilings.sink_directory() as tmp:
        mail = Path(tmp) / "mail"
        try:
            sink_command = [sys.executable, "-m", channel.sink_module]
            sink_args = ["--host", "127.0.0.1", "--port", str(smtp_port), "--dir", str(mail)]
            sink = subprocess.Popen([*sink_command, *sink_args], stdout=subprocess.DEVNULL)
            processes.append((channel.sink_label, sink))
            api_command = [sys.executable, "-m", "notifications.main"]
            processes.append(("notifications API", subprocess.Popen(api_command, env=env)))
            api = f"http://127.0.0.1:{api_port}"

            if phase == "latency":

                async def probed() -> tuple[list[float], list[float]]:
                    urls = start_senders()
                    await asyncio.gather(*(wait_ready(u) for u in (api, *urls)))
                    idle = await latencies(api, run, mail, 0, "idle")
                    loaded = await latencies(api, run, mail, background_rate, "loaded")
                    return idle, loaded

                for label, values in zip(
                    ("idle", f"{background_rate:.0f} messages/s in the background"),
                    asyncio.run(probed()),
                    strict=True,
                ):
                    print(
                        f"{senders} sender(s), latency request -> sink, {label}:"
                        f" p50 {_percentile(values, 0.5):6.1f} ms"
                        f"  p95 {_percentile(values, 0.95):6.1f} ms  max {max(values):6.1f} ms"
                    )
                return
            if backlog:

                async def backlogged() -> float:
                    await wait_ready(api)
                    await provider_ready(channel, smtp_port)
                    return await drain(n, api, run, mail, start_senders, on_ready, channel)

                seconds = asyncio.run(backlogged())
                profiling.close()
                print(
                    f"{senders} sender(s), drain of {n} queued: {seconds:6.1f} s"
                    f" ({n / seconds:6.0f} messages/s)"
                )
            else:
                sender_urls = start_senders()
                by_command = phase == "commands"
                post_all = send_all_wrk if phase == "wrk" else send_all

                async def go() -> tuple[float, float]:
                    await asyncio.gather(*(wait_ready(u) for u in (api, *sender_urls)))
                    await provider_ready(channel, smtp_port)
                    on_ready()
                    if by_command:
                        return await measure(
                            n,
                            lambda: publish_all(prefix, run, n, channel.name),
                            mail,
                            channel.suffix,
                        )
                    return await measure(
                        n, lambda: post_all(api, run, n, channel.name), mail, channel.suffix
                    )

                accept_s, total_s = asyncio.run(go())
                profiling.close()
                how = (
                    "as AMQP commands, published"
                    if by_command
                    else f"over HTTP{' (wrk)' if phase == 'wrk' else ''}, accepted"
                )
                print(
                    f"{senders} sender(s), end to end {how}: {n} in {accept_s:6.1f} s"
                    f" ({n / accept_s:6.0f} /s), {channel.arrived} after {total_s:6.1f} s"
                    f" ({n / total_s:6.0f} messages/s)"
                )
            # The machine may be shared: the load says how much else ran meanwhile.
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(
                f"  load average {load}; peak RSS: "
                + ", ".join(f"{label} {peak_rss_mib(p.pid):.0f} MiB" for label, p in processes)
            )
            # CPU per message in the measured phase: where the time goes on a busy machine.
            print(
                "  CPU per message: "
                + ", ".join(
                    f"{label} {(cpu_seconds(p.pid) - baseline[p.pid]) * 1000 / n:.1f} ms"
                    for label, p in processes
                )
            )
            # The rest of the machine's CPU: PostgreSQL and RabbitMQ serve everything running
            # on it (other test runs too), the bench is the load generator.
            print(shared[0].line(n, "message") + f" (load average {os.getloadavg()[0]:.1f})")
            print(batch_sizes.line(measured))
        finally:
            exited(processes)
            stop_all(processes)
            asyncio.run(delete_topology(AMQP, prefix))
            drop_database(POSTGRES, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=2000, help="messages per run")
    parser.add_argument("--senders", type=int, nargs="+", default=list(SENDER_COUNTS))
    parser.add_argument(
        "--phases",
        nargs="+",
        choices=("end-to-end", "wrk", "commands", "drain", "latency"),
        help="default: end-to-end drain latency (e-mail), end-to-end commands drain (SMS)",
    )
    parser.add_argument("--channel", choices=tuple(CHANNELS), default="email")
    parser.add_argument(
        "--background-rate", type=float, default=40.0, help="messages/s during the latency probes"
    )
    parser.add_argument("--profile", type=Path, help="py-spy each process into this directory")
    args = parser.parse_args()
    channel = CHANNELS[args.channel]
    if args.phases is None:
        email = ["end-to-end", "drain", "latency"]
        args.phases = email if channel is EMAIL else ["end-to-end", "commands", "drain"]
    if channel is SMS and {"latency", "wrk"} & set(args.phases):
        parser.error("the latency and wrk phases are e-mail only: --channel email")
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()};"
        f" N = {args.n}, {CONCURRENCY} requests in flight"
    )
    asyncio.run(ceilings.measure(smtp=channel is EMAIL, sms=channel is SMS))
    for phase in args.phases:
        # Latency with one sender: what one more process would change is the rate.
        for senders in args.senders[:1] if phase == "latency" else args.senders:
            run_with(
                senders,
                args.n,
                phase=phase,
                profile=args.profile,
                background_rate=args.background_rate,
                channel=channel,
            )


if __name__ == "__main__":
    main()
