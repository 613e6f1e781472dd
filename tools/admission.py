"""Kubernetes' ValidatingAdmissionPolicy, evaluated offline: would the API server admit this object?

The policies and bindings are the plan's own (``kubernetes:admissionregistration.k8s.io/v1``
objects, as the engine receives them); the CEL expressions run in cel-python (a maintained CEL
implementation; its ``matches()`` is RE2, the regular-expression syntax Kubernetes' CEL uses). The
order is the API server's for one request (the ``validating`` admission policy plugin of
k8s.io/apiserver, as the Kubernetes documentation "Validating Admission Policy" describes it):

1. the policy's ``matchConstraints``: a resource rule that matches the request's group, version,
   resource (and subresource) and operation, and its namespace and object selectors;
2. each binding of the policy (``policyName``) whose ``matchResources`` select the request too;
3. ``matchConditions`` (all must be true), then ``variables``, each in order, then
   ``validations``: a validation that is false denies the request with its ``message`` (or
   ``messageExpression``); one that cannot be evaluated denies it under ``failurePolicy: Fail``
   (the v1 default) and is skipped under ``Ignore``. A binding denies only with
   ``validationActions`` ``Deny`` (``Warn`` and ``Audit`` admit).

What is not modelled: ``paramKind``/``paramRef``, ``auditAnnotations``, ``authorizer``, the
runtime cost budget, and type checking against the OpenAPI schema (which only warns).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import celpy
from celpy import celtypes

from tools import tokens as t
from tools.harness import Plan, PlannedResource

# Kind → (API group, version, resource) of what makes pods.
RESOURCES: dict[str, tuple[str, str, str]] = {
    "Pod": ("", "v1", "pods"), "ReplicationController": ("", "v1", "replicationcontrollers"),
    "Deployment": ("apps", "v1", "deployments"), "ReplicaSet": ("apps", "v1", "replicasets"),
    "StatefulSet": ("apps", "v1", "statefulsets"), "DaemonSet": ("apps", "v1", "daemonsets"),
    "Job": ("batch", "v1", "jobs"), "CronJob": ("batch", "v1", "cronjobs"),
}
POD_TEMPLATE_TYPES = tuple(f"kubernetes:{group + '/' if group else 'core/'}{version}:{kind}"
                           for kind, (group, version, _) in RESOURCES.items())
NAMESPACE_LABEL = "kubernetes.io/metadata.name"
_ENV = celpy.Environment()
_PROGRAMS: dict[str, Any] = {}


@dataclass(frozen=True)
class Request:
    """One admission request, as the API server builds it."""

    object: Mapping[str, Any]
    """The object being created or updated (for a subresource, the object it belongs to)."""
    operation: str = "CREATE"
    subresource: str = ""
    """``ephemeralcontainers`` for ``kubectl debug`` on a pod."""
    namespace_labels: Mapping[str, str] = field(default_factory=dict)
    """The namespace's labels besides ``kubernetes.io/metadata.name``."""

    @property
    def kind(self) -> str:
        return str(self.object.get("kind"))

    @property
    def namespace(self) -> str:
        return str((self.object.get("metadata") or {}).get("namespace") or "default")

    @property
    def gvr(self) -> tuple[str, str, str]:
        if self.kind not in RESOURCES:
            raise ValueError(f"no resource known for kind {self.kind}")
        return RESOURCES[self.kind]


@dataclass(frozen=True)
class Decision:
    """The API server's answer: admitted, or denied with the messages it returns."""

    allowed: bool
    messages: tuple[str, ...] = ()


def _program(expression: str) -> Any:
    if expression not in _PROGRAMS:
        _PROGRAMS[expression] = _ENV.program(_ENV.compile(expression))
    return _PROGRAMS[expression]


def _evaluate(expression: str, activation: Mapping[str, Any]) -> Any:
    """The expression's value, or raises ``celpy.CELEvalError`` (also for a parse error)."""
    return _program(expression).evaluate(dict(activation))


def _selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A label selector against labels; an empty or missing one selects everything."""
    if not selector:
        return True
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for requirement in selector.get("matchExpressions") or []:
        key, operator, values = requirement.get("key"), requirement.get("operator"), requirement.get("values") or []
        present = key in labels
        ok = {"In": present and labels.get(key) in values, "NotIn": not (present and labels.get(key) in values),
              "Exists": present, "DoesNotExist": not present}.get(operator, False)
        if not ok:
            return False
    return True


def _rule_matches(rule: Mapping[str, Any], request: Request) -> bool:
    group, version, resource = request.gvr
    target = f"{resource}/{request.subresource}" if request.subresource else resource

    def has(key: str, value: str) -> bool:
        listed = rule.get(key) or []
        return "*" in listed or value in listed

    resources = rule.get("resources") or []
    resource_ok = (target in resources or "*/*" in resources or (not request.subresource and "*" in resources)
                   or (bool(request.subresource) and f"{resource}/*" in resources))
    return has("apiGroups", group) and has("apiVersions", version) and has("operations", request.operation) \
        and resource_ok


def _matches(match: Mapping[str, Any] | None, request: Request, labels: Mapping[str, str],
             rules_required: bool) -> bool:
    """``matchConstraints`` (rules required) or a binding's ``matchResources`` (rules optional)."""
    match = match or {}
    rules = match.get("resourceRules") or []
    if rules_required and not rules:
        return False
    if rules and not any(_rule_matches(r, request) for r in rules):
        return False
    if any(_rule_matches(r, request) for r in match.get("excludeResourceRules") or []):
        return False
    metadata_labels = (request.object.get("metadata") or {}).get("labels") or {}
    return _selects(match.get("namespaceSelector"), labels) and _selects(match.get("objectSelector"), metadata_labels)


