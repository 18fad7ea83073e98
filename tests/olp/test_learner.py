"""The shared Role-RL learner without Kafka (``olp.stream.learner``): replicas that apply the same feedback log
hold the same state, each event once; streams share one learner and their saved state holds none of it."""

from __future__ import annotations

import json
import random

import pytest

from olp.caller import CallContext
from olp.metrics import PrometheusObserver
from olp.stream.app import pipeline_factory
from olp.stream.learner import Replica, SharedLearner, feedback_event, parse_event
from olp.stream.settings import WorkerSettings
from olp.types import ROLES, Sentence
from role_rl.audit import AuditPolicy
from role_rl.managers import available, make_manager
from role_rl.managers.base import Choice, Feedback, Outcome

MODELS = ["cheap", "middle", "dear"]
MANAGERS = [m for m in ("bandit", "qlearning", "linucb", "ppo") if available(m)]


def replica(name: str, seed: int) -> Replica:
    """A replica; the seed differs per worker (their random draws are their own), the learned state must not."""
    return Replica(make_manager(name, MODELS, seed=seed), AuditPolicy(seed=seed))


def feedback_log(n: int, seed: int = 0) -> list[dict]:
    """A log of ``n`` judged calls from two workers, interleaved; the dearer model is right more often."""
    rng = random.Random(seed)
    log, seqs = [], {"w-a": 0, "w-b": 0}
    for i in range(n):
        producer = rng.choice(["w-a", "w-b"])
        role = rng.choice(ROLES)
        models = rng.sample(MODELS, rng.choice([1, 1, 2]))
        ctx = CallContext(f"show-{producer}-{i % 3}", i // 6, {"n_sentences": 20.0, "chars_per_sentence": 40.0,
                                                                "zh": float(i % 2)})
        outcomes = []
        for m in models:
            right = rng.random() < {"cheap": 0.3, "middle": 0.6, "dear": 0.95}[m]
            cost = {"cheap": 0.001, "middle": 0.01, "dear": 0.1}[m]
            outcomes.append(Outcome(m, (1.0 if right else -1.0) - cost, right, float(right), cost, 0.5))
        fb = Feedback(role, ctx, Choice(models[0], tuple(models[1:]), "exploit" if len(models) == 1 else "explore"),
                      tuple(outcomes))
        log.append(feedback_event(fb, producer, seqs[producer], 1000.0 + i))
        seqs[producer] += 1
    return log


def learned(r: Replica) -> dict:
    """The learned state, without the replica's own random-number state."""
    state = r.state_dict()
    state["manager"].pop("rng")
    state["audit"].pop("rng")
    return json.loads(json.dumps(state))


def test_an_event_round_trips_through_its_json():
    event = feedback_log(5)[3]
    again = feedback_event(parse_event(json.loads(json.dumps(event))), event["producer"], event["seq"], event["ts"])
    assert again == event
    assert event["id"] == f"{event['producer']}:{event['seq']}"
    assert {"role", "features", "outcomes", "stream", "chunk"} <= set(event)
    assert {"model", "reward", "correct", "cost_usd", "latency_s"} <= set(event["outcomes"][0])


@pytest.mark.parametrize("name", MANAGERS)
def test_two_replicas_applying_the_same_log_hold_the_same_state_and_assignment(name):
    log = feedback_log(80 if name == "ppo" else 300)
    a, b = replica(name, seed=1), replica(name, seed=2)
    for offset, event in enumerate(log):
        a.apply(event, offset)
        b.apply(event, offset)
    assert a.assignment() == b.assignment()
    assert a.events == b.events == len(log)
    if name != "ppo":  # a policy network's weights: compared through what it prefers
        assert learned(a) == learned(b)
    for role in ROLES:
        assert a.manager.preferences(role, CallContext()) == pytest.approx(b.manager.preferences(role, CallContext()))


@pytest.mark.parametrize("name", [m for m in MANAGERS if m != "ppo"])
def test_a_replica_restored_from_a_snapshot_and_replaying_with_duplicates_applies_each_event_once(name):
    log = feedback_log(300)
    live = replica(name, seed=1)
    for offset, event in enumerate(log):
        live.apply(event, offset)

    # a worker that died after 120 events, its snapshot taken at 100; on restart the log after the snapshot's
    # offset comes again, and the producers' retries wrote some events twice
    dead = replica(name, seed=3)
    for offset, event in enumerate(log[:100]):
        dead.apply(event, offset)
    snapshot = json.loads(json.dumps(dead.state_dict()))
    restarted = replica(name, seed=4)
    restarted.load_state_dict(snapshot)
    assert restarted.offset == 100
    replay = log[100:130] + log[95:130] + log[130:]  # duplicates: events before and after the snapshot
    applied = [restarted.apply(event) for event in replay]
    assert sum(applied) == len(log) - 100
    assert restarted.events == len(log)
    assert learned(restarted) | {"offset": 0} == learned(live) | {"offset": 0}
    assert restarted.assignment() == live.assignment()


def test_an_unusable_event_is_skipped_and_the_log_goes_on():
    r = replica("bandit", seed=0)
    before = learned(r)
    assert not r.apply({"producer": "w", "seq": 0, "v": 1, "role": "topic_finder"}, 0)  # no outcomes
    assert not r.apply({**feedback_log(1)[0], "outcomes": [{"model": "not-in-pool", "reward": 1.0}]}, 1)
    assert not r.apply({**feedback_log(1)[0], "role": "fortune_teller"}, 2)
    assert learned(r) | {"offset": 0} == before | {"offset": 0} and r.offset == 3
    assert r.apply(feedback_log(1)[0], 3) and r.events == 1


async def test_every_stream_of_a_worker_shares_one_learner_and_saves_none_of_it():
    settings = WorkerSettings(broker="kafka://127.0.0.1:1", manager="bandit", chunk_size=10)
    observer = PrometheusObserver()
    learner = SharedLearner(settings, observer, worker_id="w-test", seed=0)
    learner.start_local()
    make = pipeline_factory(settings, learner)
    from olp.datasets.synthetic import generate

    pipes = [make(f"show-{k}", "ecommerce-en", observer) for k in range(2)]
    assert pipes[0].caller.manager is pipes[1].caller.manager is learner.manager
    for k, pipe in enumerate(pipes):
        for s in generate(40, "en", seed=k).sentences:
            await pipe.feed(Sentence(s.id, s.text, s.ts))
        await pipe.flush()
    # both streams' judged calls taught the one learner, each once
    assert set(learner.replica._last_chunk) == {"show-0", "show-1"}
    assert learner.replica.events == learner.replica.applied["w-test"] + 1 > 0
    # a stream's saved state holds the stream, not the learner
    state = json.dumps(pipes[0].state_dict())
    assert pipes[0].state_dict()["caller"] == {} and "manager" not in state
    # learning cost per role, and the deployment's assignment, in the metrics
    text = {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in observer.registry.collect() for s in fam.samples}
    board_calls = sum(v for (n, ls), v in text.items() if n == "olp_learning_calls_total" and ("kind", "board") in ls)
    assert board_calls == sum(p.caller.usage.board_calls for p in pipes) > 0
    shown = {dict(ls)["role"]: dict(ls)["model"] for (n, ls), v in text.items() if n == "olp_role_assignment" and v}
    assert shown == learner.replica.assignment()
