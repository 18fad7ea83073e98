"""The online loop: sentences in, topic documents out, with memory bounded by the chunk and the open topic.

Per chunk (the carried tail of the last chunk plus new sentences):

1. the Topic Finder lists the chunk's topics;
2. the Topic Locator finds each topic's span (one concurrent call per topic);
3. the Relationship Checker compares neighbouring topics (concurrently), and the first topic with the topic
   left open by the previous chunk; related topics merge;
4. topics are tiled so that each owns the sentences up to the next one's start (the authors' rule);
5. the Chunk Splitter says where the next chunk starts: the topic that crosses that point stays open and its
   tail is read again with the next chunk, so a topic crossing the boundary stays whole;
6. every topic that ended before that point is organized (Content Organizer, concurrently per topic and per
   batch of sentences), checked (Format Checker), validated against the schema and emitted at once.

At end of stream, ``flush()`` processes what is left and emits every remaining topic.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from olp.caller import CallContext, DirectCaller, RoleCaller, RoleResult
from olp.errors import BadModelOutputError, OlpError
from olp.observer import Observer
from olp.profiles import Profile, get_profile
from olp.roles.chunk_splitter import ChunkSplitter, SplitterInput
from olp.roles.content_organizer import ContentOrganizer, OrganizerInput
from olp.roles.format_checker import FormatChecker, FormatInput
from olp.roles.relationship_checker import CheckerAnswer, CheckerInput, RelationshipChecker, TopicRef
from olp.roles.topic_finder import FinderInput, TopicFinder
from olp.roles.topic_locator import LocatorInput, TopicLocator
from olp.schema import validate_document
from olp.settings import PipelineSettings
from olp.types import CallRecord, Sentence, TopicDocument, Usage

log = logging.getLogger(__name__)

FINDER, LOCATOR, CHECKER = TopicFinder(), TopicLocator(), RelationshipChecker()
ORGANIZER, FORMAT, SPLITTER = ContentOrganizer(), FormatChecker(), ChunkSplitter()


@dataclass
class OpenTopic:
    """A topic being built: its name, sentences so far, and what its calls cost."""

    name: str
    sentences: list[Sentence]
    usage: Usage = field(default_factory=Usage)
    models: dict[str, str] = field(default_factory=dict)
    idle: int = 0  # sentences absorbed since the topic was last located

    @property
    def first(self) -> int:
        return self.sentences[0].id

    @property
    def last(self) -> int:
        return self.sentences[-1].id

    def extend(self, more: list[Sentence]) -> None:
        have = {s.id for s in self.sentences}
        self.sentences.extend(s for s in more if s.id not in have)
        self.sentences.sort(key=lambda s: s.id)

    def ref(self) -> TopicRef:
        sample = tuple(self.sentences[:3] + self.sentences[-2:]) if len(self.sentences) > 5 else tuple(self.sentences)
        return TopicRef(self.name, (self.sentences[0].id, self.sentences[-1].id), sample)


class Pipeline:
    """One stream's online processor. Not thread-safe; one task feeds it.

    Args:
        stream: the stream id written into every document.
        profile: the domain and language profile.
        caller: who answers role calls (fixed assignment, or Role-RL).
        settings: chunk size and limits.
        observer: told about sentences and documents.
        wall: wall-clock seconds (injected for tests); used for time-to-document.
    """

    def __init__(
        self,
        stream: str,
        profile: Profile,
        caller: RoleCaller,
        settings: PipelineSettings | None = None,
        observer: Observer | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.stream = stream
        self.profile = profile
        self.caller = caller
        self.settings = settings or PipelineSettings()
        self.observer = observer or Observer()
        self.wall = wall
        self.pending: list[Sentence] = []
        self.carry: list[Sentence] = []
        self.open: OpenTopic | None = None
        self.next_topic_id = 0
        self.chunk_index = 0
        self.last_id: int | None = None
        self.unattributed = Usage()  # calls of chunks where no topic was found
        self.carry_usage = Usage()  # calls spent on topics that are read again with the next chunk
        self.total = Usage()

    @property
    def buffered(self) -> int:
        """Sentences taken since the last chunk was processed. Feeding them again needs no model call, so a
        worker saves the state only when this is 0 and replays the messages since (``olp.stream.processor``)."""
        return len(self.pending)

    # ------------------------------------------------------------------ input
    async def feed(self, sentence: Sentence) -> list[TopicDocument]:
        """Take one sentence; return the documents it made final (usually none).

        A sentence whose id is not above the last one seen is a replay (at-least-once delivery) and is ignored.
        """
        if self.last_id is not None and sentence.id <= self.last_id:
            return []
        self.last_id = sentence.id
        if sentence.ts is None:
            sentence = Sentence(sentence.id, sentence.text, self.wall())
        self.pending.append(sentence)
        self.observer.on_sentence(self.stream)
        if len(self.carry) + len(self.pending) >= self.settings.chunk_size:
            return await self._process(final=False)
        return []

    async def flush(self) -> list[TopicDocument]:
        """End of stream: process what is left and emit every remaining topic."""
        docs: list[TopicDocument] = []
        if self.pending or self.carry:
            docs += await self._process(final=True)
        elif self.open is not None:
            ctx = CallContext(self.stream, self.chunk_index, {})
            docs += self._number([await self._emit_prepare(self.open, ctx)])
        self.carry, self.pending, self.open = [], [], None
        return docs

    async def run(self, sentences: AsyncIterable[Sentence]) -> AsyncIterator[TopicDocument]:
        """Process a whole (possibly unbounded) stream, yielding documents as soon as they are final."""
        async for s in sentences:
            for doc in await self.feed(s):
                yield doc
        for doc in await self.flush():
            yield doc

    # ------------------------------------------------------------------ one chunk
    async def _process(self, final: bool) -> list[TopicDocument]:
        buffer = self.carry + self.pending
        fresh = len(self.pending)
        self.pending = []
        ctx = CallContext(self.stream, self.chunk_index, _features(buffer))
        self.chunk_index += 1
        chunk_usage, chunk_models = self.carry_usage, {}
        self.carry_usage = Usage()

        def spend(result: RoleResult) -> Any:
            for rec in result.records:
                chunk_usage.add(rec)
                self.total.add(rec)
            if result.model:
                chunk_models[_role_of(result)] = result.model
            return result.value

        names = spend(await self.caller.call(FINDER, FinderInput(buffer), ctx))
        segments = await self._locate(names, buffer, ctx, spend)
        segments = await self._merge_neighbours(segments, ctx, spend)
        segments = _tile(segments, buffer)
        segments = [s for s in segments if len(s.sentences) >= self.settings.min_topic_sentences]
        ended = await self._continue_open(segments, buffer, fresh, ctx, spend) if self.open is not None else None
        # from here on, the previous open topic is either segments[0] (it continues) or `ended`

        carry_max = self.settings.max_carry
        floor = buffer[max(0, len(buffer) - carry_max)].id if carry_max else buffer[-1].id + 1
        if final:
            next_start = None
        elif not segments:
            next_start = floor  # nothing to keep whole: re-read the tail, so a topic starting there is seen whole
        else:
            tail_from = max(0, len(buffer) - 2 * self.settings.max_carry)
            topics = tuple((s.name, s.first, s.last) for s in segments)
            split_inp = SplitterInput(buffer[tail_from:], topics, buffer[-1].id)
            next_start = spend(await self.caller.call(SPLITTER, split_inp, ctx))
            if next_start is not None and next_start < floor:  # always make progress
                next_start = floor

        share = 1.0 / max(1, len(segments))
        for seg in segments:
            seg.usage.merge(_scaled(chunk_usage, share))
            seg.models.update(chunk_models)
        if not segments:
            (ended.usage if ended else self.unattributed).merge(chunk_usage)
        finished, still_open, reread = _split_at(segments, next_start)
        for seg in reread:
            self.carry_usage.merge(seg.usage)
        if ended is not None:
            ended.sentences = [s for s in ended.sentences if next_start is None or s.id < next_start]
            finished.insert(0, ended)
        went_idle = still_open is not None and still_open.idle > self.settings.chunk_size
        if went_idle:
            finished.append(still_open)  # nothing new located for a whole chunk: the topic is over
            still_open = None
        if still_open is None and finished and not final and not went_idle:
            # hold the chunk's last topic back (as the authors do): the next chunk may continue it,
            # e.g. the same product coming back with a new price after some chit-chat
            still_open = finished.pop()
        self.carry = [s for s in buffer if next_start is not None and s.id >= next_start]
        self.open = still_open
        finished = [t for t in finished if t.sentences]
        docs = await asyncio.gather(*(self._emit_prepare(t, ctx) for t in finished))
        return self._number(list(docs))

    async def _locate(self, names: list[str], buffer: list[Sentence], ctx: CallContext, spend) -> list[OpenTopic]:
        async def one(name: str) -> OpenTopic | None:
            others = tuple(n for n in names if n != name)
            result = await self.caller.call(LOCATOR, LocatorInput(name, buffer, others), ctx)
            try:
                first, last = spend(result)
            except (TypeError, ValueError):
                return None
            return OpenTopic(name, [s for s in buffer if first <= s.id <= last])

        async def guarded(name: str) -> OpenTopic | None:
            try:
                return await one(name)
            except BadModelOutputError:
                return None  # a topic that cannot be located has no sentences: dropped

        found = await asyncio.gather(*(guarded(n) for n in names))
        segs = [t for t in found if t is not None and t.sentences]
        segs.sort(key=lambda t: (t.sentences[0].id, t.sentences[-1].id))
        return segs

    async def _merge_neighbours(self, segs: list[OpenTopic], ctx: CallContext, spend) -> list[OpenTopic]:
        """Merge adjacent topics the checker calls the same, or that overlap heavily (IoU >= 0.5)."""
        for _ in range(2):
            if len(segs) < 2:
                return segs
            pairs = list(zip(segs, segs[1:]))
            answers = await asyncio.gather(
                *(self.caller.call(CHECKER, CheckerInput(a.ref(), b.ref()), ctx) for a, b in pairs)
            )
            merged: list[OpenTopic] = [segs[0]]
            changed = False
            for (a, b), result in zip(pairs, answers):
                answer: CheckerAnswer = spend(result)
                if answer.same or _iou(a, b) >= 0.5:
                    keep = merged[-1]
                    keep.extend(b.sentences)
                    keep.name = answer.name if answer.same else keep.name
                    changed = True
                else:
                    merged.append(b)
            segs = merged
            if not changed:
                break
        return segs

    async def _continue_open(
        self, segments: list[OpenTopic], buffer: list[Sentence], fresh: int, ctx: CallContext, spend
    ) -> OpenTopic | None:
        """Join the previous chunk's open topic with this chunk's first topic; return it if it ended instead.

        Sentences before the first topic of the chunk belong to the open topic (the authors' tiling). With no
        topic in the chunk, the open topic takes the whole chunk and counts it as idle.
        """
        opened = self.open
        assert opened is not None
        self.open = None
        start = segments[0].first if segments else None
        opened.extend([s for s in buffer if start is None or s.id < start])
        if not segments:
            opened.idle += fresh
            segments.append(opened)
            return None
        first = segments[0]
        answer: CheckerAnswer = spend(await self.caller.call(CHECKER, CheckerInput(opened.ref(), first.ref()), ctx))
        if answer.same:
            opened.extend(first.sentences)
            opened.name = answer.name or opened.name
            opened.idle = 0
            segments[0] = opened
            return None
        return opened

    # ------------------------------------------------------------------ documents
    async def _emit_prepare(self, topic: OpenTopic, ctx: CallContext) -> TopicDocument:
        """Organize, check and build one topic's document (numbered later, in emission order)."""
        batch = self.settings.organize_batch
        pieces = [topic.sentences[i : i + batch] for i in range(0, len(topic.sentences), batch)]
        results = await asyncio.gather(
            *(self.caller.call(ORGANIZER, OrganizerInput(topic.name, p), ctx) for p in pieces)
        )
        aspects: dict[str, list[int]] = {a: [] for a in self.profile.aspect_labels}
        for r in results:
            self._charge(topic, r)
            for label, ids in r.value.items():
                aspects.setdefault(label, []).extend(ids)
        allowed = tuple(s.id for s in topic.sentences)
        checked = await self.caller.call(FORMAT, FormatInput(topic.name, aspects, allowed), ctx)
        self._charge(topic, checked)
        text = {s.id: s.text for s in topic.sentences}
        return TopicDocument(
            stream=self.stream,
            topic_id=-1,
            topic=checked.value.topic or topic.name,
            span=(topic.sentences[0].id, topic.sentences[-1].id),
            aspects={k: [{"id": i, "text": text[i]} for i in ids] for k, ids in checked.value.aspects.items()},
            models=dict(topic.models),
            cost_usd=topic.usage.cost_usd,
            latency_ms=topic.usage.latency_ms,
            profile=self.profile.name,
            time_to_document_ms=_ttd(topic, self.wall()),
        )

    def _charge(self, topic: OpenTopic, result: RoleResult) -> None:
        for rec in result.records:
            topic.usage.add(rec)
            self.total.add(rec)
        if result.model:
            topic.models[_role_of(result)] = result.model

    def _number(self, docs: list[TopicDocument]) -> list[TopicDocument]:
        out = []
        for doc in sorted(docs, key=lambda d: d.span):
            doc.topic_id = self.next_topic_id
            self.next_topic_id += 1
            validate_document(doc.to_dict())
            self.observer.on_document(doc)
            out.append(doc)
        return out

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume this stream after a restart (JSON-serializable, bounded size)."""
        return {
            "stream": self.stream,
            "profile": self.profile.name,
            "pending": [_sent(s) for s in self.pending],
            "carry": [_sent(s) for s in self.carry],
            "open": None
            if self.open is None
            else {
                "name": self.open.name,
                "sentences": [_sent(s) for s in self.open.sentences],
                "usage": _usage_dict(self.open.usage),
                "models": self.open.models,
                "idle": self.open.idle,
            },
            "next_topic_id": self.next_topic_id,
            "chunk_index": self.chunk_index,
            "last_id": self.last_id,
            "unattributed": _usage_dict(self.unattributed),
            "carry_usage": _usage_dict(self.carry_usage),
            "total": _usage_dict(self.total),
            "caller": self.caller.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("profile") and state["profile"] != self.profile.name:
            raise OlpError(f"saved state is for profile {state['profile']!r}, not {self.profile.name!r}")
        self.pending = [_unsent(x) for x in state.get("pending", [])]
        self.carry = [_unsent(x) for x in state.get("carry", [])]
        o = state.get("open")
        self.open = (
            None
            if not o
            else OpenTopic(o["name"], [_unsent(x) for x in o["sentences"]], Usage(**o["usage"]), o["models"], o["idle"])
        )
        self.next_topic_id = state.get("next_topic_id", 0)
        self.chunk_index = state.get("chunk_index", 0)
        self.last_id = state.get("last_id")
        self.unattributed = Usage(**state.get("unattributed", {}))
        self.carry_usage = Usage(**state.get("carry_usage", {}))
        self.total = Usage(**state.get("total", {}))
        if state.get("caller"):
            self.caller.load_state_dict(state["caller"])


# ---------------------------------------------------------------------- helpers
def _role_of(result: RoleResult) -> str:
    for rec in result.records:
        if rec.role != "judge":
            return rec.role
    return "unknown"


def _features(buffer: list[Sentence]) -> dict[str, float]:
    n = len(buffer)
    chars = sum(len(s.text) for s in buffer)
    cjk = sum(1 for s in buffer for ch in s.text if "\u4e00" <= ch <= "\u9fff")
    return {"n_sentences": float(n), "chars_per_sentence": chars / max(1, n), "zh": cjk / max(1, chars)}


def _iou(a: OpenTopic, b: OpenTopic) -> float:
    sa, sb = {s.id for s in a.sentences}, {s.id for s in b.sentences}
    return len(sa & sb) / max(1, len(sa | sb))


def _tile(segs: list[OpenTopic], buffer: list[Sentence]) -> list[OpenTopic]:
    """Make topics disjoint and contiguous: each owns the sentences from its start up to the next topic's start
    (the authors' rule: end = next_start - 1); the last keeps its own end."""
    out = []
    for i, t in enumerate(segs):
        lo = t.sentences[0].id
        hi = segs[i + 1].sentences[0].id - 1 if i + 1 < len(segs) else t.sentences[-1].id
        t.sentences = [s for s in buffer if lo <= s.id <= hi]
        if t.sentences:
            out.append(t)
    return out


def _split_at(
    segs: list[OpenTopic], next_start: int | None
) -> tuple[list[OpenTopic], OpenTopic | None, list[OpenTopic]]:
    """Split topics at the next chunk's start.

    Returns the topics that end before it (finished), the one it falls strictly inside (stays open, keeping
    the sentences before it), and those that start at or after it (read again, whole, with the next chunk).
    """
    if next_start is None:
        return segs, None, []
    finished, reread = [], []
    open_topic: OpenTopic | None = None
    for t in segs:
        if t.sentences[-1].id < next_start:
            finished.append(t)
        elif t.sentences[0].id < next_start and open_topic is None:
            t.sentences = [s for s in t.sentences if s.id < next_start]
            open_topic = t
        else:
            reread.append(t)
    return finished, open_topic, reread


def _scaled(u: Usage, share: float) -> Usage:
    return Usage(u.cost_usd * share, u.latency_ms * share, u.calls, int(u.input_tokens * share), int(u.output_tokens * share))


def _ttd(topic: OpenTopic, now: float) -> float | None:
    ts = topic.sentences[-1].ts
    return None if ts is None else max(0.0, (now - ts) * 1000.0)


def _sent(s: Sentence) -> list:
    return [s.id, s.text, s.ts]


def _unsent(x: list) -> Sentence:
    return Sentence(int(x[0]), str(x[1]), x[2] if len(x) > 2 else None)


def _usage_dict(u: Usage) -> dict[str, Any]:
    return {"cost_usd": u.cost_usd, "latency_ms": u.latency_ms, "calls": u.calls,
            "input_tokens": u.input_tokens, "output_tokens": u.output_tokens}


def build_pipeline(
    stream: str,
    profile: str | Profile = "ecommerce-en",
    pool_path: str | None = None,
    settings: PipelineSettings | None = None,
    observer: Observer | None = None,
    caller: RoleCaller | None = None,
    manager: str | None = None,
    checkpoint: dict[str, Any] | None = None,
) -> Pipeline:
    """A pipeline on the given pool file (None: the offline default pool of local engines).

    ``manager`` names a Role-RL manager (``qlearning``, ``bandit``, ``ppo``); None keeps the pool's fixed assignment.
    ``checkpoint`` is an earlier Role-RL caller state: the manager continues with what it learned.
    """
    from olp.gateway import Gateway
    from olp.poolfile import load_pool

    prof = profile if isinstance(profile, Profile) else get_profile(profile)
    settings = settings or PipelineSettings()
    observer = observer or Observer()
    if caller is None:
        gateway = Gateway(load_pool(pool_path), observer=observer)
        if manager:
            from role_rl.caller import build_rl_caller

            caller = build_rl_caller(gateway, prof, manager, observer=observer, concurrency=settings.concurrency,
                                     checkpoint=checkpoint)
        else:
            caller = DirectCaller(gateway, prof, concurrency=settings.concurrency, observer=observer)
    return Pipeline(stream, prof, caller, settings, observer)
