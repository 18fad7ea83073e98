"""Streams in parallel, each in order, and acknowledgements that never run ahead of unfinished work."""

from __future__ import annotations

import asyncio

import pytest

from olp.stream.dispatch import OrderedDispatcher


async def test_each_key_in_order_keys_in_parallel_acks_in_partition_order():
    gates = {"slow": asyncio.Event()}
    order, acked = [], []

    async def work(item):
        key, n = item
        if key == "slow" and n == 0:
            await gates["slow"].wait()
        order.append(item)

    d = OrderedDispatcher(work, acked.append)
    await d.submit("slow", 0, ("slow", 0))
    await d.submit("fast", 0, ("fast", 0))
    await d.submit("slow", 0, ("slow", 1))
    await d.submit("fast", 0, ("fast", 1))
    await asyncio.sleep(0.01)
    assert order == [("fast", 0), ("fast", 1)]  # the fast stream did not wait for the slow one
    assert acked == []  # but nothing is acknowledged past the unfinished first message
    gates["slow"].set()
    await d.join()
    assert order[2:] == [("slow", 0), ("slow", 1)]
    assert acked == [("slow", 0), ("fast", 0), ("slow", 1), ("fast", 1)]  # submission order


async def test_partitions_are_acknowledged_independently():
    gate, acked = asyncio.Event(), []

    async def work(item):
        if item == "p0-a":
            await gate.wait()

    d = OrderedDispatcher(work, acked.append)
    await d.submit("a", 0, "p0-a")
    await d.submit("b", 1, "p1-b")
    await asyncio.sleep(0.01)
    assert acked == ["p1-b"]
    gate.set()
    await d.join()
    assert acked == ["p1-b", "p0-a"]


async def test_submit_waits_when_the_limit_is_reached():
    gate = asyncio.Event()

    async def work(item):
        await gate.wait()

    d = OrderedDispatcher(work, lambda item: None, limit=2)
    await d.submit("a", 0, 1)
    await d.submit("b", 0, 2)
    third = asyncio.create_task(d.submit("c", 0, 3))
    await asyncio.sleep(0.01)
    assert not third.done() and d.in_flight == 2
    gate.set()
    await asyncio.wait_for(third, 1)
    await d.join()


async def test_a_failure_stops_acknowledgements_and_later_submits():
    acked, errors = [], []

    async def work(item):
        if item == "bad":
            raise ConnectionError("broker gone")

    d = OrderedDispatcher(work, acked.append, on_error=errors.append)
    await d.submit("a", 0, "bad")
    await d.submit("b", 0, "good")
    await d.join()
    assert acked == [] and isinstance(errors[0], ConnectionError)
    with pytest.raises(RuntimeError, match="the worker must restart"):
        await d.submit("c", 0, "later")


async def test_the_in_flight_limit_grows_with_the_streams_and_forgets_quiet_ones():
    gate, now = asyncio.Event(), [0.0]

    async def work(item):
        await gate.wait()  # every item waits, as chunks wait for their model calls

    d = OrderedDispatcher(work, lambda item: None, limit=4, per_key=3, window_s=10.0, clock=lambda: now[0])
    for i in range(4):  # two streams: 4 in flight allowed (3 each would be 6)
        await d.submit(f"s{i % 2}", 0, i)
    for i in range(4, 6):
        await d.submit(f"s{i % 2}", 0, i)
    assert d.in_flight == 6
    late = asyncio.create_task(d.submit("s0", 0, 6))  # a 7th from the same two streams must wait
    await asyncio.sleep(0.01)
    assert not late.done()
    await d.submit("s2", 0, 7)  # a third stream comes: 9 allowed
    await asyncio.sleep(0.01)
    assert late.done() and d.in_flight == 8
    now[0] = 100.0  # the streams went quiet: a newcomer counts alone, and the limit shrinks back
    newcomer = asyncio.create_task(d.submit("s3", 0, 8))
    await asyncio.sleep(0.01)
    assert d.capacity == 4 and not newcomer.done() and d.in_flight == 8  # waits for the quiet ones' items
    gate.set()
    await newcomer
    await d.join()
    assert d.in_flight == 0


async def test_a_partition_whose_oldest_item_waits_is_reported_with_where_its_stream_waits():
    gate, now = asyncio.Event(), [0.0]

    async def stuck_in_the_broker(item):
        await gate.wait()

    d = OrderedDispatcher(stuck_in_the_broker, lambda item: None, clock=lambda: now[0])
    await d.submit("a", 0, "first")
    await d.submit("b", 1, "other")
    await asyncio.sleep(0.01)
    now[0] = 31.0
    await d.submit("a", 0, "later")
    assert d.waiting(30.0) == {0: (31.0, "first"), 1: (31.0, "other")}
    assert d.waiting(40.0) == {}
    stacks = d.stacks()
    assert "stream 'a' (2 queued)" in stacks and "stuck_in_the_broker" in stacks
    gate.set()
    await d.join()
    assert d.waiting(0.0) == {}
