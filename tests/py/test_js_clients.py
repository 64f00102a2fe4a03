"""The JS client libraries (tests/js: the `openai` npm SDK and the Vercel AI SDK) against the
same real gateway, run with `node --test`. scripts/test.sh installs them (`npm ci`) and puts a
Node >= 22 on PATH."""
import os
import shutil
import subprocess

import pytest

from conftest import ANTHROPIC_AGENT, OPENAI_AGENT, ROOT, TOKEN

JS = os.path.join(ROOT, "tests", "js")


@pytest.mark.parametrize("suite", ["openai.test.mjs", "ai-sdk.test.mjs"])
def test_js_suite(model_gateway, suite):
    node = shutil.which("node", path=os.path.join(ROOT, ".tools", "bin") + os.pathsep + os.environ.get("PATH", ""))
    assert node, "node not found: run scripts/test.sh"
    assert os.path.isdir(os.path.join(JS, "node_modules")), "tests/js/node_modules missing: run scripts/test.sh"
    env = dict(os.environ, CLAWGATE_BASE_URL=model_gateway, CLAWGATE_TOKEN=TOKEN, CLAWGATE_MODELS=f"{OPENAI_AGENT},{ANTHROPIC_AGENT}")
    r = subprocess.run([node, "--test", "--test-reporter=spec", suite], cwd=JS, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-3000:]
