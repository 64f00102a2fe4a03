"""GET /metrics parses with the Prometheus client library's text-format parser and its
counters move when turns run."""
import urllib.request

from openai import OpenAI
from prometheus_client.parser import text_string_to_metric_families

from conftest import TOKEN


def _scrape(base, path="/metrics"):
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200
        assert r.headers["content-type"].startswith("text/plain")
        return {f.name: f for f in text_string_to_metric_families(r.read().decode())}


def _sample(families, name, labels):
    for fam in families.values():
        for s in fam.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return 0.0


def test_metrics_parse_and_move_when_turns_run(gateway):
    base = gateway[: -len("/v1")]
    before = _scrape(base)
    assert "clawgate_active_runs" in before
    turns_before = _sample(before, "clawgate_turns_total", {"status": "ok"})
    chats_before = _sample(before, "clawgate_http_requests_total", {"family": "chat_completions", "status": "200"})

    client = OpenAI(base_url=gateway, api_key=TOKEN)
    client.chat.completions.create(model="openclaw", messages=[{"role": "user", "content": "hi"}])

    after = _scrape(base, "/api/diagnostics/prometheus")
    assert _sample(after, "clawgate_turns_total", {"status": "ok"}) == turns_before + 1
    assert _sample(after, "clawgate_http_requests_total", {"family": "chat_completions", "status": "200"}) == chats_before + 1
    assert _sample(after, "clawgate_turn_duration_seconds_count", {"phase": "provider"}) >= 1
    assert _sample(after, "clawgate_tokens_total", {"direction": "output"}) > 0


def test_metrics_need_the_gateway_token(gateway):
    base = gateway[: -len("/v1")]
    try:
        urllib.request.urlopen(base + "/metrics", timeout=10)
        raise AssertionError("served without a token")
    except urllib.error.HTTPError as e:
        assert e.code == 401
