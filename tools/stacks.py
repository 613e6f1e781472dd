"""What the delivery workflows ask of the stack files (no dependency beyond the standard library
for ``matrix``, which runs before anything is installed).

    python tools/stacks.py matrix          # ["dev", "prod"]: a stack per Pulumi.STACK.yaml
    python -m tools.stacks region STACK    # the stack's aws:region, as the CLI reads it
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def stacks(root: Path = ROOT) -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in root.glob("Pulumi.*.yaml"))


def main(argv: list[str]) -> int:
    if argv[:1] == ["matrix"] and len(argv) == 1:
        print(json.dumps(stacks()))
        return 0
    if argv[:1] == ["region"] and len(argv) == 2:
        if argv[1] not in stacks():
            print(f"error: {argv[1]}: no Pulumi.{argv[1]}.yaml; stacks: {', '.join(stacks())}", file=sys.stderr)
            return 2
        from tools.harness import load_stack

        region = load_stack(argv[1]).config.get("aws:region")
        if not region:
            print(f"error: Pulumi.{argv[1]}.yaml sets no aws:region", file=sys.stderr)
            return 2
        print(region)
        return 0
    print("usage: python tools/stacks.py matrix | python -m tools.stacks region STACK", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
