"""The faust app without a broker (``agent.test_context()``): messages in, documents, dead letters and saved
state out. Sends to Kafka are captured instead of delivered."""

from __future__ import annotations

import asyncio
import json
import types

import pytest

from olp.metrics import PrometheusObserver
from olp.stream.processor import decode_state
from olp.stream.app import create_app
from olp.stream.settings import Topics, WorkerSettings


@pytest.fixture
async def app(make_pipeline):
    settings = WorkerSettings(broker="kafka://127.0.0.1:1", topics=Topics(prefix=""), datadir=None)
    observer = PrometheusObserver()
    app = create_app(settings, observer=observer, make_pipeline=make_pipeline)
    app.loop = asyncio.get_running_loop()  # pytest-asyncio runs each test on its own loop
    app.sent = []
    for name in ("documents", "assignments", "dead_letters"):
        topic = getattr(app.olp_topics, name)

        async def send(key=None, value=None, name=name):
            app.sent.append((name, key, json.loads(value)))
            done = asyncio.get_running_loop().create_future()
            done.set_result(None)
            return done

        topic.send = send
    app.changelog = []

    def send_changelog(partition, key, value):
        app.changelog.append((partition, key, decode_state(value)))
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    app.olp_state.send_changelog = send_changelog
    app.observer = observer
    yield app


def sent(app, name):
    return [(key, value) for topic, key, value in app.sent if topic == name]


def msg(text=None, **fields):
    return json.dumps({"text": text, **fields} if text is not None else fields).encode()


async def test_documents_go_out_keyed_by_stream_in_order(app):
    async with app.olp_agent.test_context() as agent:
        for i in range(4):
            await agent.put(key=b"a", value=msg(f"a{i}"))
            await agent.put(key=b"b", value=msg(f"b{i}"))
        await agent.put(key=b"a", value=msg(end=True))
        await app.olp_dispatcher.join()
    docs = sent(app, "documents")
    assert [(k, d["key"], d["span"]) for k, d in docs if k == b"a"] == [(b"a", "a:0", [0, 2]), (b"a", "a:1", [3, 3])]
    assert [d["key"] for k, d in docs if k == b"b"] == ["b:0"]  # b has not ended: its last sentence stays open
    assert app.olp_state[b"a"]["ended"] is True
    # a's state went to the changelog at its chunk boundaries only (offsets 4 and 8), each before its
    # acknowledgement; b's last sentence (offset 7) is in no saved state
    assert [value["offset"] for _p, key, value in app.changelog if key == b"a"] == [4, 8]
    assert app.olp_state[b"b"]["offset"] == 5 and app.olp_state[b"b"]["pipeline"]["buffer"] == []
    assert app.olp_processor.oldest_unsaved(0) == 7
    assert app.observer.registry.get_sample_value("olp_documents_total") == 3
    assert app.observer.registry.get_sample_value("olp_sentences_total") == 8


async def test_pipelines_of_a_partition_revoked_for_two_ticks_leave_memory(app):
    from faust.types import TP

    async with app.olp_agent.test_context() as agent:
        for i in range(4):
            await agent.put(key=b"a", value=msg(f"a{i}"))
        await app.olp_dispatcher.join()
    assert app.olp_processor.streams_in_memory == 1
    app.olp_evict_revoked([TP("transcripts", 0)])  # still held
    app.olp_evict_revoked([])  # one tick without partition 0: maybe a rebalance under way
    assert app.olp_processor.streams_in_memory == 1
    app.olp_evict_revoked([])  # still gone: another worker owns it
    assert app.olp_processor.streams_in_memory == 0


async def test_malformed_messages_go_to_the_dead_letter_topic_and_the_stream_goes_on(app):
    async with app.olp_agent.test_context() as agent:
        await agent.put(key=b"s", value=msg("one"))
        await agent.put(key=b"s", value=b"{not json")
        await agent.put(key=None, value=msg("no key"))
        await agent.put(key=b"s", value=msg("two"))
        await agent.put(key=b"s", value=msg("three"))
        await app.olp_dispatcher.join()
    dead = sent(app, "dead_letters")
    assert [d["reason"] for _k, d in dead] == [
        "value is not JSON (Expecting property name enclosed in double quotes at char 1)",
        "message has no key: the key must be the stream id",
    ]
    assert dead[0][1]["value"] == "{not json"
    assert [d["span"] for _k, d in sent(app, "documents")] == [[0, 2]]


