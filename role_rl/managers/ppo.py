"""A stable-baselines3 PPO policy as a role manager, learning online from the board's feedback.

The policy maps a role call's observation (``role_rl.env.observation``: role one-hot and chunk features, the
same as ``RoleAssignmentEnv``'s) to a distribution over the pool's models. ``choose`` samples from it (the
sampling is the exploration); ``best`` takes its most likely model. Each judged call of the chosen model is one
transition in PPO's rollout buffer (its value and log-probability under the current policy); when the buffer is
full, PPO trains on it (γ = 0: a call's reward is its whole return) and the buffer starts again. Models run only
for other reasons (not sampled from the policy) are left out, since PPO learns from its own samples.

A policy trained offline by ``olp train`` (on ``RoleAssignmentEnv``) starts it: ``policy_path=``. torch and
stable-baselines3 are imported only here.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np

from olp.caller import CallContext
from olp.errors import ConfigError
from olp.types import ROLES
from role_rl.managers.base import DEFAULT_FEATURES, Choice, Feedback, Manager



def _spaces_env(models: list[str], roles: tuple[str, ...], features: tuple[str, ...]):
    """A stand-in env with the right spaces: SB3 builds its networks from an env, but we feed it ourselves."""
    from role_rl.env import RoleAssignmentEnv, TableSource

    zero = [{r: {m: 0.0 for m in models} for r in roles}]
    return RoleAssignmentEnv(TableSource(models, list(roles), [{}], zero), chunks=1, features=features)


class PPOManager(Manager):
    """Online PPO over role calls.

    Args:
        models: the pool's models (actions).
        roles: the roles managed (the observation's one-hot).
        features: chunk features in the observation.
        reward_scale / reward_floor: rewards are divided by the scale and floored (as in the env).
        n_steps: judged calls per PPO update.
        batch_size / n_epochs / learning_rate / ent_coef: PPO's settings.
        policy_path: a saved SB3 PPO zip (``olp train``) to start from.
        seed: seeds the policy's initialisation and sampling.
    """

    name = "ppo"

    def __init__(self, models: list[str], roles: tuple[str, ...] = ROLES, *,
                 features: tuple[str, ...] | list[str] = DEFAULT_FEATURES, reward_scale: float = 1.0,
                 reward_floor: float = -1.0, n_steps: int = 64, batch_size: int = 32, n_epochs: int = 8,
                 learning_rate: float = 3e-3, ent_coef: float = 0.05, policy_path: str | None = None,
                 seed: int | None = None) -> None:
        super().__init__(models, roles, seed)
        self.features = tuple(features)
        self.reward_scale, self.reward_floor = float(reward_scale), float(reward_floor)
        self.params = {"features": list(self.features), "reward_scale": self.reward_scale,
                       "reward_floor": self.reward_floor, "n_steps": n_steps, "batch_size": batch_size,
                       "n_epochs": n_epochs, "learning_rate": learning_rate, "ent_coef": ent_coef}
        self.updates = 0
        if policy_path:
            self.model = self._load_zip(policy_path)
        else:
            from stable_baselines3 import PPO

            self.model = PPO("MlpPolicy", _spaces_env(self.models, self.roles, self.features), n_steps=n_steps,
                             batch_size=batch_size, n_epochs=n_epochs, learning_rate=learning_rate,
                             ent_coef=ent_coef, gamma=0.0, gae_lambda=1.0, seed=seed, device="cpu",
                             policy_kwargs={"net_arch": [32, 32]})
        self._prepare()

    def _prepare(self) -> None:
        from stable_baselines3.common.logger import Logger

        expected = len(self.roles) + len(self.features)
        if self.model.observation_space.shape != (expected,) or self.model.action_space.n != len(self.models):
            raise ConfigError(f"the PPO policy expects observations {self.model.observation_space.shape} and "
                              f"{self.model.action_space.n} models; this pool has {len(self.roles)} roles, "
                              f"{len(self.features)} features and {len(self.models)} models. Train a policy for "
                              "this pool with `olp train`")
        self.model.set_logger(Logger(folder=None, output_formats=[]))  # quiet: no stdout, no files
        self.model.rollout_buffer.reset()

    def _load_zip(self, source: str | io.BytesIO):
        from stable_baselines3 import PPO

        try:
            return PPO.load(source, device="cpu")
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"cannot load the PPO policy {source if isinstance(source, str) else ''}: "
                              f"{exc.__class__.__name__}; make one with `olp train --out FILE`") from None

    def _obs(self, role: str, context: CallContext) -> np.ndarray:
        from role_rl.env import observation

        if role not in self.roles:
            raise ConfigError(f"role {role!r} is not managed by this PPO policy (roles: {', '.join(self.roles)})")
        return observation(self.roles.index(role), len(self.roles), context.features, self.features)

    def _probs(self, obs: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            t = torch.as_tensor(obs[None], dtype=torch.float32)
            return self.model.policy.get_distribution(t).distribution.probs[0].numpy().astype(np.float64)

    def choose(self, role: str, context: CallContext) -> Choice:
        probs = self._probs(self._obs(role, context))
        pick = int(self.rng.choice(len(self.models), p=probs / probs.sum()))
        return Choice(self.models[pick], (), "exploit" if pick == int(np.argmax(probs)) else "explore")

    def update(self, feedback: Feedback) -> None:
        import torch

        chosen = next((o for o in feedback.outcomes if o.model == feedback.choice.model), None)
        if chosen is None:
            return
        obs = self._obs(feedback.role, feedback.context)
        action = np.array([self.index(chosen.model)])
        reward = max(chosen.reward / self.reward_scale, self.reward_floor)
        with torch.no_grad():
            values, log_prob, _ = self.model.policy.evaluate_actions(
                torch.as_tensor(obs[None], dtype=torch.float32), torch.as_tensor(action))
        buf = self.model.rollout_buffer
        buf.add(obs[None], action, np.array([reward]), np.array([True]), values, log_prob)
        if buf.full:
            buf.compute_returns_and_advantage(last_values=torch.zeros(1), dones=np.array([True]))
            self.model.train()
            buf.reset()
            self.updates += 1

    def best(self, role: str, context: CallContext) -> str:
        return self.models[int(np.argmax(self._probs(self._obs(role, context))))]

    def preferences(self, role: str, context: CallContext | None = None) -> dict[str, float]:
        probs = self._probs(self._obs(role, context or CallContext()))
        return {m: float(p) for m, p in zip(self.models, probs)}

    def _state(self) -> dict[str, Any]:
        # the policy as SB3's zip, base64; a partly filled rollout buffer is not kept (at most n_steps calls)
        blob = io.BytesIO()
        self.model.save(blob)
        return {"policy_zip_b64": base64.b64encode(blob.getvalue()).decode("ascii"), "updates": self.updates}

    def _load(self, state: dict[str, Any]) -> None:
        if "policy_zip_b64" in state:
            self.model = self._load_zip(io.BytesIO(base64.b64decode(state["policy_zip_b64"])))
            self._prepare()
        self.updates = int(state.get("updates", 0))
