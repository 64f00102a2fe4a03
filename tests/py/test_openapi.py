"""GET /openapi.json validates as OpenAPI 3.1 with a validator from PyPI and lists the routes
the gateway serves."""
import json
import urllib.request

from openapi_spec_validator import validate


def test_openapi_document_validates_and_lists_the_routes(gateway):
    base = gateway[: -len("/v1")]
    with urllib.request.urlopen(base + "/openapi.json", timeout=10) as r:
        doc = json.load(r)
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    paths = doc["paths"]
    for path, method in [("/v1/chat/completions", "post"), ("/api/v1/message", "post"),
                         ("/v1/sessions/{key}", "delete"), ("/sessions/{key}/history", "get"),
                         ("/v1/channels/{id}/enable", "post"), ("/metrics", "get"), ("/health", "head")]:
        assert method in paths[path], (path, method)
    assert paths["/api/v1/status"]["get"]["security"] == [{"bearer": []}]
    assert paths["/health"]["get"]["security"] == []
    # Every documented gateway operation really refuses a caller without the token.
    req = urllib.request.Request(base + "/api/v1/status")
    try:
        urllib.request.urlopen(req, timeout=10)
        raise AssertionError("served without a token")
    except urllib.error.HTTPError as e:
        assert e.code == 401
