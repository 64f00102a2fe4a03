"""Errors become typed exceptions carrying status, code and Retry-After; 429/503 are retried
after the gateway's Retry-After; timeouts raise."""
import httpx
import pytest

from clawgate import (
    APITimeoutError, AuthenticationError, BadRequestError, Clawgate, NotFoundError, PermissionDeniedError,
    RateLimitError, ServerError,
)


def test_a_wrong_token_is_an_authentication_error(gateway):
    with pytest.raises(AuthenticationError) as e:
        Clawgate(base_url=gateway.base, token="wrong").status()
    assert e.value.status == 401 and e.value.code == "unauthorized"


def test_deleting_the_main_session_is_forbidden(gateway):
    with pytest.raises(PermissionDeniedError) as e:
        Clawgate(base_url=gateway.base, token=gateway.token).sessions.delete("main")
    assert e.value.status == 403 and e.value.code == "forbidden"


def test_unknown_things_are_not_found(gateway):
    c = Clawgate(base_url=gateway.base, token=gateway.token)
    with pytest.raises(NotFoundError) as e:
        c.skills.execute("no-such-skill", "x")
    assert e.value.status == 404 and e.value.code == "not_found"
    with pytest.raises(NotFoundError):
        c.config.get("gateway.nothing_here")


def test_an_unreachable_model_is_a_server_error_without_retries(gateway):
    retries = []
    c = Clawgate(base_url=gateway.base, token=gateway.token, on_retry=lambda *a: retries.append(a))
    with pytest.raises(ServerError) as e:
        c.message.send(text="hi", session="py-dead", model="dead/gone")
    assert e.value.status == 502 and e.value.code
    assert retries == []


def test_over_the_rate_limit_is_a_rate_limit_error_with_retry_after(limited_gateway):
    c = Clawgate(base_url=limited_gateway.base, token=limited_gateway.token, max_retries=0)
    for _ in range(2):
        with pytest.raises(BadRequestError) as e:
            c.agent.run(message="")
        assert e.value.status == 400
    with pytest.raises(RateLimitError) as e:
        c.agent.run(message="")
    assert e.value.status == 429 and e.value.code == "rate_limited"
    assert 0 < e.value.retry_after <= 60


def test_a_429_is_retried_after_retry_after_until_the_slot_frees(limited_gateway):
    headers = {"Authorization": f"Bearer {limited_gateway.token}"}
    with httpx.stream("POST", limited_gateway.base + "/api/v1/message/stream", json={"text": "hold", "session": "holder"},
                      headers=headers, timeout=30) as holder:
        lines = holder.iter_lines()
        first = next(l for l in lines if l.startswith("data:"))
        assert "chunk" in first
        retries = []
        c = Clawgate(base_url=limited_gateway.base, token=limited_gateway.token, max_retries=10,
                     on_retry=lambda attempt, err, delay: retries.append((err.status, delay)))
        status = c.status()
        rest = list(lines)
    assert status.status == "running"
    assert retries and all(s == 429 and d == 1.0 for s, d in retries), retries
    assert any("[DONE]" in l for l in rest)


def test_a_slow_answer_times_out(limited_gateway):
    c = Clawgate(base_url=limited_gateway.base, token=limited_gateway.token, timeout=0.3)
    with pytest.raises(APITimeoutError):
        c.chat.create(messages=[{"role": "user", "content": "slow"}])
