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
            proc.saved(stream, offset)  # the worker's write reached Kafka
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


async def test_the_state_is_saved_only_at_chunk_boundaries(make_pipeline):
    proc, saved = StreamProcessor(make_pipeline), {}
    _, outcomes = await play(proc, saved, "s", texts(10))
    # the stand-in pipeline makes a chunk of every 3 sentences: offsets 2, 5, 8 end one
    assert [o.state["offset"] for o in outcomes if o.state is not None] == [2, 5, 8]
    assert saved["s"]["pipeline"]["buffer"] == []  # a snapshot holds no buffered sentences
    assert proc.oldest_unsaved(0) == 9  # sentence 9 is only in memory: a restart must read back from there


async def test_a_restart_replays_the_messages_since_the_snapshot_to_the_same_documents(make_pipeline):
    messages = [*texts(10), EndOfStream()]
    whole, _ = await play(StreamProcessor(make_pipeline), {}, "s", messages)

    # Crash after offset 4 was applied; the snapshot is at offset 2, and the committed Kafka offset may have run
    # ahead to 5. The worker's watermark is the message before the oldest one in no saved state.
    saved: dict = {}
    crashed = StreamProcessor(make_pipeline)
    first, _ = await play(crashed, saved, "s", messages[:5])
    assert saved["s"]["offset"] == 2 and crashed.oldest_unsaved(0) == 3
    restarted = StreamProcessor(make_pipeline)  # a new worker process: nothing in memory
    again, outcomes = await play(restarted, saved, "s", messages[3:], start=3)  # read back from the watermark
    assert not any(o.skipped for o in outcomes)
    unique = {d.key: d.span for d in first + again}
    assert unique == {d.key: d.span for d in whole}
    covered = sorted(i for a, b in unique.values() for i in range(a, b + 1))
    assert covered == list(range(10))  # every sentence in exactly one document


async def test_messages_a_snapshot_includes_are_skipped_when_read_back_again(make_pipeline):
    messages = [*texts(8), EndOfStream()]
    whole, _ = await play(StreamProcessor(make_pipeline), {}, "s", messages)
    saved: dict = {}
    first, _ = await play(StreamProcessor(make_pipeline), saved, "s", messages[:7])
    # an older watermark (another stream held it back): offsets 1.. come again; the snapshot at 5 covers 1-5
    again, outcomes = await play(StreamProcessor(make_pipeline), saved, "s", messages[1:], start=1)
    assert [o.skipped for o in outcomes] == [True] * 5 + [False] * 3
    assert {d.key: d.span for d in first + again} == {d.key: d.span for d in whole}


async def test_a_worker_that_lost_the_stream_reloads_the_state_another_worker_saved(make_pipeline):
    a, b, saved = StreamProcessor(make_pipeline), StreamProcessor(make_pipeline), {}
    await play(a, saved, "s", texts(2))
    assert "s" not in saved and a.oldest_unsaved(0) == 0
    # the partition moved to worker b, which read back from the watermark (nothing saved: offset 0) and went on
    await play(b, saved, "s", texts(4), start=0)
    assert saved["s"]["offset"] == 2 and b.oldest_unsaved(0) == 3
    docs, _ = await play(a, saved, "s", texts(6, 3), start=3)  # back to a, which reads back from b's watermark
    assert [d.span for d in docs] == [(3, 5)]  # a continued from b's state, not its own stale pipeline


async def test_a_saved_state_read_behind_the_pipeline_does_not_rewind_the_stream(make_pipeline):
    # While a rebalance restores the table from its changelog, faust replays older values of keys this worker
    # is still writing: the state read for the next message can be older than the pipeline in memory, and the
    # messages in between will not come again.
    messages = [*texts(10), EndOfStream()]
    whole, _ = await play(StreamProcessor(make_pipeline), {}, "s", messages)

    proc, saved = StreamProcessor(make_pipeline), {}
    before, _ = await play(proc, saved, "s", messages[:3])
    stale = dict(saved)  # the table's value at offset 2
    during, _ = await play(proc, saved, "s", messages[3:7], start=3)
    assert saved["s"]["offset"] == 5
    redelivered = await proc.handle("s", messages[4], 4, stale["s"])  # the consumer went back to offset 4
    assert redelivered.skipped and redelivered.dead_letter is None
    after, _ = await play(proc, stale, "s", messages[7:], start=7)  # the table reads offset 2 from here on

    got = {d.key: d.span for d in before + during + after}
    assert got == {d.key: d.span for d in whole}  # every sentence once, split as without the rebalance


