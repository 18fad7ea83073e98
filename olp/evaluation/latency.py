"""Latency of model calls per role, and time to document.

Percentiles use numpy's default (linear interpolation between closest ranks), so p50 of an even count is the mean
of the two middle values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from olp.types import CallRecord


@dataclass(frozen=True)
class LatencyStats:
    """Summary of a set of durations.

    Attributes:
        count: how many durations.
        p50 / p95: percentiles, in the unit of the input.
        mean / max: in the unit of the input.
    """

    count: int
    p50: float
    p95: float
    mean: float
    max: float

    def to_dict(self) -> dict[str, float | int]:
        return {"count": self.count, "p50": self.p50, "p95": self.p95, "mean": self.mean, "max": self.max}


def summarize(values: Iterable[float]) -> LatencyStats | None:
    """Count, p50, p95, mean and max of the values; None when there are none."""
    arr = np.asarray(list(values), dtype=float)
    if arr.size == 0:
        return None
    p50, p95 = np.percentile(arr, [50, 95])
    return LatencyStats(int(arr.size), float(p50), float(p95), float(arr.mean()), float(arr.max()))


def latency_by_role(records: Iterable[CallRecord], *, ok_only: bool = False) -> dict[str, LatencyStats]:
    """p50/p95 call latency (ms) per role.

    Args:
        records: the gateway's call records.
        ok_only: skip failed calls. By default they count: the time a failing call takes is time the stream waits.

    Returns:
        ``{role: stats}`` for every role with at least one call, roles in first-seen order.
    """
    by_role: dict[str, list[float]] = {}
    for rec in records:
        if ok_only and not rec.ok:
            continue
        by_role.setdefault(rec.role, []).append(rec.latency_ms)
    return {role: stats for role, values in by_role.items() if (stats := summarize(values)) is not None}


def time_to_document_ms(last_sentence_ts: float, emitted_ts: float) -> float:
    """Milliseconds from a topic's last sentence arriving to its document leaving (both in seconds, same clock)."""
    return (emitted_ts - last_sentence_ts) * 1000.0


def time_to_document(docs: Iterable[Mapping[str, Any]]) -> LatencyStats | None:
    """Time to document, in seconds, over the documents that carry ``time_to_document_ms``; None if none do."""
    values = [float(d["time_to_document_ms"]) / 1000.0 for d in docs if d.get("time_to_document_ms") is not None]
    return summarize(values)
