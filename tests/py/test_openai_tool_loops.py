"""The official `openai` Python SDK runs full client tool loops and structured output through a
real clawgate, over both upstream protocols (OpenAI Chat Completions and Anthropic Messages).

The upstream is the mock in `--model-like` mode: it calls an offered tool until a tool result
is present, then answers with text that uses the result; it answers JSON for structured output.
"""
import json

import pytest
from openai import OpenAI
from pydantic import BaseModel

from conftest import ANTHROPIC_AGENT, OPENAI_AGENT, TOKEN

AGENTS = [OPENAI_AGENT, ANTHROPIC_AGENT]

CHAT_TOOLS = [{
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}]
RESPONSES_TOOLS = [{"type": "function", **CHAT_TOOLS[0]["function"]}]


def get_weather(city):
    return f"sunny and 21C in {city}"


class City(BaseModel):
    name: str
    population: int
    landmarks: list[str]


@pytest.fixture()
def client(model_gateway):
    return OpenAI(base_url=model_gateway, api_key=TOKEN, max_retries=0)


def run_chat_tool_loop(client, model, **kwargs):
    """The loop from OpenAI's function-calling guide: call, run the tools, send results back."""
    messages = [{"role": "user", "content": "What is the weather in Paris?"}]
    calls_made = 0
    for _ in range(4):
        r = client.chat.completions.create(model=model, messages=messages, tools=CHAT_TOOLS, **kwargs)
        choice = r.choices[0]
        if choice.finish_reason != "tool_calls":
            return choice, calls_made
        messages.append(choice.message)
        for call in choice.message.tool_calls:
            calls_made += 1
            args = json.loads(call.function.arguments)
            messages.append({"role": "tool", "tool_call_id": call.id, "content": get_weather(args["city"])})
    pytest.fail("the model kept calling the tool: tool results did not reach it")


@pytest.mark.parametrize("model", AGENTS)
def test_chat_tool_loop_ends_with_an_answer_that_uses_the_result(client, model):
    choice, calls = run_chat_tool_loop(client, model)
    assert calls == 1
    assert choice.finish_reason == "stop"
    assert "sunny and 21C in San Francisco" in choice.message.content


@pytest.mark.parametrize("model", AGENTS)
def test_chat_stream_helper_tool_loop(client, model):
    messages = [{"role": "user", "content": "Weather in Rome?"}]
    with client.chat.completions.stream(model=model, messages=messages, tools=CHAT_TOOLS) as s:
        first = s.get_final_completion()
    call = first.choices[0].message.tool_calls[0]
    assert first.choices[0].finish_reason == "tool_calls"
    messages += [first.choices[0].message, {"role": "tool", "tool_call_id": call.id, "content": "rainy"}]
    with client.chat.completions.stream(model=model, messages=messages, tools=CHAT_TOOLS) as s:
        final = s.get_final_completion()
    assert final.choices[0].finish_reason == "stop"
    assert final.choices[0].message.content == "The tool returned: rainy"


@pytest.mark.parametrize("model", AGENTS)
def test_chat_structured_output_parses(client, model):
    r = client.chat.completions.parse(
        model=model, messages=[{"role": "user", "content": "Describe Paris."}], response_format=City
    )
    city = r.choices[0].message.parsed
    assert isinstance(city, City)
    assert city.population == 1 and city.landmarks


@pytest.mark.parametrize("model", AGENTS)
def test_chat_json_mode_returns_an_object(client, model):
    r = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "JSON please"}], response_format={"type": "json_object"}
    )
    assert isinstance(json.loads(r.choices[0].message.content), dict)


@pytest.mark.parametrize("model", AGENTS)
def test_chat_max_tokens_cuts_with_finish_reason_length(client, model):
    r = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}], max_tokens=2)
    assert r.choices[0].finish_reason == "length"
    assert r.choices[0].message.content == "Hello from"


def test_chat_refuses_n_above_one_by_name(client):
    import openai

    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model=OPENAI_AGENT, messages=[{"role": "user", "content": "hi"}], n=2)
    assert e.value.body["param"] == "n"


@pytest.mark.parametrize("model", AGENTS)
def test_responses_tool_loop_by_previous_response_id(client, model):
    r = client.responses.create(model=model, input="What is the weather in Paris?", tools=RESPONSES_TOOLS)
    assert r.status == "completed"
    calls = [i for i in r.output if i.type == "function_call"]
    assert len(calls) == 1
    outputs = [
        {"type": "function_call_output", "call_id": c.call_id, "output": get_weather(json.loads(c.arguments)["city"])}
        for c in calls
    ]
    follow = client.responses.create(model=model, previous_response_id=r.id, input=outputs, tools=RESPONSES_TOOLS)
    assert follow.status == "completed"
    assert not [i for i in follow.output if i.type == "function_call"]
    assert "sunny and 21C in San Francisco" in follow.output_text


@pytest.mark.parametrize("model", AGENTS)
def test_responses_tool_loop_by_replaying_items_with_store_false(client, model):
    history = [{"role": "user", "content": "What is the weather in Oslo?"}]
    with client.responses.stream(model=model, input=history, tools=RESPONSES_TOOLS, store=False, include=[]) as s:
        first = s.get_final_response()
    calls = [i for i in first.output if i.type == "function_call"]
    assert first.status == "completed" and calls
    history += [c.model_dump(exclude_none=True) for c in calls]
    history += [{"type": "function_call_output", "call_id": c.call_id, "output": "-3C"} for c in calls]
    with client.responses.stream(model=model, input=history, tools=RESPONSES_TOOLS, store=False, include=[]) as s:
        final = s.get_final_response()
    assert final.status == "completed"
    assert final.output_text == "The tool returned: -3C"


@pytest.mark.parametrize("model", AGENTS)
def test_responses_structured_output_with_text_format(client, model):
    r = client.responses.parse(model=model, input="Describe Paris.", text_format=City, include=[])
    assert r.status == "completed"
    assert isinstance(r.output_parsed, City)
    assert r.text.format.type == "json_schema"


@pytest.mark.parametrize("model", AGENTS)
def test_responses_max_output_tokens_is_incomplete(client, model):
    r = client.responses.create(model=model, input="hi", max_output_tokens=16, reasoning={"effort": "low"})
    # The mock's default answer has 5 tokens: it fits.
    assert r.status == "completed"
    cut = client.responses.create(model=model, input="hi", max_output_tokens=2)
    assert cut.status == "incomplete"
    assert cut.incomplete_details.reason == "max_output_tokens"
    assert cut.output_text == "Hello from"
    # Streamed, the terminal event is `response.incomplete`, as from OpenAI.
    events = list(client.responses.create(model=model, input="hi", max_output_tokens=2, stream=True))
    assert events[-1].type == "response.incomplete"
    assert events[-1].response.incomplete_details.reason == "max_output_tokens"
