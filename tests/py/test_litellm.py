"""LiteLLM as a client (`litellm.completion` with the `openai/` prefix) against a real clawgate,
streamed and not, including a tool round trip."""
import json
import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no network fetch at import

import litellm  # noqa: E402
import pytest  # noqa: E402

from conftest import ANTHROPIC_AGENT, OPENAI_AGENT, TOKEN  # noqa: E402

TOOLS = [{
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
}]


def complete(gateway, model, **kw):
    return litellm.completion(model=f"openai/{model}", api_base=gateway, api_key=TOKEN, num_retries=0, **kw)


@pytest.mark.parametrize("model", [OPENAI_AGENT, ANTHROPIC_AGENT])
def test_completion_plain_and_streamed(model_gateway, model):
    msgs = [{"role": "user", "content": "hi"}]
    r = complete(model_gateway, model, messages=msgs)
    assert r.choices[0].message.content == "Hello from the mock model."
    chunks = list(complete(model_gateway, model, messages=msgs, stream=True, stream_options={"include_usage": True}))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello from the mock model."


@pytest.mark.parametrize("stream", [False, True])
def test_completion_tool_round_trip(model_gateway, stream):
    msgs = [{"role": "user", "content": "Weather in Paris?"}]
    r = complete(model_gateway, OPENAI_AGENT, messages=msgs, tools=TOOLS)
    call = r.choices[0].message.tool_calls[0]
    assert r.choices[0].finish_reason == "tool_calls"
    msgs += [r.choices[0].message.model_dump(), {"role": "tool", "tool_call_id": call.id, "content": "sunny"}]
    assert json.loads(call.function.arguments) == {"city": "San Francisco"}
    if stream:
        chunks = list(complete(model_gateway, OPENAI_AGENT, messages=msgs, tools=TOOLS, stream=True))
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    else:
        text = complete(model_gateway, OPENAI_AGENT, messages=msgs, tools=TOOLS).choices[0].message.content
    assert text == "The tool returned: sunny"
