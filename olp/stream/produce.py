"""``olp produce``: play a transcript into the transcripts topic as a live feed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable

from olp.stream.messages import END_VALUE, utterance_value
from olp.stream.settings import Topics
from olp.types import Sentence


async def produce(
    sentences: Iterable[Sentence],
    stream: str,
    broker: str,
    rate: float | None = None,
    profile: str | None = None,
    end: bool = True,
    topics: Topics | None = None,
    partitions: int = 4,
    clock: Callable[[], float] = time.monotonic,
    wall: Callable[[], float] = time.time,
) -> int:
    """Send each sentence as one message keyed by ``stream``; return how many were sent.

    Args:
        sentences: the transcript, in order (read lazily, so stdin can be a live feed).
        stream: the stream id (message key).
        broker: ``kafka://HOST:PORT``.
        rate: sentences per second (None: as fast as Kafka takes them). Paced against the start time, so
            slow sends do not make the feed drift.
        profile: sent with every sentence; the worker uses it when it starts the stream.
        end: finish with ``{"end": true}`` so the worker emits the stream's open topics.
        topics: topic names (prefix from ``OLP_TOPIC_PREFIX``).
        partitions: partitions for topics that do not exist yet.
    """
    from aiokafka import AIOKafkaProducer

    from olp.stream.kafka import check_reachable, ensure_topics

    topics = topics or Topics()
    await ensure_topics(broker, topics, partitions)
    producer = AIOKafkaProducer(bootstrap_servers=check_reachable(broker), acks="all", linger_ms=5)
    await producer.start()
    key = stream.encode("utf-8")
    sent, pending = 0, []
    try:
        start = clock()
        for s in sentences:
            if rate:
                delay = start + sent / rate - clock()
                if delay > 0:
                    await asyncio.sleep(delay)
            # ts is the wall-clock time the sentence was spoken (sent): documents' time_to_document counts from it.
            value = utterance_value(s.text, s.id, wall(), profile)
            pending.append(await producer.send(topics.transcripts, value=value, key=key))
            sent += 1
            if len(pending) >= 500:
                await asyncio.gather(*pending)
                pending = []
        if end:
            pending.append(await producer.send(topics.transcripts, value=END_VALUE, key=key))
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return sent
