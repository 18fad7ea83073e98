"""The gateway: measured calls, retries, fallbacks, prices, and keys that never leak."""

from __future__ import annotations

import logging

from olp.gateway import Gateway, redact
from olp.poolfile import parse_pool

SECRET = "sk-test-DO-NOT-LEAK-0123456789abcdef"
PAYLOAD = '{"task": "format_checker", "profile": "ecommerce-en", "document": {"topic": "mug", "aspects": {}}}'
MSG = [{"role": "user", "content": f"hi <olp-input>\n{PAYLOAD}\n</olp-input>"}]


def pool(**olp):
    return parse_pool({
        "model_list": [
            # nothing listens on port 9 of loopback: every call fails fast with a connection error
            {"model_name": "down", "litellm_params": {"model": "openai/gpt-4o-mini", "api_base": "http://127.0.0.1:9/v1",
                                                      "api_key": "os.environ/OLP_TEST_KEY"}},
            {"model_name": "scripted", "litellm_params": {"model": "olp-test/scripted"},
             "model_info": {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}},
        ],
        "olp": {"default_model": "down", "num_retries": 1, "timeout_s": 5, **olp},
    })


async def test_failed_calls_never_show_the_api_key(monkeypatch, caplog, scripted):
    monkeypatch.setenv("OLP_TEST_KEY", SECRET)
    caplog.set_level(logging.DEBUG)
    rec = await Gateway(pool(), backoff_s=0).complete("topic_finder", "down", MSG)
    assert not rec.ok and rec.attempts == 2  # one retry
    assert SECRET not in (rec.error or "") and SECRET not in caplog.text
    assert SECRET not in str(rec.to_dict())


async def test_fallback_answers_when_the_first_model_fails(monkeypatch, scripted):
    monkeypatch.setenv("OLP_TEST_KEY", SECRET)
    gw = Gateway(pool(fallbacks={"down": ["scripted"]}), backoff_s=0)
    rec = await gw.complete("format_checker", "down", MSG)
    assert rec.ok and rec.model == "scripted" and rec.fallback_from == "down" and rec.attempts == 3
    assert rec.input_tokens > 0 and rec.cost_usd == rec.input_tokens * 1e-6 + rec.output_tokens * 2e-6
    assert rec.latency_ms > 0


def test_redact_removes_known_and_key_shaped_secrets():
    assert redact(f"bad key {SECRET} and sk-abcdefghijklmnopqrstu", [SECRET]) == "bad key [redacted] and [redacted]"
