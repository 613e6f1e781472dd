"""Benchmark: a rolling update of the service under load, with Kubernetes' termination order and a
load balancer that drains as an ALB target group does. Does a rollout drop requests?

    python app/bench/rollout.py [--restarts 6] [--replicas 3] [--propagation 3] [--today]
                                [--idle-check] [--seed 1]

Runs with ``app/.venv``'s Python (``bash tools/test.sh`` creates it); nothing else to install.

- **The pods** are the image's command exactly as ``app/Dockerfile``'s ``CMD`` states it (only the
  port differs, one per pod), run from ``app/`` with ``app/.venv`` — the same server, flags and app.
- **The balancer** (in this process) stands for the path a request takes to a pod: it keeps
  keep-alive connections per pod, closes those idle longer than its idle timeout, sends each request
  to the next registered pod, never retries (an ALB answers 502), and drains as a target group
  does: a deregistered pod gets no new request, its idle connections are closed, requests in flight
  finish, and after the deregistration delay whatever is left is cut.
- **A rollout** (maxSurge 1, maxUnavailable 0, as the Deployment): a new pod starts; once its
  readiness check answers, the oldest pod is terminated in Kubernetes' order — its endpoint removal
  reaches the balancer ``--propagation`` seconds later (EndpointSlice controller, then kube-proxy or
  the load balancer), while the kubelet runs the preStop pause in parallel; SIGTERM goes to the
  container's PID 1 (granian's main process) after the pause, SIGKILL to everything at the end of
  the grace period. The new pod joins the balancer ``--propagation`` seconds after it is ready.
- **The load**: ``--clients`` clients send ``GET /`` back to back with short pauses, some with
  pauses of up to a second, so that both busy and idle keep-alive connections meet each
  termination.

The settings are the platform's (the dev stack's plan and ``app/Dockerfile``;
``tests/workload/test_rollout_settings.py`` keeps ``PLATFORM`` equal to them). ``--today`` runs the
settings before this change instead (no preStop pause, the image's old command, the ALB's default
idle timeout) so the benchmark can be seen to fail. ``--idle-check`` also measures after how long the
server closes an idle keep-alive connection, which must exceed the balancer's idle timeout (else the
balancer reuses a connection the server is closing: an ALB answers 502).

The last line is ``rollout: N requests, F failed, R restarts``; the exit status is 1 when a request
failed, fewer than 5 restarts ran, or the idle check found the server's keep-alive not above the
balancer's idle timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

APP = Path(__file__).resolve().parent.parent
APP_VENV = APP / ".venv"
DOCKERFILE = APP / "Dockerfile"
# The flags this change added to the image's command (app/Dockerfile): --today runs without them.
ADDED_FLAGS = ("--http1-header-read-timeout", "--workers-kill-timeout")


def dockerfile_command() -> list[str]:
    """The image's CMD, exactly as the Dockerfile states it."""
    line = re.search(r"^CMD (\[.*\])$", DOCKERFILE.read_text(encoding="utf-8"), re.M)
    if line is None:
        raise SystemExit("app/Dockerfile has no exec-form CMD")
    return json.loads(line[1])


def without_flags(command: list[str], flags: tuple[str, ...]) -> list[str]:
    out, skip = [], False
    for arg in command:
        if skip:
            skip = False
        elif arg in flags:
            skip = True
        else:
            out.append(arg)
    return out


@dataclass(frozen=True)
class Settings:
    """What decides whether a termination drops requests."""

    label: str
    prestop: float
    """The Deployment's lifecycle.preStop.sleep.seconds (0: none)."""
    grace: float
    """The pod's terminationGracePeriodSeconds (Kubernetes' default is 30)."""
    deregistration_delay: float
    """The target group's deregistration_delay: how long a draining target keeps requests in flight."""
    idle_timeout: float
    """The load balancer's idle_timeout (the ALB's default is 60)."""
    command: list[str] = field(default_factory=list)
    """The server's command (the Dockerfile's CMD)."""


# The platform's settings: the dev stack's Deployment and front door, and the Dockerfile's command.
PLATFORM = Settings("platform", prestop=15, grace=30, deregistration_delay=30, idle_timeout=50,
                    command=dockerfile_command())
