"""Benchmark: the chapter's app as the chapter ships it against ours as the Dockerfile runs it.

    python app/bench/run.py [--duration 10] [--rounds 3] [--candidates]

Needs ``wrk`` (Debian: ``apt-get install wrk``). Builds ``app/bench/.chapter-venv`` from the
chapter's pins (``app/bench/chapter/requirements.txt``) and uses ``app/.venv`` (the service's
lock; ``bash tools/test.sh`` creates it). Each server runs alone on 127.0.0.1:8080; after a 3 s
warm-up, wrk holds 64 connections open for ``--duration`` seconds (2 threads) and reports
requests/s and latency percentiles. Servers take turns for ``--rounds`` rounds; medians are
reported. ``--candidates`` also measures the other servers considered for the image.
Exit status 1 when the target (throughput >= 1.3x, p99 no worse) is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

APP = Path(__file__).resolve().parent.parent
BENCH = APP / "bench"
CHAPTER_DIR = BENCH / "chapter"
CHAPTER_VENV = BENCH / ".chapter-venv"
# The service's lock plus uvicorn and httptools, for the candidates the image does not ship.
CANDIDATE_VENV = BENCH / ".candidates-venv"
APP_VENV = APP / ".venv"
PORT = 8080
URL = f"http://127.0.0.1:{PORT}/"


@dataclass
class Server:
    label: str
    argv: list[str]
    cwd: Path
    venv: Path


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float


def dockerfile_command() -> list[str]:
    """The image's CMD, exactly as the Dockerfile states it."""
    line = re.search(r"^CMD (\[.*\])$", (APP / "Dockerfile").read_text(), re.M)
    if line is None:
        raise SystemExit("app/Dockerfile has no exec-form CMD")
    return json.loads(line[1])


def chapter_command() -> list[str]:
    """The chapter's Dockerfile CMD, --reload included."""
    return ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8080", "--reload"]


def ensure_chapter_venv() -> None:
    python = CHAPTER_VENV / "bin" / "python"
    if python.exists():
        return
    subprocess.run([sys.executable, "-m", "venv", str(CHAPTER_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(CHAPTER_DIR / "requirements.txt")],
                   check=True)


def ensure_candidate_venv() -> None:
    python = CANDIDATE_VENV / "bin" / "python"
    if python.exists():
        return
    subprocess.run([sys.executable, "-m", "venv", str(CANDIDATE_VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "--require-hashes", "-r", str(APP / "requirements.txt")], check=True)
    subprocess.run([*pip, "uvicorn", "httptools"], check=True)


def start(server: Server) -> subprocess.Popen:
    env = {**os.environ, "PATH": f"{server.venv / 'bin'}:{os.environ['PATH']}", "VIRTUAL_ENV": str(server.venv)}
    proc = subprocess.Popen(server.argv, cwd=server.cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(URL, timeout=1) as response:
                if response.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise SystemExit(f"{server.label} did not answer on {URL} within 30 s")


def stop(proc: subprocess.Popen) -> None:
    # The whole process group: uvicorn --reload runs the app in a child process.
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def load(duration: int) -> Result:
    subprocess.run(["wrk", "-t2", "-c64", "-d3s", URL], check=True, capture_output=True)  # warm-up
    out = subprocess.run(["wrk", "-t2", "-c64", f"-d{duration}s", "--latency", URL], check=True,
                         capture_output=True, text=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", out)
    if errors:
        raise SystemExit(f"wrk reported errors:\n{out}")
    return Result(rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
                  p50_ms=_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M)[1]),
                  p99_ms=_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M)[1]))


def servers(candidates: bool) -> list[Server]:
    found = [
        Server("chapter (uvicorn --reload, FastAPI 0.83)", chapter_command(), CHAPTER_DIR, CHAPTER_VENV),
        Server("ours (Dockerfile CMD)", dockerfile_command(), APP, APP_VENV),
    ]
    if candidates:
        found += [
            Server("uvicorn + uvloop + httptools", ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8080",
                                                    "--loop", "uvloop", "--http", "httptools",
                                                    "--no-access-log"], APP, CANDIDATE_VENV),
            Server("granian, asyncio loop", ["granian", "--interface", "asgi", "--host", "0.0.0.0", "--port",
                                             "8080", "--loop", "asyncio", "main:app"], APP, APP_VENV),
            Server("granian, uvloop, HTTP auto + websockets", ["granian", "--interface", "asgi", "--host",
                                                                "0.0.0.0", "--port", "8080", "--loop", "uvloop",
                                                                "main:app"], APP, APP_VENV),
        ]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python app/bench/run.py", description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per run (default 10, min 10)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per server, taking turns (default 3)")
    parser.add_argument("--candidates", action="store_true", help="also measure the other servers considered")
    args = parser.parse_args(argv)
    if args.duration < 10:
        parser.error(f"--duration: {args.duration} is below the 10 s the benchmark requires")
    if args.rounds < 1:
        parser.error(f"--rounds: {args.rounds} is not a positive integer")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (Debian: apt-get install wrk)")
    if not (APP_VENV / "bin" / "granian").exists():
        parser.error("app/.venv is missing: run `bash tools/test.sh` (it installs the service's lock)")
    ensure_chapter_venv()
    if args.candidates:
        ensure_candidate_venv()

    results: dict[str, list[Result]] = {}
    for _ in range(args.rounds):
        for server in servers(args.candidates):
            proc = start(server)
            try:
                results.setdefault(server.label, []).append(load(args.duration))
            finally:
                stop(proc)

    print(f"{'server':<44}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}   (medians of {args.rounds} runs of "
          f"{args.duration} s, 64 connections, {os.cpu_count()} CPUs)")
    medians = {}
    for label, runs in results.items():
        medians[label] = Result(statistics.median(r.rps for r in runs), statistics.median(r.p50_ms for r in runs),
                                statistics.median(r.p99_ms for r in runs))
        m = medians[label]
        print(f"{label:<44}{m.rps:>10.0f}{m.p50_ms:>9.2f}{m.p99_ms:>9.2f}")
    chapter, ours = medians["chapter (uvicorn --reload, FastAPI 0.83)"], medians["ours (Dockerfile CMD)"]
    ratio = ours.rps / chapter.rps
    ok = ratio >= 1.3 and ours.p99_ms <= chapter.p99_ms
    print(f"\nthroughput ours / chapter: {ratio:.2f}x (target >= 1.3x); p99 {ours.p99_ms:.2f} ms vs "
          f"{chapter.p99_ms:.2f} ms (target: no worse) -> {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
