"""The service's endpoints through the ASGI test client."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from main import app

client = TestClient(app)


def test_root_is_the_chapters_response_byte_for_byte():
    response = client.get("/")
    assert response.status_code == 200
    assert response.content == b'{"message":"Hello World"}'  # what the chapter's FastAPI renders
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-length"] == "25"


@pytest.mark.parametrize("path, body", [("/healthz", b'{"status":"ok"}'), ("/readyz", b'{"status":"ready"}')])
def test_probes(path, body):
    response = client.get(path)
    assert (response.status_code, response.content) == (200, body)


def test_docs_and_schema_are_served():
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text
    schema = client.get("/openapi.json").json()
    assert set(schema["paths"]) == {"/", "/healthz", "/readyz"}
    ok = schema["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/Message"}
    assert schema["components"]["schemas"]["Message"]["properties"] == {"message": {"title": "Message",
                                                                                   "type": "string"}}


@pytest.mark.parametrize("method, path, status, detail", [
    ("GET", "/nope", 404, "Not Found"),
    ("GET", "/healthz/extra", 404, "Not Found"),
    ("POST", "/", 405, "Method Not Allowed"),
    ("DELETE", "/readyz", 405, "Method Not Allowed"),
])
def test_unknown_paths_and_wrong_methods_get_json_errors(method, path, status, detail):
    response = client.request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": detail}


def test_odd_requests_never_produce_a_server_error():
    for path in ("/?x=" + "a" * 10000, "/%00", "/..%2f..%2fetc/passwd", "//", "/healthz?"):
        assert client.get(path).status_code < 500, path
    assert client.get("/", headers={"Accept": "text/html", "X-Forwarded-For": "1.2.3.4"}).status_code == 200
    assert client.post("/", content=b"\xff" * 1000).status_code == 405
