"""Seed 001's Python SDK snippet, verbatim (imports included), against the real gateway; only
the base URL and token are substituted, textually."""
import os
import subprocess
import sys

from clawgate import Clawgate

HERE = os.path.dirname(os.path.abspath(__file__))


def test_seed_001_python_snippet(gateway):
    with open(os.path.join(HERE, "seed_snippets", "001_python_sdk.py"), encoding="utf-8") as f:
        code = f.read()
    code = code.replace("http://localhost:18789", gateway.base).replace("YOUR_TOKEN", gateway.token)
    note = "OpenClaw 配置: the gateway listens on port 18789"
    Clawgate(base_url=gateway.base, token=gateway.token).memory.add(content=note)
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(HERE), "src"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].strip(), out.stdout
    assert any(note in l for l in lines[1:]), out.stdout
