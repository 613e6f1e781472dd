"""Run single policies the way the pack's analyzer server calls them, collecting violations."""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

UNKNOWN = UNKNOWN_STRING_VALUE


def _props(props: dict) -> Any:
    # Exactly what the analyzer server hands a policy: deserialized, behind the unknown proxy.
    return unknown_checking_proxy(deserialize_properties(props))


def _opts(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def _provider(region: str | None) -> PolicyProviderResource | None:
    if region is None:
        return None
    return PolicyProviderResource("pulumi:providers:aws", _props({"region": region}),
                                  "urn:pulumi:s::p::pulumi:providers:aws::default", "default")


def urn_of(typ: str, name: str) -> str:
    return f"urn:pulumi:test::proj::{typ}::{name}"


def resource_violations(policy, typ: str, props: dict, config: dict | None = None,
                        name: str = "res", region: str | None = None, protect: bool = False) -> list[str]:
    got: list[str] = []
    args = ResourceValidationArgs(typ, _props(props), urn_of(typ, name), name, _opts(protect),
                                  _provider(region), config)
    policy.validate(args, lambda message, urn=None: got.append(message))
    return got


def resource(typ: str, props: dict, name: str = "res", region: str | None = None) -> PolicyResource:
    return PolicyResource(typ, _props(props), urn_of(typ, name), name, _opts(), _provider(region),
                          None, [], {})


def stack_violations(policy, resources: list[PolicyResource],
                     config: dict | None = None) -> list[tuple[str, str | None]]:
    got: list[tuple[str, str | None]] = []
    policy.validate(StackValidationArgs(resources, config), lambda message, urn=None: got.append((message, urn)))
    return got
