"""The faust app of ``olp worker``: transcripts in, topic documents out, per-stream state in a changelog table.

Kept thin: the agent hands every message to an ``OrderedDispatcher`` (streams in parallel, each in order)
whose work is ``StreamProcessor.handle`` (the pipeline) plus the Kafka side effects, in an order that keeps
at-least-once delivery honest: documents are delivered before the state saying "applied" is written.

A stream's state is saved as a snapshot at chunk boundaries (``olp.stream.processor``); the messages since stay
in Kafka. The partition's watermark (``save_watermarks``) stays before the oldest message that no saved state
includes, so a restarted or taking-over worker reads them back from there (``read_back``) and replays them.
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import logging
import shutil
import tempfile
import time
import types
import weakref
from typing import Any

from olp.metrics import PrometheusObserver
from olp.observer import Observer
from olp.stream.backfill import SideEvent, read_range, watermark_key
from olp.stream.dispatch import OrderedDispatcher, awaiting
from olp.stream.messages import BadMessage, dead_letter, encode_json, parse_key, parse_value
from olp.stream.processor import PipelineFactory, StreamProcessor, decode_state, encode_state
from olp.stream.settings import WorkerSettings, bootstrap

log = logging.getLogger(__name__)

LAG_INTERVAL_S = 1.0
QUIET_S = 10.0  # a stream that took no message for this long is snapshotted with its buffer (releases the watermark)
#: a partition whose consumer stood past the last message the agent took, with nothing taken, for this long is read
#: back from there (``catch_up``): faust dropped the records in between and no later message will reveal the gap
CATCH_UP_S = 5.0
STALL_S = 30.0  # a partition whose acknowledgements stand still this long is logged, with where its streams wait


#: Python's collector runs a young-generation pass every 700 net allocations (its default), and a full pass walks
#: every stream's sentences and open topics again. These make both rarer (``tune_gc``).
GC_THRESHOLDS = (20_000, 20, 20)


def tune_gc() -> None:
    """Collect garbage less often in a worker process.

    A worker holds thousands of streams' state: long-lived objects that each full collection walks again, while
    what the models' clients allocate per call keeps triggering collections. Measured with ``olp bench streams``
    (HTTP pool, 450 streams on one core): the collector took about 2.5 s of the process's 8 s of CPU with
    Python's default thresholds, 0.3 s with these. What exists at start (modules, clients) is frozen: it is
    never garbage, and full collections skip it. Garbage already made is collected first, or the freeze would
    keep it for good. Once per process: the thresholds say whether it was done (``create_app`` may run again).
    """
    if gc.get_threshold() == GC_THRESHOLDS:
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def pipeline_factory(settings: WorkerSettings, learner: Any = None) -> PipelineFactory:
    """Builds each stream's pipeline the way ``olp run`` does, from the worker's pool, profile and chunk size.

    With a shared learner (``olp.stream.learner``), every stream's Role-RL caller uses the worker's one learner.
    """
    from olp.pipeline import build_pipeline
    from olp.profiles import get_profile
    from olp.settings import PipelineSettings

    def make(stream: str, profile_name: str, observer: Observer):
        profile = get_profile(profile_name)
        pipe_settings = PipelineSettings.for_chunk(settings.chunk_size or profile.chunk_size)
        if learner is not None:
            caller = learner.caller(profile, observer, pipe_settings.concurrency)
            return build_pipeline(stream, profile, settings.pool, pipe_settings, observer, caller=caller)
        return build_pipeline(stream, profile, settings.pool, pipe_settings, observer, manager=settings.manager)

    return make


class _Done:
    """What faust's consumer needs of a message to count it acknowledged (a read-back message is no faust
    message); compared by identity, as faust's own are."""

    __slots__ = ("topic", "tp", "offset", "acked", "__weakref__")

    def __init__(self, topic: str, tp: Any, offset: int) -> None:
        self.topic, self.tp, self.offset, self.acked = topic, tp, offset, False


