"""The JS SDK in a real browser (Chromium through Playwright): a page served from another origin
loads the SDK's ESM build and streams a reply from the gateway, which allows that origin through
`gateway.http.cors.allowedOrigins`. The text must arrive in several chunks, spread over time (the
mock model sends one every 150 ms), and equal the non-streamed reply."""
import functools
import http.server
import os
import threading

import pytest
from playwright.sync_api import sync_playwright

from sdk_gateways import ROOT, TOKEN, start, suite

JS = os.path.join(ROOT, "sdk", "js")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def page_server():
    port = suite._free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_Quiet, directory=JS))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def cors_gateway(page_server):
    yield from start(["--chunks", "5", "--chunk-delay-ms", "150"],
                     'http: { cors: { allowedOrigins: ["%s"] }, limits: { requestsPerMinute: 1000 } }' % page_server)


def test_a_page_streams_a_reply_with_the_js_sdk(page_server, cors_gateway):
    url = f"{page_server}/test/browser/page.html#base={cors_gateway.base}&token={TOKEN}"
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"), args=args)
        try:
            page = browser.new_page()
            page.goto(url)
            page.wait_for_function("window.__done !== undefined", timeout=30000)
            assert page.evaluate("window.__done") == "ok"
            chunks = page.evaluate("window.__chunks")
            whole = page.evaluate("window.__whole")
            shown = page.inner_text("#out")
        finally:
            browser.close()
    assert len(chunks) > 1, chunks
    assert "".join(c["text"] for c in chunks) == whole == shown
    assert chunks[-1]["at"] - chunks[0]["at"] >= 300, chunks
