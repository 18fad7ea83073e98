"""Small aiokafka helpers shared by the worker, ``olp produce`` and ``olp consume``: reach the broker, and
create the topics olp uses when they are missing."""

from __future__ import annotations

import asyncio
import os
import socket

from olp.errors import ConfigError
from olp.stream.settings import Topics, bootstrap, parse_broker


def quiet_kafka_client() -> None:
    """Keep aiokafka's log lines off stderr: it logs what it retries (a new topic's leader not elected yet,
    a broker reconnect) and raises what it cannot, which olp turns into one line."""
    import logging

    log = logging.getLogger("aiokafka")
    log.addHandler(logging.NullHandler())
    log.propagate = False


def check_reachable(broker: str, timeout_s: float = 3.0) -> str:
    """Return the bootstrap address if something accepts connections there; else a ConfigError saying what to do."""
    host, port = parse_broker(broker)
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as exc:
        raise ConfigError(
            f"cannot reach the Kafka broker at {host}:{port} ({exc.strerror or exc}); "
            "start one with scripts/kafka-dev start, or point --broker / OLP_BROKER at yours"
        ) from None
    return bootstrap(broker)


async def ensure_topics(broker: str, topics: Topics, partitions: int) -> int:
    """Create olp's topics that do not exist yet; return the number of partitions of the transcripts topic.

    New topics get ``partitions`` partitions and ``OLP_TOPIC_REPLICATION`` replicas (default 1, right for one
    broker; on a production cluster create the topics yourself with the replication you need).
    """
    names = [topics.transcripts, topics.documents, topics.assignments, topics.dead_letters]
    return (await create_topics(broker, [(n, partitions, None) for n in names]))[0]


async def create_topics(broker: str, wanted: list[tuple[str, int, dict[str, str] | None]]) -> list[int]:
    """Create the topics of ``wanted`` (name, partitions, topic configs) that do not exist yet, with
    ``OLP_TOPIC_REPLICATION`` replicas, wait until the broker's metadata shows them all, and return each one's
    partition count (a topic that existed keeps its own)."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import KafkaError, TopicAlreadyExistsError

    replication = int(os.environ.get("OLP_TOPIC_REPLICATION", "1"))
    admin = AIOKafkaAdminClient(bootstrap_servers=check_reachable(broker), request_timeout_ms=10_000)
    names = [name for name, _, _ in wanted]
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        missing = [NewTopic(name, n, replication, topic_configs=configs or {})
                   for name, n, configs in wanted if name not in existing]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass  # another worker or producer was quicker
        for _ in range(50):  # creation is asynchronous on the broker: wait until the metadata shows them all
            described = {d.get("topic"): d for d in await admin.describe_topics(names)}
            counts = [len((described.get(n) or {}).get("partitions") or []) for n in names]
            if all(counts):
                return counts
            await asyncio.sleep(0.1)
        raise ConfigError(f"olp's topics have no partitions on the broker at {bootstrap(broker)}; is it healthy?")
    except KafkaError as exc:
        raise ConfigError(f"Kafka broker at {bootstrap(broker)} refused a topic request: {exc}") from None
    finally:
        await admin.close()
