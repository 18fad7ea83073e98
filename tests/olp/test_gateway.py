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


# ---------------------------------------------------------------- issue 13: the direct path gives the same records
async def _records_and_docs(sentences, profile, pool_config, legacy):
    from olp.bench.common import Recorder
    from olp.caller import DirectCaller
    from olp.pipeline import Pipeline
    from olp.profiles import get_profile
    from olp.settings import PipelineSettings
    from olp.types import Sentence

    prof, rec = get_profile(profile), Recorder()
    caller = DirectCaller(Gateway(pool_config, observer=rec, legacy=legacy), prof, observer=rec)
    pipe = Pipeline("s", prof, caller, PipelineSettings.for_chunk(prof.chunk_size), rec, wall=lambda: 0.0)
    for s in sentences:
        await pipe.feed(Sentence(s.id, s.text, 0.0))
    await pipe.flush()
    records = sorted((r.role, r.model, r.text, r.input_tokens, r.output_tokens, r.cost_usd, r.ok, r.attempts)
                     for r in rec.records)
    docs = [{k: v for k, v in d.items() if k != "latency_ms"} for d in rec.docs]
    return records, docs


async def test_direct_path_gives_the_records_and_documents_of_the_litellm_path():
    from olp.bench.common import with_assignment
    from olp.datasets.synthetic import generate
    from olp.io import read_sentences
    from olp.poolfile import load_pool

    sample = list(read_sentences("olp/samples/live-commerce-en.txt"))
    synthetic = generate(600, lang="en", seed=7).sentences
    for sentences, pool_config in [(sample, load_pool(None)),
                                   (synthetic, with_assignment(load_pool(None), "local-fast"))]:
        old = await _records_and_docs(sentences, "ecommerce-en", pool_config, legacy=True)
        new = await _records_and_docs(sentences, "ecommerce-en", pool_config, legacy=False)
        assert old[1] and new == old  # tokens and cost of every call, and every document (its cost too)


async def test_direct_path_fails_like_the_litellm_path():
    bad = [{"role": "user", "content": "no payload"}]
    from olp.poolfile import load_pool

    old = await Gateway(load_pool(None), backoff_s=0, legacy=True).complete("topic_finder", "local-fast", bad)
    new = await Gateway(load_pool(None), backoff_s=0).complete("topic_finder", "local-fast", bad)
    assert (new.ok, new.attempts, new.error) == (old.ok, old.attempts, old.error)
    assert "no <olp-input> payload" in new.error


def test_price_table_matches_litellm_per_call_prices():
    models = ["openai/gpt-4o-mini", "gpt-4o", "mistral/mistral-large-latest", "openai/not-a-model",
              "gemini/gemini-1.5-pro"]
    entries = [{"model_name": m, "litellm_params": {"model": m}} for m in models]
    entries.append({"model_name": "half", "litellm_params": {"model": "openai/gpt-4o-mini"},
                    "model_info": {"input_cost_per_token": 1e-6}})
    config = parse_pool({"model_list": entries})
    old, new = Gateway(config, legacy=True), Gateway(config)
    for name in config.names:
        for tin, tout in [(0, 0), (1, 1), (385, 5), (12_345, 678), (300_000, 10)]:
            assert new.price(config.spec(name), tin, tout) == old.price(config.spec(name), tin, tout), name
    assert new._prices["openai/gpt-4o-mini"] is not None  # priced from the table, not per call


async def test_http_models_answer_the_same_without_litellms_bookkeeping():
    from olp.bench.httppool import pool_dict, serve

    server = serve(0, 0.0)
    try:
        config = parse_pool(pool_dict(f"http://127.0.0.1:{server.server_address[1]}/v1"))
        old = await Gateway(config, legacy=True).complete("format_checker", "http-fast", MSG)
        new = await Gateway(config).complete("format_checker", "http-fast", MSG)
    finally:
        server.shutdown()
        server.server_close()
    assert old.ok and old.text.startswith("{")
    fields = ("model", "text", "input_tokens", "output_tokens", "cost_usd", "ok", "attempts")
    assert [getattr(new, f) for f in fields] == [getattr(old, f) for f in fields]


def test_local_token_counts_are_litellms():
    """The direct path counts with litellm's tokenizer function, looked up once: the same numbers."""
    import asyncio

    import litellm

    from olp.datasets.synthetic import generate
    from olp.engines.provider import _count
    from olp.poolfile import load_pool

    seen: list[list[dict]] = []

    class Capture(Gateway):
        async def complete(self, role, model, messages, **kw):
            seen.append(messages)
            return await super().complete(role, model, messages, **kw)

    for lang, n in (("en", 300), ("zh", 150)):
        from olp.caller import DirectCaller
        from olp.pipeline import Pipeline
        from olp.profiles import get_profile

        prof = get_profile(f"ecommerce-{lang}")
        pipe = Pipeline("s", prof, DirectCaller(Capture(load_pool(None)), prof))

        async def run(sentences=generate(n, lang=lang, seed=5).sentences, pipe=pipe):
            for s in sentences:
                await pipe.feed(s)
            await pipe.flush()

        asyncio.run(run())
    assert len(seen) > 20
    answer = '{"topics": ["咖啡: $34", "blanket"]}'
    for messages in seen:
        size = sum(len(m["content"]) for m in messages)
        assert _count(messages, answer, size) == (
            litellm.token_counter(model="gpt-4o", messages=messages),
            litellm.token_counter(model="gpt-4o", text=answer, count_response_tokens=True),
        )
