"""Reading back the messages a worker's consumer skipped."""

from __future__ import annotations

import types

import pytest

from olp.stream.backfill import read_range


class SilentConsumer:
    """A consumer whose partition never yields a message (a broker too slow or gone)."""

    def __init__(self, **_):
        self.at = 0

    async def start(self):
        pass

    async def stop(self):
        pass

    def assign(self, parts):
        pass

    def seek(self, part, offset):
        self.at = offset

    async def getmany(self, part, timeout_ms=0):
        return {}

    async def position(self, part):
        return self.at


async def test_a_read_back_that_times_out_is_an_error_not_a_partial_range(monkeypatch):
    # The messages not read would never be processed: the worker must stop and read back again on restart.
    import aiokafka

    monkeypatch.setattr(aiokafka, "AIOKafkaConsumer", SilentConsumer)
    tp = types.SimpleNamespace(topic="transcripts", partition=3)
    with pytest.raises(TimeoutError, match=r"reading back transcripts\[3\] offsets 5-9 timed out .*restart the worker"):
        await read_range("127.0.0.1:9092", tp, 5, 10, timeout_s=0.05)
