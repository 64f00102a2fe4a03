"""The web chat and control page (web/, served at `/`), driven in Chromium by Playwright against a
real gateway in front of a scripted upstream (Python's http.server): it streams slowly and holds
the rest of a reply until the test releases it, calls a tool, hangs until aborted, or answers with
HTML that must stay text. A screenshot of each view goes to target/web-ui-screenshots/."""
import base64
import json
import os
import shutil
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect, sync_playwright

import conftest

TOKEN = "web-ui-token"
SHOTS = os.path.join(conftest.TARGET, "web-ui-screenshots")
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
XSS = '<script>window.__xss = 1</script> and <img src=x onerror="window.__xss = 2"> as text'

RELEASE = threading.Event()  # lets the held part of the "stream slowly" reply go
HOLD = threading.Event()  # set at teardown: ends a reply that hangs until aborted


def _chunk(delta, finish=None):
    return {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


class Upstream(BaseHTTPRequestHandler):
    """OpenAI Chat Completions, scripted by the last message's text."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"object":"list","data":[{"id":"m","object":"model","created":0,"owned_by":"x"}]}')
        self.close_connection = True

    def _send(self, chunk):
        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.flush()

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        last = body["messages"][-1]
        text = last.get("content") if isinstance(last.get("content"), str) else json.dumps(last.get("content"))
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            parts = last.get("content") if isinstance(last.get("content"), list) else []
            if any(p.get("type") == "image_url" and p["image_url"]["url"].startswith("data:image/png;base64,") for p in parts):
                self._send(_chunk({"role": "assistant", "content": "I see an image."}))
            elif last["role"] == "tool":
                self._send(_chunk({"role": "assistant", "content": "The tool answered."}))
            elif "use a tool" in text:
                call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "agents_list", "arguments": "{}"}}
                self._send(_chunk({"role": "assistant", "tool_calls": [call]}))
                self._send(_chunk({}, "tool_calls"))
                self.wfile.write(b"data: [DONE]\n\n")
                return
            elif "stream slowly" in text:
                self._send(_chunk({"role": "assistant", "content": "First part"}))
                RELEASE.wait(30)
                self._send(_chunk({"content": " and the rest."}))
            elif "hang" in text:
                self._send(_chunk({"role": "assistant", "content": "Working on it"}))
                while not HOLD.wait(0.2):
                    self.wfile.write(b": keep-alive\n\n")  # fails once the gateway hangs up
                    self.wfile.flush()
            elif "think first" in text:
                self._send(_chunk({"role": "assistant", "reasoning_content": "Weighing the options."}))
                self._send(_chunk({"content": "Decided."}))
            elif "html please" in text:
                self._send(_chunk({"role": "assistant", "content": XSS}))
            else:
                self._send(_chunk({"role": "assistant", "content": "Hello from the **upstream**."}))
            self._send(_chunk({}, "stop"))
            self.wfile.write(b"data: [DONE]\n\n")
        except (BrokenPipeError, ConnectionResetError):
            pass


def write_config(path, upstream_port, token=TOKEN):
    with open(path, "w") as f:
        f.write(
            '{ gateway: { auth: { mode: "token", token: "%s" } },'
            ' models: { providers: { up: { baseUrl: "http://127.0.0.1:%d/v1", api: "openai-completions", models: [{ id: "m", input: ["text", "image"] }] } } },'
            ' agents: { defaults: { model: "up/m" } },'
            ' channels: { webhook: { secret: "bridge-secret", callbackUrl: "https://bridge.invalid/clawgate" } } }'
            % (token, upstream_port)
        )


def start_gateway(cfg, state, port):
    gw = subprocess.Popen(
        [conftest._bin("clawgate"), "gateway", "run", "--config", cfg, "--state-dir", state, "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, RUST_LOG="warn"),
    )
    conftest._wait_ready(f"http://127.0.0.1:{port}/healthz")
    return gw


def stop_gateway(gw):
    gw.terminate()
    try:
        gw.wait(timeout=10)
    except subprocess.TimeoutExpired:
        gw.kill()


@pytest.fixture(scope="module")
def upstream_port():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    HOLD.set()
    RELEASE.set()
    server.shutdown()


@pytest.fixture(scope="module")
def base_url(upstream_port):
    state = tempfile.mkdtemp(prefix="clawgate-webui-")
    cfg = os.path.join(state, "clawgate.json5")
    write_config(cfg, upstream_port)
    port = conftest._free_port()
    gw = start_gateway(cfg, state, port)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop_gateway(gw)
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    path = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=args)
        yield b
        b.close()


@pytest.fixture
def page(browser, base_url):
    ctx = browser.new_context(viewport={"width": 375, "height": 667})
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ctx.close()
    assert errors == []


def shot(pg, name):
    os.makedirs(SHOTS, exist_ok=True)
    pg.evaluate("window.scrollTo(0, 0)")
    pg.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def login(pg, base_url):
    pg.goto(base_url)
    pg.get_by_label("Gateway token or password").fill(TOKEN)
    pg.get_by_role("button", name="Connect").click()
    expect(pg.locator(".conn")).to_have_text("connected")


def open_view(pg, name):
    pg.get_by_role("navigation").get_by_role("link", name=name).click()


def send(pg, text):
    box = pg.get_by_label("Message", exact=True)
    expect(pg.locator("select[name=session] option")).not_to_have_count(0)
    box.fill(text)
    box.press("Enter")


def test_a_wrong_token_shows_an_error_and_does_not_retry(browser, base_url):
    ctx = browser.new_context()
    pg = ctx.new_page()
    sockets = []
    pg.on("websocket", lambda ws: sockets.append(ws))
    pg.goto(base_url)
    shot(pg, "login")
    pg.get_by_label("Gateway token or password").fill("not-the-token")
    pg.get_by_role("button", name="Connect").click()
    expect(pg.get_by_role("alert")).to_contain_text("unauthorized: gateway token mismatch")
    assert len(sockets) == 1
    assert pg.evaluate("sessionStorage.length") == 0
    assert "not-the-token" not in pg.url
    ctx.close()


def test_streamed_text_appears_before_the_turn_ends(page, base_url):
    login(page, base_url)
    send(page, "please stream slowly")
    reply = page.locator(".msg.assistant").last
    expect(reply.locator(".text")).to_have_text("First part")
    # The upstream still holds the rest: the turn is running, the page shows what came so far.
    assert not RELEASE.is_set()
    expect(page.get_by_role("button", name="Abort")).to_be_enabled()
    shot(page, "chat-streaming")
    RELEASE.set()
    expect(reply.locator(".text")).to_have_text("First part and the rest.")
    expect(page.get_by_role("button", name="Abort")).to_be_disabled()
    shot(page, "chat")


def test_enter_during_ime_composition_does_not_send(page, base_url):
    login(page, base_url)
    box = page.get_by_label("Message", exact=True)
    expect(page.locator("select[name=session] option")).not_to_have_count(0)
    box.fill("你好")
    before = page.locator(".msg.user").count()
    # The Enter that confirms an IME candidate arrives with isComposing (keyCode 229).
    box.evaluate("""el => el.dispatchEvent(new KeyboardEvent("keydown",
        {key: "Enter", isComposing: true, keyCode: 229, bubbles: true, cancelable: true}))""")
    assert box.input_value() == "你好"
    assert page.locator(".msg.user").count() == before
    box.press("Enter")
    expect(page.locator(".msg.user .text").last).to_have_text("你好")
    expect(page.locator(".msg.assistant").last.locator(".text")).to_have_text("Hello from the upstream.")


def test_a_tool_call_is_shown_collapsed(page, base_url):
    login(page, base_url)
    send(page, "please use a tool")
    tool = page.locator("details.tool").first
    expect(tool.locator("summary")).to_contain_text("agents_list")
    assert tool.get_attribute("open") is None
    expect(page.locator(".msg.assistant").last.locator(".text")).to_have_text("The tool answered.")


def test_thinking_is_shown_collapsed(page, base_url):
    login(page, base_url)
    send(page, "think first")
    reply = page.locator(".msg.assistant").last
    expect(reply.locator(".text")).to_have_text("Decided.")
    thinking = reply.locator("details.thinking")
    expect(thinking).to_be_visible()
    thinking.locator("summary").click()
    expect(thinking.locator(".thinking-text")).to_have_text("Weighing the options.")


def test_a_slow_turn_is_aborted(page, base_url):
    login(page, base_url)
    send(page, "hang until aborted")
    reply = page.locator(".msg.assistant").last
    expect(reply.locator(".text")).to_have_text("Working on it")
    page.get_by_role("button", name="Abort").click()
    expect(reply).to_have_attribute("data-state", "aborted")
    expect(page.get_by_role("button", name="Abort")).to_be_disabled()


def test_model_html_renders_as_text(page, base_url):
    login(page, base_url)
    send(page, "html please")
    reply = page.locator(".msg.assistant").last.locator(".text")
    expect(reply).to_contain_text("<script>window.__xss = 1</script>")
    expect(reply).to_contain_text('<img src=x onerror="window.__xss = 2">')
    assert page.locator(".messages script, .messages img").count() == 0
    assert page.evaluate("window.__xss") is None


def test_an_attached_image_reaches_the_model(page, base_url):
    login(page, base_url)
    page.locator("#attach-file").set_input_files(files=[{"name": "dot.png", "mimeType": "image/png", "buffer": PNG}])
    expect(page.get_by_role("img", name="dot.png")).to_be_visible()
    send(page, "what is in this picture?")
    expect(page.locator(".msg.assistant").last.locator(".text")).to_have_text("I see an image.")
    expect(page.locator(".previews img")).to_have_count(0)


def test_a_previous_session_opens_with_its_history(page, base_url):
    login(page, base_url)
    page.get_by_role("button", name="New session").click()
    send(page, "hello in a side session")
    expect(page.locator(".msg.assistant").last.locator(".text")).to_have_text("Hello from the upstream.")
    side = page.locator("select[name=session]").input_value()
    assert side.startswith("agent:main:web-")
    open_view(page, "Sessions")
    expect(page.locator("tbody tr")).not_to_have_count(0)
    page.get_by_label("Search").fill("web-")
    shot(page, "sessions")
    page.get_by_role("link", name=side).click()
    expect(page.locator("select[name=session]")).to_have_value(side)
    expect(page.locator(".msg.user .text").first).to_have_text("hello in a side session")
    expect(page.locator(".msg.assistant .text").first).to_have_text("Hello from the upstream.")
    # The main session's history is there too: the earlier tests' turns.
    page.locator("select[name=session]").select_option("agent:main:main")
    expect(page.locator(".msg.user .text", has_text="please stream slowly")).to_have_count(1)
    # Deleting the side session removes it from the list.
    page.on("dialog", lambda d: d.accept())
    open_view(page, "Sessions")
    row = page.locator("tbody tr", has_text=side)
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Delete").click()
    expect(row).to_have_count(0)


def test_a_cron_job_is_added_and_listed(page, base_url):
    login(page, base_url)
    open_view(page, "Cron")
    page.get_by_label("Name").fill("Morning brief")
    page.get_by_label("Cron expression").fill("0 7 * * *")
    page.get_by_label("Message for the agent").fill("Summarise the news")
    page.get_by_role("button", name="Add job").click()
    row = page.locator("table.cron-jobs tbody tr", has_text="Morning brief")
    expect(row).to_contain_text("cron 0 7 * * *")
    row.get_by_role("button", name="Edit").click()
    page.get_by_label("Cron expression").fill("30 8 * * 1-5")
    page.get_by_role("button", name="Save job").click()
    expect(row).to_contain_text("cron 30 8 * * 1-5")
    row.get_by_role("button", name="Run now").click()
    history = page.locator("table.cron-runs tbody tr", has_text="Morning brief")
    expect(history.first.locator(".run-status")).to_have_text("ok", timeout=15000)
    shot(page, "cron")


def test_a_channel_is_switched_off_and_on(page, base_url):
    login(page, base_url)
    open_view(page, "Channels")
    card = page.locator(".channel").first
    expect(card.locator(".channel-enabled")).to_have_text("yes")
    card.get_by_role("button", name="Disable").click()
    expect(card.locator(".channel-enabled")).to_have_text("no")
    expect(card.locator(".channel-status")).to_have_text("disabled")
    shot(page, "channels")
    card.get_by_role("button", name="Enable").click()
    expect(card.locator(".channel-enabled")).to_have_text("yes")


def test_status_logs_and_config_views(page, base_url):
    login(page, base_url)
    open_view(page, "Status")
    expect(page.locator("dd").first).not_to_be_empty()
    expect(page.get_by_text("up/m", exact=True)).to_be_visible()
    shot(page, "status")
    open_view(page, "Logs")
    expect(page.locator(".logs .log").first).to_be_attached()
    shot(page, "logs")
    open_view(page, "Config")
    secret = page.locator('.config-key[data-key="gateway.auth.token"] input')
    expect(secret).to_have_value("__OPENCLAW_REDACTED__")
    key = page.locator('.config-key[data-key="gateway.auth.mode"]')
    key.locator("input").fill("bogus")
    key.get_by_role("button", name="Save").click()
    expect(key.locator(".key-error")).to_contain_text("gateway.auth.mode")
    shot(page, "config")


def test_a_restarted_gateway_is_reconnected_and_a_rotated_token_logs_out(browser, upstream_port):
    state = tempfile.mkdtemp(prefix="clawgate-webui-restart-")
    cfg = os.path.join(state, "clawgate.json5")
    write_config(cfg, upstream_port)
    port = conftest._free_port()
    url = f"http://127.0.0.1:{port}/"
    gw = start_gateway(cfg, state, port)
    ctx = browser.new_context()
    pg = ctx.new_page()
    try:
        login(pg, url)
        stop_gateway(gw)
        expect(pg.locator(".conn")).to_contain_text("reconnecting")
        gw = start_gateway(cfg, state, port)
        expect(pg.locator(".conn")).to_have_text("connected", timeout=20000)
        assert pg.evaluate("sessionStorage.length") == 1
        # A new token in the file: the reload closes the old token's socket (4001) and the page
        # asks for the new one instead of retrying the old.
        write_config(cfg, upstream_port, token="rotated-token")
        expect(pg.get_by_role("alert")).to_contain_text("gateway auth changed", timeout=20000)
        expect(pg.get_by_label("Gateway token or password")).to_be_visible()
        assert pg.evaluate("sessionStorage.length") == 0
    finally:
        ctx.close()
        stop_gateway(gw)
        shutil.rmtree(state, ignore_errors=True)
