"""The platform's sample service: the chapter's FastAPI app, made production-grade.

The chapter's contract is kept byte for byte: ``GET /`` answers ``{"message":"Hello World"}``,
with ``/docs`` and ``/openapi.json``. Added: ``/healthz`` (liveness: the process answers) and
``/readyz`` (readiness), both cheap and dependency-free for Kubernetes probes.

Speed comes from choices, not from leaving FastAPI: constant bodies are serialised once at import
(FastAPI otherwise validates and encodes every response), the documented response models stay in
the OpenAPI schema, and the server (see the Dockerfile) logs no access line per request.
"""

from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

app = FastAPI(title="myapp", version="1.0.0", description="The container platform's sample service.")


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
