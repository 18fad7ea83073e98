"""Applies transcript messages to per-stream pipelines, with a state that survives restarts. No Kafka here.

A stream's state is saved as a snapshot plus a position in the log, as Kafka Streams and Flink pair state with
source offsets. A snapshot (written to the changelog by the worker) is taken when the pipeline has just passed a
chunk boundary: its buffer of sentences waiting for the next chunk is empty, so the state is the carried tail
and the open topic. Between snapshots nothing is written; the messages since the snapshot stay in Kafka, and a
restarted or taking-over worker reads them back (from the partition's watermark, ``oldest_unsaved``) and feeds
them again. Feeding a sentence between chunk boundaries only buffers it (no model call), so the replay rebuilds
the same state, and the pipeline is deterministic for a given state and input (ids, texts, timestamps come from
the messages): the chunks that follow make the same documents with the same keys (``stream:topic_id``), which
consumers drop as duplicates.

Delivery is at-least-once: a message the saved snapshot already includes is skipped (a snapshot records the
offset of the last message it includes). The messages a snapshot includes hold the watermark back until the
worker confirms that the snapshot is in Kafka (``saved``). A stream that goes quiet between chunk boundaries is
snapshotted whole, buffer included (``snapshot_quiet``), so that it does not hold the watermark back for ever.
"""

from __future__ import annotations

import json
import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from olp.observer import Observer, Observers
from olp.stream.messages import EndOfStream, Message, Utterance
from olp.types import Sentence, TopicDocument

log = logging.getLogger(__name__)

STATE_VERSION = 1


class PipelineLike(Protocol):
    """What the processor needs of ``olp.pipeline.Pipeline``."""

    last_id: int | None
    #: sentences taken since the last chunk boundary (0: the state is worth a snapshot)
    buffered: int

    async def feed(self, sentence: Sentence) -> list[TopicDocument]: ...

    async def flush(self) -> list[TopicDocument]: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


#: ``make_pipeline(stream, profile, observer)``: a fresh pipeline for one stream.
PipelineFactory = Callable[[str, str, Observer], PipelineLike]


@dataclass
class Outcome:
    """What handling one message produced.

    Attributes:
        documents: documents made final by the message, in order.
        assignments: role-assignment changes seen meanwhile (for the assignments topic).
        state: the stream's new snapshot to save (None: leave the saved state as it is; the messages since the
            last snapshot are read back from Kafka after a restart).
        dead_letter: why the message could not be used (None when it was used).
        skipped: the saved state already includes this message (a replay after a restart).
    """

    documents: list[TopicDocument] = field(default_factory=list)
    assignments: list[dict[str, Any]] = field(default_factory=list)
    state: dict[str, Any] | None = None
    dead_letter: str | None = None
    skipped: bool = False


class _AssignmentLog(Observer):
    """Collects one stream's role-assignment changes until the worker publishes them."""

    def __init__(self, stream: str, clock: Callable[[], float]) -> None:
        self.stream, self.clock = stream, clock
        self.items: list[dict[str, Any]] = []

    def on_assignment(self, role: str, model: str, previous: str | None, pool: list[str]) -> None:
        self.items.append(
            {"stream": self.stream, "role": role, "model": model, "previous": previous, "ts": self.clock()}
        )

    def drain(self) -> list[dict[str, Any]]:
        items, self.items = self.items, []
        return items


class _StreamObservers(Observers):
    """A stream pipeline's observers. While ``replaying``, sentences are not reported: they were counted when first
    fed (a rebuild feeds the journal again; a restarted worker feeds again what it reads back)."""

    def __init__(self, *observers: Observer) -> None:
        super().__init__(*observers)
        self.replaying = False

    def __getattribute__(self, name: str):
        if name == "on_sentence" and object.__getattribute__(self, "replaying"):
            return _ignore
        return super().__getattribute__(name)


def _ignore(*args: Any, **kwargs: Any) -> None:
    pass


