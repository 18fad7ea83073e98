"""The one place that calls models: ``litellm.acompletion`` with timeouts, retries, fallbacks, token counts,
prices and measured latency. Every call returns a ``CallRecord``; failures are records too (``ok=False``), so
a model that misbehaves never stops the stream.

olp records every call itself (the ``CallRecord``), so it does not pay for litellm's per-call bookkeeping where
it can avoid it (issue 13: that bookkeeping cost several times the local engines' own work):

- olp's in-process engines (``olp-local/...``) are called directly (``olp.engines.provider.complete``: the same
  answer and token counts as the litellm handler, without litellm's client, logging and cost path);
- prices come from a table computed once per pool model (the pool's ``model_info`` over litellm's cost map);
- every other provider goes through ``litellm.acompletion`` as before (providers, retries, errors, token usage),
  without litellm's own pricing of the response and its logging payload (``_without_bookkeeping``).

``Gateway(legacy=True)`` keeps the path before issue 13 (everything through litellm, priced per call), so that
``olp bench streams`` can measure both in one run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections.abc import Callable
from typing import Any

from olp.observer import Observer
from olp.poolfile import ModelSpec, PoolConfig
from olp.types import CallRecord

log = logging.getLogger(__name__)

_KEYLIKE = re.compile(r"\b(sk|pk|rk|key|AIza)[-_A-Za-z0-9]{12,}\b")
#: litellm cost-map keys whose price is not simply per token: tiers, characters, seconds, media (web-search prices
#: per query are left out: olp's calls make no web searches)
_NONLINEAR = re.compile(r"above|tier|per_character|per_second|per_image|per_audio|per_video")


def redact(message: str, secrets: list[str]) -> str:
    """Remove API keys from an error message: known secret values and anything shaped like a key."""
    for s in secrets:
        if s and len(s) >= 4:
            message = message.replace(s, "[redacted]")
    return _KEYLIKE.sub("[redacted]", message)


def _litellm():
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    return litellm


_quiet: dict[str, Any] = {}  # the litellm pieces _without_bookkeeping uses, once they are known to exist
_CALLBACK_LISTS = ("callbacks", "success_callback", "_async_success_callback", "failure_callback")


def _without_bookkeeping(litellm: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``acompletion`` kwargs with a litellm logging object that neither prices the response nor logs it.

    litellm builds one logging object per call, prices the response with it (a search of its cost map) and
    schedules a task that assembles its standard logging payload for callbacks; olp has none and records the
    call itself. Measured (``olp bench streams``): 10-20% of the worker's CPU on a pool of HTTP models. The
    object is made by litellm's own setup (so retries, errors, failure logging and provider handling are
    unchanged); only those three methods are off.
    If this litellm does not have those pieces, the call goes through litellm unchanged.
    """
    if "setup" not in _quiet:
        try:
            import itertools

            from litellm.litellm_core_utils.litellm_logging import Logging
            from litellm.litellm_core_utils.rules import Rules
            from litellm.utils import function_setup

            class _OlpLogging(Logging):
                def response_cost_calculator(self, *args: Any, **kw: Any) -> None:
                    return None  # olp prices the call from its own table

                def claim_async_success_log(self) -> bool:
                    return False  # nothing to log: no callbacks; olp records the call

                def handle_sync_success_callbacks_for_async_calls(self, *args: Any, **kw: Any) -> None:
                    return None

            # litellm's call id only correlates its own logs; a counter spares a uuid4 (os.urandom) per call
            ids = itertools.count(1)
            _quiet.update(setup=function_setup, rules=Rules(), cls=_OlpLogging,
                          call_id=lambda: f"olp-{os.getpid()}-{next(ids)}")
        except Exception as exc:  # another litellm: keep its full path
            log.debug("litellm's per-call bookkeeping stays on: %s", exc)
            _quiet["setup"] = None
    if _quiet["setup"] is None or any(getattr(litellm, name, None) for name in _CALLBACK_LISTS):
        return kwargs  # someone asked litellm to log calls: let it
    import datetime

    try:
        obj, kwargs = _quiet["setup"]("acompletion", _quiet["rules"], datetime.datetime.now(),
                                      litellm_call_id=_quiet["call_id"](), **kwargs)
        obj.__class__ = _quiet["cls"]
    except Exception as exc:
        log.debug("litellm's per-call bookkeeping stays on: %s", exc)
        _quiet["setup"] = None
        return kwargs
    return {**kwargs, "litellm_logging_obj": obj}


