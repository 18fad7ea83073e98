"""How often the advisory board judges a role's answer: every call, a fixed share, or a share that adapts.

The adaptive policy judges a (role, model) pair at ``rate`` while it is unproven and halves the rate every
``half_life`` consecutive right verdicts, down to ``min_rate``; a wrong verdict brings it back to ``rate``. So
the board looks closely at a role while it is uncertain (new model, recent mistakes) and rarely once it has
settled, and the board's cost falls with it. A call that runs extra models for learning is always judged:
exploring without a verdict would learn nothing.

The settling policy judges a pair at ``rate`` while it is new and halves the rate every ``half_life`` verdicts on
it, right or wrong, down to ``min_rate``: how much the learner has seen sets how closely a pair is watched, not
whether the model is good (a wrong answer from a model known to be wrong half the time is no news). A learner
shared by many streams sees each pair's verdicts from all of them, so its board cost per stream falls as
streams are added; under ``adaptive`` a cheap, often-wrong model keeps its pair at the full rate for ever.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from olp.errors import ConfigError

MODES = ("all", "fixed", "adaptive", "settling")


@dataclass
class AuditPolicy:
    """Decides which calls the board judges.

    Attributes:
        mode: ``all`` (every call), ``fixed`` (a ``rate`` share at random), ``adaptive`` or ``settling``.
        rate: the share judged in ``fixed`` mode, and the highest share in ``adaptive`` and ``settling`` modes.
        min_rate: the lowest share in ``adaptive`` and ``settling`` modes (a settled role is still spot-checked).
        half_life: right verdicts in a row that halve the adaptive share; verdicts that halve the settling share.
        seed: seeds the random draws.
    """

    mode: str = "adaptive"
    rate: float = 1.0
    min_rate: float = 0.05
    half_life: float = 5.0
    seed: int | None = None
    streak: dict[str, int] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)  # verdicts per (role, model), for the settling mode

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"audit mode {self.mode!r} is unknown; choose one of: {', '.join(MODES)}")
        if not (0.0 <= self.min_rate <= self.rate <= 1.0):
            raise ConfigError("audit rates must satisfy 0 <= min_rate <= rate <= 1")
        if self.half_life <= 0:
            raise ConfigError("audit half_life must be positive")
        self._rng = np.random.default_rng(self.seed)

    def rate_for(self, role: str, model: str) -> float:
        """The share of calls of ``model`` in ``role`` that the board judges now."""
        if self.mode == "all":
            return 1.0
        if self.mode == "fixed":
            return self.rate
        count = (self.seen if self.mode == "settling" else self.streak).get(_key(role, model), 0)
        return max(self.min_rate, self.rate * 0.5 ** (count / self.half_life))

    def should_audit(self, role: str, model: str, exploring: bool = False) -> bool:
        """Whether to judge this call (always when it runs extra models for learning)."""
        if exploring or self.mode == "all":
            return True
        return bool(self._rng.random() < self.rate_for(role, model))

    def record(self, role: str, model: str, correct: bool | None) -> None:
        """A verdict on ``model`` in ``role``: a right one lengthens its streak, a wrong one resets it."""
        if correct is None:
            return
        key = _key(role, model)
        self.streak[key] = self.streak.get(key, 0) + 1 if correct else 0
        self.seen[key] = self.seen.get(key, 0) + 1

    def state_dict(self) -> dict[str, Any]:
        return {"streak": dict(self.streak), "seen": dict(self.seen), "rng": self._rng.bit_generator.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.streak = {k: int(v) for k, v in state.get("streak", {}).items()}
        self.seen = {k: int(v) for k, v in state.get("seen", {}).items()}
        if "rng" in state:
            self._rng.bit_generator.state = state["rng"]


def _key(role: str, model: str) -> str:
    return f"{role}\t{model}"
