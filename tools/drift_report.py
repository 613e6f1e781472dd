"""Tell people when the daily drift check fails: open an issue, or comment on the open one.

    python3 -m tools.drift_report

GitHub mails a failed scheduled run only to "the user who last modified the cron syntax in the
workflow file" (GitHub docs, notifications for scheduled workflows), so the drift workflow's last
job, on a failure, files it where the team watches: one open issue titled ``TITLE``, commented on by
every later failure until someone closes it. Needs ``GITHUB_TOKEN`` with ``issues: write``,
``GITHUB_REPOSITORY`` and ``GITHUB_RUN_ID``; standard library only (a GitHub-hosted job, no checkout
of the program's dependencies).
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from typing import Any

TITLE = "Drift check failed"


def _call(env: Mapping[str, str], method: str, path: str, body: dict | None,
          opener: Callable[..., Any]) -> Any:
    api = env.get("GITHUB_API_URL", "https://api.github.com")
    request = urllib.request.Request(
        f"{api}/repos/{env['GITHUB_REPOSITORY']}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {env['GITHUB_TOKEN']}", "Accept": "application/vnd.github+json",
                 "X-GitHub-Api-Version": "2022-11-28", "Content-Type": "application/json"})
    with opener(request) as response:
        return json.loads(response.read().decode() or "null")


def report(env: Mapping[str, str], opener: Callable[..., Any] = urllib.request.urlopen) -> str:
    """Comment on the open drift issue, or open one; returns what it did."""
    run = f"{env.get('GITHUB_SERVER_URL', 'https://github.com')}/{env['GITHUB_REPOSITORY']}/actions/runs/" \
          f"{env.get('GITHUB_RUN_ID', '')}"
    text = (f"The drift check failed: [the run]({run}) shows each stack's refreshed preview. A stack whose "
            "resources differ from the code needs `pulumi up` (or the code changed to match); a failed job "
            "that found no change is the check itself failing. Close this issue once it is resolved.")
    issues = _call(env, "GET", "/issues?state=open&per_page=100", None, opener) or []
    mine = [i for i in issues if i.get("title") == TITLE and "pull_request" not in i]
    if mine:
        _call(env, "POST", f"/issues/{mine[0]['number']}/comments", {"body": text}, opener)
        return f"commented on issue #{mine[0]['number']}"
    created = _call(env, "POST", "/issues", {"title": TITLE, "body": text}, opener)
    return f"opened issue #{created['number']}"


def main(argv: Sequence[str], env: Mapping[str, str] = os.environ,
         opener: Callable[..., Any] = urllib.request.urlopen) -> int:
    if argv:
        print("usage: python3 -m tools.drift_report", file=sys.stderr)
        return 2
    missing = [k for k in ("GITHUB_TOKEN", "GITHUB_REPOSITORY") if not env.get(k)]
    if missing:
        print(f"error: {', '.join(missing)} not set (run it in the drift workflow)", file=sys.stderr)
        return 2
    try:
        print(report(env, opener))
    except (OSError, ValueError, KeyError) as err:
        print(f"error: the drift issue was not filed: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
