"""The litellm custom provider ``olp-local``: ``olp-local/<engine>`` answers a role prompt with a local engine.

The handler reads the role's payload from the messages, runs the engine named by the model, and returns a litellm
``ModelResponse`` whose ``usage`` is counted with ``litellm.token_counter`` (the gpt-4o tokenizer stands in), so
pricing and Role-RL's cost term treat local engines like any other model.

The gateway calls :func:`complete` instead: the same answer and the same token counts, without litellm's client,
logging and cost path around an engine that runs in this very process (issue 13). Both go through
:func:`_answer_and_count`.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from olp.engines import ENGINES, PROVIDER, get_engine

#: Payloads larger than this (characters) are answered in a worker thread, off the event loop. Measured: a
#: 60-sentence chunk is ~5-10k characters and the slowest role (quality finder/locator) answers it in 10-40 ms;
#: a whole 500-turn meeting (~60k characters) takes ~0.3 s. Chinese prompts also go to a thread until jieba's
#: dictionary is loaded (~0.7 s, once per process; ``olp.engines.warm_up("zh")`` does it ahead of time).
THREAD_THRESHOLD = 20_000
#: Token counting runs the tokenizer over the prompt; above this many characters it is estimated instead.
COUNT_LIMIT = 200_000
#: The tokenizer that stands in for the local engines (they have none of their own).
TOKENIZER_MODEL = "gpt-4o"

_handler = None


def _engine_name(model: str) -> str:
    return model.split("/", 1)[1] if model.startswith(PROVIDER + "/") else model


def _bad_request(message: str, model: str):
    import litellm

    return litellm.BadRequestError(message=message, model=model, llm_provider=PROVIDER)


def _payload(messages: list[dict[str, Any]], model: str) -> dict[str, Any]:
    from olp.errors import BadModelOutputError
    from olp.roles.base import extract_payload

    try:
        payload = extract_payload(messages)
    except (BadModelOutputError, ValueError) as exc:
        raise _bad_request(f"{PROVIDER}: {exc}; local engines answer olp role prompts only", model) from None
    if not isinstance(payload, dict):
        raise _bad_request(f"{PROVIDER}: the <olp-input> payload must be a JSON object", model)
    return payload


def _size(messages: list[dict[str, Any]]) -> int:
    return sum(len(m["content"]) for m in messages if isinstance(m.get("content"), str))


def answer(model: str, messages: list[dict[str, Any]]) -> str:
    """The engine's answer text for a role prompt (synchronous; both handler paths use it)."""
    from olp.engines.engine import EngineInputError
    from olp.errors import ConfigError

    name = _engine_name(model)
    try:
        engine = get_engine(name)
    except ConfigError as exc:
        raise _bad_request(f"{PROVIDER}: {exc}", model) from None
    payload = _payload(messages, model)
    try:
        value = engine.answer(payload)
    except EngineInputError as exc:
        raise _bad_request(f"{PROVIDER}/{name}: {exc}", model) from None
    return json.dumps(value, ensure_ascii=False)


def _count(messages: list[dict[str, Any]], text: str, size: int) -> tuple[int, int]:
    count = _count_function()
    if count is None or not all(isinstance(v, str) for m in messages for v in m.values()):
        return _count_with_litellm(messages, text, size)
    if size > COUNT_LIMIT:  # a rough count is enough for pricing a huge prompt; tokenizing it is not free
        prompt = size // 3
    else:  # litellm.token_counter's arithmetic for an OpenAI chat model: 3 per message and 3 to prime the reply
        prompt = 3 + sum(3 + sum(count(v) + (k == "name") for k, v in m.items()) for m in messages)
    return int(prompt), int(count(text))


def _count_with_litellm(messages: list[dict[str, Any]], text: str, size: int) -> tuple[int, int]:
    import litellm

    if size > COUNT_LIMIT:
        prompt = size // 3
    else:
        prompt = litellm.token_counter(model=TOKENIZER_MODEL, messages=messages)
    completion = litellm.token_counter(model=TOKENIZER_MODEL, text=text, count_response_tokens=True)
    return int(prompt), int(completion)


