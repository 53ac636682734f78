"""The Kubernetes manifests (deploy/kubernetes) against the Kubernetes schemas and against
the code: every process of ``stack.SERVICES`` runs, probed on its own port, with a
disruption budget and a network policy, migrated first, configured only with settings its
``Settings`` reads, and with no secret written into a manifest."""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from aftersales_contracts import topology
from aftersales_kit import runtime
from aftersales_testing.stack import SERVICES, ServiceProcess

from .kustomize_render import Obj, key, pod_spec, render

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy/kubernetes"
BASE = KUBERNETES / "base"
LOCAL = KUBERNETES / "overlays/local"
KUBERNETES_VERSION = "1.29.0"
PACKAGE_OF = {"notifications-sender": "notifications", "notifications-sms-sender": "notifications"}
RENDERED = {"base": render(BASE), "local": render(LOCAL)}
PROCESSES = list(SERVICES)
# Names whose value is a credential or carries one: only ever from a Secret.
SECRET_NAME = re.compile(r"(PASSWORD|PASS|SECRET|KEY|TOKEN|DATABASE_URL|AMQP_URL)$")


def _objects(kind: str, overlay: str = "base") -> dict[str, Obj]:
    return {o["metadata"]["name"]: o for o in RENDERED[overlay] if o["kind"] == kind}


def _container(process: ServiceProcess, overlay: str = "base") -> Obj:
    spec = pod_spec(_objects("Deployment", overlay)[process.name])
    assert spec is not None
    containers: list[Obj] = spec["containers"]
    assert len(containers) == 1, f"{process.name}: one container per pod"
    return containers[0]


def _config_map_keys(name: str, overlay: str = "base") -> dict[str, str]:
    data: dict[str, str] = _objects("ConfigMap", overlay)[name]["data"]
    return data


def _environment(container: Obj, overlay: str = "base") -> dict[str, Any]:
    """Name -> a plain value, or ("secret", name, key, optional) for a secretKeyRef."""
    env: dict[str, Any] = {}
    for source in container.get("envFrom", []):
        env |= _config_map_keys(source["configMapRef"]["name"], overlay)
    for item in container.get("env", []):
        if "valueFrom" in item:
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = ("secret", ref["name"], ref["key"], ref.get("optional", False))
        else:
            env[item["name"]] = item["value"]
    return env


def _selects(selector: Obj, labels: dict[str, str]) -> bool:
    wanted: dict[str, str] = selector.get("matchLabels", {})
    return all(labels.get(k) == v for k, v in wanted.items())


def _pod_labels(process: ServiceProcess) -> dict[str, str]:
    labels: dict[str, str] = _objects("Deployment")[process.name]["spec"]["template"]["metadata"][
        "labels"
    ]
    return labels


# --- the schemas -----------------------------------------------------------------------


@pytest.mark.parametrize("overlay", ["base", "local"])
def test_every_object_is_valid_for_kubernetes(overlay: str) -> None:
    for obj in RENDERED[overlay]:
        if obj["apiVersion"].startswith("keda.sh/"):
            continue  # a CRD: the next test checks it
        # strict: an unknown or misspelt field is an error, not silently dropped
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_the_schema_check_refuses_a_misspelt_field() -> None:
    deployment = _objects("Deployment")["catalog"]
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_keda_scaled_objects_scale_a_sender_on_a_real_queue() -> None:
    scaled = _objects("ScaledObject")
    auth = _objects("TriggerAuthentication")
    queues = {q.name for q in topology.ALL_QUEUES}
    assert set(scaled) == {"notifications-sender", "notifications-sms-sender"}
    for name, obj in scaled.items():
        assert obj["apiVersion"] == "keda.sh/v1alpha1"
        spec = obj["spec"]
        assert spec["scaleTargetRef"]["name"] in _objects("Deployment")
        assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
        assert spec["triggers"], name
        for trigger in spec["triggers"]:
            assert trigger["type"] == "rabbitmq"
            assert trigger["metadata"]["queueName"] in queues, trigger
            assert trigger["metadata"]["mode"] in {"QueueLength", "MessageRate"}
            assert int(trigger["metadata"]["value"]) > 0
            assert trigger["authenticationRef"]["name"] in auth
    for obj in auth.values():
        for ref in obj["spec"]["secretTargetRef"]:
            assert {"parameter", "name", "key"} <= set(ref)


