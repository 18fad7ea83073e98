"""Reads back transcript messages that a worker's consumer skipped, so every message reaches the pipeline.

faust decides where a worker reads a partition, and it can move past messages no worker processed:

* at the start of an assignment, the committed offset can already be past them: faust acknowledges messages it
  drops while the flow is stopped (seen when a worker left the group just as streams began: their first
  sentences were lost);
* within an assignment, it drops records it has fetched (a batch cut short when the flow stops, records of a
  partition paused meanwhile) while the fetch position moves on (seen after a takeover: offsets 25-45 of a
  partition never reached the agent, and the moved stream's topic lost those sentences).

So the worker keeps its own record, in the state table, of the last offset up to which every message of a
partition was processed (the watermark), and remembers the offset after the last message it took from each
partition. When a partition's first message in a new assignment lies beyond the watermark, or a later one
beyond the message before it, the messages in between are read with a plain consumer and processed first. When no
later message comes (the skipped records were the partition's last, a stream's end among them), the worker's lag
timer sees the consumer standing past the last message the agent took and reads the rest back the same way.
Messages that were already applied are skipped by their stream's saved offset, so reading too much is harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

WATERMARK_PREFIX = b"\x00olp-watermark:"  # cannot collide with a stream id (message keys are UTF-8 text)


def watermark_key(partition: int) -> bytes:
    return WATERMARK_PREFIX + str(partition).encode()


@dataclass(slots=True)
class SideMessage:
    """A message read back by ``read_range``, shaped like the faust message fields the worker uses."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    tp: Any


@dataclass(slots=True)
class SideEvent:
    """Wraps a read-back message like a faust event. The worker does not acknowledge it to faust: the faust event
    that follows it carries the offset to commit, unless it was read back at the partition's end (``tail``)."""

    message: SideMessage
    #: a worker processed the message before (it lies before the committed offset): its sentence was counted
    replay: bool = False
    #: read back at the partition's end, with no faust message after it: the worker acknowledges it to faust
    tail: bool = False


async def read_range(bootstrap: str, tp: Any, start: int, end: int, timeout_s: float = 30.0) -> list[SideEvent]:
    """The messages of ``tp`` with offsets in ``[start, end)``, in order (read without a consumer group).

    Raises:
        TimeoutError: not all of them came within ``timeout_s`` seconds.
    """
    import time

    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    out: list[SideEvent] = []
    try:
        part = TopicPartition(tp.topic, tp.partition)
        consumer.assign([part])
        consumer.seek(part, start)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            batch = (await consumer.getmany(part, timeout_ms=500)).get(part, [])
            for m in batch:
                if m.offset >= end:
                    return out
                out.append(SideEvent(SideMessage(tp.topic, tp.partition, m.offset, m.key, m.value, tp)))
            if await consumer.position(part) >= end:
                return out
        # A partial range would lose the rest: nothing reads it again once later messages are processed.
        raise TimeoutError(
            f"reading back {tp.topic}[{tp.partition}] offsets {start}-{end - 1} timed out after {timeout_s:g} s "
            f"with {len(out)} messages read; check the broker, then restart the worker (it reads back again)"
        )
    finally:
        await consumer.stop()
