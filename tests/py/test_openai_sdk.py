"""The official `openai` Python SDK against a real clawgate."""
import openai
import pytest
from openai import OpenAI

from conftest import TOKEN

HELLO = "Hello from the mock model."


@pytest.fixture()
def client(gateway):
    return OpenAI(base_url=gateway, api_key=TOKEN, max_retries=0)


def test_models_list(client):
    ids = [m.id for m in client.models.list()]
    assert ids[:3] == ["openclaw", "openclaw/default", "openclaw/main"]


def test_chat_completion(client):
    r = client.chat.completions.create(model="openclaw", messages=[{"role": "user", "content": "hi"}])
    assert r.choices[0].message.content == HELLO
    assert r.choices[0].finish_reason == "stop"
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens


def test_streaming_with_usage(client):
    stream = client.chat.completions.create(
        model="openclaw", messages=[{"role": "user", "content": "hi"}], stream=True, stream_options={"include_usage": True}
    )
    text, usage = "", None
    for chunk in stream:
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
        if chunk.usage:
            usage = chunk.usage
    assert text == HELLO
    assert usage is not None and usage.total_tokens > 0


def test_stream_helper_final_completion(client):
    with client.chat.completions.stream(model="openclaw", messages=[{"role": "user", "content": "hi"}]) as s:
        final = s.get_final_completion()
    assert final.choices[0].message.content == HELLO


def test_same_user_keeps_a_session(client):
    for _ in range(2):
        r = client.chat.completions.create(model="openclaw", user="sdk-user", messages=[{"role": "user", "content": "hi"}])
        assert r.choices[0].message.content == HELLO


def test_errors_map_to_sdk_exceptions(client, gateway):
    with pytest.raises(openai.AuthenticationError):
        OpenAI(base_url=gateway, api_key="wrong", max_retries=0).models.list()
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert "Invalid `model`" in str(e.value)
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("no-such-model")
