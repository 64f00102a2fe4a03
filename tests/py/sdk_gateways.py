"""Gateways for the first-party SDK suites (sdk/python/tests, sdk/js/test, the SDK page test):
a real clawgate in front of the real mock upstream, with a skill, a workspace for memory, a
provider that cannot be reached (for 5xx) and optional request limits. Imported by
tests/py/test_sdks.py and sdk/python/tests/conftest.py."""
import importlib.util
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("clawgate_py_suite_conftest", os.path.join(HERE, "conftest.py"))
suite = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(suite)

ROOT = suite.ROOT
TOKEN = suite.TOKEN
SKILL = """---
name: greeter
description: Greets whoever is named in the request
---
Greet the person warmly.
"""
# A gateway whose model streams five chunks; request limits raised for the suites.
FAST = (["--chunks", "5"], "http: { limits: { requestsPerMinute: 100000, concurrency: 100 } }")
# A gateway whose model takes ~2 s (10 chunks, 200 ms apart), with one `/api/v1` request at a time
# and two `/v1/agent` requests a minute.
LIMITED = (["--chunks", "10", "--chunk-delay-ms", "200"],
           "http: { limits: { api_v1: { maxConcurrent: 1, ratePerMinute: 0 }, agent: { ratePerMinute: 2 } } }")


class Gateway:
    """A running gateway: `base` (root URL, no /v1), `token`, `state` (its state dir)."""

    def __init__(self, base, state):
        self.base, self.state, self.token = base, state, TOKEN


def start(mock_args, gateway_extra=""):
    """Starts `mock-upstream <mock_args>` and a gateway in front of it; yields a Gateway."""
    mock_port = suite._free_port()
    mock = subprocess.Popen([suite._bin("mock-upstream"), "--port", str(mock_port), *mock_args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state = tempfile.mkdtemp(prefix="clawgate-sdk-")
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
