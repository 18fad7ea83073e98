"""RoleAssignmentEnv follows gymnasium's contract and SB3's."""

import gymnasium
import numpy as np
import pytest

import role_rl.env
from role_rl.env import ENV_ID, RoleAssignmentEnv, TableSource


def table_env(**kw):
    models, roles = ["a", "b"], ["topic_finder", "topic_locator"]
    rewards = [{r: {"a": 1.0, "b": -1.0} for r in roles}, {r: {"a": -1.0, "b": 1.0} for r in roles}]
    src = TableSource(models, roles, [{"n_sentences": 10}, {"n_sentences": 100}], rewards)
    return RoleAssignmentEnv(src, reward_scale=1.0, **kw)


def test_registered_env_passes_gymnasium_checker(shared_data):
    from gymnasium.utils.env_checker import check_env

    env = gymnasium.make(ENV_ID)
    check_env(env.unwrapped)
    assert env.action_space.n == 6


def test_passes_sb3_checker():
    pytest.importorskip("stable_baselines3")
    from stable_baselines3.common.env_checker import check_env

    check_env(table_env(), warn=True)


def test_episode_is_the_stream_and_rewards_follow_the_table():
    env = table_env(chunks=3)
    obs, info = env.reset(seed=7)
    rewards, terminated, steps = [], False, 0
    while not terminated:
        short_chunk = obs[2] < 0.7  # the observation's scaled sentence count tells the contexts apart
        obs, reward, terminated, truncated, info = env.step(0 if short_chunk else 1)  # the right model
        assert not truncated and info["correct"] is True
        rewards.append(reward)
        steps += 1
    assert steps == 3 * 2 and rewards == [1.0] * 6
    assert env.observation_space.contains(obs)


def test_same_seed_same_stream():
    a, b = table_env(chunks=5), table_env(chunks=5)
    a.reset(seed=3)
    b.reset(seed=3)
    assert a._stream == b._stream
    assert np.array_equal(a.step(0)[0], b.step(0)[0])


def test_step_before_reset_and_bad_action_are_errors():
    env = table_env()
    with pytest.raises(gymnasium.error.ResetNeeded):
        env.step(0)
    env.reset(seed=0)
    with pytest.raises(gymnasium.error.InvalidAction):
        env.step(5)


def test_docstring_has_cartpole_sections():
    doc = role_rl.env.RoleAssignmentEnv.__doc__
    for section in ("## Description", "## Action Space", "## Observation Space", "## Rewards", "## Starting State",
                    "## Episode End", "## Arguments"):
        assert section in doc