@dataclass
class _Live:
    """A stream's pipeline in memory, and where it stands against its saved snapshot."""

    pipeline: PipelineLike
    profile: str
    offset: int | None
    assignments: _AssignmentLog
    observers: _StreamObservers
    partition: int = 0
    #: the saved state the pipeline started from or last wrote (None: none yet)
    snapshot: dict[str, Any] | None = None
    #: messages applied and in no state known to be in Kafka, as (offset, message), oldest first. Kept until
    #: ``saved`` confirms the state that includes them: they hold the partition's watermark back meanwhile.
    journal: list[tuple[int, Message]] = field(default_factory=list)
    #: offset of a state handed out to be saved and not yet confirmed by ``saved`` (None: none)
    saving: int | None = None
    busy: bool = False  # a message is being applied (the pipeline may be half-changed)
    #: the pipeline could not be rebuilt after a failure: it is half-changed and must never be written
    broken: bool = False
    ended: bool = False  # the last message applied was the stream's end
    #: a message of the stream was handled since its partition was last assigned (``reassigned``)
    confirmed: bool = True
    touched: float = 0.0  # monotonic time of the last applied message

    @property
    def applied(self) -> int:
        """The offset of the last message the pipeline includes (-1: none yet)."""
        return -1 if self.offset is None else self.offset


