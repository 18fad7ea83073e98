"""The model pool as Role-RL sees it: models from the pool file, their prices, and observed latency.

Prices come from the pool file's ``model_info`` when given, else from litellm's cost map (through
``Gateway.price``). Latency is observed: ``PoolStats`` is an ``Observer`` that takes every call record and
keeps, per model, an exponentially weighted mean (recent calls count most, so a provider that slows down shows
at once) and the 95th percentile of a window of recent calls (the tail a user waits for), plus counts and cost.
It saves to and loads from a JSON file, so ``olp pool`` can show what a run observed.
"""

from __future__ import annotations

import json
import math
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from olp.errors import ConfigError
from olp.gateway import Gateway
from olp.observer import Observer
from olp.poolfile import PoolConfig
from olp.types import CallRecord

#: Tokens used to quote a model's price per million tokens.
MILLION = 1_000_000


@dataclass
class LatencyStats:
    """Observed calls of one model.

    Attributes:
        alpha: weight of the newest call in the moving mean.
        window: how many recent calls the percentile looks at.
        ewma_ms: moving mean of the latency (None before the first call).
        recent: latencies of the last ``window`` calls.
        calls / errors: calls seen, and how many failed.
        cost_usd: summed cost of the calls.
        answers: role -> outcome -> count of this model's answers by how the role's parser took them ("valid",
            "repaired", "unparsable", "fallback"; see ``olp.structured``).
    """

    alpha: float = 0.2
    window: int = 200
    ewma_ms: float | None = None
    recent: deque = field(default_factory=deque)
    calls: int = 0
    errors: int = 0
    cost_usd: float = 0.0
    answers: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, latency_ms: float, ok: bool = True, cost_usd: float = 0.0) -> None:
        self.calls += 1
        self.errors += 0 if ok else 1
        self.cost_usd += cost_usd
        self.ewma_ms = latency_ms if self.ewma_ms is None else (
            self.alpha * latency_ms + (1 - self.alpha) * self.ewma_ms)
        self.recent.append(latency_ms)
        while len(self.recent) > self.window:
            self.recent.popleft()

    @property
    def p95_ms(self) -> float | None:
        """95th percentile of the recent latencies (nearest rank)."""
        if not self.recent:
            return None
        ordered = sorted(self.recent)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    def to_dict(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "window": self.window, "ewma_ms": self.ewma_ms, "recent": list(self.recent),
                "calls": self.calls, "errors": self.errors, "cost_usd": self.cost_usd,
                "answers": {r: dict(o) for r, o in self.answers.items()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LatencyStats":
        s = cls(alpha=float(data.get("alpha", 0.2)), window=int(data.get("window", 200)))
        s.ewma_ms = data.get("ewma_ms")
        s.recent = deque(float(x) for x in data.get("recent", []))
        s.calls, s.errors = int(data.get("calls", 0)), int(data.get("errors", 0))
        s.cost_usd = float(data.get("cost_usd", 0.0))
        s.answers = {str(r): {str(k): int(n) for k, n in o.items()} for r, o in (data.get("answers") or {}).items()}
        return s

    def outcomes(self) -> dict[str, int]:
        """Answers by outcome, over every role."""
        total: dict[str, int] = {}
        for per_role in self.answers.values():
            for outcome, n in per_role.items():
                total[outcome] = total.get(outcome, 0) + n
        return total


class PoolStats(Observer):
    """Latency and cost per model, updated from every call record (judges' calls included)."""

    def __init__(self, alpha: float = 0.2, window: int = 200) -> None:
        self.alpha, self.window = alpha, window
        self.models: dict[str, LatencyStats] = {}

    def _stats(self, model: str) -> LatencyStats:
        stats = self.models.get(model)
        if stats is None:  # made only for a model not seen yet, not on every call
            stats = self.models[model] = LatencyStats(self.alpha, self.window)
        return stats

    def on_call(self, record: CallRecord) -> None:
        self._stats(record.model).add(record.latency_ms, record.ok, record.cost_usd)

    def on_parse(self, role: str, model: str, outcome: str) -> None:
        per_role = self._stats(model).answers.setdefault(role, {})
        per_role[outcome] = per_role.get(outcome, 0) + 1

    def get(self, model: str) -> LatencyStats | None:
        return self.models.get(model)

    def to_dict(self) -> dict[str, Any]:
        return {"version": 1, "models": {m: s.to_dict() for m, s in self.models.items()}}

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "PoolStats":
        """Stats saved by ``save``; raises ConfigError when the file is not such a file."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            stats = cls()
            stats.models = {m: LatencyStats.from_dict(d) for m, d in data["models"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"pool stats file {str(path)!r} cannot be read ({exc.__class__.__name__}); "
                              "delete it or point to one written by an olp run") from None
        return stats


class Pool:
    """The pool file's models with prices and observed latency.

    Args:
        config: the parsed pool file (``olp.poolfile.load_pool``).
        gateway: prices calls (default: a gateway over ``config``).
        stats: observed latency (default: empty).
    """

    def __init__(self, config: PoolConfig, gateway: Gateway | None = None, stats: PoolStats | None = None) -> None:
        self.config = config
        self.gateway = gateway or Gateway(config)
        self.stats = stats or PoolStats()

    @property
    def names(self) -> list[str]:
        return self.config.names

    def price(self, model: str, input_tokens: int, output_tokens: int) -> float:
        """USD for a call of ``model`` with these token counts (pool override, else litellm's map)."""
        return self.gateway.price(self.config.spec(model), input_tokens, output_tokens)

    def price_per_million(self, model: str) -> tuple[float, float]:
        """(input, output) USD per million tokens."""
        return self.price(model, MILLION, 0), self.price(model, 0, MILLION)

    def price_source(self, model: str) -> str:
        spec = self.config.spec(model)
        overridden = spec.input_cost_per_token is not None and spec.output_cost_per_token is not None
        return "pool file" if overridden else "litellm"

    def latency(self, model: str) -> LatencyStats | None:
        return self.stats.get(model)

    def prices_per_m(self) -> dict[str, tuple[float, float]]:
        """Every model's price per million tokens, for the board election."""
        return {m: self.price_per_million(m) for m in self.names}
