"""RLCaller: choose, run, audit, correct, reward, learn; the board's cost is in the records."""

import json

import pytest

from rl_fakes import FakeGateway, finder_judge, pool_data

from olp.caller import CallContext
from olp.observer import Observer
from olp.profiles import PROFILES
from olp.roles.topic_finder import FinderInput, TopicFinder
from olp.types import Sentence
from role_rl.audit import AuditPolicy
from role_rl.board import Board
from role_rl.caller import RLCaller
from role_rl.managers import make_manager
from role_rl.reward import RewardConfig

PROFILE = PROFILES["ecommerce-en"]
FINDER = TopicFinder()
TRUTH = ["wig"]
INPUT = FinderInput([Sentence(1, "this wig is $89"), Sentence(2, "buy now")])
WORKERS = ["cheap", "good"]


class Recorder(Observer):
    def __init__(self):
        self.events = []

    def on_assignment(self, role, model, previous, pool):
        self.events.append(("assignment", role, model, previous))

    def on_verdict(self, role, model, correct, judge):
        self.events.append(("verdict", role, model, correct, judge))

    def on_reward(self, role, model, reward):
        self.events.append(("reward", role, model, reward))

    def on_preferences(self, role, prefs):
        self.events.append(("preferences", role, prefs))

    def kinds(self):
        return {e[0] for e in self.events}


def setup(manager="bandit", audit="all", seed=0, judge_answer=None):
    gw = FakeGateway(pool_data({"cheap": 1e-7, "good": 1e-6, "judge": 5e-6}, ["judge"]), {
        "cheap": lambda p: json.dumps({"topics": ["hat"]}),
        "good": lambda p: json.dumps({"topics": TRUTH}),
        "judge": judge_answer or finder_judge(TRUTH),
    })
    obs = Recorder()
    mgr = make_manager(manager, WORKERS, seed=seed)
    caller = RLCaller(gw, PROFILE, mgr, Board(gw), reward=RewardConfig(), audit=AuditPolicy(mode=audit, seed=seed),
                      observer=obs)
    return caller, gw, obs


async def run_calls(caller, n, start=0):
    results = []
    for i in range(start, start + n):
        results.append(await caller.call(FINDER, INPUT, CallContext("s", i, {"n_sentences": 2})))
    return results


async def test_learns_the_right_model_and_reports_every_step():
    caller, gw, obs = setup()
    results = await run_calls(caller, 30)
    assert caller.assignment()["topic_finder"] == "good"
    assert {"assignment", "verdict", "reward", "preferences"} <= obs.kinds()
    assert obs.events[0][:4] == ("assignment", "topic_finder", obs.events[0][2], None)  # the starting assignment
    # every answer used is right: the board corrects the cheap model's wrong ones
    assert all(r.value == TRUTH for r in results)
    corrected = [r for r in results if r.model == "judge"]
    assert corrected and caller.usage.corrections == len(corrected)


async def test_judge_calls_are_returned_so_their_cost_counts():
    caller, gw, obs = setup()
    (result,) = await run_calls(caller, 1)
    roles = [r.role for r in result.records]
    assert roles.count("judge") == 1 and roles.count("topic_finder") == 1
    judge_cost = sum(r.cost_usd for r in result.records if r.role == "judge")
    assert judge_cost > 0 and caller.usage.board_cost_usd == judge_cost


async def test_cold_start_runs_every_model_and_counts_it_as_exploration():
    caller, gw, obs = setup(manager="qlearning")
    (result,) = await run_calls(caller, 1)
    workers = [r for r in result.records if r.role == "topic_finder"]
    assert sorted(r.model for r in workers) == sorted(WORKERS)
    assert caller.usage.exploration_calls == 1
    assert caller.usage.exploration_cost_usd == sum(r.cost_usd for r in workers if r.model != workers[0].model)
    assert result.value == TRUTH and result.model == "good"  # the best judged answer is used


async def test_no_verdict_means_no_learning():
    caller, gw, obs = setup(judge_answer=lambda p: "I cannot tell.")
    before = json.dumps(caller.manager.state_dict()["global"])
    await run_calls(caller, 5)
    assert json.dumps(caller.manager.state_dict()["global"]) == before
    assert "reward" not in obs.kinds()


async def test_adaptive_audit_judges_less_once_settled():
    caller, gw, obs = setup(audit="adaptive")
    await run_calls(caller, 200)
    judged_late = sum(1 for role, model, p in gw.calls[-100:] if role == "judge")
    workers_late = sum(1 for role, model, p in gw.calls[-100:] if role != "judge")
    assert judged_late < 0.5 * workers_late
    assert caller.usage.audited_calls < caller.usage.role_calls


