"""The supply-chain family: what decides which images run. The scan gate (``scan_gate.py``, its
logic in ``findings.py``) holds a rollout until the registry's scan of the new digest is finished
and judged; the admission policy (``admission.py``) lets the cluster run only digest-pinned images
from this stack's registry.

This package exports nothing on purpose: the scan gate's dynamic provider is pickled by reference
and imported again, by ``python -m pulumi.dynamic`` during ``pulumi up``, from
``components.supply_chain.scan_gate``; importing the package must not import the whole program
(pulumi-aws, pulumi-kubernetes) there. Import each module by its own name.
"""