# Before this change: no preStop, the default grace period and ALB idle timeout, no server flags.
TODAY = Settings("today", prestop=0, grace=30, deregistration_delay=30, idle_timeout=60,
                 command=without_flags(dockerfile_command(), ADDED_FLAGS))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------------------------
# The pods.


class Pod:
    """One replica: the image's command on a port of its own."""

    def __init__(self, number: int, command: list[str]) -> None:
        self.number = number
        self.port = free_port()
        argv = list(command)
        argv[argv.index("--port") + 1] = str(self.port)
        env = {**os.environ, "PATH": f"{APP_VENV / 'bin'}:{os.environ['PATH']}", "VIRTUAL_ENV": str(APP_VENV)}
        # A session of its own: SIGKILL at the end of the grace period takes every process of the
        # container, as the runtime does; SIGTERM goes to PID 1 (granian's main process) only.
        self.proc = subprocess.Popen(argv, cwd=APP, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        self.drain_seconds: float | None = None
        self.killed = False

    async def ready(self, timeout: float = 30) -> None:
        """Until /readyz answers 200 (the readiness probe)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"pod {self.number} exited with {self.proc.returncode} before it was ready")
            with contextlib.suppress(OSError, asyncio.IncompleteReadError, ValueError):
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.write(b"GET /readyz HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n")
                status = await reader.readline()
                writer.close()
                if status.split()[1:2] == [b"200"]:
                    return
            await asyncio.sleep(0.2)
        raise SystemExit(f"pod {self.number} was not ready within {timeout} s")

    async def terminate(self, settings: Settings, balancer: Balancer, propagation: float) -> None:
        """Kubernetes' order: endpoint removal (reaching the balancer after ``propagation``) and the
        preStop pause at once; SIGTERM after the pause; SIGKILL at the end of the grace period."""
        started = time.monotonic()
        removal = asyncio.create_task(self._later(propagation, lambda: balancer.deregister(self)))
        await asyncio.sleep(settings.prestop)
        self.proc.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        while self.proc.poll() is None and time.monotonic() - started < settings.grace:
            await asyncio.sleep(0.01)
        if self.proc.poll() is None:
            self.killed = True
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.drain_seconds = time.monotonic() - signalled
        await removal

    @staticmethod
    async def _later(delay: float, action) -> None:
        await asyncio.sleep(delay)
        action()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


# --------------------------------------------------------------------------------------------
# The balancer.


class FailedError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(eq=False)
class Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    target: Target
    idle_since: float = 0.0

    def close(self) -> None:
        self.writer.close()


@dataclass
class Target:
    pod: Pod
    state: str = "registered"  # registered, draining, gone
    idle: list[Connection] = field(default_factory=list)
    busy: set = field(default_factory=set)


class Balancer:
    """Round robin over registered pods with keep-alive connection pools; drains like a target group.

    ``nodeport``: the path of this platform's front door instead — the ALB's keep-alive connections
    go to a NodePort, where kube-proxy picks a pod for each *new* connection and keeps an open one on
    its pod (conntrack) after the pod's endpoint is removed. A removed pod then gets no new
    connection, but the balancer keeps sending on those it has until one side closes them."""

    def __init__(self, idle_timeout: float, deregistration_delay: float, nodeport: bool = False) -> None:
        self.idle_timeout = idle_timeout
        self.deregistration_delay = deregistration_delay
        self.nodeport = nodeport
        self.targets: dict[int, Target] = {}
        self.pool: list[Connection] = []  # nodeport: the balancer's idle connections, whatever their pod
        self._next = 0

    def register(self, pod: Pod) -> None:
        self.targets[pod.number] = Target(pod)

    def deregister(self, pod: Pod) -> None:
        target = self.targets.get(pod.number)
        if target is None or target.state != "registered":
            return
        target.state = "draining"
        if self.nodeport:  # kube-proxy: no new connection to it; open ones stay (conntrack)
            return
        for conn in target.idle:  # nothing will be sent on them again
            conn.close()
        target.idle.clear()
        asyncio.get_running_loop().call_later(self.deregistration_delay, self._cut, target)

    def _cut(self, target: Target) -> None:
        """After the deregistration delay: connections still open are closed, the target is gone."""
        target.state = "gone"
        for conn in list(target.busy):
            conn.close()
        self.targets.pop(target.pod.number, None)

    def _pick(self) -> Target:
        registered = [t for t in self.targets.values() if t.state == "registered"]
        if not registered:
            raise FailedError("no registered target")
        self._next += 1
        return registered[self._next % len(registered)]

    def _reuse(self, idle: list[Connection]) -> Connection | None:
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            # Closed by the balancer when idle too long; dropped when the pod has closed it already.
            if now - conn.idle_since > self.idle_timeout or conn.reader.at_eof() or conn.writer.is_closing():
                conn.close()
                continue
            return conn
        return None

    async def _connection(self) -> Connection:
        if self.nodeport:
            conn = self._reuse(self.pool)
            if conn is not None:
                return conn
            target = self._pick()
        else:
            target = self._pick()
            conn = self._reuse(target.idle)
            if conn is not None:
                return conn
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", target.pod.port)
        except ConnectionRefusedError:
            raise FailedError("connection refused") from None
        except OSError as err:
            raise FailedError(f"connect: {err.strerror or err}") from None
        return Connection(reader, writer, target)

    async def request(self, path: str = "/") -> None:
        conn = await self._connection()
        target = conn.target
        target.busy.add(conn)
        keep = False
        try:
            conn.writer.write(f"GET {path} HTTP/1.1\r\nHost: service\r\n\r\n".encode())
            await conn.writer.drain()
            status = await conn.reader.readline()
            if not status:
                raise FailedError("connection closed before a response")
            headers: dict[str, str] = {}
            while (line := await conn.reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            await conn.reader.readexactly(int(headers.get("content-length", "0")))
            code = status.split()[1].decode()
            if code != "200":
                raise FailedError(f"HTTP {code}")
            keep = headers.get("connection", "").lower() != "close"
        except (ConnectionError, asyncio.IncompleteReadError) as err:
            raise FailedError(f"connection lost: {type(err).__name__}") from None
        finally:
            target.busy.discard(conn)
            if keep and self.nodeport:
                conn.idle_since = time.monotonic()
                self.pool.append(conn)
            elif keep and target.state == "registered":
                conn.idle_since = time.monotonic()
                target.idle.append(conn)
            else:
                conn.close()


# --------------------------------------------------------------------------------------------
# The run.


@dataclass
class Tally:
    requests: int = 0
    failures: Counter = field(default_factory=Counter)


async def client(balancer: Balancer, tally: Tally, stop: asyncio.Event, rng: random.Random, idle_share: float) -> None:
    while not stop.is_set():
        try:
            await asyncio.wait_for(balancer.request(), timeout=10)
        except FailedError as err:
            tally.failures[err.reason] += 1
        except TimeoutError:
            tally.failures["timeout"] += 1
        tally.requests += 1
        await asyncio.sleep(rng.uniform(0.2, 1.0) if rng.random() < idle_share else rng.uniform(0, 0.01))


async def rollout(settings: Settings, replicas: int, restarts: int, propagation: float, clients: int,
                  seed: int, nodeport: bool) -> tuple[Tally, list[Pod]]:
    balancer = Balancer(settings.idle_timeout, settings.deregistration_delay, nodeport)
    pods = [Pod(i, settings.command) for i in range(replicas)]
    everyone = list(pods)
    try:
        for pod in pods:
            await pod.ready()
            balancer.register(pod)
        tally, stop, rng = Tally(), asyncio.Event(), random.Random(seed)
        load = [asyncio.create_task(client(balancer, tally, stop, random.Random(rng.random()), 0.1))
                for _ in range(clients)]
        await asyncio.sleep(2)  # warm: every pool has connections
        for number in range(replicas, replicas + restarts):
            new = Pod(number, settings.command)
            everyone.append(new)
            await new.ready()
            asyncio.get_running_loop().call_later(propagation, balancer.register, new)
            old = pods.pop(0)
            pods.append(new)
            await old.terminate(settings, balancer, propagation)
            print(f"restart {number - replicas + 1}: pod {old.number} drained in {old.drain_seconds:.2f} s after "
                  f"SIGTERM{' (SIGKILL)' if old.killed else ''}; {tally.requests} requests, "
                  f"{sum(tally.failures.values())} failed so far", flush=True)
        await asyncio.sleep(propagation + 1)  # the last new pod joins
        stop.set()
        await asyncio.gather(*load)
        return tally, everyone
    finally:
        for pod in everyone:
            pod.stop()


async def idle_close(settings: Settings, limit: float = 120) -> float | None:
    """Seconds after which the server closes a keep-alive connection left idle (None: not within ``limit``)."""
    pod = Pod(0, settings.command)
    try:
        await pod.ready()
        reader, writer = await asyncio.open_connection("127.0.0.1", pod.port)
        writer.write(b"GET / HTTP/1.1\r\nHost: service\r\n\r\n")
        await reader.readuntil(b"\r\n\r\n")
        await reader.read(64 * 1024)  # the body (it arrives with the headers)
        since = time.monotonic()
        try:
            rest = await asyncio.wait_for(reader.read(1), timeout=limit)
        except TimeoutError:
            return None
        finally:
            writer.close()
        return time.monotonic() - since if rest == b"" else None
    finally:
        pod.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python app/bench/rollout.py", description=__doc__.split("\n")[0])
    parser.add_argument("--restarts", type=int, default=6, help="pods replaced one by one (default 6, min 5)")
    parser.add_argument("--replicas", type=int, default=3, help="pods behind the balancer (default 3, prod's)")
    parser.add_argument("--propagation", type=float, default=3.0,
                        help="seconds until a pod's endpoint change reaches the balancer (default 3)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--seed", type=int, default=1, help="the clients' random pauses (default 1)")
    parser.add_argument("--today", action="store_true",
                        help="the settings before this change (no preStop pause, no server flags, idle timeout 60)")
    parser.add_argument("--nodeport", action="store_true",
                        help="the front door's path: ALB connections to a NodePort, kube-proxy keeping each open "
                             "connection on its pod after the endpoint is removed (no draining by the balancer)")
    parser.add_argument("--idle-check", action="store_true",
                        help="also measure when the server closes an idle keep-alive connection (up to 2 min)")
    args = parser.parse_args(argv)
    if args.restarts < 5:
        parser.error(f"--restarts: {args.restarts} is below the 5 restarts the benchmark requires")
    if args.replicas < 2:
        parser.error(f"--replicas: {args.replicas} leaves nothing to serve while a pod restarts; give 2 or more")
    if args.propagation < 0 or args.clients < 1:
        parser.error("--propagation must be 0 or more seconds and --clients at least 1")
    if not (APP_VENV / "bin" / "granian").exists():
        parser.error("app/.venv is missing: run `bash tools/test.sh` (it installs the service's lock)")
    settings = TODAY if args.today else PLATFORM
    print(f"settings: {settings.label}: preStop {settings.prestop:g} s, grace {settings.grace:g} s, deregistration "
          f"delay {settings.deregistration_delay:g} s, balancer idle timeout {settings.idle_timeout:g} s, endpoint "
          f"propagation {args.propagation:g} s; path: {'NodePort (conntrack)' if args.nodeport else 'target group'}; "
          f"{args.replicas} pods of: {' '.join(settings.command)}", flush=True)
    ok = True
    if args.idle_check:
        closed = asyncio.run(idle_close(settings))
        shown = "not within 120 s" if closed is None else f"after {closed:.1f} s"
        above = closed is None or closed > settings.idle_timeout
        ok = ok and above
        print(f"idle keep-alive connection closed by the server {shown}; the balancer's idle timeout is "
              f"{settings.idle_timeout:g} s: {'below it, ok' if above else 'NOT below it (502s)'}", flush=True)
    tally, pods = asyncio.run(rollout(settings, args.replicas, args.restarts, args.propagation, args.clients,
                                      args.seed, args.nodeport))
    failed = sum(tally.failures.values())
    for reason, count in tally.failures.most_common():
        print(f"    {count} failed: {reason}")
    drains = [p.drain_seconds for p in pods if p.drain_seconds is not None]
    print(f"drain after SIGTERM: longest {max(drains):.2f} s; SIGKILLed: {sum(p.killed for p in pods)}")
    print(f"rollout: {tally.requests} requests, {failed} failed, {len(drains)} restarts")
    return 0 if ok and failed == 0 and len(drains) >= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