def test_the_renderer_agrees_with_kubectl_kustomize_where_installed() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: the pure-Python rendering alone is checked")
    for overlay, directory in (("base", BASE), ("local", LOCAL)):
        out = subprocess.run(
            [kubectl, "kustomize", str(directory)], capture_output=True, text=True, check=True
        ).stdout
        theirs = {key(o): o for o in yaml.safe_load_all(out) if o}
        ours = {key(o): o for o in RENDERED[overlay]}
        assert set(ours) == set(theirs), overlay
        different = [k for k in ours if ours[k] != theirs[k]]
        assert not different, f"{overlay}: rendered differently by kubectl: {different}"


# --- every process ---------------------------------------------------------------------


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.name)
def test_every_process_runs_its_command_and_is_probed_on_its_own_port(
    process: ServiceProcess,
) -> None:
    container = _container(process)
    assert container["command"] == [process.command]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    env = _environment(container)
    assert env[f"{process.env_prefix}{process.port_setting}"] == str(process.port)
    assert env[f"{process.env_prefix}HTTP_HOST"] == "0.0.0.0"  # a pod listens on its own address
    for probe, path in (
        ("startupProbe", "/healthz"),
        ("livenessProbe", "/healthz"),
        ("readinessProbe", "/readyz"),
    ):
        get = container[probe]["httpGet"]
        assert get["path"] == path, (process.name, probe)
        assert ports[get["port"]] == process.port, (process.name, probe)


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.name)
def test_probe_timeouts_fit_what_readiness_may_take(process: ServiceProcess) -> None:
    container = _container(process)
    # /readyz waits for the database and then the broker, each bounded by the kit: the
    # probe must outlast both so a hung dependency reads as 503, not as a probe timeout.
    readiness_bound = 2 * runtime._PROBE_SECONDS
    assert container["readinessProbe"]["timeoutSeconds"] > readiness_bound
    liveness = container["livenessProbe"]
    # A busy process is not a dead one: several periods without an answer restart it.
    assert liveness["timeoutSeconds"] * liveness["failureThreshold"] >= 9
    startup = container["startupProbe"]
    # Measured 15-19 s from start to ready with all seven starting at once on 2 cores.
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 60


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.name)
def test_every_process_has_a_disruption_budget_and_a_network_policy(
    process: ServiceProcess,
) -> None:
    labels = _pod_labels(process)
    budgets = [
        b
        for b in _objects("PodDisruptionBudget").values()
        if _selects(b["spec"]["selector"], labels)
    ]
    assert len(budgets) == 1, process.name
    assert budgets[0]["spec"].get("maxUnavailable") == 1
    own = _objects("NetworkPolicy")[process.name]
    assert own["spec"]["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": process.name}}
    assert set(own["spec"]["policyTypes"]) == {"Ingress", "Egress"}


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.name)
def test_every_container_has_requests_and_a_memory_limit(process: ServiceProcess) -> None:
    for overlay in ("base", "local"):
        resources = _container(process, overlay)["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"])
        # ~100-140 MiB per process (bench/README.md): the limit leaves room above it.
        assert _mebibytes(resources["limits"]["memory"]) >= 256, (overlay, process.name)
        assert _mebibytes(resources["limits"]["memory"]) > _mebibytes(
            resources["requests"]["memory"]
        )


