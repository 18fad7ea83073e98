"""One Role-RL learner for the whole deployment (issue 10), on the real broker: workers share what they learn
through the olp-feedback topic, and start warm from the olp-learner-state snapshot."""

from __future__ import annotations

import asyncio
import json
import re
import time

from olp_harness import produce, wait_for, write_transcript

MANAGER = ("--manager", "bandit", "--log-level", "info")


def assignment(worker) -> dict[str, str]:
    """The worker's olp_role_assignment: role -> the model at 1."""
    return {dict(ls)["role"]: dict(ls)["model"] for (name, ls), v in worker.metrics().items()
            if name == "olp_role_assignment" and v == 1}


def preferences(worker) -> dict[tuple[str, str], float]:
    return {(dict(ls)["role"], dict(ls)["model"]): round(v, 9) for (name, ls), v in worker.metrics().items()
            if name == "olp_manager_preference"}


def feedback_log(broker: str, prefix: str) -> list[dict]:
    """Every event in the feedback topic now (up to its end offset)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    async def go() -> list[dict]:
        consumer = AIOKafkaConsumer(bootstrap_servers=broker.removeprefix("kafka://"), group_id=None,
                                    enable_auto_commit=False, auto_offset_reset="earliest")
        await consumer.start()
        try:
            tp = TopicPartition(f"{prefix}olp-feedback", 0)
            consumer.assign([tp])
            end = (await consumer.end_offsets([tp]))[tp]
            got: list[dict] = []
            while await consumer.position(tp) < end:
                for msg in (await consumer.getmany(tp, timeout_ms=500)).get(tp, []):
                    got.append(json.loads(msg.value))
            return got
        finally:
            await consumer.stop()

    return asyncio.run(go())


def caught_up(workers, broker, prefix) -> int | None:
    """The number of events, once every worker's learner has applied every event in the log (else None)."""
    log = feedback_log(broker, prefix)
    ids = {e["id"] for e in log}
    applied = [w.metric("olp_learner_applied_events") for w in workers]
    return len(ids) if ids and all(a == len(ids) for a in applied) else None


def settled(workers, broker, prefix) -> int | None:
    """The number of events once the log stopped growing for a second and every learner applied all of it."""
    first = caught_up(workers, broker, prefix)
    if first is None:
        return None
    time.sleep(1.0)
    return first if caught_up(workers, broker, prefix) == first else None


def ready_lines(worker) -> list[dict]:
    """The learner's 'ready' log lines: what it started from."""
    text = worker.log_path.read_text(errors="replace")
    return [json.loads(m) for m in re.findall(r"learner ready: (\{.*\})", text)]


def test_workers_share_one_learner_restart_warm_and_a_late_joiner_starts_warm(broker, start_worker, prefix,
                                                                              tmp_path):
    first = start_worker(prefix, *MANAGER)
    second = start_worker(prefix, *MANAGER, wait_partitions=None)
    wait_for(lambda: first.partitions() == 2 and second.partitions() == 2, 60, "the partitions to be shared",
             on_fail=lambda: first.log() + second.log())
    # streams on both workers: six keys over four partitions held two by two
    paths = {f"show-{i}": tmp_path / f"show{i}.jsonl" for i in range(6)}
    for i, (stream, path) in enumerate(paths.items()):
        write_transcript(path, 60, seed=20 + i)
    for p in [produce(broker, prefix, path, stream) for stream, path in paths.items()]:
        assert p.wait(60) == 0, p.stderr.read()
    wait_for(lambda: first.metric("olp_documents_total") + second.metric("olp_documents_total") >= 12, 90,
             "documents from the streams", on_fail=lambda: first.log() + second.log())

    # 1. both workers learned, each applied every worker's feedback, and they agree
    events = wait_for(lambda: settled([first, second], broker, prefix), 90, "both learners to apply every event",
                      on_fail=lambda: first.log() + second.log())
    producers = {e["producer"] for e in feedback_log(broker, prefix)}
    assert len(producers) == 2, f"feedback from both workers expected, got {producers}"
    for w in (first, second):
        assert w.metric("olp_learning_calls_total", kind="board") > 0  # learning cost shows per role
        assert w.metric("olp_learning_cost_usd_total", kind="board") > 0
    before, learned = assignment(first), preferences(first)
    assert before and before == assignment(second)
    assert learned == preferences(second)  # the same learned state, not just the same argmax

    # 2. kill -9 both; on restart each starts from the last state, and no event is applied twice
    first.kill9()
    second.kill9()
    again = [start_worker(prefix, *MANAGER, wait_partitions=None) for _ in range(2)]
    wait_for(lambda: all(ready_lines(w) for w in again), 60, "the restarted learners to be ready",
             on_fail=lambda: again[0].log() + again[1].log())
    for w in again:
        ready = ready_lines(w)[0]
        assert ready["assignment"] == before  # the first assignment after the restart is the last before it
        assert ready["events"] == events  # the snapshot plus the replayed feedback: each event once
    # whatever the restarted workers replay and learn anew, every event in the log is applied once
    now = wait_for(lambda: settled(again, broker, prefix), 90, "the restarted learners to catch up",
                   on_fail=lambda: again[0].log() + again[1].log())
    assert now >= events
    if now == events:  # nothing replayed: the metrics show exactly what was learned before the kill
        assert all(assignment(w) == before and preferences(w) == learned for w in again)

    # 3. a worker that joins later starts from the shared state, before any call of its own
    late = start_worker(prefix, *MANAGER, wait_partitions=None)
    wait_for(lambda: ready_lines(late), 60, "the late worker's learner", on_fail=late.log)
    ready = ready_lines(late)[0]
    assert ready["events"] == now and ready["assignment"] == assignment(again[0])
    wait_for(lambda: preferences(late) == preferences(again[0]), 30, "the late worker's preferences",
             on_fail=late.log)
    assert late.metric("olp_model_calls_total") == 0  # warm without having paid for anything
