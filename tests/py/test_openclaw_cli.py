"""OpenClaw's own CLI (npm `openclaw`, installed by scripts/openclaw-cli.sh) against clawgate."""
import json
import os
import subprocess
import tempfile

from conftest import ROOT, TOKEN

CLI = os.path.join(ROOT, "scripts", "openclaw-cli.sh")


def _run(args, env_extra=None, timeout=180):
    home = tempfile.mkdtemp(prefix="openclaw-home-")
    env = dict(os.environ, HOME=home, OPENCLAW_STATE_DIR=os.path.join(home, ".openclaw"), NO_COLOR="1")
    env.update(env_extra or {})
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=timeout, env=env)
    assert p.returncode == 0, f"{args}: exit {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}"
    return json.loads(p.stdout)


def _ws(gateway):
    return gateway.replace("http://", "ws://").removesuffix("/v1")


def _call(gateway, method, *extra):
    return _run(["gateway", "call", method, "--url", _ws(gateway), "--token", TOKEN, "--json", *extra])


def test_gateway_call_read_methods(gateway):
    assert _call(gateway, "health")["ok"] is True
    assert _call(gateway, "status")["runtimeVersion"]
    assert "sessions" in _call(gateway, "sessions.list")
    models = _call(gateway, "models.list")["models"]
    assert models[0]["id"] == "mock-model"
    history = _call(gateway, "chat.history")
    assert history["sessionKey"] == "agent:main:main"


def test_gateway_call_agent_expect_final(gateway):
    params = json.dumps({"message": "hi", "agentId": "main", "idempotencyKey": "cli-k1"})
    out = _call(gateway, "agent", "--expect-final", "--params", params)
    assert out["runId"] == "cli-k1"
    assert out["status"] == "ok"
    assert out["result"]["payloads"][0]["text"]
    again = _call(gateway, "agent", "--expect-final", "--params", params)
    assert again["cached"] is True
    assert again["result"] == out["result"]


def test_openclaw_agent_with_env_url_and_token(gateway):
    out = _run(
        ["agent", "--message", "hi", "--agent", "main", "--json"],
        env_extra={"OPENCLAW_GATEWAY_URL": _ws(gateway), "OPENCLAW_GATEWAY_TOKEN": TOKEN},
    )
    assert out["status"] == "ok"
    assert out["result"]["payloads"][0]["text"]
