"""Starts a real mock upstream and a real clawgate binary for the SDK tests."""
import os
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
TOKEN = "sdk-test-token"


def _bin(name):
    path = os.path.join(TARGET, "debug", name)
    if not os.path.exists(path):
        raise RuntimeError(f"{path} missing: run `cargo build --workspace --bins` first")
    return path


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(url, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} not ready")


def _start(mock_flag, providers, agents):
    """Starts `mock-upstream <mock_flag>` and a clawgate in front of it; yields the /v1 base URL."""
    mock_port = _free_port()
    mock = subprocess.Popen([_bin("mock-upstream"), "--port", str(mock_port), mock_flag], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_ready(f"http://127.0.0.1:{mock_port}/v1/models")
        yield from _start_with_upstream(providers % {"port": mock_port}, agents)
    finally:
        mock.terminate()
        try:
            mock.wait(timeout=10)
        except subprocess.TimeoutExpired:
            mock.kill()


def _start_with_upstream(providers, agents):
    """Starts a clawgate with these `models.providers` and `agents`; yields the /v1 base URL."""
    state = tempfile.mkdtemp(prefix="clawgate-sdk-")
    cfg = os.path.join(state, "clawgate.json5")
    with open(cfg, "w") as f:
        f.write(
            '{ gateway: { auth: { mode: "token", token: "%s" }, http: { endpoints: { responses: { enabled: true } } } },'
            ' models: { providers: { %s } }, agents: { %s } }' % (TOKEN, providers, agents)
        )
    port = _free_port()
    env = dict(os.environ, RUST_LOG="warn")
    gw = subprocess.Popen(
        [_bin("clawgate"), "gateway", "run", "--config", cfg, "--state-dir", state, "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    try:
        _wait_ready(f"http://127.0.0.1:{port}/healthz")
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        gw.terminate()
        try:
            gw.wait(timeout=10)
        except subprocess.TimeoutExpired:
            gw.kill()


@pytest.fixture(scope="session")
def gateway():
    yield from _start(
        "--auto-tools",
        'mock: { baseUrl: "http://127.0.0.1:%(port)d/v1", api: "openai-completions", models: [{ id: "mock-model" }] }',
        'defaults: { model: "mock/mock-model" }',
    )


# Model ids of `model_gateway`: the same model-like mock behind each upstream protocol.
OPENAI_AGENT = "openclaw/main"
ANTHROPIC_AGENT = "openclaw/claude"


@pytest.fixture(scope="session")
def model_gateway():
    """A gateway in front of the mock in `--model-like` mode, as a plain OpenAI-compatible
    endpoint: agent `main` reaches it over OpenAI Chat Completions, agent `claude` over
    Anthropic Messages; server tools are denied so the model sees only the client's tools."""
    yield from _start(
        "--model-like",
        'oai: { baseUrl: "http://127.0.0.1:%(port)d/v1", api: "openai-completions", models: [{ id: "mock-model" }] },'
        ' anth: { baseUrl: "http://127.0.0.1:%(port)d/v1", api: "anthropic-messages", models: [{ id: "mock-model" }] }',
        'defaults: { model: "oai/mock-model" }, list: [{ id: "main", default: true, tools: { deny: ["*"] } },'
        ' { id: "claude", model: "anth/mock-model", tools: { deny: ["*"] } }]',
    )
