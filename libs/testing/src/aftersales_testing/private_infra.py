"""A RabbitMQ node and a PostgreSQL cluster of a test's own, to kill and restart.

The machine's PostgreSQL and RabbitMQ are shared by every test run and every developer:
a fault test never touches them. It starts these instead, on spare ports (outside the
kernel's ephemeral range 32768-60999 and away from the services' ports), in a temporary
directory, and removes every process and file when it ends, also when it fails.

- ``PrivateRabbit``: ``rabbitmq-server`` with its own node name, AMQP and distribution
  ports, its own ``epmd`` port (so nothing it starts outlives it), data, log, config and an
  empty plugins file (no management listener to clash with). ``kill()`` is ``kill -9`` of
  the Erlang VM; ``start()`` again comes back with the same durable queues.
- ``PrivatePostgres``: ``initdb`` + ``pg_ctl`` (as the ``postgres`` user when run as root),
  trust auth on 127.0.0.1, ``track_commit_timestamp`` on so a fault suite can read when a
  row's last change committed. ``stop_immediately()`` is ``pg_ctl stop -m immediate``
  (a crash: no checkpoint, every connection cut); ``start()`` recovers from the WAL.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

RABBITMQ_HOW_TO = (
    "the fault suite starts its own RabbitMQ node and needs `rabbitmq-server` and `rabbitmqctl`"
    " (Debian: apt-get install rabbitmq-server; .ci/run installs it)"
)
POSTGRES_HOW_TO = (
    "the fault suite starts its own PostgreSQL cluster and needs `initdb`, `pg_ctl` and"
    " `postgres` (Debian: apt-get install postgresql, found in /usr/lib/postgresql/*/bin;"
    " .ci/run installs it)"
)

# Spare ports: below the ephemeral range, clear of 5432/5672/8000-8070/18000-18070 and of
# RabbitMQ's default distribution port 25672 (the shared node's), and of the fault stack's
# services (21000-21070, fault_suite).
PORT_RANGE = range(26000, 30000)


class MissingBinary(RuntimeError):
    """A program the private infrastructure needs is not installed; says what to install."""


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def spare_ports(count: int, *, start: int | None = None) -> list[int]:
    """``count`` consecutive free ports in ``PORT_RANGE`` (from a pid-dependent start, so
    two runs at once rarely collide)."""
    first = start if start is not None else PORT_RANGE.start + (os.getpid() * 7) % 2000
    for base in range(first, PORT_RANGE.stop - count):
        candidates = list(range(base, base + count))
        if all(_free(p) for p in candidates):
            return candidates
    raise RuntimeError(f"no {count} free consecutive ports in {PORT_RANGE}")


def _rabbitmq_bin(name: str) -> str:
    # The Debian wrappers in /usr/sbin switch to the rabbitmq user and its home (cookie,
    # env file); the scripts they call run as whoever calls them, with our environment.
    for candidate in (f"/usr/lib/rabbitmq/bin/{name}", shutil.which(name)):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise MissingBinary(f"`{name}` not found: {RABBITMQ_HOW_TO}")


def _postgres_bin_dir() -> Path:
    found = shutil.which("initdb")
    if found:
        directory = Path(os.path.realpath(found)).parent
        if (directory / "pg_ctl").exists():
            return directory
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[4]))
    for version_dir in reversed(versions):
        if (Path(version_dir) / "initdb").exists():
            return Path(version_dir)
    raise MissingBinary(f"`initdb` not found: {POSTGRES_HOW_TO}")


def require_binaries() -> None:
    """Raise ``MissingBinary`` naming what to install when a program is missing."""
    _rabbitmq_bin("rabbitmq-server")
    _rabbitmq_bin("rabbitmqctl")
    bin_dir = _postgres_bin_dir()
    for name in ("pg_ctl", "postgres"):
        if not (bin_dir / name).exists():
            raise MissingBinary(f"`{name}` not found in {bin_dir}: {POSTGRES_HOW_TO}")


class PrivateRabbit:
    def __init__(self, directory: Path, amqp_port: int, dist_port: int, epmd_port: int) -> None:
        self.directory = directory
        self.amqp_port = amqp_port
        self.node = f"aftersales-faults-{amqp_port}@localhost"
        self.url = f"amqp://guest:guest@127.0.0.1:{amqp_port}/"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "enabled_plugins").write_text("[].\n")
        (directory / "rabbitmq-env.conf").write_text("")  # not the machine's env file
        (directory / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{amqp_port}\n"
            # The shared broker's own memory alarm must not stop ours: a fixed ceiling.
            "vm_memory_high_watermark.absolute = 1GB\n"
            "disk_free_limit.absolute = 50MB\n"
        )
        self.env = {
            "HOME": str(directory),  # the Erlang cookie lives here, ours alone
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(amqp_port),
            "RABBITMQ_DIST_PORT": str(dist_port),
            "ERL_EPMD_PORT": str(epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_FLAGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "RABBITMQ_MNESIA_BASE": str(directory / "mnesia"),
            "RABBITMQ_LOG_BASE": str(directory / "log"),
            "RABBITMQ_PID_FILE": str(directory / "rabbit.pid"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(directory / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(directory / "rabbitmq.conf"),
            "RABBITMQ_CONF_ENV_FILE": str(directory / "rabbitmq-env.conf"),
        }
        self._server: subprocess.Popen[bytes] | None = None

    def _environ(self) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL"))}
        return inherited | self.env

    def _ctl(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [_rabbitmq_bin("rabbitmqctl"), "-n", self.node, *args],
            env=self._environ(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )

    def start(self, timeout: float = 90.0) -> None:
        log = (self.directory / "server.out").open("ab")
        self._server = subprocess.Popen(
            [_rabbitmq_bin("rabbitmq-server")],
            env=self._environ(),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.directory,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        # await_startup answers at once while the node has not registered with epmd yet.
        while True:
            if self._server.poll() is not None:
                raise RuntimeError(f"rabbitmq-server exited: {self.log_tail()}")
            if self._ctl("await_startup", "--timeout", "30", timeout=60).returncode == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"RabbitMQ {self.node} not up in {timeout}s: {self.log_tail()}")
            time.sleep(0.3)

    def beam_pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError):
            return int((self.directory / "rabbit.pid").read_text().strip())
        return None

    def kill(self) -> None:
        """``kill -9`` the broker's Erlang VM (and its start script)."""
        pid = self.beam_pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self._server is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._server.pid, signal.SIGKILL)
            self._server.wait()
            self._server = None
        (self.directory / "rabbit.pid").unlink(missing_ok=True)

    def stop(self) -> None:
        """Stop the node if it runs, and the epmd it started; leaves no process behind."""
        if self._server is not None and self._server.poll() is None:
            self._ctl("stop", timeout=60)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._server.wait(30)
        self.kill()
        epmd = shutil.which("epmd") or next(iter(glob.glob("/usr/lib/erlang/erts-*/bin/epmd")), "")
        if epmd:
            subprocess.run([epmd, "-kill"], env=self._environ(), capture_output=True, check=False)

    def log_tail(self, chars: int = 3000) -> str:
        parts = []
        logs = sorted((self.directory / "log").glob("*.log"))
        for path in (self.directory / "server.out", *logs):
            with contextlib.suppress(OSError):
                parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-chars:]}")
        return "\n".join(parts)


