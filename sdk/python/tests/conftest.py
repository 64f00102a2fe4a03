"""Starts real gateways (the workspace's `target/debug/clawgate`) in front of the real mock
upstream for the SDK tests, with the helpers of tests/py/conftest.py."""
import importlib.util
import os
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
_spec = importlib.util.spec_from_file_location("clawgate_py_suite_conftest", os.path.join(ROOT, "tests", "py", "conftest.py"))
suite = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(suite)
# The package from this checkout, whether or not it is installed.
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))

TOKEN = suite.TOKEN

SKILL = """---
name: greeter
description: Greets whoever is named in the request
---
Greet the person warmly.
"""


class Gateway:
    """A running gateway: `base` (root URL, no /v1), `token`, `state` (its state dir)."""

    def __init__(self, base, state):
        self.base, self.state, self.token = base, state, TOKEN


def start(mock_args, gateway_extra=""):
    """Starts `mock-upstream <mock_args>` and a gateway in front of it; yields a Gateway."""
    mock_port = suite._free_port()
    mock = subprocess.Popen([suite._bin("mock-upstream"), "--port", str(mock_port), *mock_args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state = tempfile.mkdtemp(prefix="clawgate-pysdk-")
    try:
        suite._wait_ready(f"http://127.0.0.1:{mock_port}/v1/models")
        os.makedirs(os.path.join(state, "skills", "greeter"))
        with open(os.path.join(state, "skills", "greeter", "SKILL.md"), "w") as f:
            f.write(SKILL)
        cfg = os.path.join(state, "clawgate.json5")
        with open(cfg, "w") as f:
            f.write(
                '{ gateway: { auth: { mode: "token", token: "%s" }, %s },'
                ' models: { providers: {'
                '   mock: { baseUrl: "http://127.0.0.1:%d/v1", api: "openai-completions", models: [{ id: "mock-model" }] },'
                '   dead: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "gone" }] } } },'
                ' skills: { load: { includeUserDir: false } },'
                ' agents: { defaults: { model: "mock/mock-model", workspace: "%s" } } }'
                % (TOKEN, gateway_extra, mock_port, os.path.join(state, "workspace"))
            )
        port = suite._free_port()
        gw = subprocess.Popen(
            [suite._bin("clawgate"), "gateway", "run", "--config", cfg, "--state-dir", state, "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, RUST_LOG="warn"),
        )
        try:
            suite._wait_ready(f"http://127.0.0.1:{port}/healthz")
            yield Gateway(f"http://127.0.0.1:{port}", state)
        finally:
            gw.terminate()
            gw.wait(timeout=10)
    finally:
        mock.terminate()
        mock.wait(timeout=10)


@pytest.fixture(scope="session")
def gateway():
    """A gateway whose model streams five chunks; request limits raised for the suite."""
    yield from start(["--chunks", "5"], 'http: { limits: { requestsPerMinute: 100000, concurrency: 100 } }')


@pytest.fixture(scope="session")
def limited_gateway():
    """A gateway whose model takes ~2 s (10 chunks, 200 ms apart), with one `/api/v1` request
    at a time and two `/v1/agent` requests a minute."""
    yield from start(
        ["--chunks", "10", "--chunk-delay-ms", "200"],
        'http: { limits: { api_v1: { maxConcurrent: 1, ratePerMinute: 0 }, agent: { ratePerMinute: 2 } } }',
    )
