"""The platform's sample service: the chapter's FastAPI app, made production-grade.

The chapter's contract is kept byte for byte: ``GET /`` answers ``{"message":"Hello World"}``,
with ``/docs`` and ``/openapi.json``. Added: ``/healthz`` (liveness: the process answers) and
``/readyz`` (readiness), both cheap and dependency-free for Kubernetes probes.

Speed comes from choices, not from leaving FastAPI: constant bodies are serialised once at import
(FastAPI otherwise validates and encodes every response), the documented response models stay in
the OpenAPI schema, and the server (see the Dockerfile) logs no access line of its own.

Logs are structured: one JSON object per line on stdout (what the cluster's Fluent Bit ships to
CloudWatch Logs), each with the request's ID. A request keeps the ``X-Request-ID`` it came with
(when it is a sane token, as a load balancer or another service sets it), or gets a new one; the
response carries it back, and every log line written while the request is handled names it. One
access line per request at INFO (method, path, status, duration) with ``LOG_LEVEL=INFO``; the
default, WARNING, writes only problems: the access line costs about a third of the throughput
(README, the benchmark).
"""

from __future__ import annotations

import contextvars
import itertools
import json
import logging
import os
import re
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

REQUEST_ID_HEADER = b"x-request-id"
# An inbound ID is kept only if it is a short token (an ALB trace ID, a UUID, another service's ID):
# anything else (too long, control characters, JSON) is replaced, so a client cannot forge log lines.
_REQUEST_ID_RE = re.compile(rb"^[A-Za-z0-9._:=/+-]{1,128}\Z")
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
# A new ID: this process's random prefix and a counter (unique across pods and restarts without a
# call to the OS's random source per request, which a uuid4 would make).
_PREFIX = os.urandom(8).hex()
_COUNTER = itertools.count()
log = logging.getLogger("myapp")


class JsonLines(logging.Formatter):
    """A log record as one JSON object: time (UTC, ISO 8601), level, logger, message, the request's
    ID (null outside a request), the fields given as ``extra={"fields": {...}}``, and a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, separators=(",", ":"), ensure_ascii=False, default=str)


def configure_logging(level: str | None = None, stream: Any = None) -> None:
    """JSON lines on stdout for the app's loggers, at ``LOG_LEVEL`` (WARNING by default: no access
    lines, which cost about a third of the throughput; INFO adds them)."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel((level or os.environ.get("LOG_LEVEL") or "WARNING").upper())


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


class RequestIds:
    """ASGI middleware: the request's ID in a context variable for its log lines, in the response's
    ``X-Request-ID`` header, and in one access line. Pure ASGI (no per-request task or body copy)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = None
        for name, value in scope["headers"]:
            if name == REQUEST_ID_HEADER:
                rid = value.decode("ascii") if _REQUEST_ID_RE.match(value) else None
                break
        if rid is None:
            rid = f"{_PREFIX}{next(_COUNTER):016x}"
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500
        header = (REQUEST_ID_HEADER, rid.encode("ascii"))

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error", extra={"fields": {"method": scope.get("method"),
                                                               "path": scope.get("path")}})
            raise
        finally:
            if log.isEnabledFor(logging.INFO):
                log.info("request", extra={"fields": {
                    "method": scope.get("method"), "path": scope.get("path"), "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 3)}})
            request_id.reset(token)


configure_logging()
app = FastAPI(title="myapp", version="1.0.0", description="The container platform's sample service.")
app.add_middleware(RequestIds)


class Message(BaseModel):
    message: str


class Status(BaseModel):
    status: str


def _constant(body: dict) -> bytes:
    # The chapter's FastAPI renders JSON compactly; so does this, once.
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


HELLO = _constant({"message": "Hello World"})
OK = _constant({"status": "ok"})
READY = _constant({"status": "ready"})


class JSONBytes(JSONResponse):
    """A JSON response whose body is already serialised: FastAPI documents it from the route's
    ``response_model`` but, given a Response, skips validating and encoding it again."""

    def render(self, content: bytes) -> bytes:
        return content


@app.get("/", response_model=Message, response_class=JSONBytes, summary="Say hello")
async def root() -> JSONBytes:
    return JSONBytes(HELLO)


@app.get("/healthz", response_model=Status, response_class=JSONBytes, summary="Liveness probe")
async def healthz() -> JSONBytes:
    return JSONBytes(OK)


@app.get("/readyz", response_model=Status, response_class=JSONBytes, summary="Readiness probe")
async def readyz() -> JSONBytes:
    # Nothing to wait for: the service has no dependencies. A service with a database would
    # check it here (not in /healthz, so a slow database does not get pods restarted).
    return JSONBytes(READY)