class PrivatePostgres:
    def __init__(self, directory: Path, port: int) -> None:
        self.bin = _postgres_bin_dir()
        self.directory = directory
        self.port = port
        self.data = directory / "data"
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        directory.mkdir(parents=True, exist_ok=True)
        # As root PostgreSQL must run as another user: ``postgres``, owning the directory.
        self._as: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(directory, "postgres", "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        )

    def _run(self, *argv: str, timeout: float = 120) -> None:
        result = subprocess.run(
            [*self._as, *argv],
            capture_output=True,
            timeout=timeout,
            check=False,
            cwd=self.directory,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(argv)} failed ({result.returncode}): "
                f"{result.stderr.decode(errors='replace')}{self.log_tail()}"
            )

    def _options(self) -> str:
        return (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
            " -c max_connections=200 -c track_commit_timestamp=on -c fsync=off"
        )

    def start(self) -> None:
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.directory / "postgres.log"),
            "-o",
            self._options(),
            "-w",
            "-t",
            "120",
            "start",
        )

    def stop_immediately(self) -> None:
        """A crash: every backend ends at once, no checkpoint; recovery on the next start."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def stop(self) -> None:
        if self.running():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def log_tail(self, chars: int = 3000) -> str:
        with contextlib.suppress(OSError):
            return "\n" + (self.directory / "postgres.log").read_text(errors="replace")[-chars:]
        return ""


@dataclass
class PrivateInfrastructure:
    rabbit: PrivateRabbit
    postgres: PrivatePostgres
    directory: Path

    @property
    def amqp_url(self) -> str:
        return self.rabbit.url

    @property
    def postgres_url(self) -> str:
        return self.postgres.url


@contextlib.contextmanager
def private_infrastructure() -> Iterator[PrivateInfrastructure]:
    """Start a private RabbitMQ node and PostgreSQL cluster; stop them and delete their
    files at the end, whatever happens."""
    require_binaries()
    directory = Path(tempfile.mkdtemp(prefix="aftersales-faults-"))
    directory.chmod(0o755)  # the postgres user walks through it to its own directory
    amqp, dist, epmd, pg = spare_ports(4)
    rabbit: PrivateRabbit | None = None
    postgres: PrivatePostgres | None = None
    try:
        rabbit = PrivateRabbit(directory / "rabbitmq", amqp, dist, epmd)
        postgres = PrivatePostgres(directory / "postgres", pg)
        postgres.start()
        rabbit.start()
        yield PrivateInfrastructure(rabbit, postgres, directory)
    finally:
        try:
            if rabbit is not None:
                rabbit.stop()
        finally:
            try:
                if postgres is not None:
                    try:
                        postgres.stop()
                    except (RuntimeError, subprocess.TimeoutExpired):
                        # A fast stop that fails must not leave a postmaster behind.
                        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                            postgres.stop_immediately()
            finally:
                shutil.rmtree(directory, ignore_errors=True)
