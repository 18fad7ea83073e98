"""The paper's tabular Q-learning, as in the authors' ``code/main_Role_RL.py``.

One Q-table per role, (2·n states) × (n actions). State 2i: model i's last reward was positive; 2i + 1: it was
negative; a zero reward keeps the state. α = 0.1, γ = 0 (so Q ← Q + α(r − Q)), ε-greedy with ε = 0.03.

* Cold start (the role's table is all zeros): run every model; for every pair (from, to) with r_from ≠ 0,
  Q[state(from), to] += α(r_to − Q[state(from), to]); keep the model with the highest reward.
* Otherwise the candidate is a random model with probability ε, else argmax Q[s]. If it is the current model, run
  it and update Q[s, current]. Else run both (the cross update): update Q[s, c] with r_c, Q[s, a] with r_a,
  Q[state(c), a] with r_a and Q[state(a), c] with r_c; keep the answer with the higher reward, whose model
  becomes current; the next state comes from the sign of its reward.

Every model is the same for every context: the paper's state is the last model and its success, not the chunk.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from olp.caller import CallContext
from olp.types import ROLES
from role_rl.managers.base import Choice, Feedback, Manager


class QLearningManager(Manager):
    """The authors' Q-learning with cold start and cross update.

    Args:
        models: the pool's models (actions).
        roles: the roles managed (one Q-table each).
        alpha: learning rate (paper 0.1).
        gamma: discount (paper 0; kept for completeness: the next state's best Q, discounted).
        epsilon: exploration rate (paper 0.03).
        seed: seeds exploration.
    """

    name = "qlearning"

    def __init__(self, models: list[str], roles: tuple[str, ...] = ROLES, *, alpha: float = 0.1,
                 gamma: float = 0.0, epsilon: float = 0.03, seed: int | None = None) -> None:
        super().__init__(models, roles, seed)
        self.alpha, self.gamma, self.epsilon = float(alpha), float(gamma), float(epsilon)
        self.params = {"alpha": self.alpha, "gamma": self.gamma, "epsilon": self.epsilon}
        n = len(self.models)
        self.q = {role: np.zeros((2 * n, n)) for role in self.roles}
        self.state = {role: 0 for role in self.roles}  # the authors start in state 0 with model 0
        self.current = {role: 0 for role in self.roles}

    def choose(self, role: str, context: CallContext) -> Choice:
        q, c = self.q[role], self.current[role]
        if not q.any():
            others = tuple(m for i, m in enumerate(self.models) if i != c)
            return Choice(self.models[c], others, "cold-start")
        explore = self.rng.random() <= self.epsilon
        a = int(self.rng.integers(len(self.models))) if explore else int(np.argmax(q[self.state[role]]))
        if a == c:
            return Choice(self.models[c], (), "explore" if explore else "exploit")
        return Choice(self.models[c], (self.models[a],), "cross-update")

    def update(self, feedback: Feedback) -> None:
        role = feedback.role
        q, s = self.q[role], self.state[role]
        rewards = {self.index(o.model): o.reward for o in feedback.outcomes}
        if len(rewards) > 2 or (feedback.choice.reason == "cold-start" and len(rewards) > 1):
            for frm, r_from in rewards.items():
                if r_from != 0:
                    sf = _state_of(frm, r_from)
                    for to, r_to in rewards.items():
                        self._learn(q, sf, to, r_to)
        elif len(rewards) == 2:
            (c, r_c), (a, r_a) = rewards.items()
            if r_c != 0:
                self._learn(q, s, c, r_c)
                self._learn(q, _state_of(c, r_c), a, r_a)
            if r_a != 0:
                self._learn(q, s, a, r_a)
                self._learn(q, _state_of(a, r_a), c, r_c)
        else:
            ((a, r_a),) = rewards.items()
            if r_a != 0:
                self._learn(q, s, a, r_a)
        # keep the answer with the highest reward (the chosen model wins ties, as in the authors' code)
        keep = max(rewards, key=lambda i: (rewards[i], i == self.index(feedback.choice.model)))
        self.current[role] = keep
        if rewards[keep] != 0:
            self.state[role] = _state_of(keep, rewards[keep])

    def _learn(self, q: np.ndarray, s: int, a: int, r: float) -> None:
        target = r + (self.gamma * float(q[_state_of(a, r)].max()) if self.gamma else 0.0)
        q[s, a] += self.alpha * (target - q[s, a])

    def best(self, role: str, context: CallContext) -> str:
        q = self.q[role]
        if not q.any():
            return self.models[self.current[role]]
        return self.models[int(np.argmax(q[self.state[role]]))]

    def preferences(self, role: str, context: CallContext | None = None) -> dict[str, float]:
        row = self.q[role][self.state[role]]
        return {m: float(v) for m, v in zip(self.models, row)}

    def failure_rows(self) -> np.ndarray:
        """Σ over roles of the failure-state rows of the Q-tables (n × n), for the board election."""
        n = len(self.models)
        total = np.zeros((n, n))
        for q in self.q.values():
            total += q[1::2]
        return total

    def _state(self) -> dict[str, Any]:
        return {"q": {r: q.tolist() for r, q in self.q.items()}, "state": dict(self.state),
                "current": {r: self.models[i] for r, i in self.current.items()}}

    def _load(self, state: dict[str, Any]) -> None:
        for role, table in state.get("q", {}).items():
            self.q[role] = np.asarray(table, dtype=np.float64)
        self.state.update({r: int(s) for r, s in state.get("state", {}).items()})
        self.current.update({r: self.index(m) for r, m in state.get("current", {}).items()})


def _state_of(model: int, reward: float) -> int:
    return 2 * model if reward > 0 else 2 * model + 1