class Gateway:
    """Calls pool models through litellm and measures each call.

    Args:
        pool: the parsed pool file.
        observer: told about every call record.
        clock: monotonic seconds (injected so tests are exact).
        backoff_s: first retry delay; doubles per retry.
        legacy: every call through ``litellm.acompletion`` and priced by litellm per call (the path before issue
            13; same records, slower), for side-by-side benchmarks.
    """

    def __init__(
        self,
        pool: PoolConfig,
        observer: Observer | None = None,
        clock: Callable[[], float] = time.perf_counter,
        backoff_s: float = 0.2,
        legacy: bool = False,
    ) -> None:
        self.pool = pool
        self.observer = observer or Observer()
        self.clock = clock
        self.backoff_s = backoff_s
        self._litellm = None
        self._engines_ready = False
        self._warned: set[str] = set()
        self.legacy = legacy
        self._prices: dict[str, tuple[float, float] | None] = {}  # model name -> USD per (input, output) token

    @property
    def litellm(self):
        if self._litellm is None:
            self._litellm = _litellm()
        return self._litellm

    async def complete(
        self,
        role: str,
        model: str,
        messages: list[dict[str, Any]],
        *,
        max_tokens: int | None = None,
        fallbacks: bool = True,
        response_format: dict[str, Any] | None = None,
    ) -> CallRecord:
        """Ask ``model`` (then its fallbacks) for an answer. Never raises for model failures.

        ``response_format`` (OpenAI's shape) goes to the models that take a schema, reshaped for their server,
        and is left out for the others (``olp.structured.model_response_format``).
        """
        start = self.clock()
        chain = [model, *(self.pool.fallbacks.get(model, ()) if fallbacks else ())]
        attempts = 0
        record = CallRecord(role=role, model=model, ok=False, error="not called")
        for name in chain:
            record, n = await self._with_retries(role, self.pool.spec(name), messages, max_tokens, response_format)
            attempts += n
            if record.ok:
                break
        record.attempts = attempts
        record.latency_ms = (self.clock() - start) * 1000.0
        if record.model != model:
            record.fallback_from = model
        self.observer.on_call(record)
        return record

    async def _with_retries(
        self, role: str, spec: ModelSpec, messages: list[dict[str, Any]], max_tokens: int | None,
        response_format: dict[str, Any] | None = None,
    ) -> tuple[CallRecord, int]:
        litellm = self.litellm
        retryable = (
            litellm.Timeout,
            litellm.APIConnectionError,
            litellm.RateLimitError,
            litellm.ServiceUnavailableError,
            litellm.InternalServerError,
            litellm.APIError,
            asyncio.TimeoutError,
        )
        tries = 1 + max(0, self.pool.num_retries)
        error = ""
        for attempt in range(tries):
            try:
                return await self._once(role, spec, messages, max_tokens, response_format), attempt + 1
            except retryable as exc:
                error = redact(f"{type(exc).__name__}: {exc}", spec.secrets())
                if attempt + 1 < tries:
                    await asyncio.sleep(self.backoff_s * (2**attempt))
            except Exception as exc:  # auth, bad request, unknown provider: retrying will not help
                error = redact(f"{type(exc).__name__}: {exc}", spec.secrets())
                break
        # the first failure of each model is worth a warning; repeats would flood the terminal
        level = logging.DEBUG if spec.name in self._warned else logging.WARNING
        self._warned.add(spec.name)
        log.log(level, "model %s failed for %s: %s", spec.name, role, error.splitlines()[0][:300] if error else "")
        return CallRecord(role=role, model=spec.name, ok=False, error=error.splitlines()[0][:500]), tries

    async def _once(
        self, role: str, spec: ModelSpec, messages: list[dict[str, Any]], max_tokens: int | None,
        response_format: dict[str, Any] | None = None,
    ) -> CallRecord:
        if spec.local and not self.legacy:
            from olp.engines.provider import complete

            text, tin, tout = await complete(spec.litellm_model, messages, timeout=self.pool.timeout_s + 1.0)
            return CallRecord(role=role, model=spec.name, text=text, input_tokens=tin, output_tokens=tout,
                              cost_usd=self.price(spec, tin, tout))
        if spec.local and not self._engines_ready:
            from olp.engines import register

            register()  # olp's local engines, as a litellm custom provider
            self._engines_ready = True
        params = spec.call_params()
        params.setdefault("temperature", 0)
        if max_tokens and not spec.local:
            params.setdefault("max_tokens", max_tokens)
        if response_format is not None and not spec.local:
            from olp.structured import model_response_format

            if (fmt := model_response_format(spec, response_format)) is not None:
                params["response_format"] = fmt
        kwargs = dict(messages=messages, timeout=self.pool.timeout_s, num_retries=0, **params)
        if not self.legacy:
            kwargs = _without_bookkeeping(self.litellm, kwargs)
        response = await asyncio.wait_for(self.litellm.acompletion(**kwargs), timeout=self.pool.timeout_s + 1.0)
        text = response.choices[0].message.content or ""
        tin, tout = self._tokens(spec, params, messages, text, getattr(response, "usage", None))
        return CallRecord(
            role=role,
            model=spec.name,
            text=text,
            input_tokens=tin,
            output_tokens=tout,
            cost_usd=self.price(spec, tin, tout),
        )

    def _tokens(self, spec: ModelSpec, params: dict, messages: list, text: str, usage: Any) -> tuple[int, int]:
        """Provider usage when it is real; our own count for mocks (whose usage is a fixed dummy) and gaps."""
        if usage is not None and "mock_response" not in params:
            tin, tout = int(getattr(usage, "prompt_tokens", 0) or 0), int(getattr(usage, "completion_tokens", 0) or 0)
            if tin > 0:
                return tin, tout
        counter_model = spec.litellm_model if not spec.local else "gpt-4o"
        try:
            tin = self.litellm.token_counter(model=counter_model, messages=messages)
            tout = self.litellm.token_counter(model=counter_model, text=text) if text else 0
        except Exception:  # an unknown tokenizer: fall back to a character estimate
            chars = sum(len(str(m.get("content", ""))) for m in messages)
            tin, tout = chars // 4 + 1, len(text) // 4
        return int(tin), int(tout)

    def price(self, spec: ModelSpec, tin: int, tout: int) -> float:
        """USD for a call: the pool's prices when given, else litellm's cost map (0 for unknown models).

        The per-token prices are looked up once per pool model; models whose price depends on the call (tiers above
        a token count, prices per character or second) are priced by litellm on every call, as before.
        """
        if self.legacy:
            return self._price_per_call(spec, tin, tout)
        try:
            table = self._prices[spec.name]
        except KeyError:
            table = self._prices[spec.name] = self._price_table(spec)
        if table is None:
            return self._price_per_call(spec, tin, tout)
        return tin * table[0] + tout * table[1]

    def _price_table(self, spec: ModelSpec) -> tuple[float, float] | None:
        """(USD per input token, per output token), or None when the price is not linear in the token counts."""
        if spec.input_cost_per_token is not None and spec.output_cost_per_token is not None:
            return spec.input_cost_per_token, spec.output_cost_per_token
        try:
            info = self.litellm.get_model_info(model=spec.litellm_model)
        except Exception:
            return 0.0, 0.0  # litellm does not know the model: priced 0, as _price_per_call does
        if any(value and _NONLINEAR.search(key) for key, value in info.items()):
            return None
        cin, cout = info.get("input_cost_per_token"), info.get("output_cost_per_token")
        if not isinstance(cin, (int, float)) or not isinstance(cout, (int, float)):
            return None
        return (
            spec.input_cost_per_token if spec.input_cost_per_token is not None else float(cin),
            spec.output_cost_per_token if spec.output_cost_per_token is not None else float(cout),
        )

    def _price_per_call(self, spec: ModelSpec, tin: int, tout: int) -> float:
        if spec.input_cost_per_token is not None and spec.output_cost_per_token is not None:
            return tin * spec.input_cost_per_token + tout * spec.output_cost_per_token
        try:
            cin, cout = self.litellm.cost_per_token(model=spec.litellm_model, prompt_tokens=tin, completion_tokens=tout)
        except Exception:
            return 0.0
        if spec.input_cost_per_token is not None:
            cin = tin * spec.input_cost_per_token
        if spec.output_cost_per_token is not None:
            cout = tout * spec.output_cost_per_token
        return float(cin + cout)