async def test_a_quiet_stream_is_snapshotted_with_its_buffer_and_releases_the_watermark(make_pipeline):
    messages = [*texts(8), EndOfStream()]
    whole, _ = await play(StreamProcessor(make_pipeline), {}, "s", messages)
    proc, saved = StreamProcessor(make_pipeline), {}
    first, _ = await play(proc, saved, "s", messages[:5])
    assert proc.snapshot_quiet({0}, idle_s=3600, saved=saved.get) == []  # not quiet for an hour yet
    assert proc.snapshot_quiet({1}, idle_s=0, saved=saved.get) == []  # another partition
    [(stream, partition, state)] = proc.snapshot_quiet({0}, idle_s=0, saved=saved.get)
    assert (stream, partition, state["offset"]) == ("s", 0, 4)
    assert [x[0] for x in state["pipeline"]["buffer"]] == [3, 4]
    assert proc.oldest_unsaved(0) == 3  # until the snapshot is in Kafka
    assert proc.snapshot_quiet({0}, idle_s=0, saved=saved.get) == []  # not twice meanwhile
    saved[stream] = state
    proc.saved(stream, 4)
    assert proc.oldest_unsaved(0) is None  # nothing left to read back
    rest, _ = await play(StreamProcessor(make_pipeline), saved, "s", messages[5:], start=5)  # a restart
    assert {d.key: d.span for d in first + rest} == {d.key: d.span for d in whole}


async def test_a_quiet_stream_another_worker_moved_on_is_dropped_not_written(make_pipeline):
    a, b, saved = StreamProcessor(make_pipeline), StreamProcessor(make_pipeline), {}
    await play(a, saved, "s", texts(2))
    await play(b, saved, "s", texts(4), start=0)  # b took the partition and saved a snapshot at offset 2
    assert a.snapshot_quiet({0}, idle_s=0, saved=saved.get) == []
    assert a.oldest_unsaved(0) is None  # a's stale pipeline no longer holds the watermark


async def test_an_id_that_goes_backwards_is_a_dead_letter(make_pipeline):
    proc, saved = StreamProcessor(make_pipeline), {}
    docs, outcomes = await play(proc, saved, "s", [Utterance("a", id=5), Utterance("b", id=3), Utterance("c", id=6),
                                                   Utterance("d", id=7)])
    assert outcomes[1].dead_letter == "sentence id 3 is not above the last id 5 of stream 's'"
    assert [d.span for d in docs] == [(5, 7)]  # the bad message changed nothing
    assert saved["s"]["offset"] == 3


async def test_an_unknown_profile_is_a_dead_letter(make_pipeline):
    proc = StreamProcessor(make_pipeline)
    out = await proc.handle("s", Utterance("a", profile="klingon"), 0, None)
    assert out.dead_letter == "cannot start stream 's': ValueError: unknown profile 'klingon'"


async def test_a_failing_sentence_is_a_dead_letter_and_the_stream_goes_on(make_pipeline, built):
    proc, saved = StreamProcessor(make_pipeline), {}
    await play(proc, saved, "s", texts(2))
    built[-1].fail_on = "poison"
    out = await proc.handle("s", Utterance("poison", id=2), 2, saved.get("s"))
    assert out.dead_letter == "processing failed: RuntimeError: model answer could not be parsed"
    docs, _ = await play(proc, saved, "s", texts(4, 2), start=3)
    # rebuilt from its snapshot (none yet) and the sentences since, held in memory: the poison left no trace
    assert [d.span for d in docs] == [(0, 2)]
    assert [x.id for x in built[-1].buffer] == [3]


