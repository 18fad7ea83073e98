"""The ``olp-local`` litellm provider: both engines answer role prompts through litellm, with counted usage."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm  # noqa: E402
import pytest  # noqa: E402
from engine_cases import COMMERCE_EN, COMMERCE_ZH, ENGINES, sentences  # noqa: E402

from olp.engines import PROVIDER, register  # noqa: E402
from olp.profiles import get_profile  # noqa: E402
from olp.roles import ROLE_CLASSES  # noqa: E402
from olp.roles.topic_finder import FinderInput  # noqa: E402


@pytest.fixture(autouse=True)
def _registered():
    register()


def finder_messages(rows, profile):
    return ROLE_CLASSES["topic_finder"]().build_messages(FinderInput(sentences(rows)), get_profile(profile))


def test_register_is_idempotent():
    register()
    register()
    assert [e["provider"] for e in litellm.custom_provider_map].count(PROVIDER) == 1
    assert PROVIDER in litellm.provider_list


@pytest.mark.parametrize("engine", ENGINES)
async def test_acompletion_answers_a_role_prompt(engine):
    msgs = finder_messages(COMMERCE_EN, "ecommerce-en")
    resp = await litellm.acompletion(model=f"{PROVIDER}/{engine}", messages=msgs)
    text = resp.choices[0].message.content
    role, inp = ROLE_CLASSES["topic_finder"](), FinderInput(sentences(COMMERCE_EN))
    topics = role.parse(text, inp, get_profile("ecommerce-en"))
    assert len(topics) == 2 and "$89" in topics[0]
    assert resp.usage.prompt_tokens == litellm.token_counter(model="gpt-4o", messages=msgs)
    assert resp.usage.completion_tokens > 0
    assert resp.usage.total_tokens == resp.usage.prompt_tokens + resp.usage.completion_tokens
    assert resp.choices[0].finish_reason == "stop"


@pytest.mark.parametrize("engine", ENGINES)
def test_sync_completion(engine):
    resp = litellm.completion(model=f"{PROVIDER}/{engine}", messages=finder_messages(COMMERCE_ZH, "ecommerce-zh"))
    assert "79元" in resp.choices[0].message.content


async def test_unknown_engine_names_the_valid_ones():
    with pytest.raises(litellm.BadRequestError, match=r"unknown local engine 'fastest'.*fast, quality"):
        await litellm.acompletion(model=f"{PROVIDER}/fastest", messages=finder_messages(COMMERCE_EN, "ecommerce-en"))


async def test_a_prompt_without_payload_is_a_bad_request():
    with pytest.raises(litellm.BadRequestError, match="no <olp-input> payload"):
        await litellm.acompletion(model=f"{PROVIDER}/fast", messages=[{"role": "user", "content": "hello"}])


async def test_unknown_task_is_a_bad_request():
    msgs = [{"role": "user", "content": '<olp-input>\n{"task": "poem", "profile": "news-en"}\n</olp-input>'}]
    with pytest.raises(litellm.BadRequestError, match="unknown task 'poem'"):
        await litellm.acompletion(model=f"{PROVIDER}/quality", messages=msgs)


async def test_large_payloads_run_off_the_event_loop(monkeypatch):
    from olp.engines import provider

    calls = []
    real = provider.asyncio.to_thread

    async def spy(fn, *args):
        calls.append(fn)
        return await real(fn, *args)

    monkeypatch.setattr(provider, "THREAD_THRESHOLD", 10)
    monkeypatch.setattr(provider.asyncio, "to_thread", spy)
    resp = await litellm.acompletion(model=f"{PROVIDER}/fast", messages=finder_messages(COMMERCE_EN, "ecommerce-en"))
    assert calls and "$89" in resp.choices[0].message.content
