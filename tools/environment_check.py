"""Stop a deploy job whose GitHub environment would let it run unapproved.

    python3 -m tools.environment_check ENVIRONMENT

GitHub runs a job that names an environment without any approval when the environment has no
required reviewers — and on GitHub Free, Pro and Team, "deployment protection rules, such as a wait
timer or required reviewers, are only available for public repositories" (GitHub REST docs,
"REST API endpoints for deployment environments"). Nothing in the workflow file can tell, so the
prod job asks GitHub (``GET /repos/OWNER/REPO/environments/NAME``, which a token with Actions read
may call) and stops before any credential exists unless the environment has a ``required_reviewers``
rule with at least one reviewer.

``PROD_REVIEWERS=none`` (a repository variable the workflow passes) is the explicit way through on a
plan without them: the job then goes on, says in the run that nobody approved it, and the pull
request's review before the merge is the only human gate. Standard library only: it runs before the
job's virtualenvs exist.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from typing import Any

MODES = ("required", "none")


def reviewers_rule(environment: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The environment's required-reviewers rule with at least one reviewer, if any."""
    for rule in environment.get("protection_rules") or []:
        if isinstance(rule, Mapping) and rule.get("type") == "required_reviewers" and rule.get("reviewers"):
            return rule
    return None


def fetch(env: Mapping[str, str], name: str, opener: Callable[..., Any] = urllib.request.urlopen) -> dict:
    api = env.get("GITHUB_API_URL", "https://api.github.com")
    request = urllib.request.Request(
        f"{api}/repos/{env['GITHUB_REPOSITORY']}/environments/{urllib.parse.quote(name, safe='')}",
        headers={"Authorization": f"Bearer {env['GITHUB_TOKEN']}", "Accept": "application/vnd.github+json",
                 "X-GitHub-Api-Version": "2022-11-28"})
    with opener(request) as response:
        return dict(json.loads(response.read().decode()))


def main(argv: Sequence[str], env: Mapping[str, str] = os.environ,
         opener: Callable[..., Any] = urllib.request.urlopen) -> int:
    if len(argv) != 1:
        print("usage: python3 -m tools.environment_check ENVIRONMENT", file=sys.stderr)
        return 2
    name, mode = argv[0], env.get("PROD_REVIEWERS") or "required"
    if mode not in MODES:
        print(f"error: the repository variable PROD_REVIEWERS is {mode!r}; use required (the default) or none",
              file=sys.stderr)
        return 2
    if mode == "none":
        print(f"::warning title=No approval::PROD_REVIEWERS is none: the {name} deploy runs without a reviewer's "
              "approval; the pull request's review before the merge was the only human gate")
        return 0
    missing = [k for k in ("GITHUB_TOKEN", "GITHUB_REPOSITORY") if not env.get(k)]
    if missing:
        print(f"error: {', '.join(missing)} not set (run it in the deploy workflow)", file=sys.stderr)
        return 2
    try:
        environment = fetch(env, name, opener)
    except (OSError, ValueError) as err:  # urllib's HTTPError is an OSError
        print(f"error: cannot read the {name} environment from GitHub ({err}); the job needs the permission "
              "actions: read", file=sys.stderr)
        return 1
    rule = reviewers_rule(environment)
    if rule is None:
        print(f"::error title=No required reviewers::The {name} environment has no required reviewers, so this job "
              "started without anyone's approval; nothing was applied. Give it reviewers (Settings → Environments; "
              "on a private repository that needs GitHub Enterprise — on Free, Pro and Team they exist for public "
              "repositories only), or set the repository variable PROD_REVIEWERS to none to deploy without "
              "approval (docs/delivery.md#what-each-plan-allows)")
        return 1
    who = ", ".join(str((r.get("reviewer") or {}).get("login") or (r.get("reviewer") or {}).get("slug") or "?")
                    for r in rule["reviewers"])
    self_review = "prevented" if rule.get("prevent_self_review") else "allowed (turn on Prevent self-review)"
    print(f"The {name} environment requires a reviewer's approval ({who}; self-review {self_review}).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
