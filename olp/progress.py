"""The live progress display of ``olp run`` (rich, on stderr): sentences read, topics emitted, cost, models."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.console import Console
from rich.live import Live
from rich.table import Table

from olp.observer import Observer
from olp.types import ROLES, CallRecord, TopicDocument


@dataclass
class RunStats:
    """What a run has done so far.

    Attributes:
        sentences: sentences read.
        documents: topic documents emitted.
        calls: model calls made (judges included).
        failed_calls: calls that failed after retries and fallbacks.
        cost_usd: summed cost of all calls.
        models: the model currently playing each role.
        last_topic: the most recent document's topic.
    """

    sentences: int = 0
    documents: int = 0
    calls: int = 0
    failed_calls: int = 0
    cost_usd: float = 0.0
    models: dict[str, str] = field(default_factory=dict)
    last_topic: str = ""


class ProgressObserver(Observer):
    """Keeps ``RunStats`` and renders them; the console and clock are injected so tests are exact."""

    def __init__(self, console: Console | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.stats = RunStats()
        self.console = console or Console(stderr=True)
        self.clock = clock
        self.started = clock()
        self._live: Live | None = None

    # hooks
    def on_sentence(self, stream: str, count: int = 1) -> None:
        self.stats.sentences += count

    def on_call(self, record: CallRecord) -> None:
        self.stats.calls += 1
        self.stats.failed_calls += 0 if record.ok else 1
        self.stats.cost_usd += record.cost_usd

    def on_document(self, doc: TopicDocument) -> None:
        self.stats.documents += 1
        self.stats.last_topic = doc.topic

    def on_assignment(self, role: str, model: str, previous: str | None, pool: list[str]) -> None:
        self.stats.models[role] = model

    # display
    def render(self) -> Table:
        s = self.stats
        elapsed = max(1e-9, self.clock() - self.started)
        table = Table(title="olp run", show_header=False, box=None, padding=(0, 1))
        table.add_row("sentences read", f"{s.sentences} ({s.sentences / elapsed:.1f}/s)")
        table.add_row("topics emitted", f"{s.documents}" + (f"  last: {s.last_topic[:50]}" if s.last_topic else ""))
        table.add_row("model calls", f"{s.calls}" + (f"  ({s.failed_calls} failed)" if s.failed_calls else ""))
        table.add_row("cost", f"${s.cost_usd:.6f}")
        for role in ROLES:
            if role in s.models:
                table.add_row(role.replace("_", " "), s.models[role])
        return table

    def __enter__(self) -> "ProgressObserver":
        if self.console.is_terminal:
            self._live = Live(self.render(), console=self.console, refresh_per_second=4, get_renderable=self.render)
            self._live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._live is not None:
            if exc and exc[0] is not None:
                self._live.transient = True  # on an error or interrupt the display goes: its one line stands alone
            self._live.__exit__(*exc)
            self._live = None

    def summary(self) -> str:
        s = self.stats
        return (
            f"olp run: {s.sentences} sentences, {s.documents} topics, {s.calls} model calls"
            f"{f' ({s.failed_calls} failed)' if s.failed_calls else ''}, cost ${s.cost_usd:.6f}, "
            f"{self.clock() - self.started:.1f}s"
        )
