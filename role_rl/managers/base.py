"""The role-manager interface: which model plays a role for this call, and learning from the board's feedback.

A manager never sees a prompt; it sees the role name, the call's context (stream, chunk index, numeric chunk
features) and, after the call, the judged outcome of every model that ran. ``choose`` answers a ``Choice``: the
model whose answer is used, plus models to run *as well* for learning (the paper's cold start runs every model,
its cross update runs the current and the candidate). The caller runs them all, has the board judge them, keeps
the answer with the highest reward and counts every extra call as exploration cost.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from olp.caller import CallContext
from olp.errors import ConfigError
from olp.types import ROLES


@dataclass(frozen=True)
class Choice:
    """What to run for one role call.

    Attributes:
        model: the model whose answer is used (unless an explored model's answer earns a higher reward).
        explore: other models to run and judge for learning only; each is exploration cost.
        reason: why (``exploit``, ``explore``, ``cold-start``, ``cross-update``), for logs.
    """

    model: str
    explore: tuple[str, ...] = ()
    reason: str = "exploit"

    @property
    def models(self) -> tuple[str, ...]:
        """Every model to run, the chosen one first."""
        return (self.model, *self.explore)


@dataclass(frozen=True)
class Outcome:
    """One judged answer.

    Attributes:
        model: who answered.
        reward: the reward (``role_rl.reward``).
        correct: the board's verdict (None: no verdict).
        k: the correctness value inside the reward.
        cost_usd / latency_s: what the call took.
    """

    model: str
    reward: float
    correct: bool | None = None
    k: float | None = None
    cost_usd: float = 0.0
    latency_s: float = 0.0


@dataclass(frozen=True)
class Feedback:
    """The judged outcomes of one role call (one per model that ran), for ``Manager.update``."""

    role: str
    context: CallContext
    choice: Choice
    outcomes: tuple[Outcome, ...]

    def best(self) -> Outcome:
        """The outcome with the highest reward (the first on ties, i.e. the chosen model)."""
        return max(self.outcomes, key=lambda o: o.reward)


#: The chunk features contextual managers and the gym environment read by default.
DEFAULT_FEATURES: tuple[str, ...] = ("n_sentences", "chars_per_sentence", "zh")

#: How each known chunk feature enters a feature vector: (transform, scale). Unknown features are ignored.
FEATURES: dict[str, tuple[str, float]] = {
    "n_sentences": ("log1p", 5.0),
    "chars_per_sentence": ("linear", 50.0),
    "zh": ("linear", 1.0),
    "n_topics": ("log1p", 3.0),
}


def feature_vector(features: dict[str, float], names: tuple[str, ...]) -> np.ndarray:
    """``[1, f_1, ..., f_n]``: a bias and each named feature, scaled to about [0, 1] (missing ones are 0)."""
    out = [1.0]
    for name in names:
        raw = float(features.get(name, 0.0) or 0.0)
        kind, scale = FEATURES.get(name, ("linear", 1.0))
        value = math.log1p(max(raw, 0.0)) if kind == "log1p" else raw
        out.append(value / scale)
    return np.asarray(out, dtype=np.float64)


class Manager(ABC):
    """Chooses a model per role call and learns from judged outcomes.

    Args:
        models: the pool's model names (the arms), in pool order.
        roles: the roles it manages.
        seed: seeds its random choices (exploration), so runs repeat.
    """

    name: ClassVar[str]

    def __init__(self, models: list[str] | tuple[str, ...], roles: tuple[str, ...] = ROLES,
                 seed: int | None = None) -> None:
        if not models:
            raise ConfigError("a role manager needs at least one model in the pool")
        self.models = list(models)
        self.roles = tuple(roles)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.params: dict[str, Any] = {}  # constructor options, saved so a restore rebuilds the same manager

    @abstractmethod
    def choose(self, role: str, context: CallContext) -> Choice:
        """The model(s) to run for this call; may explore (draws from ``self.rng``)."""

    @abstractmethod
    def update(self, feedback: Feedback) -> None:
        """Learn from the judged outcomes of one call."""

    @abstractmethod
    def best(self, role: str, context: CallContext) -> str:
        """The model it would use now without exploring (no side effects): its current assignment."""

    def preferences(self, role: str, context: CallContext | None = None) -> dict[str, float]:
        """Its current preference per model (Q-values, estimated rewards, probabilities), for observers."""
        return {}

    def index(self, model: str) -> int:
        try:
            return self.models.index(model)
        except ValueError:
            raise ConfigError(f"model {model!r} is not in this manager's pool {self.models}") from None

    def state_dict(self) -> dict[str, Any]:
        """Everything learned, JSON-serializable; ``load_state_dict`` of a fresh manager restores it."""
        return {"manager": self.name, "models": list(self.models), "roles": list(self.roles),
                "params": _jsonable(self.params), "rng": _jsonable(self.rng.bit_generator.state), **self._state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("manager") != self.name:
            raise ConfigError(f"checkpoint is for manager {state.get('manager')!r}, not {self.name!r}; "
                              f"start with --manager {state.get('manager')}")
        if list(state.get("models", [])) != self.models:
            raise ConfigError(f"checkpoint pool {state.get('models')} differs from the current pool {self.models}; "
                              "use the pool file the checkpoint was made with, or start without the checkpoint")
        if "rng" in state:
            self.rng.bit_generator.state = state["rng"]
        self._load(state)

    def _state(self) -> dict[str, Any]:
        return {}

    def _load(self, state: dict[str, Any]) -> None:
        pass


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
