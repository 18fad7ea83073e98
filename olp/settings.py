"""Settings read from ``OLP_*`` environment variables, passed explicitly (no globals are mutated at import)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

#: The repository root when running from a checkout (``olp/`` sits directly below it).
REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Where the shared third-party data lives: ``$OLP_DATA_DIR`` or ``../shared/data`` beside the checkout."""
    env = os.environ.get("OLP_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return REPO_ROOT.parent / "shared" / "data"


def olp_mini_dir() -> Path:
    """The OLP-MINI directory (``EN_/`` and ``CN_/`` inside): ``$OLP_MINI_DIR`` or ``data_dir()/olp-mini``."""
    env = os.environ.get("OLP_MINI_DIR")
    return Path(env).expanduser() if env else data_dir() / "olp-mini"


def default_broker() -> str:
    """The Kafka broker URL: ``$OLP_BROKER`` or ``kafka://127.0.0.1:9092``."""
    return os.environ.get("OLP_BROKER", "kafka://127.0.0.1:9092")


@dataclass(frozen=True)
class PipelineSettings:
    """How the online pipeline reads the stream.

    Attributes:
        chunk_size: sentences per chunk handed to the roles (carried sentences included).
        max_carry: at most this many sentences of an unfinished topic are re-read with the next chunk;
            keeps every chunk making progress even when one topic is longer than a chunk.
        organize_batch: at most this many sentences per content-organizer call (long topics are split
            into concurrent calls).
        min_topic_sentences: topics with fewer sentences are dropped (noise).
        concurrency: at most this many model calls in flight per pipeline.
    """

    chunk_size: int = 60
    max_carry: int = 30
    organize_batch: int = 80
    min_topic_sentences: int = 1
    concurrency: int = 16
    extra: dict = field(default_factory=dict)

    @classmethod
    def for_chunk(cls, chunk_size: int) -> "PipelineSettings":
        """The settings ``olp run``, the worker and the benchmarks use: up to half a chunk carried over."""
        return cls(chunk_size=chunk_size, max_carry=max(1, chunk_size // 2))

    def __post_init__(self) -> None:
        if self.chunk_size < 2:
            raise ValueError("chunk_size must be at least 2")
        if not 0 <= self.max_carry < self.chunk_size:
            raise ValueError("max_carry must be between 0 and chunk_size - 1")
