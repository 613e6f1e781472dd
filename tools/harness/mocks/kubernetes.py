"""Mocks of the Kubernetes provider: an object's ID is ``namespace/name``, its outputs its inputs."""

from __future__ import annotations

from tools import tokens as t

from .registry import Where, answers, answers_prefix


@answers(t.K8S_PROVIDER)
def provider(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    return f"{name}-{w.suffix(name)}", inputs


@answers_prefix(t.KUBERNETES_PREFIX)
def kubernetes_object(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    meta = inputs.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', name)}".lstrip("/"), inputs
