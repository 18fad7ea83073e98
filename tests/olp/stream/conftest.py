"""A stand-in pipeline for the Kafka side's unit tests: every 3 sentences make one topic, deterministically."""

from __future__ import annotations

from typing import Any

import pytest

from olp.observer import Observer
from olp.types import Sentence, TopicDocument


class ThreesPipeline:
    """Emits a document per 3 sentences; ``flush`` emits the rest. Same state + same input = same documents."""

    def __init__(self, stream: str, profile: str = "ecommerce-en", observer: Observer | None = None) -> None:
        self.stream, self.profile, self.observer = stream, profile, observer or Observer()
        self.last_id: int | None = None
        self.buffer: list[Sentence] = []
        self.next_topic_id = 0
        self.fail_on: str | None = None  # text that makes feed() raise, to test failures

    @property
    def buffered(self) -> int:
        return len(self.buffer)

    async def feed(self, sentence: Sentence) -> list[TopicDocument]:
        if self.fail_on and sentence.text == self.fail_on:
            self.buffer.append(sentence)  # half-changed state, as a real failure may leave it
            raise RuntimeError("model answer could not be parsed")
        if self.last_id is None:
            self.observer.on_assignment("topic_finder", "m1", None, ["m1", "m2"])
        self.last_id = sentence.id
        self.buffer.append(sentence)
        self.observer.on_sentence(self.stream)
        return self._emit() if len(self.buffer) >= 3 else []

    async def flush(self) -> list[TopicDocument]:
        return self._emit() if self.buffer else []

    def _emit(self) -> list[TopicDocument]:
        ids = [s.id for s in self.buffer]
        doc = TopicDocument(
            stream=self.stream,
            topic_id=self.next_topic_id,
            topic=f"topic {self.next_topic_id}",
            span=(ids[0], ids[-1]),
            aspects={"all": [{"id": s.id, "text": s.text} for s in self.buffer]},
            models={"topic_finder": "m1"},
            cost_usd=0.0,
            latency_ms=0.0,
            profile=self.profile,
        )
        self.next_topic_id += 1
        self.buffer = []
        self.observer.on_document(doc)
        return [doc]

    def state_dict(self) -> dict[str, Any]:
        return {
            "last_id": self.last_id,
            "buffer": [[s.id, s.text, s.ts] for s in self.buffer],
            "next_topic_id": self.next_topic_id,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.last_id = state["last_id"]
        self.buffer = [Sentence(*x) for x in state["buffer"]]
        self.next_topic_id = state["next_topic_id"]


@pytest.fixture
def built() -> list[ThreesPipeline]:
    """Every pipeline the factory built, in order."""
    return []


@pytest.fixture
def make_pipeline(built):
    def make(stream: str, profile: str, observer: Observer) -> ThreesPipeline:
        if profile not in ("ecommerce-en", "news-en"):
            raise ValueError(f"unknown profile {profile!r}")
        pipe = ThreesPipeline(stream, profile, observer)
        built.append(pipe)
        return pipe

    return make
