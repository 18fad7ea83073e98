"""The values that flow through olp: sentences, call records and topic documents."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: Version of the topic-document JSON Schema (``olp/schema/topic-document.v1.json``).
SCHEMA_VERSION = 1

#: The six roles, in pipeline order. Role-RL managers, metrics and the pool all use these names.
ROLES: tuple[str, ...] = (
    "topic_finder",
    "topic_locator",
    "relationship_checker",
    "content_organizer",
    "format_checker",
    "chunk_splitter",
)


@dataclass(frozen=True, slots=True)
class Sentence:
    """One utterance of the stream. ``id`` comes from the input when it has ids, else it is assigned in order."""

    id: int
    text: str
    ts: float | None = None  # arrival time (monotonic seconds), for time-to-document


@dataclass(slots=True)
class CallRecord:
    """What one model call cost and returned. Made by the gateway; consumed by Role-RL, metrics and documents.

    Attributes:
        role: the role the call played (one of ``ROLES``, or ``"judge"`` for the advisory board).
        model: the pool's model name (``model_name`` in the pool file).
        text: the raw answer text ("" when the call failed).
        input_tokens / output_tokens: counted by the gateway (provider usage when real, else token_counter).
        cost_usd: priced from the token counts (pool override, else litellm's cost map).
        latency_ms: measured wall-clock time of the call, retries included.
        ok: False when the call failed after retries (then ``error`` says why).
        attempts: how many attempts the gateway made (retries and fallbacks included).
        fallback_from: the model first asked, when a fallback model answered instead.
    """

    role: str
    model: str
    text: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    ok: bool = True
    error: str | None = None
    attempts: int = 1
    fallback_from: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Usage:
    """Cost and latency summed over a set of calls (one document's, one run's)."""

    cost_usd: float = 0.0
    latency_ms: float = 0.0
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0

    def add(self, rec: CallRecord) -> None:
        self.cost_usd += rec.cost_usd
        self.latency_ms += rec.latency_ms
        self.calls += 1
        self.input_tokens += rec.input_tokens
        self.output_tokens += rec.output_tokens

    def merge(self, other: "Usage") -> None:
        self.cost_usd += other.cost_usd
        self.latency_ms += other.latency_ms
        self.calls += other.calls
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens


@dataclass(slots=True)
class TopicDocument:
    """One finished topic: the unit olp emits. ``to_dict()`` is the JSON contract (schema v1).

    Attributes:
        stream: the stream id (file name stem, Kafka key, or ``"stdin"``).
        topic_id: 0, 1, 2, ... in emission order within the stream; ``(stream, topic_id)`` is the document key.
        topic: the topic's name as the roles found it (e.g. "human hair wig: $89").
        span: [first_id, last_id] of the topic's sentences.
        aspects: {aspect name: [{"id", "text"}]} with every aspect of the profile present (maybe empty).
        models: {role: model} that played each role for this topic.
        cost_usd / latency_ms: summed over the model calls made for this topic (shared chunk calls split evenly).
        time_to_document_ms: from the arrival of the topic's last sentence to the document leaving.
    """

    stream: str
    topic_id: int
    topic: str
    span: tuple[int, int]
    aspects: dict[str, list[dict[str, Any]]]
    models: dict[str, str]
    cost_usd: float
    latency_ms: float
    profile: str = ""
    time_to_document_ms: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The idempotency key: consumers drop duplicates by it."""
        return f"{self.stream}:{self.topic_id}"

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "key": self.key,
            "stream": self.stream,
            "topic_id": self.topic_id,
            "topic": self.topic,
            "span": [int(self.span[0]), int(self.span[1])],
            "aspects": self.aspects,
            "models": self.models,
            "cost_usd": round(float(self.cost_usd), 10),
            "latency_ms": round(float(self.latency_ms), 3),
            "profile": self.profile,
        }
        if self.time_to_document_ms is not None:
            doc["time_to_document_ms"] = round(float(self.time_to_document_ms), 3)
        doc.update(self.extra)
        return doc
