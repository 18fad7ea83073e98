"""Topic recall and aspect recall of predicted topic documents against gold topics.

Predicted documents have the ``TopicDocument.to_dict()`` shape (``span``, ``aspects``); gold topics are the
loaders' ``GoldTopic`` (``ids``, ``aspects`` = ``{id: aspect}``).

* **Topic recall**: the share of gold topics matched by a predicted topic whose sentence-id set has IoU >= 0.5
  with the gold set. Matching is one-to-one and greedy: all (gold, predicted) pairs at or above the threshold
  are taken in order of decreasing IoU (ties: earlier gold, then earlier prediction), skipping pairs whose gold
  or prediction is already matched. A predicted topic's sentence set is the union of its aspects' sentence ids,
  or its span range when it has no aspect sentences.
* **Aspect recall**: the share of gold ``(sentence id, aspect)`` pairs that some predicted document lists
  (sentence ``id`` under that aspect). Which document holds it does not matter here; topic recall covers that.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from olp.datasets import GoldTopic

Document = Mapping[str, Any]


def doc_ids(doc: Document) -> set[int]:
    """A predicted document's sentence ids: its aspects' ids, else every id of its span (inclusive)."""
    ids = {int(item["id"]) for items in (doc.get("aspects") or {}).values() for item in items}
    if ids:
        return ids
    span = doc.get("span") or []
    if len(span) == 2:
        first, last = sorted((int(span[0]), int(span[1])))
        return set(range(first, last + 1))
    return set()


def iou(a: set[int] | frozenset[int], b: set[int] | frozenset[int]) -> float:
    """Intersection over union of two id sets; 0.0 when both are empty."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def match_topics(
    docs: Sequence[Document], gold: Sequence[GoldTopic], threshold: float = 0.5
) -> list[tuple[int, int, float]]:
    """Greedy one-to-one matching of gold topics to predicted documents (see the module docstring).

    Returns:
        ``(gold index, predicted index, IoU)`` per matched gold topic, in decreasing IoU.
    """
    pred_sets = [doc_ids(d) for d in docs]
    gold_sets = [set(g.ids) for g in gold]
    # Only pairs that share a sentence can reach the threshold; an inverted index keeps this linear-ish.
    where: dict[int, list[int]] = {}
    for p, ids in enumerate(pred_sets):
        for i in ids:
            where.setdefault(i, []).append(p)
    candidates: list[tuple[float, int, int]] = []
    for g, gids in enumerate(gold_sets):
        touching = {p for i in gids for p in where.get(i, ())}
        for p in touching:
            score = iou(gids, pred_sets[p])
            if score >= threshold:
                candidates.append((-score, g, p))
    candidates.sort()
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    matches = []
    for neg, g, p in candidates:
        if g not in used_gold and p not in used_pred:
            used_gold.add(g)
            used_pred.add(p)
            matches.append((g, p, -neg))
    return matches


def topic_recall(docs: Sequence[Document], gold: Sequence[GoldTopic], threshold: float = 0.5) -> float:
    """The share of gold topics matched by a predicted topic with IoU >= ``threshold``; NaN with no gold topics."""
    if not gold:
        return math.nan
    return len(match_topics(docs, gold, threshold)) / len(gold)


def predicted_pairs(docs: Iterable[Document]) -> set[tuple[int, str]]:
    """Every ``(sentence id, aspect)`` pair the documents list."""
    return {
        (int(item["id"]), str(name))
        for d in docs
        for name, items in (d.get("aspects") or {}).items()
        for item in items
    }


def gold_pairs(gold: Iterable[GoldTopic]) -> set[tuple[int, str]]:
    """Every gold ``(sentence id, aspect)`` pair of the topics."""
    return {(i, a) for g in gold for i, a in g.aspects.items()}


def aspect_recall(docs: Iterable[Document], gold: Iterable[GoldTopic] | Iterable[tuple[int, str]]) -> float:
    """The share of gold ``(sentence id, aspect)`` pairs listed by some predicted document.

    Args:
        docs: predicted documents.
        gold: gold topics (their ``aspects``) or the pairs themselves.

    Returns:
        The recall, or NaN when there are no gold pairs.
    """
    items = list(gold)
    wanted = gold_pairs(items) if items and isinstance(items[0], GoldTopic) else {(int(i), str(a)) for i, a in items}
    if not wanted:
        return math.nan
    return len(wanted & predicted_pairs(docs)) / len(wanted)
