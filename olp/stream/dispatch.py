"""Many streams at once, each in order: one queue per stream, and acknowledgements in offset order.

A worker reads one partition holding many streams. Processing them one message at a time would make every
stream wait for the slowest model call of any other. Here each stream (message key) has its own queue and
task, so streams progress concurrently while each stays in order. Kafka commits offsets, not messages, so a
message is acknowledged only when it and every earlier message of its partition are done: a crash can then
replay work, but never skip it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Entry:
    item: Any
    since: float = 0.0  # when it was submitted (monotonic)
    done: bool = False


class OrderedDispatcher:
    """Runs ``work(item)`` serially per key and concurrently across keys; calls ``ack(item)`` in submission
    order per partition.

    Args:
        work: processes one item; its exceptions go to ``on_error`` and the item is not acknowledged.
        ack: called once per item, in submission order within its partition, after the item and all earlier
            items of that partition are done.
        limit: at most this many items submitted and not yet acknowledged (``submit`` waits beyond it), or
            ``per_key`` times the keys seen in the last ``window_s`` seconds when that is more.
        on_error: told when ``work`` raised (the worker should stop: at-least-once forbids skipping the item).
        per_key: items in flight allowed per live key. Acknowledgements go in order per partition, so an item
            waiting for its model calls holds back every later item of its partition: the worker needs about
            arrival rate x that wait in flight, which grows with the number of streams (issue 13).
        window_s: a key counts as live this long after its last item.
        clock: monotonic seconds (injected for tests).
    """

    def __init__(
        self,
        work: Callable[[Any], Awaitable[None]],
        ack: Callable[[Any], None],
        limit: int = 1000,
        on_error: Callable[[BaseException], None] | None = None,
        per_key: int = 0,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.work, self.ack, self.on_error = work, ack, on_error
        self.limit, self.per_key, self.window_s, self.clock = limit, per_key, window_s, clock
        self.capacity = limit  # items allowed in flight: ``per_key`` per live key, at least ``limit``
        self._held = 0  # items submitted and not yet acknowledged
        self._room = asyncio.Event()  # set while ``_held < capacity``
        self._room.set()
        self._seen: dict[Hashable, float] = {}  # key -> when its last item came
        self._pruned = clock()
        self._queues: dict[Hashable, deque[_Entry]] = {}
        self._tasks: dict[Hashable, asyncio.Task] = {}
        self._pending: dict[Hashable, deque[_Entry]] = {}  # per partition, in submission order
        self.failed: BaseException | None = None

    @property
    def in_flight(self) -> int:
        return self._held

    async def submit(self, key: Hashable, partition: Hashable, item: Any) -> None:
        """Queue ``item`` behind the earlier items of ``key``; waits while ``limit`` items are in flight."""
        if self.failed is not None:
            raise RuntimeError("an earlier message failed; the worker must restart") from self.failed
        if self.per_key:
            self._resize(key)
        while self._held >= self.capacity:
            self._room.clear()
            await self._room.wait()
        self._held += 1
        entry = _Entry(item, self.clock())
        self._pending.setdefault(partition, deque()).append(entry)
        self._queues.setdefault(key, deque()).append(entry)
        if key not in self._tasks:
            self._tasks[key] = asyncio.create_task(self._drain(key, partition), name=f"olp-stream-{key!r}")

    def _resize(self, key: Hashable) -> None:
        """The capacity for the keys seen in the last ``window_s`` seconds: it grows when streams come, and
        shrinks back when they go quiet (items already in flight stay; new ones wait until it has room)."""
        now = self.clock()
        self._seen[key] = now
        if now - self._pruned > self.window_s:
            self._seen = {k: t for k, t in self._seen.items() if now - t <= self.window_s}
            self._pruned = now
        self.capacity = max(self.limit, self.per_key * len(self._seen))
        if self._held < self.capacity:
            self._room.set()

    def waiting(self, older_than: float) -> dict[Hashable, tuple[float, Any]]:
        """Partitions whose oldest unacknowledged item was submitted ``older_than`` seconds ago or more, as
        ``{partition: (seconds, item)}``: their acknowledgements (and so their commits) stand still."""
        now, out = self.clock(), {}
        for partition, pending in self._pending.items():
            if pending and now - pending[0].since >= older_than:
                out[partition] = (now - pending[0].since, pending[0].item)
        return out

    def stacks(self) -> str:
        """Where each stream's task waits (for a log when acknowledgements stand still)."""
        return "\n".join(f"stream {key!r} ({len(self._queues.get(key, ()))} queued):\n{awaiting(task)}"
                         for key, task in list(self._tasks.items()))

    async def join(self) -> None:
        """Wait until every submitted item is processed (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def _drain(self, key: Hashable, partition: Hashable) -> None:
        queue = self._queues[key]
        try:
            while queue:
                entry = queue[0]
                try:
                    await self.work(entry.item)
                except Exception as exc:
                    self.failed = exc
                    log.exception("processing failed; no later message of this partition will be acknowledged")
                    if self.on_error is not None:
                        self.on_error(exc)
                    return
                queue.popleft()
                entry.done = True
                self._ack_ready(partition)
        finally:
            if not queue:
                self._queues.pop(key, None)
            self._tasks.pop(key, None)

    def _ack_ready(self, partition: Hashable) -> None:
        pending = self._pending[partition]
        while pending and pending[0].done:
            entry = pending.popleft()
            self._held -= 1
            if self._held < self.capacity:
                self._room.set()
            self.ack(entry.item)


def awaiting(task: asyncio.Task) -> str:
    """The chain of awaits a task is suspended in, outermost first (``Task.get_stack`` shows only the outermost
    frame of a coroutine)."""
    lines, coro = [], task.get_coro()
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is not None:
            lines.append(f"  {frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        nxt = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
        if nxt is None and frame is None:
            break
        if nxt is None:
            lines.append(f"  (awaits {type(coro).__name__})")
            break
        if not (hasattr(nxt, "cr_frame") or hasattr(nxt, "gi_frame")):
            lines.append(f"  awaits {nxt!r:.200}")
            break
        coro = nxt
    return "\n".join(lines)

