"""LangChain's `ChatOpenAI` against a real clawgate: invoke, stream, a bind_tools round trip,
with_structured_output (json_schema and function_calling), and the Responses API."""
import pytest
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from conftest import ANTHROPIC_AGENT, OPENAI_AGENT, TOKEN

AGENTS = [OPENAI_AGENT, ANTHROPIC_AGENT]


@tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"sunny and 21C in {city}"


class City(BaseModel):
    """A city."""

    name: str
    population: int


def chat(gateway, model, **kw):
    return ChatOpenAI(model=model, base_url=gateway, api_key=TOKEN, max_retries=0, **kw)


@pytest.mark.parametrize("responses_api", [False, True])
@pytest.mark.parametrize("model", AGENTS)
def test_invoke_and_stream(model_gateway, model, responses_api):
    llm = chat(model_gateway, model, use_responses_api=responses_api)
    assert llm.invoke("hi").text == "Hello from the mock model."
    assert "".join(c.text for c in llm.stream("hi")) == "Hello from the mock model."


@pytest.mark.parametrize("responses_api", [False, True])
@pytest.mark.parametrize("model", AGENTS)
def test_bind_tools_round_trip(model_gateway, model, responses_api):
    llm = chat(model_gateway, model, use_responses_api=responses_api).bind_tools([get_weather])
    messages = [HumanMessage("What is the weather in Paris?")]
    ai = llm.invoke(messages)
    assert [c["name"] for c in ai.tool_calls] == ["get_weather"]
    messages.append(ai)
    for call in ai.tool_calls:
        messages.append(ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"]))
    final = llm.invoke(messages)
    assert not final.tool_calls
    assert "sunny and 21C in San Francisco" in final.text


# (`json_mode` is left out: its schema lives only in the prompt, which the mock cannot read.)
@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
@pytest.mark.parametrize("model", AGENTS)
def test_with_structured_output(model_gateway, model, method):
    llm = chat(model_gateway, model).with_structured_output(City, method=method)
    city = llm.invoke("Describe Paris.")
    assert isinstance(city, City) and city.population == 1


@pytest.mark.parametrize("model", AGENTS)
def test_with_structured_output_on_the_responses_api(model_gateway, model):
    llm = chat(model_gateway, model, use_responses_api=True).with_structured_output(City)
    assert llm.invoke("Describe Paris.").population == 1
