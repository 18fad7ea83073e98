"""``olp bench scale`` on a small run: the ordering of configurations the calibration implies, repeatably."""

from __future__ import annotations

import argparse
import asyncio
import json

import pytest

from olp.bench import scale


def _args(*extra: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    scale.add_arguments(parser)
    return parser.parse_args(["--streams", "3", "--sentences", "240", "--workers", "1", *extra])


@pytest.fixture(scope="module")
def small_run() -> dict:
    jobs = scale.jobs_for(_args("--managers", "bandit"))
    return {r["name"]: r for r in scale.run_jobs(jobs, workers=1)}


def test_the_most_accurate_fixed_assignment_recalls_more_than_the_least(small_run):
    best, worst = small_run["all claude-3-opus-20240229"], small_run["all mixtral-8x7b-32768"]
    assert best["topic_recall"] > worst["topic_recall"] + 0.3
    assert best["aspect_recall"] > worst["aspect_recall"]
    assert best["correct_share"] > worst["correct_share"]


def test_the_oracle_is_the_cheapest_configuration_at_near_perfect_correctness(small_run):
    oracle = small_run["oracle"]
    assert oracle["correct_share"] >= max(r["correct_share"] for r in small_run.values() if r["kind"] == "model")
    assert oracle["topic_recall"] >= 0.95
    peers = [r for r in small_run.values() if r["correct_share"] >= oracle["correct_share"] - 0.05]
    assert min(peers, key=lambda r: r["cost_usd"]) is oracle
    assert oracle["cost_usd"] < small_run["all claude-3-opus-20240229"]["cost_usd"] / 3


def test_the_best_model_per_role_is_right_as_often_as_the_best_single_model_for_less(small_run):
    best, claude = small_run["best model per role"], small_run["all claude-3-opus-20240229"]
    assert best["topic_recall"] >= claude["topic_recall"] - 0.02
    assert best["cost_usd"] < claude["cost_usd"]


def test_role_rl_learns_pays_its_board_and_hides_latency(small_run):
    rl = small_run["Role-RL (bandit)"]
    assert rl["board_calls"] > 0 and 0 < rl["board_cost_usd"] < rl["cost_usd"]
    assert rl["topic_recall"] > small_run["all command-r"]["topic_recall"]
    assert set(rl["final_assignment"]) == {"en", "zh"}
    for r in small_run.values():
        assert r["failed_calls"] == 0
        assert r["latency_sum_s"] > r["wall_s"] > 0  # three streams, calls in parallel within each chunk
        assert r["hidden"] > 1.5


def test_the_run_repeats_exactly():
    jobs = [j for j in scale.jobs_for(_args("--managers", "bandit", "--sentences", "150")) if j.kind == "rl"]
    first, second = scale.run_jobs(jobs, 1), scale.run_jobs(jobs, 1)
    keys = ("topic_recall", "aspect_recall", "correct_share", "cost_usd", "calls", "wall_s", "latency_sum_s")
    assert [[r[k] for k in keys] for r in first] == [[r[k] for k in keys] for r in second]


def test_command_prints_json_and_plots(tmp_path, capsys):
    args = _args("--sentences", "120", "--models", "llama3-8b-8192", "--managers", "", "--json",
                 "--plots", str(tmp_path))
    assert scale.run(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["configurations"]) == {"all llama3-8b-8192", "best model per role", "oracle"}
    assert out["streams"] == 3 and out["zh_streams"] == 1
    assert all((tmp_path / p.split("/")[-1]).is_file() for p in out["plots"])


def test_unknown_names_are_refused():
    from olp.errors import ConfigError

    with pytest.raises(ConfigError, match="did you mean 'command-r'"):
        scale.jobs_for(_args("--models", "command-rr"))
    with pytest.raises(ConfigError, match="manager"):
        scale.jobs_for(_args("--managers", "bandits"))


def test_virtual_clock_skips_sleeps_but_keeps_their_order():
    async def main() -> tuple[list[int], float]:
        loop = asyncio.get_running_loop()
        order: list[int] = []

        async def nap(i: int, s: float) -> None:
            await asyncio.sleep(s)
            await loop.run_in_executor(None, sum, [1, 2])  # a thread hop takes no virtual time
            order.append(i)

        start = loop.time()
        await asyncio.gather(nap(1, 30.0), nap(2, 10.0), nap(3, 20.0))
        return order, loop.time() - start

    with asyncio.Runner(loop_factory=scale.VirtualTimeLoop) as runner:
        order, elapsed = runner.run(main())
    assert order == [2, 3, 1]
    assert elapsed == pytest.approx(30.0)


def test_learning_table_shares_one_learner_between_workers_and_costs_less_per_stream_with_more_streams(capsys):
    args = _args("--managers", "bandit", "--stream-counts", "1,6", "--learner-workers", "1,2", "--sentences", "240",
                 "--audit", "settling", "--json")
    assert scale.run(args) == 0
    rows = {(r["streams"], r["workers"]): r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert set(rows) == {(1, 1), (1, 2), (6, 1), (6, 2)}
    for r in rows.values():
        assert r["replicas_agree"]  # every worker's replica, having applied the whole log, assigns alike
        assert r["feedback_events"] > 0 and r["board_calls"] > 0
        assert r["learning_cost_per_stream_usd"] == pytest.approx(
            (r["board_cost_usd"] + r["exploration_cost_usd"]) / r["streams"])
    for workers in (1, 2):  # what one stream learned serves the other five: learning per stream falls
        assert rows[6, workers]["learning_cost_per_stream_usd"] < rows[1, workers]["learning_cost_per_stream_usd"]


def test_two_learner_workers_are_two_processes_that_agree_and_repeat_exactly(capsys):
    args = _args("--managers", "bandit", "--stream-counts", "3", "--learner-workers", "1,2", "--sentences", "120",
                 "--audit", "settling", "--json")
    runs = []
    for _ in range(2):
        assert scale.run(args) == 0
        runs.append(json.loads(capsys.readouterr().out))
    rows = {r["workers"]: r for r in runs[0]["rows"]}
    assert set(rows[1]) == set(rows[2])  # the same columns whichever way the workers run
    two = runs[0]["configurations"]["Role-RL (bandit), 2 worker(s) @3"]
    assert two["processes"] == 2 and two["replicas"] == 2 and two["epochs"] > 1
    assert two["replicas_agree"] and two["logs_agree"] and two["feedback_ids_unique"]
    assert two["applied_per_replica"] == [two["feedback_events"]] * 2  # each event applied once in each process
    assert two["feedback_events"] == two["board_calls"] > 0  # every judged call's feedback reached the log
    assert runs[0]["configurations"]["Role-RL (bandit), 1 worker(s) @3"]["processes"] == 1
    assert json.dumps(runs[0]["rows"], sort_keys=True) == json.dumps(runs[1]["rows"], sort_keys=True)


@pytest.mark.parametrize("flags, message", [
    (("--stream-counts", "1,ten"), "--stream-counts takes comma-separated whole numbers"),
    (("--stream-counts", "0"), "--stream-counts takes comma-separated numbers of at least 1"),
    (("--stream-counts", "1", "--managers", ""), "--stream-counts needs a Role-RL manager"),
    (("--stream-counts", "1", "--clock", "real"), "use --clock virtual"),
    (("--stream-counts", "1", "--feedback-delay", "0"), "needs --feedback-delay above 0"),
])
def test_learning_table_refuses_bad_counts(flags, message):
    from olp.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        scale.learning_jobs(_args(*flags))


def test_each_worker_runs_both_languages_and_every_stream_once():
    from olp.bench.scale import _is_zh, worker_share

    for streams, workers in ((1, 2), (3, 2), (10, 2), (100, 2), (7, 3)):
        shares = [list(worker_share(w, streams, workers)) for w in range(workers)]
        assert sorted(k for s in shares for k in s) == list(range(streams))
        # a worker with two streams or more has English and Chinese ones
        assert all({_is_zh(k, 0.5) for k in s} == {True, False} for s in shares if len(s) >= 2), shares
