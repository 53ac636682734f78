"""Renders a kustomization the way ``kubectl kustomize`` does, for the features our
manifests use, so the tests need no binary: ``resources`` (files and directories),
``namespace``, ``images``, ``replicas``, ``patches`` (strategic merge, ``$patch: delete``)
and ``configMapGenerator`` (files, without the hash suffix). Anything else is refused, so a
manifest cannot use a feature these tests would silently ignore; where kubectl is
installed, a test checks that both render the same objects."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Obj = dict[str, Any]

SUPPORTED = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "images",
    "replicas",
    "patches",
    "configMapGenerator",
}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
# Strategic merge keys of the lists our patches touch (the Kubernetes API's patchMergeKey).
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
}


class Unsupported(Exception):
    pass


def load_documents(path: Path) -> list[Obj]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def key(obj: Obj) -> tuple[str, str]:
    return obj["kind"], obj["metadata"]["name"]


def render(directory: Path) -> list[Obj]:
    kustomization: Obj = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - SUPPORTED
    if unknown:
        raise Unsupported(f"{directory}: kustomization fields not rendered here: {unknown}")
    objects: list[Obj] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        objects += render(path) if path.is_dir() else load_documents(path)
    for generator in kustomization.get("configMapGenerator", []):
        objects.append(_config_map(directory, generator))
    for patch in kustomization.get("patches", []):
        if set(patch) != {"path"}:
            raise Unsupported(f"{directory}: only `path` patches are rendered here: {patch}")
        for document in load_documents(directory / patch["path"]):
            objects = _apply_patch(objects, document)
    _set_images(objects, kustomization.get("images", []))
    for replicas in kustomization.get("replicas", []):
        target = _find(objects, "Deployment", replicas["name"])
        target["spec"]["replicas"] = replicas["count"]
    if "namespace" in kustomization:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj["metadata"]["namespace"] = kustomization["namespace"]
    return objects


def _config_map(directory: Path, generator: Obj) -> Obj:
    options = generator.get("options", {})
    if not options.get("disableNameSuffixHash") or set(generator) - {"name", "files", "options"}:
        raise Unsupported(f"{directory}: a configMapGenerator needs disableNameSuffixHash")
    metadata: Obj = {"name": generator["name"]}
    if options.get("labels"):
        metadata["labels"] = dict(options["labels"])
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata,
        "data": {Path(f).name: (directory / f).read_text() for f in generator["files"]},
    }


def _find(objects: list[Obj], kind: str, name: str) -> Obj:
    for obj in objects:
        if key(obj) == (kind, name):
            return obj
    raise KeyError(f"no {kind} {name}")


def _apply_patch(objects: list[Obj], patch: Obj) -> list[Obj]:
    target = _find(objects, patch["kind"], patch["metadata"]["name"])
    if patch.get("$patch") == "delete":
        return [o for o in objects if o is not target]
    merged = _merge(target, patch)
    return [merged if o is target else o for o in objects]


def _merge(base: Any, patch: Any, field: str = "") -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = copy.deepcopy(base)
        for name, value in patch.items():
            out[name] = _merge(base[name], value, name) if name in base else value
        return out
    if isinstance(base, list) and isinstance(patch, list) and field in MERGE_KEYS:
        merge_key = MERGE_KEYS[field]
        out_list = copy.deepcopy(base)
        added: list[Any] = []
        for item in patch:
            index = next(
                (i for i, b in enumerate(out_list) if b.get(merge_key) == item.get(merge_key)),
                None,
            )
            if index is None:
                added.append(copy.deepcopy(item))
            else:
                out_list[index] = _merge(out_list[index], item)
        # kustomize puts the items a patch adds before the existing ones.
        return added + out_list
    return copy.deepcopy(patch)


def pod_spec(obj: Obj) -> Obj | None:
    if obj["kind"] in {"Deployment", "StatefulSet", "DaemonSet", "Job"}:
        spec: Obj = obj["spec"]["template"]["spec"]
        return spec
    return None


def _set_images(objects: list[Obj], images: list[Obj]) -> None:
    for obj in objects:
        spec = pod_spec(obj)
        if spec is None:
            continue
        for container in spec.get("containers", []) + spec.get("initContainers", []):
            name, _, tag = container["image"].partition(":")
            for image in images:
                if image["name"] == name:
                    new_name = image.get("newName", name)
                    container["image"] = f"{new_name}:{image.get('newTag', tag)}"
