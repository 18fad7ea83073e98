"""Settings of the Kafka side: broker address, topic names, and the worker's knobs."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from olp.errors import ConfigError
from olp.settings import default_broker

TRANSCRIPTS = "transcripts"
DOCUMENTS = "olp-documents"
ASSIGNMENTS = "olp-assignments"
DEAD_LETTERS = "olp-dead-letters"
FEEDBACK = "olp-feedback"
LEARNER_STATE = "olp-learner-state"


def parse_broker(url: str) -> tuple[str, int]:
    """``kafka://HOST:PORT`` (or ``HOST:PORT``) as ``(host, port)``; raises ConfigError when malformed."""
    rest = url[len("kafka://") :] if url.startswith("kafka://") else url
    if "://" in rest or "," in rest:
        raise ConfigError(f"broker {url!r} must look like kafka://HOST:PORT (one broker)")
    host, sep, port = rest.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"broker {url!r} must look like kafka://HOST:PORT, e.g. kafka://127.0.0.1:9092")
    return host, int(port)


def bootstrap(url: str) -> str:
    """The ``HOST:PORT`` that Kafka clients take, from a broker URL."""
    host, port = parse_broker(url)
    return f"{host}:{port}"


@dataclass(frozen=True)
class Topics:
    """Topic names, with an optional prefix (``OLP_TOPIC_PREFIX``) shared by worker, producer and consumer."""

    prefix: str = field(default_factory=lambda: os.environ.get("OLP_TOPIC_PREFIX", ""))

    @property
    def transcripts(self) -> str:
        return self.prefix + TRANSCRIPTS

    @property
    def documents(self) -> str:
        return self.prefix + DOCUMENTS

    @property
    def assignments(self) -> str:
        return self.prefix + ASSIGNMENTS

    @property
    def dead_letters(self) -> str:
        return self.prefix + DEAD_LETTERS

    @property
    def feedback(self) -> str:
        """Role-RL's judged feedback of every worker (one partition: one order that every replica applies)."""
        return self.prefix + FEEDBACK

    @property
    def learner_state(self) -> str:
        """Snapshots of the shared Role-RL learner (compacted), so a worker starts warm."""
        return self.prefix + LEARNER_STATE


@dataclass(frozen=True)
class WorkerSettings:
    """How ``olp worker`` runs.

    Attributes:
        broker: ``kafka://HOST:PORT``.
        topics: topic names.
        app_id: the consumer group, and the prefix of the state table's changelog topic.
        partitions: partitions of the transcripts topic and of the state changelog (they must match).
        exactly_once: faust's exactly_once processing (Kafka transactions) instead of at-least-once.
        profile: profile of streams whose messages name none.
        pool: pool file (None: the offline local engines).
        chunk_size: sentences per chunk (None: the profile's).
        manager: Role-RL manager name (None: the pool's fixed assignment).
        audit: when the shared learner's board judges (``role_rl.audit`` modes); ``settling`` by default: the
            rate of a (role, model) pair falls with the verdicts the deployment has seen on it.
        max_in_flight: messages taken from Kafka but not yet acknowledged, over all streams (back-pressure), or
            ``in_flight_per_stream`` times the live streams when that is more.
        in_flight_per_stream: messages in flight allowed per live stream: a chunk waiting for its model calls
            holds back every later message of its partition, so the worker needs about arrival rate x chunk wall
            time in flight (default: 15 s of a stream talking at 2 sentences/s).
        session_timeout_s: how long the group waits for a silent worker before moving its partitions.
        datadir: where faust keeps its local files (None: a temporary directory).
    """

    broker: str = field(default_factory=default_broker)
    topics: Topics = field(default_factory=Topics)
    app_id: str = ""
    partitions: int = 4
    exactly_once: bool = False
    profile: str = "ecommerce-en"
    pool: str | None = None
    chunk_size: int | None = None
    manager: str | None = None
    audit: str = "settling"
    max_in_flight: int = 1000
    in_flight_per_stream: int = 30
    session_timeout_s: float = 10.0
    datadir: str | None = None

    def __post_init__(self) -> None:
        parse_broker(self.broker)
        if self.partitions < 1:
            raise ConfigError("--partitions must be at least 1")
        if self.chunk_size is not None and self.chunk_size < 2:
            raise ConfigError("--chunk-size must be at least 2")

    @property
    def group(self) -> str:
        return self.app_id or f"{self.topics.prefix}olp-worker"
