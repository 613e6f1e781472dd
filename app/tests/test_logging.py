"""Structured logs: one JSON object per line, each with the request's ID, which the response carries."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from fastapi.testclient import TestClient

import main


@pytest.fixture
def lines():
    """The JSON lines the app's loggers write while a test runs (the handler main.configure_logging
    installs; the test client's own lines are left out)."""
    stream = io.StringIO()
    main.configure_logging("INFO", stream)
    yield lambda: [entry for entry in map(json.loads, stream.getvalue().splitlines())
                   if entry["logger"].startswith("myapp")]
    main.configure_logging()


client = TestClient(main.app)


def test_a_request_without_an_id_gets_one_and_its_access_line_names_it(lines):
    response = client.get("/")
    rid = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    (access,) = [line for line in lines() if line["message"] == "request"]
    assert access["request_id"] == rid
    assert (access["method"], access["path"], access["status"], access["level"]) == ("GET", "/", 200, "INFO")
    assert access["duration_ms"] >= 0 and access["time"].endswith("Z")


def test_an_inbound_id_is_kept_and_two_requests_never_share_one(lines):
    given = "Root=1-67891233-abcdef012345678912345678"  # an ALB's X-Amzn-Trace-Id form
    assert client.get("/healthz", headers={"X-Request-ID": given}).headers["x-request-id"] == given
    first, second = (client.get("/readyz").headers["x-request-id"] for _ in range(2))
    assert first != second
    assert [line["request_id"] for line in lines()] == [given, first, second]


@pytest.mark.parametrize("forged", ["a" * 129, 'x","level":"ERROR', "two words", "\u00e9t\u00e9"])
def test_an_id_that_is_not_a_short_token_is_replaced(lines, forged):
    rid = client.get("/", headers={"X-Request-ID": forged.encode("utf-8")}).headers["x-request-id"]
    assert rid != forged and re.fullmatch(r"[0-9a-f]{32}", rid)
    assert lines()[-1]["request_id"] == rid


def test_errors_and_unknown_paths_are_logged_with_the_id(lines):
    response = client.get("/nope")
    assert response.status_code == 404
    assert lines()[-1]["status"] == 404 and lines()[-1]["request_id"] == response.headers["x-request-id"]


def test_a_line_written_while_handling_a_request_carries_its_id(lines):
    seen = {}

    @main.app.get("/_test_log", include_in_schema=False)
    async def write_a_line() -> dict:
        logging.getLogger("myapp.handler").warning("something to look at", extra={"fields": {"order": 7}})
        seen["rid"] = main.request_id.get()
        return {}

    try:
        rid = client.get("/_test_log").headers["x-request-id"]
    finally:
        main.app.router.routes[:] = [r for r in main.app.router.routes if getattr(r, "path", "") != "/_test_log"]
    (line,) = [entry for entry in lines() if entry["message"] == "something to look at"]
    assert line == {**line, "level": "WARNING", "logger": "myapp.handler", "order": 7, "request_id": rid}
    assert seen["rid"] == rid
    assert main.request_id.get() is None  # nothing leaks out of the request


def test_the_default_level_warning_leaves_out_the_access_lines(monkeypatch):
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    stream = io.StringIO()
    main.configure_logging(stream=stream)
    try:
        assert logging.getLogger().level == logging.WARNING
        client.get("/")
    finally:
        main.configure_logging()
    assert [line for line in stream.getvalue().splitlines() if '"logger":"myapp' in line] == []


def test_an_unhandled_error_is_logged_with_its_traceback_and_id(lines):
    @main.app.get("/_test_boom", include_in_schema=False)
    async def boom() -> dict:
        raise RuntimeError("kaput")

    try:
        response = TestClient(main.app, raise_server_exceptions=False).get("/_test_boom",
                                                                           headers={"X-Request-ID": "req-42"})
    finally:
        main.app.router.routes[:] = [r for r in main.app.router.routes if getattr(r, "path", "") != "/_test_boom"]
    assert response.status_code == 500
    error = next(line for line in lines() if line["message"] == "unhandled error")
    assert error["request_id"] == "req-42" and "RuntimeError: kaput" in error["exception"]
    assert lines()[-1] == {**lines()[-1], "message": "request", "status": 500, "request_id": "req-42"}
