"""Latency percentiles per role and time to document on hand-made records."""

from __future__ import annotations

import pytest

from olp.evaluation.latency import latency_by_role, summarize, time_to_document, time_to_document_ms
from olp.types import CallRecord


def rec(role: str, ms: float, ok: bool = True) -> CallRecord:
    return CallRecord(role=role, model="m", latency_ms=ms, ok=ok)


def test_percentiles_per_role():
    records = [rec("topic_finder", v) for v in (40, 10, 30, 20)] + [rec("content_organizer", 7.0)]
    stats = latency_by_role(records)
    assert list(stats) == ["topic_finder", "content_organizer"]
    tf = stats["topic_finder"]
    # Linear interpolation on sorted 10, 20, 30, 40: p50 at rank 1.5, p95 at rank 2.85.
    assert (tf.count, tf.p50, tf.p95, tf.mean, tf.max) == (4, 25.0, pytest.approx(38.5), 25.0, 40.0)
    assert stats["content_organizer"].p50 == stats["content_organizer"].p95 == 7.0


def test_failed_calls_count_unless_ok_only():
    records = [rec("topic_locator", 10), rec("topic_locator", 1000, ok=False)]
    assert latency_by_role(records)["topic_locator"].max == 1000
    assert latency_by_role(records, ok_only=True)["topic_locator"].count == 1
    assert latency_by_role([rec("x", 5, ok=False)], ok_only=True) == {}


def test_time_to_document():
    assert time_to_document_ms(10.0, 10.25) == pytest.approx(250.0)
    docs = [{"time_to_document_ms": 1000.0}, {"time_to_document_ms": 3000.0}, {"topic": "no timing"}]
    stats = time_to_document(docs)
    assert stats is not None and stats.count == 2
    assert (stats.p50, stats.mean, stats.max) == (2.0, 2.0, 3.0)  # seconds
    assert time_to_document([{}]) is None
    assert summarize([]) is None