def _mebibytes(quantity: str) -> float:
    units = {"Mi": 1.0, "Gi": 1024.0}
    return float(quantity[:-2]) * units[quantity[-2:]]


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.name)
def test_every_setting_a_manifest_sets_is_read_by_the_code(
    process: ServiceProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = PACKAGE_OF.get(process.name, process.name)
    settings_cls = importlib.import_module(f"{package}.settings").Settings
    fields = set(settings_cls.model_fields)
    for overlay in ("base", "local"):
        env = _environment(_container(process, overlay), overlay)
        for name, value in env.items():
            if name == "OTEL_EXPORTER_OTLP_ENDPOINT":
                continue
            assert name.startswith(process.env_prefix), f"{name} is not read by {process.name}"
            setting = name.removeprefix(process.env_prefix).lower()
            assert setting in fields, f"{overlay}: {name}: no such setting"
            monkeypatch.setenv(name, _stand_in(name) if isinstance(value, tuple) else value)
        settings_cls()  # the manifest's values are valid for the code


def _stand_in(name: str) -> str:
    if name.endswith("INTERNAL_SECRET"):
        return "an-internal-secret-of-at-least-32-characters"
    if name.endswith("INTERNAL_CLIENTS"):
        return '{"erp": "' + "0" * 64 + '"}'
    if name.endswith("DATABASE_URL"):
        return "postgresql+asyncpg://u:p@postgres:5432/db"
    if name.endswith("AMQP_URL"):
        return "amqp://u:p@rabbitmq:5672/"
    return "stand-in-secret"


# --- secrets ---------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", ["base", "local"])
def test_no_secret_is_written_into_a_manifest(overlay: str) -> None:
    assert not _objects("Secret", overlay), "Secrets are created apart (README: Secrets)"
    for obj in RENDERED[overlay]:
        spec = pod_spec(obj)
        if spec is None:
            continue
        for container in spec["containers"] + spec.get("initContainers", []):
            for name, value in _environment(container, overlay).items():
                if SECRET_NAME.search(name):
                    assert isinstance(value, tuple), f"{obj['metadata']['name']}: {name} in plain"
                else:
                    assert not re.search(r"://[^/@\s]+:[^/@\s]+@", str(value)), name
    for config_map in _objects("ConfigMap", overlay).values():
        for name in config_map.get("data", {}):
            assert not SECRET_NAME.search(name), f"{name} in a ConfigMap"


def test_the_local_secrets_script_creates_every_secret_the_overlay_needs(tmp_path: Path) -> None:
    needed: set[tuple[str, str]] = set()
    for obj in RENDERED["local"]:
        spec = pod_spec(obj)
        for container in (spec or {}).get("containers", []) + (spec or {}).get(
            "initContainers", []
        ):
            for value in _environment(container, "local").values():
                if isinstance(value, tuple) and not value[3]:
                    needed.add((value[1], value[2]))
    # kubectl stand-in: "get" finds nothing, "create secret" records its keys.
    log = tmp_path / "calls"
    fake = tmp_path / "kubectl"
    fake.write_text(
        '#!/bin/sh\nprintf "%s\\n" "$*" >> "' + str(log) + '"\n'
        'case "$*" in *" get "*|get*) exit 1;; esac\nexit 0\n'
    )
    fake.chmod(0o755)
    env = os.environ | {"PATH": f"{tmp_path}:{Path(sys.executable).parent}:{os.environ['PATH']}"}
    subprocess.run(
        ["bash", str(LOCAL / "create-secrets.sh")], env=env, check=True, capture_output=True
    )
    created: set[tuple[str, str]] = set()
    for line in log.read_text().splitlines():
        words = line.split()
        if "secret" in words and "create" in words:
            name = words[words.index("generic") + 1]
            for word in words:
                if word.startswith("--from-literal="):
                    literal = word.removeprefix("--from-literal=")
                    created.add((name, literal.split("=", 1)[0]))
                    assert literal.split("=", 1)[1], f"{name}: empty {literal}"
    assert needed <= created, needed - created


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.name)
def test_every_process_gets_the_one_internal_secret(process: ServiceProcess) -> None:
    # The gateway signs with it, every service and sender checks it (each refuses to start
    # outside development without it): one Secret key for all, never a plain value.
    for overlay in ("base", "local"):
        env = _environment(_container(process, overlay), overlay)
        assert env[f"{process.env_prefix}INTERNAL_SECRET"] == (
            "secret",
            "aftersales-internal",
            "INTERNAL_SECRET",
            False,
        ), overlay


# --- migrations ------------------------------------------------------------------------


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.name)
def test_every_process_waits_for_its_database_migrations(process: ServiceProcess) -> None:
    assert process.database is not None
    owner = next(p for p in SERVICES if p.migrations_package == process.database)
    job = _objects("Job")[f"{owner.name}-migrate"]
    spec = pod_spec(job)
    assert spec is not None
    assert spec["containers"][0]["command"] == ["aftersales-migrate", owner.name]
    deployment_spec = pod_spec(_objects("Deployment")[process.name])
    assert deployment_spec is not None
    (wait,) = deployment_spec["initContainers"]
    url_variable = f"{process.env_prefix}DATABASE_URL"
    assert wait["command"][1:] == [
        "/opt/aftersales/wait_for_migrations.py",
        owner.migrations_package,
        url_variable,
    ]
    # The same database as the container's own, and as the Job migrates.
    assert _environment(wait)[url_variable] == _environment(_container(process))[url_variable]
    assert _environment(wait)[url_variable] == _environment(spec["containers"][0])[url_variable]
    assert wait["image"] == _container(process)["image"]


def _wait(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BASE / "wait_for_migrations.py"), "servicetypes", "WAIT_URL", *extra],
        env=os.environ | {"WAIT_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_wait_ends_only_when_the_database_is_at_the_head(
    service_database: Callable[[str, Path | None], str],
) -> None:
    import servicetypes
    from aftersales_kit import migrations

    script_location = Path(servicetypes.__file__).parent / "migrations"
    url = service_database("servicetypes_wait", None)  # created, not migrated
    waited = _wait(url, "--timeout", "0.5", "--interval", "0.1")
    assert waited.returncode == 1, waited.stderr
    assert "waiting for" in waited.stderr

    migrations.upgrade(url, script_location, "0001")  # migrated, but not to the head
    assert _wait(url, "--timeout", "0.5", "--interval", "0.1").returncode == 1

    migrations.upgrade(url, script_location)
    done = _wait(url, "--timeout", "5")
    assert done.returncode == 0, done.stderr


