"""The container platform's CrossGuard policy pack.

Run with the Pulumi CLI: ``pulumi preview --policy-pack policy_pack`` (add
``--policy-pack-config policy-config.json`` to set levels and options), or offline with
``python -m tools.preview STACK``, which starts this file as its own process and speaks the
analyzer protocol to it as the engine does.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from container_policies import PACK_NAME, POLICIES

PolicyPack(
    name=PACK_NAME,
    policies=POLICIES,
    # Policies without a level of their own are advisory; the mandatory ones say so themselves.
    enforcement_level=EnforcementLevel.ADVISORY,
)
