"""A contextual bandit: LinUCB with one ridge-regression arm per (role, model), over chunk features.

Each arm predicts the reward of a model in a role from the chunk's features x = [1, features...] (see
``role_rl.managers.base.FEATURES``): θ = A⁻¹b with A = λI + Σ x xᵀ and b = Σ r x. A call picks the arm with the
highest upper confidence bound θᵀx + α·sqrt(xᵀA⁻¹x), so a model is tried where its reward is still uncertain
and the bonus shrinks as evidence accumulates: exploration fades by itself once a role has settled. Every model
that ran and was judged updates its arm, the explored ones included. The assignment (``best``) drops the bonus.

Rewards are divided by ``reward_scale`` (the reward's v, so a right answer is about 1) and floored at
``reward_floor``: an invalid answer (the recorded runs score them about −100) is as wrong as any other wrong
answer, and an unbounded penalty would swamp the linear fit of that arm in every other context.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from olp.caller import CallContext
from olp.types import ROLES
from role_rl.managers.base import DEFAULT_FEATURES, Choice, Feedback, Manager, feature_vector



class LinUCBManager(Manager):
    """Disjoint LinUCB over chunk features.

    Args:
        models: the pool's models (arms).
        roles: the roles managed.
        alpha: width of the confidence bonus (exploration strength).
        ridge: λ, the ridge prior (how strongly an untried arm's reward is assumed 0).
        features: the chunk features used (names from ``CallContext.features``).
        reward_scale: rewards are divided by it (the reward preset's v).
        reward_floor: scaled rewards below it count as it.
        seed: breaks ties between equal bounds.
    """

    name = "linucb"

    def __init__(self, models: list[str], roles: tuple[str, ...] = ROLES, *, alpha: float = 2.0,
                 ridge: float = 1.0, features: tuple[str, ...] | list[str] = DEFAULT_FEATURES,
                 reward_scale: float = 1.0, reward_floor: float = -1.0, seed: int | None = None) -> None:
        super().__init__(models, roles, seed)
        self.alpha, self.ridge = float(alpha), float(ridge)
        self.features = tuple(features)
        self.reward_scale, self.reward_floor = float(reward_scale), float(reward_floor)
        self.params = {"alpha": self.alpha, "ridge": self.ridge, "features": list(self.features),
                       "reward_scale": self.reward_scale, "reward_floor": self.reward_floor}
        d = len(self.features) + 1
        n = len(self.models)
        self.A = {role: np.stack([np.eye(d) * self.ridge] * n) for role in self.roles}
        self.b = {role: np.zeros((n, d)) for role in self.roles}
        self.pulls = {role: np.zeros(n, dtype=np.int64) for role in self.roles}

    def _x(self, context: CallContext) -> np.ndarray:
        return feature_vector(context.features, self.features)

    def _estimates(self, role: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        inv = np.linalg.inv(self.A[role])  # n small (d × d) inverses: cheaper than bookkeeping A⁻¹ updates
        theta = np.einsum("nij,nj->ni", inv, self.b[role])
        mean = theta @ x
        width = np.sqrt(np.maximum(np.einsum("i,nij,j->n", x, inv, x), 0.0))
        return mean, width

    def choose(self, role: str, context: CallContext) -> Choice:
        x = self._x(context)
        mean, width = self._estimates(role, x)
        ucb = mean + self.alpha * width
        top = np.flatnonzero(ucb >= ucb.max() - 1e-12)
        pick = int(top[0] if len(top) == 1 else self.rng.choice(top))
        greedy = int(np.argmax(mean))
        return Choice(self.models[pick], (), "exploit" if pick == greedy else "explore")

    def update(self, feedback: Feedback) -> None:
        x = self._x(feedback.context)
        role = feedback.role
        for o in feedback.outcomes:
            i = self.index(o.model)
            r = max(o.reward / self.reward_scale, self.reward_floor)
            self.A[role][i] += np.outer(x, x)
            self.b[role][i] += r * x
            self.pulls[role][i] += 1

    def best(self, role: str, context: CallContext) -> str:
        mean, _ = self._estimates(role, self._x(context))
        return self.models[int(np.argmax(mean))]

    def preferences(self, role: str, context: CallContext | None = None) -> dict[str, float]:
        mean, _ = self._estimates(role, self._x(context or CallContext()))
        return {m: float(v) for m, v in zip(self.models, mean)}

    def _state(self) -> dict[str, Any]:
        return {"A": {r: a.tolist() for r, a in self.A.items()}, "b": {r: b.tolist() for r, b in self.b.items()},
                "pulls": {r: p.tolist() for r, p in self.pulls.items()}}

    def _load(self, state: dict[str, Any]) -> None:
        for role in state.get("A", {}):
            self.A[role] = np.asarray(state["A"][role], dtype=np.float64)
            self.b[role] = np.asarray(state["b"][role], dtype=np.float64)
            self.pulls[role] = np.asarray(state["pulls"][role], dtype=np.int64)
