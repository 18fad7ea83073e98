"""The paper's Q-learning, as the authors' code does it: cold start, ε-greedy, cross update, states."""

import numpy as np
import pytest

from olp.caller import CallContext
from role_rl.managers import Feedback, Outcome
from role_rl.managers.qlearning import QLearningManager

MODELS = ["a", "b", "c"]
CTX = CallContext()


def feedback(choice, rewards):
    return Feedback("topic_finder", CTX, choice, tuple(Outcome(m, rewards[m]) for m in choice.models))


def test_cold_start_runs_every_model_and_updates_every_pair():
    q = QLearningManager(MODELS, roles=("topic_finder",), seed=0)
    choice = q.choose("topic_finder", CTX)
    assert choice.reason == "cold-start" and set(choice.models) == set(MODELS)
    rewards = {"a": -10.0, "b": 8.0, "c": 5.0}
    q.update(feedback(choice, rewards))
    table = q.q["topic_finder"]
    # from each model's state (2i after a positive reward, 2i+1 after a negative one) to every model: α·r_to
    for frm, r_from in rewards.items():
        state = 2 * MODELS.index(frm) + (0 if r_from > 0 else 1)
        assert table[state] == pytest.approx([0.1 * rewards[m] for m in MODELS])
    assert q.current["topic_finder"] == MODELS.index("b")  # the best reward becomes current
    assert q.state["topic_finder"] == 2 * MODELS.index("b")  # ... in its success state


def test_cross_update_runs_current_and_candidate_and_keeps_the_better():
    q = QLearningManager(MODELS, roles=("topic_finder",), epsilon=0.0, seed=0)
    q.update(feedback(q.choose("topic_finder", CTX), {"a": 1.0, "b": 2.0, "c": 3.0}))  # cold start: c is current
    q.q["topic_finder"][q.state["topic_finder"]] = [9.0, 0.0, 0.0]  # make "a" the greedy candidate
    choice = q.choose("topic_finder", CTX)
    assert choice.reason == "cross-update" and choice.models == ("c", "a")
    before = q.q["topic_finder"].copy()
    s = q.state["topic_finder"]
    q.update(feedback(choice, {"c": 4.0, "a": -1.0}))
    after = q.q["topic_finder"]
    ic, ia = MODELS.index("c"), MODELS.index("a")
    assert after[s, ic] == pytest.approx(before[s, ic] + 0.1 * (4.0 - before[s, ic]))
    # c's success state is the current state, so Q[s, a] learns r_a twice (as in the authors' code)
    once = before[s, ia] + 0.1 * (-1.0 - before[s, ia])
    assert s == 2 * ic and after[s, ia] == pytest.approx(once + 0.1 * (-1.0 - once))
    assert after[2 * ia + 1, ic] == pytest.approx(before[2 * ia + 1, ic] + 0.1 * (4.0 - before[2 * ia + 1, ic]))
    assert q.current["topic_finder"] == ic  # c's reward was higher: it stays


def test_epsilon_explores_at_about_its_rate():
    q = QLearningManager(MODELS, roles=("topic_finder",), epsilon=0.3, seed=1)
    q.update(feedback(q.choose("topic_finder", CTX), {"a": 1.0, "b": 2.0, "c": 3.0}))
    reasons = [q.choose("topic_finder", CTX).reason for _ in range(2000)]
    # a random pick lands on the current model a third of the time, so 2/3 of explorations show as cross updates
    share = sum(r != "exploit" for r in reasons) / len(reasons)
    assert 0.15 < share < 0.35


def test_zero_reward_keeps_the_state():
    q = QLearningManager(MODELS, roles=("topic_finder",), epsilon=0.0, seed=0)
    q.update(feedback(q.choose("topic_finder", CTX), {"a": 1.0, "b": 2.0, "c": 3.0}))
    state = q.state["topic_finder"]
    choice = q.choose("topic_finder", CTX)
    q.update(feedback(choice, {m: 0.0 for m in choice.models}))
    assert q.state["topic_finder"] == state


def test_failure_rows_sum_the_failure_states_of_every_role():
    q = QLearningManager(MODELS, roles=("topic_finder", "topic_locator"), seed=0)
    q.q["topic_finder"][1] = [1, 2, 3]
    q.q["topic_locator"][1] = [1, 1, 1]
    q.q["topic_locator"][0] = [50, 50, 50]  # a success row: not counted
    assert np.array_equal(q.failure_rows()[0], [2, 3, 4])
