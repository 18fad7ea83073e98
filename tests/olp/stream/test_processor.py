"""The per-stream processor: documents, saved state, replays after a crash, and messages it cannot use."""

from __future__ import annotations

import pytest

from olp.stream.messages import EndOfStream, Utterance
from olp.stream.processor import StreamProcessor


async def play(proc: StreamProcessor, saved: dict, stream: str, messages, start: int = 0):
    """Feed messages at offsets start, start+1, ... keeping the saved state like the table does."""
    docs, outcomes = [], []
    for offset, msg in enumerate(messages, start):
        out = await proc.handle(stream, msg, offset, saved.get(stream))
        if out.state is not None:
            saved[stream] = out.state
        docs += out.documents
        outcomes.append(out)
    return docs, outcomes


def texts(n: int, start: int = 0):
    return [Utterance(f"sentence {i}", id=i, ts=100.0 + i) for i in range(start, n)]


async def test_sentences_become_documents_and_end_of_stream_flushes(make_pipeline):
    proc, saved = StreamProcessor(make_pipeline), {}
    docs, _ = await play(proc, saved, "s1", [*texts(7), EndOfStream()])
    assert [d.span for d in docs] == [(0, 2), (3, 5), (6, 6)]
    assert [d.key for d in docs] == ["s1:0", "s1:1", "s1:2"]
    assert saved["s1"]["offset"] == 7 and saved["s1"]["ended"] is True


async def test_missing_ids_are_assigned_in_order(make_pipeline):
    proc, saved = StreamProcessor(make_pipeline), {}
    docs, _ = await play(proc, saved, "s1", [Utterance("a"), Utterance("b"), Utterance("c")])
    assert docs[0].span == (0, 2)


async def test_a_restart_from_saved_state_replays_to_the_same_documents(make_pipeline):
    messages = [*texts(10), EndOfStream()]
    whole, _ = await play(StreamProcessor(make_pipeline), {}, "s", messages)

    # Crash after offset 4 was saved, while the committed Kafka offset was still 2: offsets 2.. come again.
    saved: dict = {}
    first, _ = await play(StreamProcessor(make_pipeline), saved, "s", messages[:5])
    restarted = StreamProcessor(make_pipeline)  # a new worker process: nothing in memory
    again, outcomes = await play(restarted, saved, "s", messages[2:], start=2)
    assert [o.skipped for o in outcomes[:3]] == [True, True, True]  # offsets 2, 3, 4 were already applied
    unique = {d.key: d.span for d in first + again}
    assert unique == {d.key: d.span for d in whole}
    covered = sorted(i for a, b in unique.values() for i in range(a, b + 1))
    assert covered == list(range(10))  # every sentence in exactly one document


async def test_a_worker_that_lost_the_stream_reloads_the_state_another_worker_saved(make_pipeline, built):
    a, b, saved = StreamProcessor(make_pipeline), StreamProcessor(make_pipeline), {}
    await play(a, saved, "s", texts(2))
    await play(b, saved, "s", texts(4, 2), start=2)  # partition moved to worker b, which went on
    docs, _ = await play(a, saved, "s", texts(6, 4), start=4)  # and came back to a
    assert [d.span for d in docs] == [(3, 5)]  # a continued from b's state, not its own stale pipeline


async def test_a_saved_state_read_behind_the_pipeline_does_not_rewind_the_stream(make_pipeline):
    # While a rebalance restores the table from its changelog, faust replays older values of keys this worker
    # is still writing: the state read for the next message can be older than the pipeline in memory, and the
    # messages in between will not come again.
    messages = [*texts(10), EndOfStream()]
    whole, _ = await play(StreamProcessor(make_pipeline), {}, "s", messages)

    proc, saved = StreamProcessor(make_pipeline), {}
    before, _ = await play(proc, saved, "s", messages[:2])
    stale = dict(saved)  # the table's value at offset 1
    during, _ = await play(proc, saved, "s", messages[2:5], start=2)
    redelivered = await proc.handle("s", messages[3], 3, stale["s"])  # the consumer went back to offset 3
    assert redelivered.skipped and redelivered.dead_letter is None
    after, _ = await play(proc, stale, "s", messages[5:], start=5)  # the table reads offset 1 from here on

    got = {d.key: d.span for d in before + during + after}
    assert got == {d.key: d.span for d in whole}  # every sentence once, split as without the rebalance


async def test_an_id_that_goes_backwards_is_a_dead_letter(make_pipeline):
    proc, saved = StreamProcessor(make_pipeline), {}
    _, outcomes = await play(proc, saved, "s", [Utterance("a", id=5), Utterance("b", id=3)])
    assert outcomes[1].dead_letter == "sentence id 3 is not above the last id 5 of stream 's'"
    assert saved["s"]["offset"] == 0  # the bad message changed nothing


async def test_an_unknown_profile_is_a_dead_letter(make_pipeline):
    proc = StreamProcessor(make_pipeline)
    out = await proc.handle("s", Utterance("a", profile="klingon"), 0, None)
    assert out.dead_letter == "cannot start stream 's': ValueError: unknown profile 'klingon'"


async def test_a_failing_sentence_is_a_dead_letter_and_the_stream_goes_on(make_pipeline, built):
    proc, saved = StreamProcessor(make_pipeline), {}
    await play(proc, saved, "s", texts(2))
    built[-1].fail_on = "poison"
    out = await proc.handle("s", Utterance("poison", id=2), 2, saved["s"])
    assert out.dead_letter == "processing failed: RuntimeError: model answer could not be parsed"
    docs, _ = await play(proc, saved, "s", texts(4, 2), start=3)
    assert [d.span for d in docs] == [(0, 2)]  # rebuilt from the saved state: the poison left no trace


async def test_assignment_changes_are_collected_per_stream(make_pipeline):
    proc = StreamProcessor(make_pipeline, clock=lambda: 42.0)
    out = await proc.handle("s", Utterance("a"), 0, None)
    assert out.assignments == [{"stream": "s", "role": "topic_finder", "model": "m1", "previous": None, "ts": 42.0}]


@pytest.mark.parametrize("version", [None, 99])
async def test_saved_state_of_another_version_is_refused(make_pipeline, version):
    proc = StreamProcessor(make_pipeline)
    out = await proc.handle("s", Utterance("a"), 5, {"v": version, "offset": 1, "pipeline": {}})
    assert "saved state has version" in out.dead_letter
