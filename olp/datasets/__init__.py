"""Benchmark datasets: OLP-MINI, LongBench-OLP, QMSum and a synthetic live-commerce generator.

Every loader returns the stream as ``list[Sentence]`` (ids from the data) and, when the data has labels, gold
topics as ``GoldTopic``. The metrics in ``olp.evaluation`` take exactly these shapes.

Modules (imported on demand, so ``import olp.datasets`` stays light):
    olp_mini: the authors' unlabeled live-commerce transcripts.
    longbench: the authors' LongBench-OLP inputs, human-checked references and stored method outputs.
    qmsum: QMSum meetings with their gold topic spans.
    synthetic: a seeded live-commerce generator with gold topics and aspects.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class GoldTopic:
    """One labeled topic of a stream.

    Attributes:
        name: the topic's title in the data (QMSum topic, product name, news headline).
        ids: the ids of the topic's sentences, ascending and unique. Not necessarily contiguous: QMSum topics can
            have several ranges, and synthetic topics skip the chit-chat inside a product segment.
        aspects: ``{sentence id: aspect label}`` for the topic's sentences, empty when the data has no aspect labels.
    """

    name: str
    ids: tuple[int, ...]
    aspects: dict[int, str] = field(default_factory=dict)

    @property
    def span(self) -> tuple[int, int]:
        """``(first id, last id)``, the shape of a document's ``span``."""
        return (self.ids[0], self.ids[-1])


__all__ = ["GoldTopic"]
