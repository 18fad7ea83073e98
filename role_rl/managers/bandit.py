"""A contextual bandit: Thompson sampling per (role, context key), backed off to the role-wide estimate.

The context key is the chunk's features quantized on a grid (``bins`` wide, in the scaled units of
``role_rl.managers.base.FEATURES``): chunks that look alike share what was learned, chunks that differ (a short
Chinese snippet vs a long one) learn apart. Each (role, key, model) keeps the count, mean and spread of its
rewards; its posterior mean starts from the role-wide mean of that model (``prior_weight`` pseudo-calls), so a
new kind of chunk starts from what the role learned elsewhere and needs only a few calls to specialise. A model
never judged in a role starts at ``optimism`` (a right, free answer), so each model is tried early.

The reward's spread is learned too (a normal-inverse-gamma style estimate starting at ``noise``): a model whose
answers are consistently judged the same gets a tight posterior after a few calls, and exploration of it stops.
Sampling from the posterior is the exploration; ``best`` uses the posterior mean. Rewards are divided by
``reward_scale`` (the reward's v) and floored at ``reward_floor`` (an invalid answer is just wrong; an
unbounded penalty would poison the role-wide prior of that model).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from olp.caller import CallContext
from olp.types import ROLES
from role_rl.managers.base import DEFAULT_FEATURES, Choice, Feedback, Manager, feature_vector

#: Grid width per feature, in scaled units: chunk length in steps of about 5% (log scale), characters per sentence
#: in steps of 10, language as Chinese or not. Coarse enough that a live stream's chunks share a few keys.
DEFAULT_BINS = {"n_sentences": 0.05, "chars_per_sentence": 0.2, "zh": 0.5}


class _Stats:
    """Count, mean and sum of squared deviations of a reward stream (Welford), per model."""

    __slots__ = ("n", "mean", "m2")

    def __init__(self, n_models: int) -> None:
        self.n = np.zeros(n_models)
        self.mean = np.zeros(n_models)
        self.m2 = np.zeros(n_models)

    def add(self, i: int, r: float) -> None:
        self.n[i] += 1
        delta = r - self.mean[i]
        self.mean[i] += delta / self.n[i]
        self.m2[i] += delta * (r - self.mean[i])

    def to_json(self) -> list[list[float]]:
        return [self.n.tolist(), self.mean.tolist(), self.m2.tolist()]

    @classmethod
    def from_json(cls, data: list[list[float]]) -> "_Stats":
        s = cls(len(data[0]))
        s.n, s.mean, s.m2 = (np.asarray(x, dtype=np.float64) for x in data)
        return s


class ThompsonManager(Manager):
    """Contextual Thompson sampling with context keys and a role-wide prior.

    Args:
        models: the pool's models (arms).
        roles: the roles managed.
        features: the chunk features that form the context key (names from ``CallContext.features``).
        bins: grid width of the context key per feature, in scaled feature units (smaller: finer contexts); one
            number applies to every feature.
        prior_weight: pseudo-calls of the role-wide mean in a context's posterior.
        optimism: the scaled reward assumed for a model never judged in a role.
        noise: prior spread of a model's scaled reward (how noisy verdicts are assumed to be).
        reward_scale: rewards are divided by it (the reward preset's v).
        reward_floor: scaled rewards below it count as it.
        seed: seeds the posterior draws.
    """

    name = "bandit"

    def __init__(self, models: list[str], roles: tuple[str, ...] = ROLES, *,
                 features: tuple[str, ...] | list[str] = DEFAULT_FEATURES, bins: float | dict[str, float] | None = None,
                 prior_weight: float = 1.0, optimism: float = 1.0, noise: float = 0.5,
                 indifference: float = 0.01, reward_scale: float = 1.0, reward_floor: float = -1.0,
                 seed: int | None = None) -> None:
        super().__init__(models, roles, seed)
        self.features = tuple(features)
        widths = DEFAULT_BINS if bins is None else bins
        self.bins = {f: float(widths.get(f, 0.1) if isinstance(widths, dict) else widths) for f in self.features}
        self.prior_weight, self.optimism, self.noise = float(prior_weight), float(optimism), float(noise)
        self.indifference = float(indifference)
        self.reward_scale, self.reward_floor = float(reward_scale), float(reward_floor)
        self.params = {"features": list(self.features), "bins": dict(self.bins), "prior_weight": self.prior_weight,
                       "optimism": self.optimism, "noise": self.noise, "indifference": self.indifference,
                       "reward_scale": self.reward_scale, "reward_floor": self.reward_floor}
        self.global_stats = {role: _Stats(len(self.models)) for role in self.roles}
        self.ctx_stats: dict[str, dict[str, _Stats]] = {role: {} for role in self.roles}
        # the assignment per (role, context key): kept until another model is better by more than `indifference`
        self.incumbent: dict[str, dict[str, int]] = {role: {} for role in self.roles}

    def key(self, context: CallContext) -> str:
        """The context key of a call: its quantized features (``"*"`` when it has none)."""
        x = feature_vector(context.features, self.features)[1:]
        if not len(x) or not any(context.features.get(f) for f in self.features):
            return "*"
        return ",".join(str(int(math.floor(v / self.bins[f] + 0.5))) for f, v in zip(self.features, x))

    def posterior(self, role: str, context: CallContext) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation of each model's scaled reward in this context."""
        g = self.global_stats[role]
        # role-wide: the optimistic prior (one pseudo-call) updated with every judged call in the role
        g_mean = (self.optimism + g.n * g.mean) / (1.0 + g.n)
        c = self.ctx_stats[role].get(self.key(context))
        n = c.n if c is not None else np.zeros(len(self.models))
        total = c.mean * c.n if c is not None else np.zeros(len(self.models))
        m2 = c.m2 if c is not None else np.zeros(len(self.models))
        w = self.prior_weight
        mean = (w * g_mean + total) / (w + n)
        # the spread: prior `noise` worth two calls, then the observed within-context spread
        var = (2.0 * self.noise**2 + m2) / (2.0 + n)
        return mean, np.sqrt(var / (w + n))

    def _greedy(self, role: str, key: str, mean: np.ndarray) -> int:
        top = int(np.argmax(mean))
        inc = self.incumbent[role].get(key)
        return top if inc is None or mean[top] > mean[inc] + self.indifference else inc

    def choose(self, role: str, context: CallContext) -> Choice:
        mean, std = self.posterior(role, context)
        greedy = self._greedy(role, self.key(context), mean)
        draw = self.rng.normal(mean, std)
        pick = int(np.argmax(draw))
        return Choice(self.models[pick], (), "exploit" if pick == greedy else "explore")

    def update(self, feedback: Feedback) -> None:
        role = feedback.role
        stats = self.ctx_stats[role].setdefault(self.key(feedback.context), _Stats(len(self.models)))
        for o in feedback.outcomes:
            i = self.index(o.model)
            r = max(o.reward / self.reward_scale, self.reward_floor)
            stats.add(i, r)
            self.global_stats[role].add(i, r)
        key = self.key(feedback.context)
        mean, _ = self.posterior(role, feedback.context)
        self.incumbent[role][key] = self._greedy(role, key, mean)

    def best(self, role: str, context: CallContext) -> str:
        mean, _ = self.posterior(role, context)
        return self.models[self._greedy(role, self.key(context), mean)]

    def preferences(self, role: str, context: CallContext | None = None) -> dict[str, float]:
        mean, _ = self.posterior(role, context or CallContext())
        return {m: float(v) for m, v in zip(self.models, mean)}

    def _state(self) -> dict[str, Any]:
        return {"global": {r: s.to_json() for r, s in self.global_stats.items()},
                "contexts": {r: {k: s.to_json() for k, s in ks.items()} for r, ks in self.ctx_stats.items()},
                "incumbent": {r: {k: self.models[i] for k, i in ks.items()} for r, ks in self.incumbent.items()}}

    def _load(self, state: dict[str, Any]) -> None:
        for role, data in state.get("global", {}).items():
            self.global_stats[role] = _Stats.from_json(data)
        for role, keys in state.get("contexts", {}).items():
            self.ctx_stats[role] = {k: _Stats.from_json(v) for k, v in keys.items()}
        for role, keys in state.get("incumbent", {}).items():
            self.incumbent[role] = {k: self.index(m) for k, m in keys.items()}
