"""Cost in USD of model calls, from the token usage in their call records.

A call is priced from a price table (USD per million input / output tokens) when its model is in the table, else
the record's own ``cost_usd`` (priced by the gateway from litellm's cost map or the pool's override) is used.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from olp.types import CallRecord

#: USD per million (input, output) tokens of the authors' pool (``code/main_Role_RL.py``).
PAPER_PRICES: dict[str, tuple[float, float]] = {
    "llama3-8b-8192": (0.08, 0.08),
    "mixtral-8x7b-32768": (0.7, 0.7),
    "command-r": (0.5, 1.5),
    "gpt-4o-2024-05-13": (5.0, 15.0),
    "gemini-1.5-pro": (7.0, 21.0),
    "claude-3-opus-20240229": (15.0, 75.0),
    "gpt-4o-mini": (0.15, 0.6),
}

Prices = Mapping[str, tuple[float, float]]


def call_cost(record: CallRecord, prices: Prices | None = None) -> float:
    """USD of one call: ``(in_tokens * in_price + out_tokens * out_price) / 1e6`` from ``prices``, else
    ``record.cost_usd``."""
    if prices is not None and record.model in prices:
        p_in, p_out = prices[record.model]
        return (record.input_tokens * p_in + record.output_tokens * p_out) / 1e6
    return record.cost_usd


def total_cost(records: Iterable[CallRecord], prices: Prices | None = None) -> float:
    """USD of all calls (``math.fsum``, so long runs of tiny costs do not drift)."""
    return math.fsum(call_cost(r, prices) for r in records)


def cost_by(records: Iterable[CallRecord], key: str = "role", prices: Prices | None = None) -> dict[str, float]:
    """USD per ``role`` or per ``model``, keys in first-seen order.

    Raises:
        ValueError: ``key`` is not ``"role"`` or ``"model"``.
    """
    if key not in ("role", "model"):
        raise ValueError("key must be 'role' or 'model'")
    parts: dict[str, list[float]] = {}
    for r in records:
        parts.setdefault(getattr(r, key), []).append(call_cost(r, prices))
    return {k: math.fsum(v) for k, v in parts.items()}


def tokens(records: Iterable[CallRecord]) -> tuple[int, int]:
    """Total ``(input tokens, output tokens)``."""
    total_in = total_out = 0
    for r in records:
        total_in += r.input_tokens
        total_out += r.output_tokens
    return total_in, total_out