async def test_assignment_changes_are_published(app):
    async with app.olp_agent.test_context() as agent:
        await agent.put(key=b"s", value=msg("one"))
        await app.olp_dispatcher.join()
    [(key, change)] = sent(app, "assignments")
    assert key == b"s" and change["role"] == "topic_finder" and change["model"] == "m1"


async def test_messages_faust_drops_by_itself_are_not_acknowledged(app):
    # During a rebalance or shutdown faust drops fetched messages and acknowledges them; committing those
    # would lose them, so only the worker's own acknowledgements reach the consumer.
    from faust.types import TP

    dropped = types.SimpleNamespace(tp=TP("transcripts", 0), offset=5, topic="transcripts", acked=False)
    assert app.consumer.ack(dropped) is False
    assert dropped.acked is False


async def test_messages_the_consumer_skips_are_read_back_in_order(app, monkeypatch):
    # faust can drop fetched records within an assignment while its fetch position moves on past them (seen
    # after a takeover: offsets 25-45 of a partition never reached the agent). The worker notices the jump in
    # offsets and reads the skipped messages back from Kafka before going on.
    from olp.stream import app as app_module
    from olp.stream.backfill import SideEvent, SideMessage

    log = {offset: msg(f"s{offset}") for offset in range(7)}
    asked = []

    async def read_range(bootstrap, tp, start, end, timeout_s=30.0):
        asked.append((start, end))
        return [SideEvent(SideMessage(tp.topic, tp.partition, o, b"s", log[o], tp)) for o in range(start, end)]

    monkeypatch.setattr(app_module, "read_range", read_range)
    async with app.olp_agent.test_context() as agent:
        await agent.put(key=b"s", value=log[0])
        agent.sent_offset = 4  # offsets 1-3 never reach the agent
        for offset in (4, 5, 6):
            await agent.put(key=b"s", value=log[offset])
        await agent.put(key=b"s", value=msg(end=True))
        await app.olp_dispatcher.join()
    assert asked == [(1, 4)]
    assert [d["span"] for _k, d in sent(app, "documents")] == [[0, 2], [3, 5], [6, 6]]


async def test_messages_the_consumer_skips_at_the_end_of_a_partition_are_read_back_all_the_same(app, monkeypatch):
    # When the records faust drops are a partition's last (a stream's end among them), no later message shows
    # the jump, and the stream would wait for ever (seen: a stream with no document 90 s after a takeover). The
    # lag timer sees the consumer standing past the last message the agent took, and reads the rest back.
    from faust.types import TP

    from olp.stream import app as app_module
    from olp.stream.backfill import SideEvent, SideMessage

    log = {offset: msg(f"s{offset}") for offset in range(5)}
    log[5] = msg(end=True)
    asked = []

    async def read_range(bootstrap, tp, start, end, timeout_s=30.0):
        asked.append((start, end))
        return [SideEvent(SideMessage(tp.topic, tp.partition, o, b"s", log[o], tp)) for o in range(start, end)]

    async def position(tp):
        return 6  # the consumer fetched the whole partition

    monkeypatch.setattr(app_module, "read_range", read_range)
    monkeypatch.setattr(app_module, "CATCH_UP_S", 0.0)
    monkeypatch.setattr(app.topics, "acks_enabled_for", lambda topic: True)  # as on a running worker
    app.consumer.position = position
    tp = TP("transcripts", 0)
    async with app.olp_agent.test_context() as agent:
        for offset in range(2):  # 2-5 never reach the agent
            await agent.put(key=b"s", value=log[offset])
        await app.olp_dispatcher.join()
        await app.olp_catch_up([tp])  # notices the consumer standing past offset 1
        assert asked == []
        await app.olp_catch_up([tp])  # still standing there: read back
        for _ in range(100):
            if asked:
                break
            await asyncio.sleep(0.01)
        await app.olp_dispatcher.join()
        await app.olp_catch_up([tp])
        await app.olp_catch_up([tp])  # nothing more is missing
    assert asked == [(2, 6)]
    assert [d["span"] for _k, d in sent(app, "documents")] == [[0, 2], [3, 4]]
    # no later message will carry their offsets: they are acknowledged to faust, whose next commit (with
    # --exactly-once, the one that commits their documents' transaction) moves past them
    assert app.consumer._new_offset(tp) == 6