async def test_checkpoint_restores_the_caller():
    caller, gw, obs = setup()
    await run_calls(caller, 20)
    state = json.loads(json.dumps(caller.state_dict()))
    fresh, _, _ = setup(seed=5)
    fresh.load_state_dict(state)
    assert fresh.assignment() == caller.assignment()
    assert fresh.usage == caller.usage
    again = await run_calls(fresh, 3, start=20)
    assert [r.value for r in again] == [TRUTH] * 3


async def test_factory_builds_a_learning_caller_and_resumes_from_a_checkpoint():
    from role_rl.caller import build_rl_caller

    gw = FakeGateway(pool_data({"cheap": 1e-7, "good": 1e-6, "judge": 5e-6}, ["judge"]), {
        "cheap": lambda p: json.dumps({"topics": ["hat"]}),
        "good": lambda p: json.dumps({"topics": TRUTH}),
        "judge": finder_judge(TRUTH),
    })
    caller = build_rl_caller(gw, PROFILE, manager="bandit", audit="all", seed=0)
    assert caller.board is not None and caller.board.members == ["judge"]
    await run_calls(caller, 40)
    assert caller.assignment()["topic_finder"] in ("good", "judge")  # both answer right; judge is dearer
    resumed = build_rl_caller(gw, PROFILE, checkpoint=json.loads(json.dumps(caller.state_dict())), seed=1)
    assert resumed.assignment() == caller.assignment()
    assert type(resumed.manager) is type(caller.manager)


async def test_board_election_runs_once_per_chunk_after_its_start():
    gw = FakeGateway(pool_data({"cheap": 1e-7, "good": 1e-6, "judge": 5e-6}, ["judge"]), {
        "cheap": lambda p: json.dumps({"topics": ["hat"]}),
        "good": lambda p: json.dumps({"topics": TRUTH}),
        "judge": finder_judge(TRUTH),
    })
    obs = Recorder()
    board = Board(gw, prices_per_m={"cheap": (0.1, 0.1), "good": (1, 1), "judge": (5, 15)}, election_start=3)
    caller = RLCaller(gw, PROFILE, make_manager("qlearning", ["cheap", "good", "judge"], seed=0), board,
                      audit=AuditPolicy(mode="all"), observer=obs)
    for chunk in range(8):
        for _ in range(2):  # two calls in one chunk: still one election
            await caller.call(FINDER, INPUT, CallContext("s", chunk))
    assert caller.usage.elections == 8 - 3 == board.elections
    assert sum(board.weights.values()) == pytest.approx(1.0)


async def test_a_failing_model_is_learned_as_wrong_and_the_answer_still_comes():
    def down(payload):
        raise RuntimeError("provider down")

    gw = FakeGateway(pool_data({"cheap": 1e-7, "good": 1e-6, "judge": 5e-6}, ["judge"]), {
        "cheap": down, "good": lambda p: json.dumps({"topics": TRUTH}), "judge": finder_judge(TRUTH)})
    obs = Recorder()
    caller = RLCaller(gw, PROFILE, make_manager("qlearning", WORKERS, seed=0), Board(gw),
                      audit=AuditPolicy(mode="all"), observer=obs)
    (result,) = await run_calls(caller, 1)  # cold start: both run, "cheap" fails
    assert result.value == TRUTH and result.model == "good"
    rewards = {e[2]: e[3] for e in obs.events if e[0] == "reward"}
    assert rewards["cheap"] < rewards["good"]
    assert not [e for e in obs.events if e[0] == "verdict" and e[2] == "cheap"]  # no board verdict on a failure


async def test_under_the_settling_audit_an_unjudged_exploring_pick_gives_way_to_the_assignment():
    from role_rl.managers.base import Choice

    caller, gw, obs = setup(audit="settling")
    await run_calls(caller, 30)  # both pairs seen often: the audit judges each at its floor
    assert caller.assignment()["topic_finder"] == "good"
    caller.audit.min_rate = 0.0
    for key in caller.audit.seen:
        caller.audit.seen[key] = 10_000
    caller.manager.choose = lambda role, ctx: Choice("cheap", (), "explore")  # a manager that wants to explore
    before = len(gw.calls)
    results = await run_calls(caller, 5, start=30)
    # unjudged, the exploration would teach nothing and risk a wrong answer: the assigned model answers
    assert [m for _r, m, _p in gw.calls[before:]] == ["good"] * 5
    assert all(r.value == TRUTH for r in results)
    assert caller.usage.board_calls == sum(1 for r, _m, _p in gw.calls if r == "judge")