async def test_assignment_changes_are_collected_per_stream(make_pipeline):
    proc = StreamProcessor(make_pipeline, clock=lambda: 42.0)
    out = await proc.handle("s", Utterance("a"), 0, None)
    assert out.assignments == [{"stream": "s", "role": "topic_finder", "model": "m1", "previous": None, "ts": 42.0}]


@pytest.mark.parametrize("version", [None, 99])
async def test_saved_state_of_another_version_is_refused(make_pipeline, version):
    proc = StreamProcessor(make_pipeline)
    out = await proc.handle("s", Utterance("a"), 5, {"v": version, "offset": 1, "pipeline": {}})
    assert "saved state has version" in out.dead_letter


async def test_after_a_reassignment_a_pipeline_is_not_written_until_a_message_confirms_it(make_pipeline):
    # Worker a kept a stream's pipeline in memory while its partition was away: another worker may have moved the
    # stream on, so a's pipeline is not snapshotted over the saved state, but it still holds the watermark back.
    a, saved = StreamProcessor(make_pipeline), {}
    await play(a, saved, "s", texts(5))  # snapshot at 2; 3 and 4 only in memory
    a.reassigned(0)
    assert a.snapshot_quiet({0}, idle_s=0, saved=saved.get) == []
    assert a.oldest_unsaved(0) == 3
    # the read-back from the watermark brings offset 3 again: skipped, and the pipeline is confirmed
    assert (await a.handle("s", texts(4)[3], 3, saved["s"])).skipped
    [(_stream, _partition, state)] = a.snapshot_quiet({0}, idle_s=0, saved=saved.get)
    a.saved("s", 4)
    assert state["offset"] == 4 and a.oldest_unsaved(0) is None


async def test_a_saved_state_that_includes_the_pipeline_releases_its_messages(make_pipeline):
    a, b, saved = StreamProcessor(make_pipeline), StreamProcessor(make_pipeline), {}
    await play(a, saved, "s", texts(5))
    a.reassigned(0)
    await play(b, saved, "s", texts(5), start=0)  # b replayed the same messages and saved them when quiet
    [(_stream, _partition, state)] = b.snapshot_quiet({0}, idle_s=0, saved=saved.get)
    saved["s"] = state
    b.saved("s", state["offset"])
    assert a.snapshot_quiet({0}, idle_s=3600, saved=saved.get) == []
    assert a.oldest_unsaved(0) is None  # a's messages 3 and 4 are in b's snapshot: nothing for a to hold back


async def test_a_snapshot_holds_the_watermark_back_until_it_is_in_kafka(make_pipeline):
    # The worker delivers a chunk's documents before it writes the state; a watermark written meanwhile must stay
    # before the messages that state includes, or a kill -9 before the write loses them.
    proc = StreamProcessor(make_pipeline)
    for offset, message in enumerate(texts(3)):
        out = await proc.handle("s", message, offset, None)
    assert out.state["offset"] == 2
    assert proc.oldest_unsaved(0) == 0
    proc.saved("s", 2)
    assert proc.oldest_unsaved(0) is None


async def test_an_ended_stream_holds_the_watermark_back_until_its_last_state_is_in_kafka(make_pipeline):
    proc = StreamProcessor(make_pipeline)
    for offset, message in enumerate([*texts(2), EndOfStream()]):
        out = await proc.handle("s", message, offset, None)
    assert out.state["ended"] and proc.oldest_unsaved(0) == 0
    proc.saved("s", 2)
    assert proc.oldest_unsaved(0) is None and "s" not in proc._live  # memory is for streams still talking


async def test_assignment_changes_after_a_failed_message_are_still_published(make_pipeline, built):
    proc = StreamProcessor(make_pipeline, clock=lambda: 42.0)
    await proc.handle("s", Utterance("a", id=0), 0, None)
    built[-1].fail_on = "poison"
    assert (await proc.handle("s", Utterance("poison", id=1), 1, None)).dead_letter
    built[-1].observer.on_assignment("topic_finder", "m2", "m1", ["m1", "m2"])  # the rebuilt pipeline switches
    out = await proc.handle("s", Utterance("b", id=2), 2, None)
    assert [(a["model"], a["previous"]) for a in out.assignments] == [("m2", "m1")]