def test_the_wait_refuses_to_run_without_its_database_url() -> None:
    waited = subprocess.run(
        [sys.executable, str(BASE / "wait_for_migrations.py"), "servicetypes", "NO_SUCH_URL"],
        env={k: v for k, v in os.environ.items() if k != "NO_SUCH_URL"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert waited.returncode == 2
    assert "NO_SUCH_URL is not set" in waited.stderr


# --- network policies ------------------------------------------------------------------


def _ingress_sources(process: ServiceProcess) -> list[Obj]:
    rules: list[Obj] = _objects("NetworkPolicy")[process.name]["spec"]["ingress"]
    return [source for rule in rules for source in rule["from"]]


def _process(name: str) -> ServiceProcess:
    return next(p for p in SERVICES if p.name == name)


def test_everything_is_denied_unless_a_policy_admits_it() -> None:
    deny = _objects("NetworkPolicy")["default-deny"]["spec"]
    assert deny["podSelector"] == {}
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny
    assert "egress" not in deny


def test_only_the_gateway_is_reachable_from_outside() -> None:
    for process in PROCESSES:
        for source in _ingress_sources(process):
            if "namespaceSelector" in source and "podSelector" not in source:
                assert process.name == "gateway", f"{process.name} admits a whole namespace"
                assert source["namespaceSelector"] == {
                    "matchLabels": {"aftersales.io/ingress": "true"}
                }
            assert "ipBlock" not in source, process.name


@pytest.mark.parametrize(
    "name", ["catalog", "servicetypes", "scheduling", "notifications", "fieldwork", "campaigns"]
)
def test_internal_services_admit_the_gateway_and_notifications_its_registered_clients(
    name: str,
) -> None:
    process = _process(name)
    expected = [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}}}]
    if name == "notifications":
        expected.append(
            {
                "namespaceSelector": {},
                "podSelector": {"matchLabels": {"aftersales.io/notifications-client": "true"}},
            }
        )
    assert _ingress_sources(process) == expected
    for rule in _objects("NetworkPolicy")[name]["spec"]["ingress"]:
        assert rule["ports"] == [{"port": process.port, "protocol": "TCP"}]


@pytest.mark.parametrize("name", ["notifications-sender", "notifications-sms-sender"])
def test_senders_admit_nothing_but_the_metrics_scraper(name: str) -> None:
    assert _objects("NetworkPolicy")[name]["spec"]["ingress"] == []
    scrape = _objects("NetworkPolicy")["allow-metrics-scrape"]["spec"]
    assert _selects(scrape["podSelector"], _pod_labels(_process(name)))
    (rule,) = scrape["ingress"]
    assert rule["from"] == [
        {"namespaceSelector": {"matchLabels": {"aftersales.io/monitoring": "true"}}}
    ]


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.name)
def test_every_process_may_reach_what_it_uses(process: ServiceProcess) -> None:
    egress = _objects("NetworkPolicy")[process.name]["spec"]["egress"]
    ports = {p["port"] for rule in egress for p in rule["ports"]}
    assert 5432 in ports
    env = _environment(_container(process))
    assert (5672 in ports) == (f"{process.env_prefix}AMQP_URL" in env), process.name
    dns = _objects("NetworkPolicy")["allow-dns"]["spec"]
    assert _selects(dns["podSelector"], _pod_labels(process))
    if process.name == "gateway":
        upstreams = {
            p.port
            for p in SERVICES
            if p.name
            in {"catalog", "servicetypes", "scheduling", "notifications", "fieldwork", "campaigns"}
        }
        assert upstreams <= ports


# --- the local overlay -----------------------------------------------------------------


def test_the_local_overlay_runs_one_replica_of_local_images_without_keda() -> None:
    deployments = _objects("Deployment", "local")
    for process in PROCESSES:
        deployment = deployments[process.name]
        assert deployment["spec"]["replicas"] == 1
        assert deployment["metadata"]["namespace"] == "aftersales"
        assert _container(process, "local")["image"].endswith(":local")
    assert not _objects("ScaledObject", "local")
    assert not _objects("TriggerAuthentication", "local")


def test_the_local_database_init_is_the_compose_one() -> None:
    assert (LOCAL / "init.sql").read_text() == (ROOT / "deploy/postgres/init.sql").read_text()