async def test_a_new_assignment_with_no_message_reads_back_the_last_owners_unsaved_messages(app, monkeypatch):
    # The last owner applied and committed messages that no saved state includes, and left; nothing follows them
    # in the partition, so no message comes to reveal them. They are read back from the watermark all the same.
    from faust.types import TP

    from olp.stream import app as app_module
    from olp.stream.backfill import SideEvent, SideMessage
    from olp.stream.processor import encode_state

    log = {offset: msg(f"s{offset}") for offset in range(5)}
    asked, replays = [], []

    async def read_range(bootstrap, tp, start, end, timeout_s=30.0):
        asked.append((start, end))
        return [SideEvent(SideMessage(tp.topic, tp.partition, o, b"s", log[o], tp)) for o in range(start, end)]

    async def position(tp):
        return 5  # the committed offset: every message was processed by the last owner

    monkeypatch.setattr(app_module, "read_range", read_range)
    monkeypatch.setattr(app_module, "CATCH_UP_S", 0.0)
    app.consumer.position = position
    app.consumer._committed_offset[TP("transcripts", 0)] = 5
    handle = app.olp_processor.handle

    async def handle_noting_replays(stream, message, offset, saved, partition=0, replay=False):
        replays.append((offset, replay))
        return await handle(stream, message, offset, saved, partition, replay=replay)

    app.olp_processor.handle = handle_noting_replays
    state = {"v": 1, "offset": 2, "profile": "ecommerce-en", "ended": False,
             "pipeline": {"last_id": 2, "buffer": [], "next_topic_id": 1}}
    app.olp_state.data.update({b"s": encode_state(state), b"\x00olp-watermark:0": encode_state({"offset": 2})})
    async with app.olp_agent.test_context():
        for _ in range(2):
            await app.olp_catch_up([TP("transcripts", 0)])
        for _ in range(100):
            if asked:
                break
            await asyncio.sleep(0.01)
        await app.olp_dispatcher.join()
    assert asked == [(3, 5)]
    assert replays == [(3, True), (4, True)]  # counted by the last owner
    assert app.olp_processor._live["s"].applied == 4


async def test_a_restarted_worker_reads_back_from_the_watermark_and_makes_the_same_documents(make_pipeline,
                                                                                               monkeypatch):
    # Only snapshots at chunk boundaries are saved: the sentences after the last one are in Kafka only, and the
    # committed offset may already be past them. The watermark stays before them, and a restarted worker reads
    # them back from there.
    from faust.types import TP

    from olp.stream import app as app_module
    from olp.stream.backfill import SideEvent, SideMessage
    from olp.stream.processor import encode_state

    log = {offset: msg(f"s{offset}") for offset in range(8)}
    log[8] = msg(end=True)
    asked = []

    async def read_range(bootstrap, tp, start, end, timeout_s=30.0):
        asked.append((start, end))
        return [SideEvent(SideMessage(tp.topic, tp.partition, o, b"s", log[o], tp)) for o in range(start, end)]

    monkeypatch.setattr(app_module, "read_range", read_range)

    def new_app():
        settings = WorkerSettings(broker="kafka://127.0.0.1:1", topics=Topics(prefix=""), datadir=None)
        new = create_app(settings, make_pipeline=make_pipeline)
        new.loop = asyncio.get_running_loop()
        new.docs, new.changelog = [], []

        async def send(key=None, value=None):
            new.docs.append(json.loads(value))

        async def ignore(key=None, value=None):
            return None

        new.olp_topics.documents.send = send
        new.olp_topics.assignments.send = new.olp_topics.dead_letters.send = ignore

        def send_changelog(partition, key, value):
            new.changelog.append((key, value))
            done = asyncio.get_running_loop().create_future()
            done.set_result(None)
            return done

        new.olp_state.send_changelog = send_changelog
        return new

    first = new_app()
    async with first.olp_agent.test_context() as agent:
        for offset in range(5):
            await agent.put(key=b"s", value=log[offset])
        await first.olp_dispatcher.join()
        await first.olp_save_watermarks([TP("transcripts", 0)])
    changelog = dict(first.changelog)  # what a restarted worker's table restores (encoded, as in Kafka)
    assert decode_state(changelog[b"s"])["offset"] == 2
    assert decode_state(changelog[b"\x00olp-watermark:0"]) == {"offset": 2}  # 3 and 4 are in no saved state

    second = new_app()  # killed and restarted; the committed offset had run ahead to 5
    second.olp_state.data.update(changelog)
    replays, handle = [], second.olp_processor.handle

    async def handle_noting_replays(stream, message, offset, saved, partition=0, replay=False):
        replays.append((offset, replay))
        return await handle(stream, message, offset, saved, partition, replay=replay)

    second.olp_processor.handle = handle_noting_replays
    async with second.olp_agent.test_context() as agent:
        agent.sent_offset = 5
        for offset in range(5, 9):
            await agent.put(key=b"s", value=log[offset])
        await second.olp_dispatcher.join()
    assert asked == [(3, 5)]
    # 3 and 4 were fed (and their sentences counted) before the kill; 5 on were not
    assert replays == [(3, True), (4, True), (5, False), (6, False), (7, False), (8, False)]
    spans = {d["key"]: d["span"] for d in first.docs + second.docs}
    assert spans == {"s:0": [0, 2], "s:1": [3, 5], "s:2": [6, 7]}
    assert encode_state(decode_state(changelog[b"s"])) == changelog[b"s"]


