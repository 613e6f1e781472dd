"""Mocks of pulumi-docker: the pushed image's digest is a hash of what the build was given."""

from __future__ import annotations

import hashlib
import json

from tools import tokens as t

from .registry import Where, answers


@answers(t.IMAGE)
def image(typ: str, name: str, inputs: dict, w: Where) -> tuple[str, dict]:
    image_name = inputs.get("imageName", "")
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    repo = image_name.rsplit(":", 1)[0]
    return f"{repo}@sha256:{digest}", {**inputs, "repoDigest": f"{repo}@sha256:{digest}",
                                       "baseImageName": image_name, "registryServer": repo.split("/", 1)[0]}