def _activation(request: Request) -> dict[str, Any]:
    group, version, resource = request.gvr
    return {"object": celpy.json_to_cel(dict(request.object)), "oldObject": None,
            "request": celpy.json_to_cel({
                "operation": request.operation, "namespace": request.namespace, "subResource": request.subresource,
                "kind": {"group": group, "version": version, "kind": request.kind},
                "resource": {"group": group, "version": version, "resource": resource}})}


def _policy_denials(policy: Mapping[str, Any], bindings: Sequence[Mapping[str, Any]], request: Request,
                    labels: Mapping[str, str]) -> list[str]:
    spec = policy.get("spec") or {}
    name = (policy.get("metadata") or {}).get("name")
    if not _matches(spec.get("matchConstraints"), request, labels, rules_required=True):
        return []
    active = [b for b in bindings if (b.get("spec") or {}).get("policyName") == name
              and _matches((b.get("spec") or {}).get("matchResources"), request, labels, rules_required=False)]
    if not active:
        return []
    fail_closed = spec.get("failurePolicy", "Fail") == "Fail"
    activation = _activation(request)
    for condition in spec.get("matchConditions") or []:
        try:
            matched = _evaluate(condition["expression"], activation) == celtypes.BoolType(True)
        except celpy.CELEvalError:
            if not fail_closed:
                return []
            return [_denied(name, b, f"failed to evaluate matchCondition {condition.get('name')}") for b in active]
        if not matched:
            return []
    variables: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for variable in spec.get("variables") or []:
        try:
            variables[variable["name"]] = _evaluate(variable["expression"],
                                                    {**activation, "variables": celtypes.MapType(_cel_map(variables))})
        except celpy.CELEvalError as err:
            errors[variable["name"]] = str(err)
    activation["variables"] = celtypes.MapType(_cel_map(variables))
    messages = []
    for validation in spec.get("validations") or []:
        expression = validation["expression"]
        broken = [v for v in errors if f"variables.{v}" in expression]
        try:
            if broken:
                raise celpy.CELEvalError(f"variable {broken[0]}: {errors[broken[0]]}")
            passed = _evaluate(expression, activation) == celtypes.BoolType(True)
        except celpy.CELEvalError as err:
            if fail_closed:
                messages.append(f"expression '{expression}' resulted in error: {err}")
            continue
        if not passed:
            messages.append(_message(validation, activation))
    denying = [b for b in active if "Deny" in ((b.get("spec") or {}).get("validationActions") or [])]
    return [_denied(name, b, m) for b in denying for m in messages]


def _cel_map(values: Mapping[str, Any]) -> dict[Any, Any]:
    return {celtypes.StringType(k): v for k, v in values.items()}


def _message(validation: Mapping[str, Any], activation: Mapping[str, Any]) -> str:
    if validation.get("messageExpression"):
        try:
            return str(_evaluate(validation["messageExpression"], activation))
        except celpy.CELEvalError:
            pass
    return str(validation.get("message") or f"failed expression: {validation['expression']}")


def _denied(policy: str | None, binding: Mapping[str, Any], message: str) -> str:
    """As the API server words it (``ValidatingAdmissionPolicy 'P' with binding 'B' denied request: M``)."""
    return (f"ValidatingAdmissionPolicy '{policy}' with binding '{(binding.get('metadata') or {}).get('name')}' "
            f"denied request: {message}")


def admit(policies: Iterable[Mapping[str, Any]], bindings: Iterable[Mapping[str, Any]], request: Request) -> Decision:
    """Whether the API server would admit ``request`` under these policies and bindings."""
    labels = {**request.namespace_labels, NAMESPACE_LABEL: request.namespace}
    bound = list(bindings)
    messages = [m for policy in policies for m in _policy_denials(policy, bound, request, labels)]
    return Decision(allowed=not messages, messages=tuple(messages))


def admission_objects(plan: Plan) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The plan's ValidatingAdmissionPolicies and their bindings, as the API server would get them."""
    return ([api_numbers(r.inputs) for r in plan.by_type(t.VALIDATING_ADMISSION_POLICY)],
            [api_numbers(r.inputs) for r in plan.by_type(t.VALIDATING_ADMISSION_POLICY_BINDING)])


def pod_templates(plan: Plan) -> list[PlannedResource]:
    """Every planned object that makes pods."""
    return [r for r in plan.resources if r.type in POD_TEMPLATE_TYPES]


def pod_of(workload: Mapping[str, Any]) -> dict[str, Any]:
    """The Pod a controller makes from ``workload``'s template (a Pod is itself)."""
    if workload.get("kind") == "Pod":
        return dict(workload)
    spec = workload.get("spec") or {}
    template = (spec.get("jobTemplate") or {}).get("spec", {}).get("template") if workload.get("kind") == "CronJob" \
        else spec.get("template")
    template = template or {}
    namespace = (workload.get("metadata") or {}).get("namespace")
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {**(template.get("metadata") or {}), **({"namespace": namespace} if namespace else {})},
            "spec": template.get("spec") or {}}


def api_numbers(value: Any) -> Any:
    """The engine carries numbers as doubles; the provider sends the API server integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: api_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [api_numbers(v) for v in value]
    return value
