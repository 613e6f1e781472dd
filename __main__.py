"""The container platform: composes the components from the stack's configuration."""

import pulumi

from components import config
from components.registry import EcrRegistry

settings = config.load()

registry = EcrRegistry("registry", settings.registry)

pulumi.export("registry_id", registry.registry_id)
pulumi.export("repositories", {
    name: {"name": repo.repository_name, "url": repo.repository_url, "arn": repo.arn}
    for name, repo in registry.repositories.items()
})
if registry.kms_key_arn is not None:
    pulumi.export("kms_key_arn", registry.kms_key_arn)
