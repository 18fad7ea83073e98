"""What ``olp consume`` shows: duplicates dropped by key, and a readable panel per document."""

from __future__ import annotations

import asyncio
from io import StringIO

import pytest
from rich.console import Console

from olp.errors import ConfigError
from olp.stream.consume import Dedup, _wait_assigned, render


class _Consumer:
    """Stands in for aiokafka's consumer: it reads the topic's partitions after ``polls`` looks."""

    def __init__(self, polls: int) -> None:
        self.polls = polls

    def assignment(self) -> set:
        self.polls -= 1
        return {("olp-documents", 0)} if self.polls < 0 else set()


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0  # every look at the clock is one second later
        return self.now


def test_duplicates_are_dropped_by_document_key():
    dedup = Dedup()
    docs = [{"key": "s:0"}, {"key": "s:1"}, {"key": "s:0"}, {"stream": "t", "topic_id": 0}, {"key": "t:0"}]
    assert [dedup.fresh(d) for d in docs] == [True, True, False, True, False]


def test_render_shows_topic_aspects_and_cost():
    doc = {
        "key": "live-1:3",
        "topic": "human hair wig: $89",
        "span": [40, 44],
        "aspects": {"price": [{"id": 41, "text": "only $89 today"}], "material": []},
        "models": {"topic_finder": "local-quality"},
        "cost_usd": 0.000123,
        "time_to_document_ms": 1500.0,
    }
    out = StringIO()
    Console(file=out, width=100, color_system=None).print(render(doc))
    text = out.getvalue()
    for expected in ("live-1:3", "human hair wig: $89", "price", "[41] only $89 today", "sentences 40–44",
                     "$0.000123", "1.5 s to document", "topic_finder=local-quality"):
        assert expected in text
    assert "material" not in text  # empty aspects are left out


def test_waits_until_the_consumer_reads_the_topic():
    consumer = _Consumer(polls=3)
    asyncio.run(_wait_assigned(consumer, "olp-documents", "kafka://127.0.0.1:9092", 30, _Clock()))
    assert consumer.polls < 0


def test_a_topic_that_never_shows_partitions_is_one_clear_error():
    with pytest.raises(ConfigError, match=r"^topic 'olp-documents' shows no partitions on the Kafka broker at "
                                          r"kafka://127.0.0.1:9092 after 5 s; is the broker healthy\?"):
        asyncio.run(_wait_assigned(_Consumer(polls=10**6), "olp-documents", "kafka://127.0.0.1:9092", 5, _Clock()))
