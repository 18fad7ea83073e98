"""``olp train``: train a role-assignment policy (PPO on ``RoleAssignmentEnv``) and save it.

By default the env replays the authors' recorded runs (three tasks × six models × four roles, claude judge), so
training needs no model calls. The saved zip starts the ``ppo`` manager (``policy_path``). torch and
stable-baselines3 load only when this command runs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_parser(subparsers, name: str, help_text: str) -> argparse.ArgumentParser:
    p = subparsers.add_parser(name, help=help_text, description=(
        "Train a role-assignment policy (PPO on the olp/RoleAssignment-v0 env, on the authors' recorded runs) "
        "and save it; the ppo manager starts from it."))
    p.add_argument("--out", default="role-policy.zip", help="where to save the policy (default role-policy.zip)")
    p.add_argument("--timesteps", type=int, default=20_000, help="env steps (role calls) to train on (default 20000)")
    p.add_argument("--seed", type=int, default=0, help="seeds the env and the policy (default 0)")
    p.add_argument("--judge", choices=("claude", "gemini"), default="claude",
                   help="whose recorded judgements give the rewards (default claude)")
    p.add_argument("--chunks", type=int, default=30, help="chunks per training episode (default 30)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    return p


def run(args: argparse.Namespace) -> int:
    from olp.errors import ConfigError

    if args.timesteps < 1:
        raise ConfigError("--timesteps must be at least 1")
    out = Path(args.out)
    if out.parent and not out.parent.exists():
        raise ConfigError(f"folder {str(out.parent)!r} does not exist; create it or choose another --out")
    result = train(args.timesteps, args.seed, args.judge, args.chunks, out)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"saved {result['policy']} after {result['timesteps']} steps; its assignment on the recorded tasks "
              f"saves {100 * result['cost_saving']:.1f}% against always claude-3-opus, "
              f"{100 * result['final_correct_share']:.1f}% of role calls judged correct")
    return 0


def train(timesteps: int, seed: int, judge: str, chunks: int, out: Path) -> dict:
    """Train PPO on the replay env, save it to ``out`` and evaluate its deterministic assignment."""
    from stable_baselines3 import PPO

    from role_rl.bench_replay import assignment_of, evaluate_assignment
    from role_rl.env import ReplaySource, RoleAssignmentEnv
    from role_rl.managers.ppo import PPOManager

    source = ReplaySource(judge)
    env = RoleAssignmentEnv(source, chunks=chunks)
    model = PPO("MlpPolicy", env, n_steps=256, batch_size=64, n_epochs=8, learning_rate=3e-3, ent_coef=0.01,
                gamma=0.0, gae_lambda=1.0, seed=seed, device="cpu", policy_kwargs={"net_arch": [32, 32]})
    model.learn(total_timesteps=timesteps)
    model.save(out)
    path = out if out.suffix == ".zip" else out.with_name(out.name + ".zip")  # SB3 adds .zip when missing
    manager = PPOManager(list(source.models), roles=source.roles, reward_scale=env.reward_scale,
                         policy_path=str(path), seed=seed)
    saving, correct = evaluate_assignment(assignment_of(manager, source.data), source.data)
    return {"policy": str(path), "timesteps": timesteps, "judge": judge, "seed": seed, "cost_saving": saving,
            "final_correct_share": correct}