_counter: dict[str, Any] = {}


def _count_function():
    """litellm's count function for ``TOKENIZER_MODEL``, looked up once: ``litellm.token_counter`` looks the
    tokenizer up again on every call, which costs more than counting a short answer (issue 13). None when this
    litellm has no such function (then ``token_counter`` counts)."""
    if "count" not in _counter:
        try:
            from litellm.litellm_core_utils.token_counter import _get_count_function

            _counter["count"] = _get_count_function(TOKENIZER_MODEL)
        except Exception:
            _counter["count"] = None
    return _counter["count"]


def _response(model_response, model: str, text: str, prompt: int, completion: int, started: float):
    import litellm

    model_response.choices[0].message.content = text
    model_response.choices[0].finish_reason = "stop"
    model_response.model = f"{PROVIDER}/{_engine_name(model)}"
    model_response.created = int(time.time())
    model_response.usage = litellm.Usage(
        prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
    )
    model_response._hidden_params["olp_engine_ms"] = (time.perf_counter() - started) * 1000.0
    return model_response


async def _answer_and_count(model: str, messages: list[dict[str, Any]], timeout: float | None) -> tuple[str, int, int]:
    """The engine's answer and its (prompt, completion) token counts. Large prompts (and Chinese ones before
    jieba is loaded) are answered in a worker thread, bounded by ``timeout`` seconds (None: unbounded); the rest
    inline."""
    size = _size(messages)
    if size > THREAD_THRESHOLD or _needs_jieba(messages):
        text = await asyncio.wait_for(asyncio.to_thread(answer, model, messages), timeout)
    else:
        text = answer(model, messages)
    prompt, completion = _count(messages, text, size)
    return text, prompt, completion


async def complete(model: str, messages: list[dict[str, Any]], timeout: float) -> tuple[str, int, int]:
    """The engine's answer to a role prompt and its (prompt, completion) token counts, as the handler gives them,
    within ``timeout`` seconds for a prompt answered in a thread. Errors are the handler's
    (``litellm.BadRequestError``)."""
    return await _answer_and_count(model, messages, timeout)


def _make_handler():
    from litellm import CustomLLM

    class OlpLocalLLM(CustomLLM):
        """litellm handler for ``olp-local/<engine>``: see ``olp.engines.provider``."""

        def completion(self, model, messages, *args, model_response=None, **kwargs):
            started = time.perf_counter()
            text = answer(model, messages)
            prompt, completion = _count(messages, text, _size(messages))
            return _response(model_response or _new_response(), model, text, prompt, completion, started)

        async def acompletion(self, model, messages, *args, model_response=None, **kwargs):
            started = time.perf_counter()
            text, prompt, completion = await _answer_and_count(model, messages, None)
            return _response(model_response or _new_response(), model, text, prompt, completion, started)

    return OlpLocalLLM()


def _needs_jieba(messages: list[dict[str, Any]]) -> bool:
    from olp.engines.text import CJK, _jieba

    if _jieba.cache_info().currsize:
        return False
    return any(isinstance(m.get("content"), str) and CJK.search(m["content"]) for m in messages)


def _new_response():
    import litellm

    return litellm.ModelResponse()


def register() -> None:
    """Add the ``olp-local`` handler to ``litellm.custom_provider_map`` once, and let litellm know the provider."""
    global _handler
    import litellm

    if _handler is None:
        _handler = _make_handler()
    if not any(entry.get("provider") == PROVIDER for entry in litellm.custom_provider_map):
        litellm.custom_provider_map.append({"provider": PROVIDER, "custom_handler": _handler})
    litellm.utils.custom_llm_setup()


__all__ = ["ENGINES", "answer", "complete", "register"]
