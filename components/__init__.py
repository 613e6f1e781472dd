"""Reusable Pulumi component resources of the container platform.

Every component registers under the one package word ``containerplatform``.
"""

PACKAGE = "containerplatform"


def token(type_name: str) -> str:
    """The ``pkg:index:Type`` token of a component of this project."""
    return f"{PACKAGE}:index:{type_name}"
