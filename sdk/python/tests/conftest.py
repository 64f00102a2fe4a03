"""Real gateways for the SDK tests, started by tests/py/sdk_gateways.py (the workspace's
`target/debug/clawgate` in front of the real mock upstream)."""
import importlib.util
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
_spec = importlib.util.spec_from_file_location("clawgate_sdk_gateways", os.path.join(ROOT, "tests", "py", "sdk_gateways.py"))
gateways = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gateways)
# The package from this checkout, whether or not it is installed.
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))


@pytest.fixture(scope="session")
def gateway():
    """A gateway whose model streams five chunks; request limits raised for the suite."""
    yield from gateways.start(*gateways.FAST)


@pytest.fixture(scope="session")
def limited_gateway():
    """A slow model (~2 s), one `/api/v1` request at a time, two `/v1/agent` requests a minute."""
    yield from gateways.start(*gateways.LIMITED)
