"""An upstream built on Python's `http.server` (HTTP/1.1, no Content-Length, no chunked encoding:
the body ends when the connection closes) works through every OpenAI endpoint of the gateway,
seen from the official `openai` SDK."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from openai import OpenAI

import conftest

WORDS = ["Plain", " http.server", " upstream."]


class Upstream(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):  # /v1/models, for the readiness check
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"object":"list","data":[{"id":"m","object":"model","created":0,"owned_by":"x"}]}')
        self.close_connection = True

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        if body.get("stream"):
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for i, w in enumerate(WORDS):
                delta = {"role": "assistant", "content": w} if i == 0 else {"content": w}
                chunk = {"id": "p", "object": "chat.completion.chunk", "created": 0, "model": "m",
                         "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            done = {"id": "p", "object": "chat.completion.chunk", "created": 0, "model": "m",
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
        else:
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"id": "p", "object": "chat.completion", "created": 0, "model": "m", "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "".join(WORDS)}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 3, "total_tokens": 4}}).encode())
        self.close_connection = True


@pytest.fixture(scope="module")
def plain_gateway():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        yield from conftest._start_with_upstream(
            'plain: { baseUrl: "http://127.0.0.1:%d/v1", api: "openai-completions", models: [{ id: "m" }] }' % port,
            'defaults: { model: "plain/m" }',
        )
    finally:
        server.shutdown()


def test_every_endpoint_reads_a_close_delimited_upstream(plain_gateway):
    client = OpenAI(base_url=plain_gateway, api_key=conftest.TOKEN, max_retries=0)
    expected = "".join(WORDS)
    r = client.chat.completions.create(model="openclaw", messages=[{"role": "user", "content": "hi"}])
    assert r.choices[0].message.content == expected
    with client.chat.completions.stream(model="openclaw", messages=[{"role": "user", "content": "hi"}]) as s:
        assert s.get_final_completion().choices[0].message.content == expected
    assert client.responses.create(model="openclaw", input="hi").output_text == expected
    with client.responses.stream(model="openclaw", input="hi") as s:
        assert s.get_final_response().output_text == expected
