"""Contract tests over every registered manager: finds the best model, checkpoints and restores, names."""

import json

import pytest

from olp.caller import CallContext
from olp.errors import ConfigError
from role_rl.managers import (MANAGERS, NEEDS, Feedback, Outcome, available, make_manager, manager_class,
                              restore_manager)


def _managers(*leave_out: str) -> list:
    """Every registered manager; those whose optional package is missing are skipped, saying why."""
    return [pytest.param(n, marks=pytest.mark.skipif(not available(n), reason=f"{n} needs {NEEDS.get(n)}: "
                                                     "scripts/setup --rl"))
            for n in sorted(set(MANAGERS) - set(leave_out))]

MODELS = ["cheap-wrong", "mid-right", "dear-right"]
ROLES = ("topic_finder", "topic_locator")
SHORT = CallContext("s", 0, {"n_sentences": 10, "chars_per_sentence": 30, "zh": 1.0})
LONG = CallContext("s", 0, {"n_sentences": 120, "chars_per_sentence": 30, "zh": 1.0})
# known answers: rewards of each model per context (right answers minus their cost; wrong ones -1)
REWARDS = {
    "short": {"cheap-wrong": -1.0, "mid-right": 0.9, "dear-right": 0.5},
    "long": {"cheap-wrong": -1.0, "mid-right": -1.0, "dear-right": 0.5},
}
OPTIONS = {"ppo": {"n_steps": 32, "batch_size": 32}}
ROUNDS = {"ppo": 800}  # PPO learns from its own samples only: it needs more calls to tell contexts apart


def _ctx_name(ctx: CallContext) -> str:
    return "short" if ctx.features["n_sentences"] < 50 else "long"


def play(manager, contexts, calls: int) -> list[str]:
    """Run ``calls`` rounds over the contexts; each round every role is chosen and learns. Returns the choices."""
    chosen = []
    for i in range(calls):
        ctx = contexts[i % len(contexts)]
        for role in ROLES:
            choice = manager.choose(role, ctx)
            chosen.append(choice.model)
            rewards = REWARDS[_ctx_name(ctx)]
            outcomes = tuple(Outcome(m, rewards[m], rewards[m] > 0) for m in choice.models)
            manager.update(Feedback(role, ctx, choice, outcomes))
    return chosen


def build(name: str, seed: int = 0):
    return make_manager(name, MODELS, roles=ROLES, seed=seed, **OPTIONS.get(name, {}))


@pytest.mark.parametrize("name", _managers())
def test_finds_the_best_model(name):
    manager = build(name)
    play(manager, [SHORT], 300)
    assert all(manager.best(role, SHORT) == "mid-right" for role in ROLES)


@pytest.mark.parametrize("name", _managers("qlearning"))  # the paper's state has no context
def test_contextual_managers_find_the_best_model_per_context(name):
    manager = build(name)
    play(manager, [SHORT, LONG], ROUNDS.get(name, 300))
    for role in ROLES:
        assert manager.best(role, SHORT) == "mid-right"
        assert manager.best(role, LONG) == "dear-right"


@pytest.mark.parametrize("name", _managers())
def test_checkpoint_round_trip_keeps_what_was_learned(name):
    manager = build(name, seed=3)
    play(manager, [SHORT, LONG], 40)
    state = json.loads(json.dumps(manager.state_dict()))  # must survive JSON
    restored = restore_manager(state)
    assert type(restored) is type(manager)
    for ctx in (SHORT, LONG):
        assert [restored.best(r, ctx) for r in ROLES] == [manager.best(r, ctx) for r in ROLES]
    # the same choices from here on: learned values and the random state both came back
    assert play(restored, [SHORT, LONG], 10) == play(manager, [SHORT, LONG], 10)


@pytest.mark.parametrize("name", _managers())
def test_choice_names_pool_models_and_preferences_cover_the_pool(name):
    manager = build(name)
    choice = manager.choose("topic_finder", SHORT)
    assert set(choice.models) <= set(MODELS)
    prefs = manager.preferences("topic_finder", SHORT)
    assert set(prefs) == set(MODELS)


def test_checkpoint_of_another_pool_is_refused():
    state = build("bandit").state_dict()
    other = make_manager("bandit", ["a", "b", "c"], roles=ROLES)
    with pytest.raises(ConfigError, match="differs from the current pool"):
        other.load_state_dict(state)


def test_unknown_manager_suggests_a_name():
    with pytest.raises(ConfigError, match="did you mean 'qlearning'"):
        manager_class("qlearnin")
