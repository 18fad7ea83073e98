"""The one place that calls models: ``litellm.acompletion`` with timeouts, retries, fallbacks, token counts,
prices and measured latency. Every call returns a ``CallRecord``; failures are records too (``ok=False``), so
a model that misbehaves never stops the stream.
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


class Gateway:
    """Calls pool models through litellm and measures each call.

    Args:
        pool: the parsed pool file.
        observer: told about every call record.
        clock: monotonic seconds (injected so tests are exact).
        backoff_s: first retry delay; doubles per retry.
    """

    def __init__(
        self,
        pool: PoolConfig,
        observer: Observer | None = None,
        clock: Callable[[], float] = time.perf_counter,
        backoff_s: float = 0.2,
    ) -> None:
        self.pool = pool
        self.observer = observer or Observer()
        self.clock = clock
        self.backoff_s = backoff_s
        self._litellm = None
        self._engines_ready = False
        self._warned: set[str] = set()

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
        response = await asyncio.wait_for(
            self.litellm.acompletion(messages=messages, timeout=self.pool.timeout_s, num_retries=0, **params),
            timeout=self.pool.timeout_s + 1.0,
        )
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
        """USD for a call: the pool's prices when given, else litellm's cost map (0 for unknown models)."""
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
