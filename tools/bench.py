"""Benchmark of the offline preview (a script, not a test).

    python -m tools.bench [--runs N]

Times, each in fresh processes (median of N runs, with the peak resident memory):
  * the bare import of the SDK modules the dev preview loads (the floor any preview pays; the
    module list is taken from a real run of it);
  * ``python -m tools.preview --no-policy dev`` (the plan alone: registry, caches, replication,
    network, cluster and node group);
  * plans of generated stacks with 1 and with 100 repositories (each with a lifecycle policy
    and a cross-account grant, so every repository declares three AWS resources);
  * the dev and 100-repository previews with the policy gate (the default), for reference.
Targets (from the foundation issue, on the plan alone): dev preview <= 1.5x the import time;
100 repositories <= 3x one repository. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from tools.harness import ROOT

SDKS = ("pulumi", "pulumi_aws", "pulumi_eks", "pulumi_kubernetes", "pulumi_docker", "pulumi_policy", "grpc",
        "google")
# The floor: importing exactly the SDK modules the dev preview ends up loading (pulumi_aws and
# pulumi_kubernetes load their submodules lazily, so the list is taken from a real run).
_LIST_MODULES = (
    "import json, runpy, sys\n"
    "sys.argv = ['tools.preview', 'dev', '--no-policy', '--no-cost']\n"
    "try:\n    runpy.run_module('tools.preview', run_name='__main__')\nexcept SystemExit:\n    pass\n"
    f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {SDKS!r})))\n"
)


def sdk_import_statement(py: str) -> str:
    result = subprocess.run([py, "-c", _LIST_MODULES], cwd=ROOT, capture_output=True, text=True, check=True)
    modules = json.loads(result.stdout.strip().splitlines()[-1])
    return "import " + ", ".join(m for m in modules if not m.startswith("google._upb"))


def generated_stack(count: int) -> dict:
    repos = [{
        "name": f"team-{i:03d}/service",
        "lifecycle": {"untagged_expire_days": 7, "keep_last": 30, "tag_patterns": ["v*"]},
        "grants": [{"principal": "210987654321", "access": "pull"}],
    } for i in range(count)]
    return {"config": {
        "aws:region": "eu-central-1",
        "aws:allowedAccountIds": ["111122223333"],
        "container-platform:repositories": repos,
    }}


def run_once(argv: list[str]) -> tuple[float, float, float]:
    """Wall time (s), CPU time (s) and peak RSS (MiB) of one fresh process running ``argv``."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure(commands: dict[str, list[str]], runs: int) -> dict[str, tuple[float, float, float]]:
    """Medians of wall and CPU time and the peak RSS per command.

    The commands take turns (one run of each, ``runs`` rounds), so a slow spell of the machine
    weighs on all of them alike instead of on whichever ran then.
    """
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            samples[name].append(run_once(argv))
    return {name: (statistics.median(s[0] for s in got), statistics.median(s[1] for s in got),
                   max(s[2] for s in got)) for name, got in samples.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=11, help="processes per measurement (default 11)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs: {args.runs} is not a positive integer")
    py = sys.executable
    sdk_import = sdk_import_statement(py)
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for count in (1, 100):
            path = Path(tmp) / f"Pulumi.gen{count}.yaml"
            path.write_text(yaml.safe_dump(generated_stack(count)))
            files[count] = path
        plan = [py, "-m", "tools.preview", "--no-policy"]
        results = measure({
            "import of the SDKs": [py, "-c", sdk_import],
            "preview dev": [*plan, "dev"],
            "preview, 1 repository": [*plan, "gen1", "--config-file", str(files[1])],
            "preview, 100 repositories": [*plan, "gen100", "--config-file", str(files[100])],
            "preview dev + policy gate": [py, "-m", "tools.preview", "dev"],
            "100 repositories + gate": [py, "-m", "tools.preview", "gen100", "--config-file", str(files[100])],
        }, args.runs)
    print(f"{'measurement':<28}{'wall s':>8}{'CPU s':>8}{'peak MiB':>10}   (medians of {args.runs} "
          f"runs, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    for name, (secs, cpu, mib) in results.items():
        print(f"{name:<28}{secs:>8.3f}{cpu:>8.3f}{mib:>10.1f}")
    base = results["import of the SDKs"][0]
    dev_ratio = results["preview dev"][0] / base
    scale_ratio = results["preview, 100 repositories"][0] / results["preview, 1 repository"][0]
    ok_dev, ok_scale = dev_ratio <= 1.5, scale_ratio <= 3.0
    print(f"\npreview dev / import:         {dev_ratio:.2f}x  (target <= 1.5x) {'ok' if ok_dev else 'MISSED'}")
    print(f"100 repositories / 1:         {scale_ratio:.2f}x  (target <= 3x)   {'ok' if ok_scale else 'MISSED'}")
    print(f"100 repositories / import:    {results['preview, 100 repositories'][0] / base:.2f}x")
    return 0 if ok_dev and ok_scale else 1


if __name__ == "__main__":
    sys.exit(main())
