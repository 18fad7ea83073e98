"""One Role-RL learner per deployment: every stream of a worker shares it, and workers share it through Kafka.

A worker holds one ``SharedLearner``: one manager, one advisory board and one audit policy, used by the caller
of every stream it runs (``StreamCaller``). A judged call does not change the manager at once: its feedback
(event id, role, stream, chunk, chunk features, the choice, and per model that ran its correctness, cost,
latency and reward) goes to the ``olp-feedback`` topic. Every worker reads that topic whole and applies every
event, its own included, to its ``Replica`` of the learner, in the topic's order (the topic has one partition,
so there is one order), once per event id. Replicas that applied the same prefix of the log hold the same
learned state, so every worker makes the same assignment (``olp_role_assignment``).

Event ids are ``<worker id>:<sequence>``; the worker id is new for every process, and a producer's events reach
the log in sequence order, so "applied" is one high-water sequence per producer. Each worker snapshots its
replica (the learned state, the feedback offset it has read up to, and the high-water marks) to the compacted
``olp-learner-state`` topic every ``snapshot_interval_s`` and on a clean stop. A worker that starts or restarts
loads the snapshot with the highest offset and applies the feedback after it before its streams make a call:
it starts warm, where the deployment left off, and no event is applied twice.

Stream state (the changelog) no longer carries the learner: ``StreamCaller.state_dict()`` is empty.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from olp.caller import CallContext
from olp.errors import ConfigError
from olp.observer import Observer
from role_rl.audit import AuditPolicy
from role_rl.board import Board
from role_rl.caller import RLCaller, apply_feedback, hold_election
from role_rl.managers.base import Choice, Feedback, Manager, Outcome

log = logging.getLogger(__name__)

EVENT_VERSION = 1
STATE_VERSION = 1
SNAPSHOT_KEY = b"learner"


# ---------------------------------------------------------------------------------------------- events
def feedback_event(feedback: Feedback, producer: str, seq: int, ts: float) -> dict[str, Any]:
    """The JSON event of one judged call."""
    ctx, choice = feedback.context, feedback.choice
    return {
        "v": EVENT_VERSION, "id": f"{producer}:{seq}", "producer": producer, "seq": seq, "ts": ts,
        "role": feedback.role, "stream": ctx.stream, "chunk": ctx.chunk, "features": dict(ctx.features),
        "choice": {"model": choice.model, "explore": list(choice.explore), "reason": choice.reason},
        "outcomes": [{"model": o.model, "reward": o.reward, "correct": o.correct, "k": o.k,
                      "cost_usd": o.cost_usd, "latency_s": o.latency_s} for o in feedback.outcomes],
    }


def parse_event(event: dict[str, Any]) -> Feedback:
    """The ``Feedback`` an event carries; raises ValueError (or KeyError / TypeError) when it is malformed."""
    if event.get("v") != EVENT_VERSION:
        raise ValueError(f"feedback event version {event.get('v')!r}, this worker reads {EVENT_VERSION}")
    ctx = CallContext(str(event["stream"]), int(event["chunk"]),
                      {str(k): float(v) for k, v in (event.get("features") or {}).items()})
    c = event["choice"]
    choice = Choice(str(c["model"]), tuple(c.get("explore") or ()), str(c.get("reason") or "exploit"))
    outcomes = tuple(Outcome(str(o["model"]), float(o["reward"]), o.get("correct"), o.get("k"),
                             float(o.get("cost_usd") or 0.0), float(o.get("latency_s") or 0.0))
                     for o in event["outcomes"])
    if not outcomes:
        raise ValueError("feedback event has no outcomes")
    return Feedback(str(event["role"]), ctx, choice, outcomes)


# ---------------------------------------------------------------------------------------------- the replica
class Replica:
    """The learned state every worker holds a copy of; it changes only by ``apply`` (no Kafka here).

    Args:
        manager: the role manager.
        audit: the audit policy (its streaks learn from verdicts; its random draws stay local).
        board: the advisory board (its weights move by elections held as feedback of new chunks arrives).
        reward_v: the reward's v (the election's scale).
        observer: told about the deployment's assignment and preferences, and about each event read.
    """

    def __init__(self, manager: Manager, audit: AuditPolicy, board: Board | None = None, reward_v: float = 1.0,
                 observer: Observer | None = None) -> None:
        self.manager, self.audit, self.board, self.reward_v = manager, audit, board, reward_v
        self.observer = observer or Observer()
        self.applied: dict[str, int] = {}  # producer -> highest sequence applied
        self.events = 0  # events applied, over the deployment's life
        self.offset = 0  # next feedback offset to read
        self.chunks_seen = 0
        self._last_chunk: OrderedDict[str, int] = OrderedDict()
        self._reported: dict[str, str] = {}

    def apply(self, event: dict[str, Any], offset: int | None = None) -> bool:
        """Apply one event read at ``offset``; False when its id was applied before (or it cannot be used)."""
        if offset is not None:
            self.offset = max(self.offset, offset + 1)
        try:
            producer, seq = str(event["producer"]), int(event["seq"])
            if seq <= self.applied.get(producer, -1):
                self._tell(False)
                return False
            feedback = parse_event(event)
            if feedback.role not in self.manager.roles:
                raise ValueError(f"role {feedback.role!r} is not one this manager plays")
            for o in feedback.outcomes:
                self.manager.index(o.model)  # a model outside this pool: a worker with another pool file
        except (KeyError, TypeError, ValueError, ConfigError) as exc:
            log.warning("feedback event at offset %s skipped: %s", offset, exc)
            return False
        self._new_chunk(feedback.context)
        apply_feedback(self.manager, self.audit, feedback)
        self.applied[producer] = seq
        self.events += 1
        self._tell(True)
        self.observer.on_preferences(feedback.role, self.manager.preferences(feedback.role, CallContext()))
        self.report()
        return True

    def assignment(self) -> dict[str, str]:
        """The deployment's assignment: per role, the model the manager uses when a call has no context."""
        return {role: self.manager.best(role, CallContext()) for role in self.manager.roles}

    def announce(self) -> None:
        """Tell the observer the whole learned picture: every role's assignment and preferences (at start)."""
        for role in self.manager.roles:
            self.observer.on_preferences(role, self.manager.preferences(role, CallContext()))
        self.report()

    def report(self) -> None:
        """Tell the observer about roles whose assignment changed since the last report."""
        for role, model in self.assignment().items():
            previous = self._reported.get(role)
            if previous != model:
                self._reported[role] = model
                self.observer.on_assignment(role, model, previous, list(self.manager.models))

    def _tell(self, applied: bool) -> None:
        hook: Callable[..., None] | None = getattr(self.observer, "on_feedback", None)
        if hook is not None:
            hook(applied, self.events, self.offset)

    def _new_chunk(self, ctx: CallContext) -> None:
        """One election per chunk with feedback (as ``RLCaller`` holds one per chunk), in the log's order."""
        if self._last_chunk.get(ctx.stream) == ctx.chunk:
            return
        self._last_chunk[ctx.stream] = ctx.chunk
        self._last_chunk.move_to_end(ctx.stream)
        while len(self._last_chunk) > 1024:
            self._last_chunk.popitem(last=False)
        self.chunks_seen += 1
        hold_election(self.manager, self.board, self.chunks_seen, self.reward_v, self.observer)

    def state_dict(self) -> dict[str, Any]:
        return {"v": STATE_VERSION, "manager": self.manager.state_dict(), "audit": self.audit.state_dict(),
                "board": self.board.state_dict() if self.board else None, "applied": dict(self.applied),
                "events": self.events, "offset": self.offset, "chunks_seen": self.chunks_seen,
                "last_chunk": dict(self._last_chunk)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("v") != STATE_VERSION:
            raise ConfigError(f"learner snapshot has version {state.get('v')!r}; this worker reads {STATE_VERSION}")
        self.manager.load_state_dict(state["manager"])
        self.audit.load_state_dict(state.get("audit") or {})
        if state.get("board") and self.board is not None:
            self.board.load_state_dict(state["board"])
        self.applied = {str(k): int(v) for k, v in state.get("applied", {}).items()}
        self.events, self.offset = int(state.get("events", 0)), int(state.get("offset", 0))
        self.chunks_seen = int(state.get("chunks_seen", 0))
        self._last_chunk = OrderedDict((str(k), int(v)) for k, v in state.get("last_chunk", {}).items())


# ---------------------------------------------------------------------------------------------- stream callers
class _NoAssignments(Observer):
    """A stream's observer without assignment and preference hooks: those belong to the deployment now (the
    learner reports them), and a stream's contextual choice would make the metric flap between streams."""

    def __init__(self, inner: Observer) -> None:
        self.inner = inner

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("on_") and name not in ("on_assignment", "on_preferences"):
            return getattr(object.__getattribute__(self, "inner"), name)
        return object.__getattribute__(self, name)


class StreamCaller(RLCaller):
    """One stream's Role-RL caller over the worker's shared learner: its feedback goes to the learner, it waits
    until the learner is warm before its first call, and its saved state holds nothing of the learner."""

    def __init__(self, learner: "SharedLearner", gateway: Any, profile: Any, observer: Observer,
                 concurrency: int = 16) -> None:
        self.shared = learner
        super().__init__(gateway, profile, learner.manager, learner.board, reward=learner.reward,
                         audit=learner.audit, observer=_NoAssignments(observer), concurrency=concurrency,
                         learn=learner.submit, elections=False)

    async def call(self, role, inp, ctx):
        await self.shared.wait_ready()
        return await super().call(role, inp, ctx)

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass  # a stream state saved before the learner was shared may hold one: the deployment's wins


# ---------------------------------------------------------------------------------------------- the learner
class SharedLearner:
    """The worker's Role-RL learner: one replica, fed by every worker through ``olp-feedback``.

    Args:
        settings: the worker's settings (broker, topics, pool, ``manager``).
        observer: the worker's observer (metrics).
        worker_id: this process's producer id (default: host, pid and a random part).
        snapshot_interval_s: how often a changed replica is snapshotted.
        seed: seeds the manager's and the audit policy's random draws.
    """

    def __init__(self, settings: Any, observer: Observer | None = None, *, worker_id: str | None = None,
                 snapshot_interval_s: float = 1.0, seed: int | None = None) -> None:
        from olp.gateway import Gateway
        from olp.poolfile import load_pool
        from olp.profiles import get_profile
        from role_rl.caller import build_rl_caller

        if not settings.manager:
            raise ConfigError("a shared learner needs a manager (--manager)")
        self.settings = settings
        self.observer = observer or Observer()
        self.pool = load_pool(settings.pool)
        gateway = Gateway(self.pool, observer=self.observer)  # the board's calls: counted once, by the worker
        template = build_rl_caller(gateway, get_profile(settings.profile), settings.manager, seed=seed,
                                   audit=settings.audit, observer=Observer())
        self.manager, self.board, self.audit, self.reward = (template.manager, template.board, template.audit,
                                                              template.reward)
        self.replica = Replica(self.manager, self.audit, self.board, self.reward.v, self.observer)
        self.worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.snapshot_interval_s = snapshot_interval_s
        self._seq = 0
        self._queue: asyncio.Queue[dict[str, Any]] | None = None
        self._ready: asyncio.Event | None = None
        self._tasks: list[asyncio.Task] = []
        self._producer: Any = None
        self._consumer: Any = None
        self._snapshotted: tuple[int, int] | None = None
        self._local = False

    # -------------------------------------------------------------------------------------- used by streams
    def caller(self, profile: Any, observer: Observer, concurrency: int = 16) -> StreamCaller:
        """A stream's caller: its own gateway (the stream's observer), the worker's manager, board and audit."""
        from olp.gateway import Gateway

        return StreamCaller(self, Gateway(self.pool, observer=observer), profile, observer, concurrency)

    def submit(self, feedback: Feedback) -> None:
        """Publish one judged call's feedback (it is applied when read back from the log, like everyone's)."""
        event = feedback_event(feedback, self.worker_id, self._seq, time.time())
        self._seq += 1
        if self._local:
            self.replica.apply(event)
            return
        if self._queue is None:
            raise RuntimeError("the shared learner is not started")
        self._queue.put_nowait(event)

    def start_local(self) -> None:
        """Serve this process alone, without Kafka: feedback is applied at once (one worker, nothing shared)."""
        self._local = True
        if self._ready is None:
            self._ready = asyncio.Event()
        self.replica.announce()
        self._ready.set()

    async def wait_ready(self) -> None:
        if self._ready is None:
            self._ready = asyncio.Event()
        await self._ready.wait()

    # -------------------------------------------------------------------------------------- Kafka
    async def start(self) -> None:
        """Create the topics, load the newest snapshot, apply the feedback after it, then serve."""
        from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

        from olp.stream.settings import bootstrap

        if self._ready is None:
            self._ready = asyncio.Event()
        self._queue = asyncio.Queue()
        boot = bootstrap(self.settings.broker)
        topics = self.settings.topics
        await ensure_learner_topics(self.settings.broker, topics)
        self._producer = AIOKafkaProducer(bootstrap_servers=boot, enable_idempotence=True, linger_ms=5)
        await self._producer.start()
        snapshot = await read_snapshot(boot, topics.learner_state)
        if snapshot is not None:
            self.replica.load_state_dict(snapshot)
            log.info("learner: snapshot at feedback offset %d (%d events)", self.replica.offset, self.replica.events)
        self._consumer = AIOKafkaConsumer(bootstrap_servers=boot, group_id=None, enable_auto_commit=False,
                                          auto_offset_reset="earliest")
        await self._consumer.start()
        tp = TopicPartition(topics.feedback, 0)
        self._consumer.assign([tp])
        self._consumer.seek(tp, self.replica.offset)
        end = (await self._consumer.end_offsets([tp]))[tp]
        while self.replica.offset < end:  # catch up before any stream calls: start where the deployment is
            await self._read_some(tp)
        self._snapshotted = (self.replica.events, self.replica.offset)
        self.replica.announce()
        log.info("learner ready: %s", json.dumps({"worker": self.worker_id, "events": self.replica.events,
                                                  "offset": self.replica.offset,
                                                  "assignment": self.replica.assignment()}, sort_keys=True))
        tell = getattr(self.observer, "set_learner_position", None)
        if tell is not None:
            tell(self.replica.events, self.replica.offset)
        self._tasks = [asyncio.ensure_future(self._read_loop(tp)), asyncio.ensure_future(self._send_loop()),
                       asyncio.ensure_future(self._snapshot_loop())]
        self._ready.set()

    async def stop(self) -> None:
        """Send the feedback still queued, snapshot, and close the clients."""
        if self._queue is not None and self._producer is not None:
            try:
                await asyncio.wait_for(self._queue.join(), 10)
            except asyncio.TimeoutError:
                log.warning("learner: %d feedback events not sent at stop", self._queue.qsize())
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self._producer is not None:
            try:
                await self._snapshot()
            except Exception as exc:  # the broker went away: the last periodic snapshot stands
                log.warning("learner: no snapshot at stop: %s", exc)
            await self._producer.stop()
            self._producer = None
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    async def _read_some(self, tp: Any) -> None:
        batches = await self._consumer.getmany(tp, timeout_ms=500)
        for msg in batches.get(tp, []):
            try:
                event = json.loads(msg.value)
            except (TypeError, ValueError):
                log.warning("feedback at offset %d is not JSON; skipped", msg.offset)
                self.replica.offset = max(self.replica.offset, msg.offset + 1)
                continue
            try:
                self.replica.apply(event, msg.offset)
            except Exception:  # one bad event must not cost the rest of the batch (replicas would diverge)
                log.exception("feedback at offset %d could not be applied; skipped", msg.offset)

    async def _read_loop(self, tp: Any) -> None:
        while True:
            try:
                await self._read_some(tp)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a broker hiccup: the consumer reconnects; try again
                log.warning("learner: reading feedback failed (%s); retrying", exc)
                await asyncio.sleep(1.0)

    async def _send_loop(self) -> None:
        assert self._queue is not None
        topic = self.settings.topics.feedback
        key = self.worker_id.encode()
        while True:
            event = await self._queue.get()
            try:
                # One sender in sequence order: a producer's events reach the log in order (high-water dedup).
                await self._producer.send(topic, json.dumps(event, separators=(",", ":")).encode(), key=key)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("learner: feedback event %s not sent: %s", event["id"], exc)
            finally:
                self._queue.task_done()

    async def _snapshot_loop(self) -> None:
        while True:
            await asyncio.sleep(self.snapshot_interval_s)
            try:
                await self._snapshot()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("learner: snapshot failed (%s); retrying", exc)

    async def _snapshot(self) -> None:
        mark = (self.replica.events, self.replica.offset)
        if mark == self._snapshotted:
            return
        value = json.dumps(self.replica.state_dict(), separators=(",", ":")).encode()
        await self._producer.send_and_wait(self.settings.topics.learner_state, value, key=SNAPSHOT_KEY)
        self._snapshotted = mark


async def ensure_learner_topics(broker: str, topics: Any) -> None:
    """Create the feedback topic (one partition: one order) and the compacted snapshot topic if missing."""
    from olp.stream.kafka import create_topics

    counts = await create_topics(broker, [(topics.feedback, 1, None),
                                          (topics.learner_state, 1, {"cleanup.policy": "compact"})])
    if counts[0] != 1:
        raise ConfigError(f"topic {topics.feedback} has {counts[0]} partitions; the learner's feedback "
                          "needs one (one order for every worker): recreate it with one partition")


async def read_snapshot(boot: str, topic: str) -> dict[str, Any] | None:
    """The snapshot in ``topic`` with the highest feedback offset (None: none yet)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=boot, group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    best: dict[str, Any] | None = None
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        end = (await consumer.end_offsets([tp]))[tp]
        while await consumer.position(tp) < end:
            batches = await consumer.getmany(tp, timeout_ms=500)
            for msg in batches.get(tp, []):
                try:
                    state = json.loads(msg.value)
                except (TypeError, ValueError):
                    continue
                if isinstance(state, dict) and (best is None or state.get("offset", -1) >= best.get("offset", -1)):
                    best = state
    finally:
        await consumer.stop()
    return best
