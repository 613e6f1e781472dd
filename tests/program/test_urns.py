"""Moving code must not rename a resource: a changed URN is a delete and a create in `pulumi up`
(a repository with its images, in dev; a refused update, in prod). The URNs of every shipped
stack's plan are kept in tests/urns/STACK.txt; change that list only together with `aliases`."""

from __future__ import annotations

import pytest

from tools.harness import ROOT, stack_names


@pytest.mark.parametrize("stack", stack_names())
def test_urns_are_unchanged(plans, stack):
    kept = (ROOT / "tests" / "urns" / f"{stack}.txt").read_text().split()
    now = sorted(r.urn for r in plans(stack).resources)
    assert sorted(set(now) - set(kept)) == [] and sorted(set(kept) - set(now)) == []
    assert now == kept