def create_app(
    settings: WorkerSettings,
    observer: Observer | None = None,
    make_pipeline: PipelineFactory | None = None,
    learner: Any = None,
) -> Any:
    """The faust app (nothing connects until it starts; ``agent.test_context()`` runs it without a broker).

    ``learner``: the worker's shared Role-RL learner (``olp.stream.learner.SharedLearner``), started with the app
    and stopped (feedback sent, state snapshotted) after its consumer stops.
    """
    import faust
    from faust.streams import _current_event

    tune_gc()
    app = faust.App(
        settings.group,
        broker=f"kafka://{bootstrap(settings.broker)}",
        store="memory://",
        datadir=settings.datadir or _scratch_dir(),
        topic_partitions=settings.partitions,
        processing_guarantee="exactly_once" if settings.exactly_once else "at_least_once",
        web_enabled=False,
        autodiscover=False,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=max(0.5, settings.session_timeout_s / 10),
        stream_recovery_delay=0.1,  # faust's default waits 3 s after every rebalance before processing
        # No standby replicas: a partition that moves is restored from its changelog, not promoted from a
        # standby copy, which was seen to miss the last writes of a worker that just left (lost sentences).
        table_standby_replicas=0,
    )
    topics = settings.topics
    raw = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw", "value_serializer": "raw"}
    transcripts = app.topic(topics.transcripts, partitions=settings.partitions, **raw)
    documents = app.topic(topics.documents, **raw)
    assignments = app.topic(topics.assignments, **raw)
    dead_letters = app.topic(topics.dead_letters, **raw)
    # Key = the stream id as sent (bytes); value = the processor's saved state, as ``encode_state`` writes it
    # (compressed JSON; raw bytes for faust). In memory the table holds the decoded state (``saved``).
    state = app.Table("stream-state", partitions=settings.partitions, key_type=bytes, value_type=bytes)
    processor = StreamProcessor(
        make_pipeline or pipeline_factory(settings, learner), observer=observer, default_profile=settings.profile
    )
    if learner is not None:

        @app.task
        async def start_learner() -> None:
            try:
                await learner.start()
            except Exception as exc:  # streams wait for a warm learner: without one the worker cannot go on
                await app.crash(exc)

        async def stop_learner(sender: Any = None, **_: Any) -> None:
            await learner.stop()

        app.on_before_shutdown.connect(stop_learner)
    acked: dict[Any, int] = {}  # partition -> last acknowledged offset, for the lag metric

    async def work(event: Any) -> None:
        # Table writes find their partition through the current event. A message read back (SideEvent) is no faust
        # event and needs none: its state goes to the changelog by explicit partition, and with exactly_once its
        # sends join the transaction of their destination partition (faust picks it from the key, not the event).
        _current_event.set(None if isinstance(event, SideEvent) else weakref.ref(event))
        msg = event.message
        try:
            stream = parse_key(msg.key)
            parsed = parse_value(msg.value)
        except BadMessage as exc:
            await _deliver(await dead_letters.send(key=msg.key, value=_dead(str(exc), msg)))
            return
        outcome = await processor.handle(stream, parsed, msg.offset, saved(msg.key), msg.partition,
                                         replay=getattr(event, "replay", False))
        if outcome.dead_letter:
            await _deliver(await dead_letters.send(key=msg.key, value=_dead(outcome.dead_letter, msg)))
        sent = [await documents.send(key=msg.key, value=encode_json(d.to_dict())) for d in outcome.documents]
        await asyncio.gather(*(_deliver(f) for f in sent))
        for item in outcome.assignments:
            await assignments.send(key=msg.key, value=encode_json(item))
        if outcome.state is not None:  # only now: a crash before this replays the message
            if await save_state(msg.key, outcome.state, msg.partition):
                processor.saved(stream, msg.offset)  # its messages stop holding the watermark back

    def saved(key: bytes) -> dict[str, Any] | None:
        """The saved state of ``key``. A state restored from the changelog arrives encoded: decoded once, kept."""
        value = state.get(key)
        if isinstance(value, (bytes, bytearray, memoryview)):
            value = decode_state(value)
            state.data[key] = value
        return value

    async def save_state(key: bytes, value: dict[str, Any], partition: int) -> bool:
        """Write ``value`` and wait for the broker; False (nothing written) if the saved state is newer."""
        # ``state[key] = value`` would leave the changelog write in faust's producer buffer, and the flush
        # before an offset commit gives up after 0.1 s under load: the commit could overtake the state, and a
        # restart would then skip messages the saved state never saw. So write it and wait for the broker.
        # A quiet stream's snapshot is written from the lag timer, outside the stream's queue: its next message
        # may have written a newer state first, which an older one must not replace. (Table and changelog are
        # written in the same step, so the check keeps both in offset order.)
        if (saved(key) or {}).get("offset", -1) > value["offset"]:
            return False
        state.data[key] = value
        await _deliver(state.send_changelog(partition, key, encode_state(value)))
        return True

    ours: set[tuple[Any, int]] = set()  # the message being acknowledged by us right now

    def ack(event: Any) -> None:
        msg = event.message
        acked[msg.tp] = msg.offset
        if isinstance(event, SideEvent):
            if event.tail:  # read back at a partition's end: no faust message follows to carry its offset, so
                faust_ack(_Done(msg.topic, msg.tp, msg.offset))  # commit it (and, exactly once, its documents)
            return
        ours.add((msg.tp, msg.offset))
        try:
            event.ack()
        finally:
            ours.discard((msg.tp, msg.offset))

    # faust acknowledges, on its own, messages it drops while a rebalance or shutdown stops the flow; its last
    # commit then moves the offset past messages no agent ever processed, and the next owner of the partition
    # never sees them (seen: the first sentences of a stream lost when a worker left). Only acknowledgements
    # made by ``ack`` above count; dropped messages stay uncommitted and are read again.
    consumer = app.consumer
    faust_ack = consumer.ack

    def ack_only_ours(message: Any) -> bool:
        if (message.tp, message.offset) not in ours:
            return False
        return faust_ack(message)

    consumer.ack = ack_only_ours

    def on_error(exc: BaseException) -> None:
        # A message that failed outside the pipeline (Kafka itself) cannot be skipped: stop, and let the
        # restarted worker replay it.
        asyncio.ensure_future(app.crash(exc))

    dispatcher = OrderedDispatcher(work, ack, limit=settings.max_in_flight, on_error=on_error,
                                   per_key=settings.in_flight_per_stream)

    generations: dict[Any, int] = {}  # partition -> consumer generation of the last message taken from it
    following: dict[Any, int] = {}  # partition -> offset after the last message taken from it

    agent_task: list[asyncio.Task | None] = [None]  # the agent's task, for the stall log

    # Taking one message (reading back what it reveals as skipped, then submitting) excludes ``catch_up``, which
    # takes messages of a partition from the lag timer: both move ``following`` and submit in offset order.
    intake = asyncio.Lock()

    @app.agent(transcripts, name="olp-organize")
    async def organize(stream: Any) -> None:
        agent_task[0] = asyncio.current_task()
        async for event in stream.noack().events():
            msg = event.message
            async with intake:
                try:
                    missed = await read_back(msg)
                except Exception as exc:  # the messages in between would be lost: stop, replay from the watermark
                    asyncio.ensure_future(app.crash(exc))
                    raise
                for side in missed:
                    await dispatcher.submit((msg.partition, side.message.key), msg.partition, side)
                # never back: ``catch_up`` may have taken messages still queued for the agent (taken twice, the
                # second time skipped by the stream's offset)
                following[msg.tp] = max(following.get(msg.tp, 0), msg.offset + 1)
                await dispatcher.submit((msg.partition, msg.key), msg.partition, event)

    async def read_back(msg: Any) -> list[Any]:
        """The messages before ``msg`` that this worker should have been given and was not."""
        if generations.get(msg.tp) != msg.generation_id:  # first message of a new assignment
            generations[msg.tp] = msg.generation_id
            following.pop(msg.tp, None)
            processor.reassigned(msg.partition)
            mark = saved(watermark_key(msg.partition))
            start, why = (mark["offset"] + 1 if mark else 0), "starts at"
        else:
            # faust can drop fetched records within an assignment too (a batch cut short when its flow stops,
            # records of a partition paused meanwhile) while the fetch position moves on past them.
            start, why = following[msg.tp], "jumps to"
        if msg.offset <= start:
            return []
        began = time.monotonic()
        missed = await read_range(bootstrap(settings.broker), msg.tp, start, msg.offset)
        if why == "starts at":  # before the committed offset: processed by the partition's last owner
            for side in missed:
                side.replay = True
        if missed:
            log.warning("partition %s[%d] %s %d; reading back %d earlier messages from %d (%.1f s)",
                        msg.topic, msg.partition, why, msg.offset, len(missed), start, time.monotonic() - began)
        return missed

    standing: dict[Any, tuple[tuple[Any, int, int], float]] = {}  # tp -> ((generation, start, position), since)
    catching: set[Any] = set()  # partitions being read back by ``catch_up``

    async def catch_up(mine: list[Any]) -> None:
        """Read back the messages of each partition in ``mine`` that its consumer moved past and the agent never got,
        once the partition has stood so for ``CATCH_UP_S`` seconds.

        ``read_back`` finds records faust dropped when a later message of the partition reaches the agent. When none
        does (the dropped records were the partition's last, say a stream's end, or a new assignment's first message
        never came while the previous owner's unsaved messages wait behind the committed offset), nothing else
        would: the stream would wait for ever. Messages still queued for the agent may be taken twice; the second
        time their stream's offset skips them.
        """
        for tp in mine:
            if tp in catching or app.rebalancing or intake.locked():
                standing.pop(tp, None)
                continue
            generation = app.consumer_generation_id
            fresh = generations.get(tp) != generation  # the agent took nothing of the partition in this assignment
            if fresh:
                mark = saved(watermark_key(tp.partition))
                start = mark["offset"] + 1 if mark else 0
            else:
                start = following.get(tp, 0)
            try:
                position = await asyncio.wait_for(app.consumer.position(tp), 1.0)
            except Exception:  # not fetched yet, or revoked meanwhile
                position = None
            if position is None or position <= start:
                standing.pop(tp, None)
                continue
            now, where = time.monotonic(), (generation, start, position)
            was = standing.get(tp)
            if was is None or was[0] != where:
                standing[tp] = (where, now)
                continue
            if now - was[1] < CATCH_UP_S:
                continue
            standing.pop(tp, None)
            catching.add(tp)
            task = asyncio.ensure_future(_catch_up(tp, generation, fresh, start, position))
            task.add_done_callback(lambda _t, tp=tp: catching.discard(tp))

    async def _catch_up(tp: Any, generation: int, fresh: bool, start: int, end: int) -> None:
        async with intake:
            if app.rebalancing or app.consumer_generation_id != generation or (
                    (generations.get(tp) != generation) != fresh) or (not fresh and following.get(tp, 0) != start):
                return  # the agent took a message meanwhile, or the partition moved: nothing known to be missing
            try:
                missed = await read_range(bootstrap(settings.broker), tp, start, end)
            except Exception as exc:  # the messages would be lost: stop, and replay from the watermark
                await app.crash(exc)
                return
            if app.consumer_generation_id != generation:
                return
            if fresh:
                generations[tp] = generation
                processor.reassigned(tp.partition)
                committed = getattr(app.consumer, "_committed_offset", {}).get(tp) or 0
                for side in missed:  # before the committed offset: processed by the partition's last owner
                    side.replay = side.message.offset < committed
            log.warning("partition %s[%d]: the consumer stands at %d and the agent %s; reading back %d messages "
                        "from %d", tp.topic, tp.partition, end,
                        "took nothing since the assignment" if fresh else f"took nothing after {start - 1}",
                        len(missed), start)
            for side in missed:
                side.tail = True
                await dispatcher.submit((tp.partition, side.message.key), tp.partition, side)
            following[tp] = max(following.get(tp, 0), end)

    written: dict[Any, int] = {}

    async def save_watermarks(mine: list[Any]) -> None:
        # Every message up to acked[tp] is processed (acks go in offset order) and every message after the
        # oldest unsaved one is in memory only, so the watermark is the message before the first of either; it
        # never runs ahead of the snapshots in the changelog, which precede it in the same partition. Streams
        # gone quiet between chunk boundaries are snapshotted first, so they do not hold it back for ever.
        partitions = {tp.partition for tp in mine}
        quiet = processor.snapshot_quiet(partitions, QUIET_S, lambda stream: saved(stream.encode("utf-8")))

        async def save_quiet(stream: str, partition: int, value: dict[str, Any]) -> None:
            if await save_state(stream.encode("utf-8"), value, partition):
                processor.saved(stream, value["offset"])

        await asyncio.gather(*(save_quiet(*item) for item in quiet))
        for tp in mine:
            if tp not in acked:
                continue
            oldest = processor.oldest_unsaved(tp.partition)
            mark = acked[tp] if oldest is None else min(acked[tp], oldest - 1)
            if written.get(tp) != mark:
                key, value = watermark_key(tp.partition), {"offset": mark}
                state.data[key] = value
                state.send_changelog(tp.partition, key, encode_state(value))
                written[tp] = mark

    reported: dict[Any, int] = {}  # partition -> offset of the stalled message last logged

    def report_stalls() -> None:
        """Log partitions whose oldest message in flight has waited ``STALL_S`` seconds or more (once per message):
        their commits stand still. Says where each stream's task and the agent wait."""
        for partition, (seconds, item) in dispatcher.waiting(STALL_S).items():
            offset = item.message.offset
            if reported.get(partition) == offset:
                continue
            reported[partition] = offset
            agent = agent_task[0]
            log.warning("partition %s: the message at offset %d (stream %r) has waited %.0f s to be acknowledged, "
                        "%d messages in flight; the agent waits at:\n%s\nthe streams wait at:\n%s",
                        partition, offset, item.message.key, seconds, dispatcher.in_flight,
                        awaiting(agent) if agent is not None else "(not started)", dispatcher.stacks())

    revoked: set[int] = set()  # partitions held by no one here at the last tick

    def evict_revoked(mine: list[Any]) -> None:
        # A partition missing at two ticks in a row is gone (one tick may fall inside a rebalance): its streams'
        # pipelines leave memory, or a long-running worker would keep every stream it ever held.
        nonlocal revoked
        held = {tp.partition for tp in mine}
        now_missing = processor.partitions_in_memory() - held
        gone = processor.evict(held | (now_missing - revoked))
        if gone:
            log.info("dropped %d pipelines of revoked partitions %s", len(gone), sorted(revoked & now_missing))
        revoked = now_missing

    @app.timer(LAG_INTERVAL_S)
    async def report_lag() -> None:
        mine = sorted(
            (tp for tp in app.consumer.assignment() if tp.topic == topics.transcripts), key=lambda tp: tp.partition
        )
        report_stalls()
        await save_watermarks(mine)
        evict_revoked(mine)
        await catch_up(mine)
        prometheus = isinstance(observer, PrometheusObserver)
        if prometheus:
            observer.set_assigned_partitions([tp.partition for tp in mine])
        for tp in mine:
            try:
                end = app.consumer.highwater(tp)
                # next offset to process: after the last acknowledged one, else where the consumer stands
                at = acked[tp] + 1 if tp in acked else await app.consumer.position(tp)
            except Exception:  # partition not fetched yet, or just revoked
                continue
            if end is not None and at is not None:
                if prometheus:
                    observer.set_consumer_lag(tp.topic, tp.partition, end - at)
                await report_idle(tp, at, end)

    idle: dict[Any, tuple[int, float]] = {}  # partition -> (next offset to process, since when it stands there)

    async def report_idle(tp: Any, at: int, end: int) -> None:
        """Log a partition with messages to process and none taken for ``STALL_S`` seconds while nothing of it is in
        flight (once per position): its messages neither reach the agent nor get read back."""
        was = idle.get(tp)
        now = time.monotonic()
        if was is None or was[0] != at or at >= end or dispatcher.waiting(0.0).get(tp.partition):
            idle[tp] = (at, now)
            return
        if now - was[1] >= STALL_S:
            idle[tp] = (at, float("inf"))  # logged; again only after it moves
            try:
                position = await app.consumer.position(tp)
            except Exception:
                position = None
            mark = saved(watermark_key(tp.partition))
            log.warning("partition %s[%d]: offsets %d-%d wait and none was taken for %.0f s (consumer position %s, "
                        "watermark %s, last taken %s)", tp.topic, tp.partition, at, end - 1, now - was[1], position,
                        None if mark is None else mark["offset"], following.get(tp, 0) - 1)

    app.olp_topics = types.SimpleNamespace(
        transcripts=transcripts, documents=documents, assignments=assignments, dead_letters=dead_letters
    )
    app.olp_processor = processor  # for tests and diagnostics
    app.olp_dispatcher = dispatcher
    app.olp_agent = organize
    app.olp_state = state
    app.olp_save_watermarks = save_watermarks  # for tests: what the lag timer does every second
    app.olp_catch_up = catch_up  # for tests: likewise
    app.olp_evict_revoked = evict_revoked  # for tests: likewise
    app.olp_learner = learner
    return app


def _scratch_dir() -> str:
    """A temporary directory for faust's local files (the state lives in Kafka), removed at exit."""
    path = tempfile.mkdtemp(prefix="olp-worker-")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


async def _deliver(fut: Any) -> None:
    """Wait until Kafka has the message (faust's send returns a future of the broker's acknowledgement)."""
    if asyncio.isfuture(fut) or hasattr(fut, "__await__"):
        await fut


def _dead(reason: str, msg: Any) -> bytes:
    log.warning("dead letter from %s[%s]@%s: %s", msg.topic, msg.partition, msg.offset, reason)
    return dead_letter(reason, msg.key, msg.value, msg.topic, msg.partition, msg.offset)
