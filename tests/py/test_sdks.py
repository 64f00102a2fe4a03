"""The first-party SDK suites against real gateways, so scripts/test.sh runs them: the Python SDK's
pytest suite (sdk/python/tests, which starts its own gateways) and the JS SDK's `node --test`
suite (sdk/js/test, against the gateways started here). scripts/test.sh installs both (the Python
SDK into .venv, `npm ci` in sdk/js and sdk/js/test/seed-app) and puts Node >= 22 on PATH."""
import os
import shutil
import subprocess
import sys

import pytest

from sdk_gateways import FAST, LIMITED, ROOT, TOKEN, start

JS = os.path.join(ROOT, "sdk", "js")


@pytest.fixture(scope="module")
def fast_gateway():
    yield from start(*FAST)


@pytest.fixture(scope="module")
def limited_gateway():
    yield from start(*LIMITED)


def test_python_sdk_suite():
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", os.path.join(ROOT, "sdk", "python", "tests")],
                       cwd=os.path.join(ROOT, "sdk", "python"), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-3000:]


def test_js_sdk_suite(fast_gateway, limited_gateway):
    node = shutil.which("node", path=os.path.join(ROOT, ".tools", "bin") + os.pathsep + os.environ.get("PATH", ""))
    assert node, "node not found: run scripts/test.sh"
    assert os.path.isdir(os.path.join(JS, "node_modules")), "sdk/js/node_modules missing: run scripts/test.sh"
    env = dict(os.environ, CLAWGATE_BASE_URL=fast_gateway.base, CLAWGATE_LIMITED_URL=limited_gateway.base, CLAWGATE_TOKEN=TOKEN)
    r = subprocess.run([node, "--test", "--test-reporter=spec", "test/*.test.mjs"], cwd=JS, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-8000:] + r.stderr[-3000:]


def test_the_installed_python_sdk_is_this_checkout():
    """scripts/test.sh installs sdk/python into the venv (`pip install ./sdk/python`): both import
    names resolve there, outside the checkout's source tree, at this checkout's version."""
    code = ("import clawgate, openclaw, os; print(os.path.dirname(clawgate.__file__)); "
            "print(clawgate.__version__); print(openclaw.OpenClaw is clawgate.Clawgate)")
    r = subprocess.run([sys.executable, "-c", code], cwd="/", capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, "the SDK is not installed: run scripts/test.sh\n" + r.stderr[-2000:]
    where, version, alias = r.stdout.split()
    assert not where.startswith(os.path.join(ROOT, "sdk")), where
    with open(os.path.join(ROOT, "sdk", "python", "pyproject.toml")) as f:
        assert f'version = "{version}"' in f.read()
    assert alias == "True"
