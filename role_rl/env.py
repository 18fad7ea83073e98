"""A gymnasium environment of role assignment, for stable-baselines3 and offline training.

Registered as ``olp/RoleAssignment-v0`` when this module is imported::

    import gymnasium, role_rl.env
    env = gymnasium.make("olp/RoleAssignment-v0")          # the authors' recorded runs, claude judge

``gymnasium.make("role_rl.env:olp/RoleAssignment-v0")`` imports the module itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from olp.errors import ConfigError
from role_rl.managers.base import DEFAULT_FEATURES, feature_vector

ENV_ID = "olp/RoleAssignment-v0"
_OBS_BOUND = 10.0


class OutcomeSource(Protocol):
    """Where the env's rewards come from: a set of chunk contexts and the judged outcome of each model there."""

    models: tuple[str, ...]
    roles: tuple[str, ...]

    def contexts(self) -> list[dict[str, float]]:
        """The chunk features of each context the env draws from."""
        ...

    def outcome(self, context: int, role: str, model: str) -> "StepOutcome":
        """The outcome of ``model`` playing ``role`` on context number ``context``."""
        ...


@dataclass(frozen=True)
class StepOutcome:
    reward: float
    cost_usd: float = 0.0
    correct: bool | None = None


class ReplaySource:
    """The recorded runs as an outcome source: a context is a task, the reward is the preset's (paper: recorded).

    Args:
        judge: ``claude`` or ``gemini``.
        reward: a ``role_rl.reward`` preset name.
    """

    def __init__(self, judge: str = "claude", reward: str = "paper") -> None:
        from role_rl.replay import ReplayData
        from role_rl.reward import preset

        self.data = ReplayData(judge)
        self.reward = preset(reward)
        self.models = self.data.models
        self.roles = self.data.roles

    def contexts(self) -> list[dict[str, float]]:
        return [self.data.features(t) for t in self.data.tasks]

    def outcome(self, context: int, role: str, model: str) -> StepOutcome:
        rec = self.data.get(self.data.tasks[context], model, role)
        return StepOutcome(rec.reward_with(self.reward), rec.cost_usd, rec.success)


class TableSource:
    """Outcomes from a table: ``rewards[context][role][model]`` (for synthetic pools and tests)."""

    def __init__(self, models: list[str], roles: list[str], contexts: list[dict[str, float]],
                 rewards: list[dict[str, dict[str, float]]], costs: dict[str, float] | None = None) -> None:
        self.models, self.roles = tuple(models), tuple(roles)
        self._contexts, self._rewards, self._costs = contexts, rewards, costs or {}

    def contexts(self) -> list[dict[str, float]]:
        return list(self._contexts)

    def outcome(self, context: int, role: str, model: str) -> StepOutcome:
        r = self._rewards[context][role][model]
        return StepOutcome(r, self._costs.get(model, 0.0), r > 0)


def observation(role: int, n_roles: int, features: dict[str, float], names: tuple[str, ...]) -> np.ndarray:
    """The observation of one role call: the role one-hot, then the scaled chunk features."""
    obs = np.zeros(n_roles + len(names), dtype=np.float32)
    obs[role] = 1.0
    obs[n_roles:] = np.clip(feature_vector(features, names)[1:], -_OBS_BOUND, _OBS_BOUND)
    return obs


def observation_space(n_roles: int, n_features: int) -> spaces.Box:
    return spaces.Box(-_OBS_BOUND, _OBS_BOUND, shape=(n_roles + n_features,), dtype=np.float32)


class RoleAssignmentEnv(gym.Env):
    """Choose which model plays each role, chunk after chunk of a stream.

    ## Description
    A stream is a sequence of chunks drawn from the source's contexts (for the recorded runs: the three tasks).
    For each chunk the roles are assigned in pipeline order, one step per role: the agent sees the role and
    the chunk's features and picks a model from the pool; the model's judged answer gives the reward.

    ## Action Space
    ``Discrete(n_models)``: the index of the pool model that plays the current role.

    ## Observation Space
    ``Box(-10, 10, (n_roles + n_features,), float32)``: a one-hot of the current role, then the chunk's features
    scaled as in ``role_rl.managers.base.FEATURES`` (default: sentence count, characters per sentence, CJK share).

    ## Rewards
    The reward of the chosen model's answer (``role_rl.reward``; for the recorded runs the ``paper`` preset,
    which is the recorded reward) divided by ``reward_scale`` and floored at ``reward_floor``. ``info`` holds
    the unscaled ``reward_raw``, ``cost_usd``, ``correct``, ``model``, ``role`` and ``context``.

    ## Starting State
    The first role of the first chunk of a stream whose contexts are drawn uniformly with the env's seed.

    ## Episode End
    Terminated after the last role of the last chunk (the stream ends). Never truncated.

    ## Arguments
    * ``source``: an ``OutcomeSource``; default ``ReplaySource()`` (recorded runs, claude judge).
    * ``chunks``: chunks per episode (default 30).
    * ``features``: chunk feature names in the observation.
    * ``reward_scale`` (default 10, the paper's v) and ``reward_floor`` (default −1).
    """

    metadata = {"render_modes": []}

    def __init__(self, source: OutcomeSource | None = None, chunks: int = 30,
                 features: tuple[str, ...] = DEFAULT_FEATURES, reward_scale: float = 10.0,
                 reward_floor: float = -1.0, render_mode: str | None = None) -> None:
        if chunks < 1:
            raise ConfigError("RoleAssignmentEnv needs at least one chunk per episode")
        self.source = source if source is not None else ReplaySource()
        self.chunks = int(chunks)
        self.features = tuple(features)
        self.reward_scale, self.reward_floor = float(reward_scale), float(reward_floor)
        self.render_mode = render_mode
        self.models, self.roles = tuple(self.source.models), tuple(self.source.roles)
        self._contexts = self.source.contexts()
        self.action_space = spaces.Discrete(len(self.models))
        self.observation_space = observation_space(len(self.roles), len(self.features))
        self._stream: list[int] = []
        self._t = 0

    def _obs(self) -> np.ndarray:
        chunk, role = divmod(self._t, len(self.roles))
        return observation(role, len(self.roles), self._contexts[self._stream[chunk]], self.features)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._stream = [int(self.np_random.integers(len(self._contexts))) for _ in range(self.chunks)]
        self._t = 0
        return self._obs(), {"context": self._stream[0], "role": self.roles[0]}

    def step(self, action):
        if not self._stream:
            raise gym.error.ResetNeeded("call reset() before step()")
        if not self.action_space.contains(action):
            raise gym.error.InvalidAction(f"action {action!r} is not in {self.action_space}")
        chunk, role_i = divmod(self._t, len(self.roles))
        ctx, role, model = self._stream[chunk], self.roles[role_i], self.models[int(action)]
        out = self.source.outcome(ctx, role, model)
        reward = max(out.reward / self.reward_scale, self.reward_floor)
        info = {"reward_raw": out.reward, "cost_usd": out.cost_usd, "correct": out.correct, "model": model,
                "role": role, "context": ctx}
        self._t += 1
        terminated = self._t >= self.chunks * len(self.roles)
        obs = self._obs() if not terminated else np.zeros(self.observation_space.shape, dtype=np.float32)
        return obs, float(reward), terminated, False, info


if ENV_ID not in gym.registry:
    gym.register(id=ENV_ID, entry_point="role_rl.env:RoleAssignmentEnv")
