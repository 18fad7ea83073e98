"""The olp-feedback topic for ``olp bench scale``: in one process, or between worker processes in lock-step.

``FeedbackLog`` is the topic in one process: events in publishing order, each reaching every replica ``delay``
loop seconds after it was published. ``run_processes`` runs workers as OS processes instead, each on its own
virtual clock (``scale.VirtualTimeLoop``) with its own ``ExchangedLog``, and keeps them deterministic by
conservative lock-step: time is cut into epochs as long as the feedback delay. A process runs its loop to the
end of an epoch (``lockstep``), sends the events it published in it to the hub (this process), and waits; the
hub sorts every process's events of the epoch by (publish time, worker, sequence) and sends the sorted batch to
all of them, which append it to their logs. An event published at t is due at t + delay, at or after the
epoch's end, so it is in every log before any replica may apply it, and every log holds the same events in the
same order (epoch, then time, worker, sequence): the order one Kafka partition gives every consumer. A process
whose streams are done keeps taking part until every process is done.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Callable
from typing import Any


class FeedbackLog:
    """The olp-feedback topic in one process: events in publishing order, each reaching every replica ``delay``
    (loop seconds) after it was published. Every replica applies the same order, as the workers do from Kafka."""

    def __init__(self, loop, delay: float) -> None:
        self.loop, self.delay = loop, delay
        self.entries: list[tuple[float, dict[str, Any]]] = []
        self.seq: dict[str, int] = {}

    def publish(self, feedback, producer: str) -> None:
        self._append(self._event(feedback, producer))

    def _event(self, feedback, producer: str) -> tuple[float, dict[str, Any]]:
        from olp.stream.learner import feedback_event

        seq = self.seq.get(producer, 0)
        self.seq[producer] = seq + 1
        now = self.loop.time()
        return now + self.delay, feedback_event(feedback, producer, seq, now)

    def _append(self, entry: tuple[float, dict[str, Any]]) -> None:
        self.entries.append(entry)

    def sync(self, replica, everything: bool = False) -> None:
        """Apply to ``replica`` the events that have reached it, in log order."""
        now = self.loop.time()
        while replica.offset < len(self.entries):
            due, event = self.entries[replica.offset]
            if due > now and not everything:
                return
            replica.apply(event, replica.offset)


class ExchangedLog(FeedbackLog):
    """One worker process's copy of the topic: what it publishes waits in an outbox until the epoch's exchange,
    and reaches its own replica, like everyone's, only through the log."""

    def __init__(self, loop, delay: float, worker: int) -> None:
        super().__init__(loop, delay)
        self.worker = worker
        self.outbox: list[tuple[float, int, int, float, dict[str, Any]]] = []

    def _append(self, entry: tuple[float, dict[str, Any]]) -> None:
        due, event = entry
        self.outbox.append((event["ts"], self.worker, event["seq"], due, event))

    def take_outbox(self) -> list[tuple[float, int, int, float, dict[str, Any]]]:
        out, self.outbox = self.outbox, []
        return out


async def lockstep(log: ExchangedLog, conn, epoch: float, done: asyncio.Event) -> int:
    """Take part in every epoch's exchange until every process is done; the number of epochs."""
    loop = asyncio.get_running_loop()
    start, k = loop.time(), 0
    while True:
        k += 1
        end = loop.create_future()
        loop.call_at(start + k * epoch, end.set_result, None)
        await end
        # Blocking on purpose: the loop's clock must not move while the other processes finish this epoch.
        conn.send(("epoch", log.take_outbox(), done.is_set()))
        kind, batch, all_done = conn.recv()
        log.entries.extend((due, event) for _, _, _, due, event in batch)
        if all_done:
            return k


def run_processes(workers: int, target: Callable[..., Any], *args: Any) -> list[Any]:
    """Run ``target(worker, conn, *args)`` in ``workers`` forked processes, relay their epochs (see the module
    docstring) and return what each returned, in worker order. A failure in one stops all and is raised here."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    pipes = [ctx.Pipe() for _ in range(workers)]
    procs = [ctx.Process(target=_child, args=(target, w, child, *args), name=f"olp-bench-worker-{w}")
             for w, (_, child) in enumerate(pipes)]
    for p in procs:
        p.start()
    conns = [hub for hub, _ in pipes]
    try:
        while True:
            msgs = [_receive(c, w) for w, c in enumerate(conns)]
            if all(m[0] == "result" for m in msgs):
                results = [m[1] for m in msgs]
                break
            if any(m[0] != "epoch" for m in msgs):
                raise RuntimeError("bench worker processes fell out of step: " + repr([m[0] for m in msgs]))
            batch = sorted((e for m in msgs for e in m[1]), key=lambda e: e[:3])  # (time, worker, sequence)
            all_done = all(m[2] for m in msgs)
            for c in conns:
                c.send(("epoch", batch, all_done))
    except BaseException:
        for p in procs:  # the others wait for an epoch that will not come
            p.terminate()
        raise
    finally:
        for p in procs:
            p.join()
    return results


def _receive(conn, worker: int) -> tuple:
    try:
        msg = conn.recv()
    except EOFError:
        raise RuntimeError(f"bench worker process {worker} died") from None
    if msg[0] == "error":
        raise RuntimeError(f"bench worker process {worker} failed:\n{msg[1]}")
    return msg


def _child(target: Callable[..., Any], worker: int, conn, *args: Any) -> None:
    try:
        result = target(worker, conn, *args)
    except BaseException:
        conn.send(("error", traceback.format_exc()))
        raise SystemExit(1) from None
    conn.send(("result", result))
