"""Applies transcript messages to per-stream pipelines, with a state that survives restarts. No Kafka here.

Delivery is at-least-once: after a crash, messages after the last committed offset come again, while the
saved state (a faust table, written to its changelog) may already include some of them. So the saved state
records the offset of the last message it includes, and such messages are skipped. The pipeline is
deterministic for a given state and input (ids, texts, timestamps come from the messages), so replaying the
rest makes the same documents with the same keys (``stream:topic_id``), which consumers drop as duplicates.
"""

from __future__ import annotations

import logging
import time
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
        state: the stream's new saved state (None: leave the saved state as it is).
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


@dataclass
class _Live:
    """A stream's pipeline in memory, and the offset of the last message it includes."""

    pipeline: PipelineLike
    profile: str
    offset: int | None
    assignments: _AssignmentLog

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
    """

    def __init__(
        self,
        make_pipeline: PipelineFactory,
        observer: Observer | None = None,
        default_profile: str = "ecommerce-en",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.make_pipeline = make_pipeline
        self.observer = observer or Observer()
        self.default_profile = default_profile
        self.clock = clock
        self._live: dict[str, _Live] = {}

    async def handle(self, stream: str, message: Message, offset: int, saved: dict[str, Any] | None) -> Outcome:
        """Apply the message at ``offset`` to ``stream`` whose saved state is ``saved``."""
        live = self._live.get(stream)
        if max(_offset(saved), -1 if live is None else live.applied) >= offset:
            return Outcome(skipped=True)
        try:
            live = self._pipeline_for(stream, message, saved)
        except Exception as exc:  # unknown profile, incompatible saved state: this message cannot be used
            return Outcome(dead_letter=f"cannot start stream {stream!r}: {_reason(exc)}")
        try:
            if isinstance(message, EndOfStream):
                docs = await live.pipeline.flush()
            else:
                sentence, problem = self._sentence(stream, live.pipeline, message)
                if problem:
                    return Outcome(dead_letter=problem, assignments=live.assignments.drain())
                docs = await live.pipeline.feed(sentence)
            state = {
                "v": STATE_VERSION,
                "offset": offset,
                "profile": live.profile,
                "ended": isinstance(message, EndOfStream),
                "pipeline": live.pipeline.state_dict(),
            }
        except Exception as exc:
            # The pipeline may be half-changed: forget it, so the next message starts again from the saved state.
            self._live.pop(stream, None)
            log.exception("stream %s: message at offset %d failed", stream, offset)
            return Outcome(dead_letter=f"processing failed: {_reason(exc)}")
        live.offset = offset
        if isinstance(message, EndOfStream):
            self._live.pop(stream, None)  # the saved state keeps it; memory is for streams still talking
        return Outcome(documents=docs, assignments=live.assignments.drain(), state=state)

    def _pipeline_for(self, stream: str, message: Message, saved: dict[str, Any] | None) -> _Live:
        live = self._live.get(stream)
        # The newer of the two wins. A saved state ahead of the pipeline in memory means another worker moved the
        # stream on while it held the partition. A saved state behind it is a stale read: while a rebalance
        # restores the table from its changelog, faust replays older values of keys this worker is still
        # writing, and may stop before the newest. Rebuilding from that would drop the sentences in between,
        # which Kafka will not deliver again.
        if live is not None and live.applied >= _offset(saved):
            if live.applied > _offset(saved):
                log.warning("stream %s: the saved state (offset %d) is behind the pipeline in memory (offset %d); "
                            "keeping the pipeline", stream, _offset(saved), live.applied)
            return live
        saved_offset = None if saved is None else saved.get("offset")
        if saved is not None and saved.get("v") != STATE_VERSION:
            raise ValueError(f"saved state has version {saved.get('v')!r}; this worker reads version {STATE_VERSION}")
        profile = (saved or {}).get("profile") or (
            message.profile if isinstance(message, Utterance) and message.profile else self.default_profile
        )
        assignments = _AssignmentLog(stream, self.clock)
        pipeline = self.make_pipeline(stream, profile, Observers(self.observer, assignments))
        if saved is not None:
            pipeline.load_state_dict(saved["pipeline"])
        live = _Live(pipeline, profile, saved_offset, assignments)
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


def _offset(saved: dict[str, Any] | None) -> int:
    """The offset of the last message a saved state includes (-1: none)."""
    return -1 if saved is None else saved.get("offset", -1)


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