async def test_the_watermark_stays_before_a_chunk_whose_state_waits_for_its_documents(app):
    # At a chunk boundary the documents go out before the state is written; the lag timer can write the
    # watermark in between. It must not pass the chunk's messages: a kill -9 before the state write loses them.
    from faust.types import TP

    gate = asyncio.get_running_loop().create_future()

    async def slow_send(key=None, value=None):
        return gate  # the broker has not acknowledged the document yet

    app.olp_topics.documents.send = slow_send
    async with app.olp_agent.test_context() as agent:
        for i in range(3):
            await agent.put(key=b"s", value=msg(f"s{i}"))
        await asyncio.sleep(0.1)
        await app.olp_save_watermarks([TP("transcripts", 0)])
        assert [v for _p, k, v in app.changelog if k == b"s"] == []  # the state waits for the document
        # s0 and s1 are acknowledged, and in no state in Kafka yet: a restart must read back from offset 0
        assert app.olp_state[b"\x00olp-watermark:0"] == {"offset": -1}
        gate.set_result(None)
        await app.olp_dispatcher.join()
    assert app.olp_state[b"s"]["offset"] == 2 and app.olp_processor.oldest_unsaved(0) is None


async def test_a_quiet_stream_snapshot_does_not_replace_a_newer_state(make_pipeline, app):
    # A quiet stream's snapshot is written from the lag timer; the stream's next message, already queued, can
    # reach a chunk boundary and write its state first. The older snapshot must not overwrite it.
    from faust.types import TP

    from olp.stream.backfill import SideEvent, SideMessage

    def holding_its_topic_open(stream, profile, observer):  # a chunk that makes no document yet
        pipe = make_pipeline(stream, profile, observer)
        emit = pipe._emit
        pipe._emit = lambda: emit() and []
        return pipe

    app.olp_processor.make_pipeline = holding_its_topic_open
    async with app.olp_agent.test_context() as agent:
        for i in range(2):
            await agent.put(key=b"s", value=msg(f"s{i}"))
        await app.olp_dispatcher.join()
        app.olp_processor._live["s"].touched -= 60  # quiet for a minute
        tp = TP("transcripts", 0)
        then = SideEvent(SideMessage("transcripts", 0, 2, b"s", msg("s2"), tp))  # the stream speaks again
        await app.olp_dispatcher.submit((0, b"s"), 0, then)  # queued; its task runs before the timer's write
        await app.olp_save_watermarks([tp])
        await app.olp_dispatcher.join()
    assert [v["offset"] for _p, k, v in app.changelog if k == b"s"] == [2]  # the quiet one (1) came too late
    assert app.olp_state[b"s"]["offset"] == 2 and app.olp_processor.oldest_unsaved(0) is None


def test_gc_is_tuned_once_per_process_after_a_collection(monkeypatch):
    from olp.stream import app as app_module

    calls = []
    fake = types.SimpleNamespace(
        threshold=(700, 10, 10),
        get_threshold=lambda: fake.threshold,
        set_threshold=lambda *t: (calls.append("set"), setattr(fake, "threshold", t)),
        collect=lambda: calls.append("collect"),
        freeze=lambda: calls.append("freeze"),
    )
    monkeypatch.setattr(app_module, "gc", fake)
    app_module.tune_gc()
    app_module.tune_gc()
    assert calls == ["collect", "freeze", "set"]
