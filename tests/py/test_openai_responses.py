"""The official `openai` SDK's strict Responses helpers against a real clawgate."""
from openai import OpenAI

from conftest import TOKEN

TOOLS = [{
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}]


def client(gateway):
    return OpenAI(base_url=gateway, api_key=TOKEN, max_retries=0)


def test_stream_helper_final_response_text(gateway):
    with client(gateway).responses.stream(model="openclaw", input="hi") as s:
        final = s.get_final_response()
    assert final.status == "completed"
    assert final.output_text == "Hello from the mock model."


def test_stream_helper_final_response_tool_call_then_continue(gateway):
    c = client(gateway)
    with c.responses.stream(model="openclaw", input="weather in Paris?", tools=TOOLS) as s:
        final = s.get_final_response()
    calls = [i for i in final.output if i.type == "function_call"]
    # OpenAI ends a tool-calling turn `completed` (OpenClaw said `incomplete`).
    assert final.status == "completed"
    assert calls and calls[0].name == "get_weather"
    follow = c.responses.create(
        model="openclaw",
        previous_response_id=final.id,
        input=[{"type": "function_call_output", "call_id": calls[0].call_id, "output": "sunny"}],
    )
    assert follow.status == "completed"
    assert follow.output_text == "Hello from the mock model."


def test_create_and_retrieve(gateway):
    c = client(gateway)
    r = c.responses.create(model="openclaw", input="hi", user="py-user")
    assert r.output_text == "Hello from the mock model."
    assert c.responses.retrieve(r.id).id == r.id