async def test_a_pipeline_that_cannot_be_rebuilt_stops_the_worker_and_keeps_the_watermark(make_pipeline, built):
    broken = []

    def make(stream, profile, observer):
        if broken:
            raise RuntimeError("pool unreachable")
        return make_pipeline(stream, profile, observer)

    proc = StreamProcessor(make)
    await proc.handle("s", Utterance("a", id=0), 0, None)
    built[-1].fail_on, broken[:] = "poison", [True]
    with pytest.raises(RuntimeError, match=r"cannot rebuild its pipeline .*pool unreachable.*restart the worker"):
        await proc.handle("s", Utterance("poison", id=1), 1, None)
    assert proc.oldest_unsaved(0) == 0  # a restart replays from here
    assert proc.snapshot_quiet({0}, idle_s=0, saved=lambda stream: None) == []  # the half-changed one is not saved
    with pytest.raises(RuntimeError, match="restart the worker"):
        await proc.handle("s", Utterance("b", id=2), 2, None)


async def test_sentences_fed_again_are_not_counted_again(make_pipeline, built):
    from olp.observer import Observer

    class Sentences(Observer):
        def __init__(self):
            self.n = 0

        def on_sentence(self, stream, count=1):
            self.n += count

    seen = Sentences()
    proc = StreamProcessor(make_pipeline, observer=seen)
    await play(proc, {}, "s", texts(2))
    built[-1].fail_on = "poison"
    assert (await proc.handle("s", Utterance("poison", id=2), 2, None)).dead_letter  # the rebuild feeds 0-1 again
    assert seen.n == 2
    restarted = StreamProcessor(make_pipeline, observer=seen)  # a new worker reads back what the old one fed
    for offset, message in enumerate(texts(2)):
        await restarted.handle("s", message, offset, None, replay=True)
    await restarted.handle("s", Utterance("new", id=3), 3, None)
    assert seen.n == 3


async def test_streams_of_a_revoked_partition_leave_memory_and_come_back_from_their_saved_state(make_pipeline):
    messages = [*texts(10), EndOfStream()]
    whole, _ = await play(StreamProcessor(make_pipeline), {}, "b", messages)

    proc, saved = StreamProcessor(make_pipeline), {}
    for offset, msg in enumerate(texts(4)):  # stream a on partition 0, stream b on partition 1
        await proc.handle("a", msg, offset, saved.get("a"), partition=0)
    before = []
    for offset, msg in enumerate(messages[:5]):
        out = await proc.handle("b", msg, offset, saved.get("b"), partition=1)
        if out.state is not None:
            saved["b"] = out.state
            proc.saved("b", offset)
        before += out.documents
    assert proc.streams_in_memory == 2 and proc.oldest_unsaved(1) == 3

    assert proc.evict({0}) == ["b"]  # partition 1 went to another worker
    assert proc.streams_in_memory == 1 and proc.oldest_unsaved(1) is None and proc.oldest_unsaved(0) is not None
    # partition 1 comes back: the worker reads back from its watermark (offset 3); the pipeline is rebuilt from
    # the saved state, and the documents are those of an uninterrupted run
    after = []
    for offset, msg in enumerate(messages[3:], 3):
        out = await proc.handle("b", msg, offset, saved.get("b"), partition=1)
        if out.state is not None:
            saved["b"] = out.state
            proc.saved("b", offset)
        after += out.documents
    assert {d.key: d.span for d in before + after} == {d.key: d.span for d in whole}


async def test_a_pipeline_being_saved_is_not_evicted(make_pipeline):
    proc = StreamProcessor(make_pipeline)
    for offset, msg in enumerate(texts(3)):
        out = await proc.handle("s", msg, offset, None, partition=2)
    assert out.state is not None  # a chunk boundary: a state on its way to Kafka, not yet confirmed
    assert proc.evict(set()) == [] and proc.streams_in_memory == 1
    proc.saved("s", 2)
    assert proc.evict(set()) == ["s"] and proc.streams_in_memory == 0
