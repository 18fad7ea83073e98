"""``olp consume``: read topic documents as they arrive, dropping duplicates by their key."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from olp.errors import ConfigError
from olp.stream.settings import Topics


class Dedup:
    """Remembers document keys already seen (at-least-once delivery may repeat a document)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def fresh(self, doc: dict[str, Any]) -> bool:
        key = str(doc.get("key") or f"{doc.get('stream')}:{doc.get('topic_id')}")
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


async def documents(
    broker: str,
    stream: str | None = None,
    idle_timeout_s: float | None = None,
    from_beginning: bool = True,
    topics: Topics | None = None,
    clock: Callable[[], float] = time.monotonic,
    assign_timeout_s: float = 30.0,
) -> AsyncIterator[dict[str, Any]]:
    """Yield each new document (of ``stream`` if given), without duplicates.

    Stops after ``idle_timeout_s`` seconds without a new document (None: never), counted from when the
    consumer reads the topic. Reads every partition without joining a consumer group, so any number of
    consumers see every document. Raises ConfigError (one line) when the broker cannot be reached, or the
    documents topic shows no partitions within ``assign_timeout_s`` seconds.
    """
    from aiokafka import AIOKafkaConsumer
    from aiokafka.errors import KafkaError

    from olp.stream.kafka import check_reachable, ensure_topics

    topics = topics or Topics()
    await ensure_topics(broker, topics, partitions=4)  # a consumer may start before any worker or producer
    # Subscribed without a group, the consumer asks for the topic's metadata and reads all its partitions. (One
    # that is only assign()ed knows no topic's partitions: aiokafka fetches metadata for subscribed topics only.)
    consumer = AIOKafkaConsumer(
        topics.documents,
        bootstrap_servers=check_reachable(broker),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest" if from_beginning else "latest",
        isolation_level="read_committed",  # with exactly_once workers, skip aborted transactions
        metadata_max_age_ms=5_000,
    )
    try:
        await consumer.start()
        await _wait_assigned(consumer, topics.documents, broker, assign_timeout_s, clock)
        dedup, last_new = Dedup(), clock()
        want = None if stream is None else stream.encode("utf-8")
        while idle_timeout_s is None or clock() - last_new < idle_timeout_s:
            batches = await consumer.getmany(timeout_ms=200)
            for _tp, messages in sorted(batches.items(), key=lambda kv: kv[0].partition):
                for msg in messages:
                    if want is not None and msg.key != want:
                        continue
                    try:
                        doc = json.loads(msg.value)
                    except (TypeError, ValueError):
                        continue  # not ours to judge: the worker only writes JSON
                    if isinstance(doc, dict) and dedup.fresh(doc):
                        last_new = clock()
                        yield doc
    except KafkaError as exc:
        raise ConfigError(f"reading {topics.documents!r} from the Kafka broker at {broker} failed: {exc}") from None
    finally:
        # aiokafka starts a task at start(); stopped before that task first ran, stop() raises CancelledError.
        await asyncio.sleep(0)
        await consumer.stop()


async def _wait_assigned(consumer: Any, topic: str, broker: str, timeout_s: float, clock: Callable[[], float]) -> None:
    """Wait until the consumer reads the topic's partitions; a ConfigError after ``timeout_s`` seconds."""
    deadline = clock() + timeout_s
    while not consumer.assignment():
        if clock() >= deadline:
            raise ConfigError(
                f"topic {topic!r} shows no partitions on the Kafka broker at {broker} after {timeout_s:.0f} s; "
                "is the broker healthy? (scripts/kafka-dev status)"
            )
        await asyncio.sleep(0.1)


def render(doc: dict[str, Any]) -> Any:
    """A rich panel for one document: its topic, aspects with their sentences, and what it cost."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    body = Table.grid(padding=(0, 1))
    body.add_column(style="bold cyan", no_wrap=True)
    body.add_column()
    for aspect, items in (doc.get("aspects") or {}).items():
        if not items:
            continue
        lines = Text()
        for i, item in enumerate(items):
            if i:
                lines.append("\n")
            lines.append(f"[{item.get('id')}] ", style="dim")
            lines.append(str(item.get("text", "")))
        body.add_row(aspect, lines)
    span = doc.get("span") or ["?", "?"]
    models = ", ".join(f"{r}={m}" for r, m in (doc.get("models") or {}).items())
    info = f"sentences {span[0]}–{span[1]} · cost ${doc.get('cost_usd', 0):.6f}"
    if doc.get("time_to_document_ms") is not None:
        info += f" · {doc['time_to_document_ms'] / 1000:.1f} s to document"
    if models:
        body.add_row(Text("models", style="dim"), Text(models, style="dim"))
    title = Text.assemble((str(doc.get("key", "")), "bold"), "  ", (str(doc.get("topic", "")), "bold green"))
    return Panel(body, title=title, title_align="left", subtitle=info, subtitle_align="left")