class StreamProcessor:
    """Turns each stream's messages into documents, one message at a time per stream.

    Args:
        make_pipeline: builds a stream's pipeline (``olp.pipeline.build_pipeline`` in the worker).
        observer: told about everything every pipeline does (metrics).
        default_profile: profile of streams whose messages name none.
        clock: wall-clock seconds, for assignment events.
        every_message: save the state after every message, as the worker did before snapshots (issue 13; for
            comparison in ``olp bench streams``, and for states taken at any point).
    """

    def __init__(
        self,
        make_pipeline: PipelineFactory,
        observer: Observer | None = None,
        default_profile: str = "ecommerce-en",
        clock: Callable[[], float] = time.time,
        every_message: bool = False,
    ) -> None:
        self.make_pipeline = make_pipeline
        self.observer = observer or Observer()
        self.default_profile = default_profile
        self.clock = clock
        self.every_message = every_message
        self._live: dict[str, _Live] = {}

    async def handle(
        self, stream: str, message: Message, offset: int, saved: dict[str, Any] | None, partition: int = 0,
        replay: bool = False,
    ) -> Outcome:
        """Apply the message at ``offset`` of ``partition`` to ``stream`` whose saved state is ``saved``.

        ``replay``: the message was fed before (by a worker that stopped before saving it); its sentence is not
        counted again.
        """
        live = self._live.get(stream)
        if max(_offset(saved), -1 if live is None else live.applied) >= offset:
            if live is not None:
                live.confirmed = True
            return Outcome(skipped=True)
        try:
            live = self._pipeline_for(stream, message, saved, partition)
        except Exception as exc:  # unknown profile, incompatible saved state: this message cannot be used
            return Outcome(dead_letter=f"cannot start stream {stream!r}: {_reason(exc)}")
        if live.broken:
            raise RuntimeError(f"stream {stream!r}: its pipeline could not be rebuilt; restart the worker")
        live.confirmed = True
        ended = isinstance(message, EndOfStream)
        live.busy, live.observers.replaying = True, replay
        try:
            if ended:
                docs = await live.pipeline.flush()
            else:
                sentence, problem = self._sentence(stream, live.pipeline, message)
                if problem:
                    return Outcome(dead_letter=problem, assignments=live.assignments.drain())
                docs = await live.pipeline.feed(sentence)
            boundary = ended or self.every_message or live.pipeline.buffered == 0
            state = self._snapshot(live, offset, ended) if boundary else None
        except Exception as exc:
            # The pipeline may be half-changed: rebuild it from its snapshot and the messages since, so the
            # stream goes on as if this message had never come.
            log.exception("stream %s: message at offset %d failed", stream, offset)
            await self._rebuild(stream, live)
            return Outcome(dead_letter=f"processing failed: {_reason(exc)}")
        finally:
            live.busy = live.observers.replaying = False
        live.offset, live.touched, live.ended = offset, time.monotonic(), ended
        # Journalled even with a state: until that state is in Kafka (``saved``), only the log has the message.
        live.journal.append((offset, message))
        if state is not None:
            live.saving = offset
        return Outcome(documents=docs, assignments=live.assignments.drain(), state=state)

    def saved(self, stream: str, offset: int) -> None:
        """``stream``'s state at ``offset`` (from ``handle`` or ``snapshot_quiet``) is in Kafka now: the messages it
        includes no longer hold the watermark back. An ended stream leaves memory (its saved state keeps it)."""
        live = self._live.get(stream)
        if live is None:
            return
        live.journal = [(at, message) for at, message in live.journal if at > offset]
        if live.saving is not None and live.saving <= offset:
            live.saving = None
        if live.ended and live.applied <= offset:
            self._live.pop(stream, None)

    def oldest_unsaved(self, partition: int) -> int | None:
        """The offset of the oldest message of ``partition`` that a pipeline includes and no saved state does
        (None: every applied message is in a saved state). A restarted worker must read back from there."""
        return min((live.journal[0][0] for live in self._live.values()
                    if live.partition == partition and live.journal), default=None)

    def evict(self, held: set[int]) -> list[str]:
        """Drop from memory the pipelines of streams whose partition is not in ``held`` (revoked: another worker
        owns the stream now) and that are not in the middle of a message or a save; returns their names.

        Nothing is lost: the partition's new owner reads back from its watermark, which never passed a message
        in no saved state, and if the partition comes back here, so does this worker (``reassigned``).
        """
        gone = [stream for stream, live in self._live.items()
                if live.partition not in held and not live.busy and live.saving is None]
        for stream in gone:
            del self._live[stream]
        return gone

    @property
    def streams_in_memory(self) -> int:
        """How many streams have a pipeline in memory."""
        return len(self._live)

    def partitions_in_memory(self) -> set[int]:
        """The partitions of the streams with a pipeline in memory."""
        return {live.partition for live in self._live.values()}

    def reassigned(self, partition: int) -> None:
        """``partition`` was assigned (again): its pipelines in memory may be stale (another worker may have moved
        their streams on meanwhile) until a message of the stream confirms them."""
        for live in self._live.values():
            if live.partition == partition:
                live.confirmed = False

    def snapshot_quiet(
        self, partitions: set[int], idle_s: float, saved: Callable[[str], dict[str, Any] | None]
    ) -> list[tuple[str, int, dict[str, Any]]]:
        """Snapshots, buffer included, of the streams of ``partitions`` that took no message for ``idle_s``
        seconds with messages in no saved state, as ``(stream, partition, state)`` to write; the caller tells
        ``saved`` once a state is in Kafka (its messages hold the watermark back until then).

        ``saved(stream)`` is the stream's saved state. One ahead of the pipeline means another worker moved the
        stream on meanwhile: the pipeline in memory is dropped, not written over it. One that includes the
        pipeline's last message (another worker replayed the same messages and saved them) leaves nothing
        unsaved. A pipeline not confirmed since its partition was assigned again (``reassigned``) is not written:
        it may be stale.
        """
        now, out = time.monotonic(), []
        for stream, live in list(self._live.items()):
            if live.partition not in partitions or not live.journal or live.busy or live.broken:
                continue
            if live.saving is not None:  # a state on its way to Kafka; ``saved`` releases its messages
                continue
            idle = now - live.touched >= idle_s
            if live.confirmed and not idle:
                continue
            state = saved(stream)
            if _offset(state) > live.applied:
                self._live.pop(stream, None)
            elif _offset(state) == live.applied:
                live.snapshot, live.journal = state, []
            elif live.confirmed:
                out.append((stream, live.partition, self._snapshot(live, live.applied, ended=False)))
                live.saving = live.applied
        return out

    @staticmethod
    def _snapshot(live: _Live, offset: int, ended: bool) -> dict[str, Any]:
        live.snapshot = {
            "v": STATE_VERSION,
            "offset": offset,
            "profile": live.profile,
            "ended": ended,
            "pipeline": live.pipeline.state_dict(),
        }
        return live.snapshot

    async def _rebuild(self, stream: str, live: _Live) -> None:
        """Replace a half-changed pipeline with its snapshot plus the messages applied since.

        Raises:
            RuntimeError: the pipeline cannot be rebuilt. The worker must stop: its messages since the last saved
                state are only in Kafka, and a restarted worker replays them from the watermark, which the
                broken pipeline's journal keeps holding back meanwhile.
        """
        since = _offset(live.snapshot)
        try:
            fresh = self._start(stream, live.profile, live.snapshot, live.partition)
            fresh.observers.replaying = True  # counted when first fed
            for at, message in live.journal:  # between chunk boundaries: buffered again, no model call
                if at > since:  # the journal keeps messages until their state is in Kafka (``saved``)
                    sentence, _problem = self._sentence(stream, fresh.pipeline, message)
                    await fresh.pipeline.feed(sentence)
        except Exception as exc:
            self._live[stream] = live
            live.broken = True
            raise RuntimeError(
                f"stream {stream!r}: cannot rebuild its pipeline after a failed message ({_reason(exc)}); "
                "restart the worker: it replays the stream's messages from the partition's watermark"
            ) from exc
        # The fresh log is the one the new pipeline reports to; the replay re-announced only changes that were
        # published already, and the old log's undelivered changes go out with the next outcome.
        fresh.assignments.items = live.assignments.items
        fresh.offset, fresh.journal, fresh.touched = live.offset, live.journal, live.touched
        fresh.saving = live.saving
        fresh.observers.replaying = False

    def _pipeline_for(self, stream: str, message: Message, saved: dict[str, Any] | None, partition: int) -> _Live:
        live = self._live.get(stream)
        # The newer of the two wins. A saved state ahead of the pipeline in memory means another worker moved the
        # stream on while it held the partition. A saved state behind the pipeline's own last snapshot is a stale
        # read: while a rebalance restores the table from its changelog, faust replays older values of keys this
        # worker is still writing, and may stop before the newest. Rebuilding from that would drop the sentences
        # in between, which Kafka will not deliver again. (Behind the pipeline but not behind its snapshot is
        # the usual case: the messages since the snapshot are in no saved state.)
        if live is not None and live.applied >= _offset(saved):
            if _offset(saved) < _offset(live.snapshot):
                log.warning("stream %s: the saved state (offset %d) is behind the pipeline's last snapshot "
                            "(offset %d); keeping the pipeline", stream, _offset(saved), _offset(live.snapshot))
            return live
        if saved is not None and saved.get("v") != STATE_VERSION:
            raise ValueError(f"saved state has version {saved.get('v')!r}; this worker reads version {STATE_VERSION}")
        profile = (saved or {}).get("profile") or (
            message.profile if isinstance(message, Utterance) and message.profile else self.default_profile
        )
        return self._start(stream, profile, saved, partition)

    def _start(self, stream: str, profile: str, saved: dict[str, Any] | None, partition: int) -> _Live:
        assignments = _AssignmentLog(stream, self.clock)
        observers = _StreamObservers(self.observer, assignments)
        pipeline = self.make_pipeline(stream, profile, observers)
        if saved is not None:
            pipeline.load_state_dict(saved["pipeline"])
        live = _Live(pipeline, profile, None if saved is None else saved.get("offset"), assignments, observers,
                     partition=partition, snapshot=saved)
        self._live[stream] = live
        return live

    @staticmethod
    def _sentence(stream: str, pipeline: PipelineLike, message: Utterance) -> tuple[Sentence, str | None]:
        last = getattr(pipeline, "last_id", None)
        sid = message.id if message.id is not None else (0 if last is None else last + 1)
        if last is not None and sid <= last:
            return Sentence(sid, message.text, message.ts), (
                f"sentence id {sid} is not above the last id {last} of stream {stream!r}"
            )
        return Sentence(sid, message.text, message.ts), None


def encode_state(state: dict[str, Any]) -> bytes:
    """A saved state as the changelog stores it: compact JSON, zlib-compressed (a snapshot is mostly the
    sentences of the carried tail and the open topic: text that compresses about threefold)."""
    return zlib.compress(json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)


def decode_state(raw: bytes | dict[str, Any] | None) -> dict[str, Any] | None:
    """A saved state from the changelog (plain JSON, as states were written before snapshots, is read too)."""
    if raw is None or isinstance(raw, dict):
        return raw
    data = bytes(raw)
    return json.loads(data if data[:1] == b"{" else zlib.decompress(data))


def _offset(saved: dict[str, Any] | None) -> int:
    """The offset of the last message a saved state includes (-1: none)."""
    return -1 if saved is None else saved.get("offset", -1)


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
