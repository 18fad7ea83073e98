"""Shared pieces for Role-RL tests: a synthetic pool with known answers, and a gateway that plays it.

Imported by the test modules beside it (pytest puts this folder on ``sys.path``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from olp.observer import Observer
from olp.poolfile import ModelSpec, parse_pool
from olp.roles.base import extract_payload
from olp.types import CallRecord


class FakeGateway:
    """Answers like ``olp.gateway.Gateway`` without litellm: ``answers[model](payload) -> text``.

    Every call costs its model's price for 1,000 input and 100 output tokens and takes ``latency_ms[model]``.
    """

    def __init__(self, pool_data: dict, answers: dict[str, Callable[[dict], str]],
                 latency_ms: dict[str, float] | None = None) -> None:
        self.pool = parse_pool(pool_data)
        self.answers = answers
        self.latency_ms = latency_ms or {}
        self.calls: list[tuple[str, str, dict]] = []
        self.observer = Observer()

    async def complete(self, role: str, model: str, messages: list[dict[str, Any]], *, max_tokens: int | None = None,
                       fallbacks: bool = True, response_format: dict[str, Any] | None = None) -> CallRecord:
        payload = extract_payload(messages)
        self.calls.append((role, model, payload))
        spec = self.pool.spec(model)
        try:
            text = self.answers[model](payload)
        except Exception as exc:  # a model that fails: a failed record, as the real gateway returns
            return CallRecord(role=role, model=model, ok=False, error=str(exc), latency_ms=5.0)
        return CallRecord(role=role, model=model, text=text, input_tokens=1000, output_tokens=100,
                          cost_usd=self.price(spec, 1000, 100), latency_ms=self.latency_ms.get(model, 10.0))

    def price(self, spec: ModelSpec, tin: int, tout: int) -> float:
        return tin * (spec.input_cost_per_token or 0.0) + tout * (spec.output_cost_per_token or 0.0)


def pool_data(prices: dict[str, float], judges: list[str]) -> dict:
    """A pool file (as parsed YAML) of models priced ``prices[model]`` USD per token, in and out."""
    return {
        "model_list": [{"model_name": m, "litellm_params": {"model": f"olp-test/{m}"},
                        "model_info": {"input_cost_per_token": p, "output_cost_per_token": p}}
                       for m, p in prices.items()],
        "olp": {"judges": judges, "default_model": next(iter(prices))},
    }


def finder_judge(truth: list[str]) -> Callable[[dict], str]:
    """A judge for the topic finder that knows the right topics."""

    def answer(payload: dict) -> str:
        assert payload["task"] == "judge"
        given = json.loads(payload["answer"])
        topics = given.get("topics") if isinstance(given, dict) else given
        if topics == truth:
            return json.dumps({"correct": True})
        return json.dumps({"correct": False, "corrected": {"topics": truth}})

    return answer

