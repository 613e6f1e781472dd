"""Comment a cloud preview's outcome on its pull request — a failed preview too.

    python -m tools.pr_comment STACK OUTCOME LOG

``OUTCOME`` is the preview step's outcome (``success``, ``failure``, ``cancelled``); ``LOG`` the
file the preview's output was written to. The comment carries the outcome and the end of the log
(GitHub limits a comment to 65,536 characters). It posts with ``GITHUB_TOKEN`` to the pull request
of ``GITHUB_EVENT_PATH`` in ``GITHUB_REPOSITORY`` (the job needs ``pull-requests: write``); one
comment per stack and run, so reviewers see every stack's result, whatever it was.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

MAX_LOG = 60_000  # characters of log kept, under GitHub's 65,536 per comment
OUTCOMES = {"success": "succeeded", "failure": "FAILED", "cancelled": "was cancelled", "skipped": "was skipped"}


def body(stack: str, outcome: str, log: str, run_url: str) -> str:
    """The comment's Markdown."""
    verdict = OUTCOMES.get(outcome, outcome)
    tail = log if len(log) <= MAX_LOG else "…(earlier output cut; the full log is in the run)\n" + log[-MAX_LOG:]
    fence = "~~~~" if "```" in tail else "```"
    return (f"#### `pulumi preview` of stack `{stack}` {verdict}\n\n[The workflow run]({run_url})\n\n"
            f"<details{' open' if outcome != 'success' else ''}><summary>Output</summary>\n\n"
            f"{fence}\n{tail.rstrip()}\n{fence}\n</details>\n")


def pull_request_number(event_path: str) -> int:
    event = json.loads(Path(event_path).read_text(encoding="utf-8"))
    number = (event.get("pull_request") or {}).get("number")
    if not isinstance(number, int):
        raise ValueError(f"{event_path}: not a pull_request event")
    return number


def post(env: Mapping[str, str], text: str, opener=urllib.request.urlopen) -> int:
    """POST the comment; returns the HTTP status."""
    repository, number = env["GITHUB_REPOSITORY"], pull_request_number(env["GITHUB_EVENT_PATH"])
    api = env.get("GITHUB_API_URL", "https://api.github.com")
    request = urllib.request.Request(
        f"{api}/repos/{repository}/issues/{number}/comments", method="POST",
        data=json.dumps({"body": text}).encode(),
        headers={"Authorization": f"Bearer {env['GITHUB_TOKEN']}", "Accept": "application/vnd.github+json",
                 "X-GitHub-Api-Version": "2022-11-28", "Content-Type": "application/json"})
    with opener(request) as response:
        return int(response.status)


def main(argv: Sequence[str], env: Mapping[str, str] = os.environ) -> int:
    if len(argv) != 3:
        print("usage: python -m tools.pr_comment STACK OUTCOME LOG", file=sys.stderr)
        return 2
    stack, outcome, log_path = argv
    missing = [k for k in ("GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_EVENT_PATH") if not env.get(k)]
    if missing:
        print(f"error: {', '.join(missing)} not set (run it in the pull request's workflow)", file=sys.stderr)
        return 2
    log = Path(log_path).read_text(encoding="utf-8", errors="replace") if Path(log_path).is_file() else \
        f"(no output: {log_path} was not written; the preview did not start)"
    run_url = f"{env.get('GITHUB_SERVER_URL', 'https://github.com')}/{env['GITHUB_REPOSITORY']}/actions/runs/" \
              f"{env.get('GITHUB_RUN_ID', '')}"
    try:
        status = post(env, body(stack, outcome, log, run_url))
    except (OSError, ValueError) as err:
        print(f"error: the comment was not posted: {err}", file=sys.stderr)
        return 1
    print(f"commented the {stack} preview ({outcome}) on the pull request (HTTP {status})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
