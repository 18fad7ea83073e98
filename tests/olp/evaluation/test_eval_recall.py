"""Topic recall (IoU >= 0.5, greedy one-to-one) and aspect recall on hand-made cases."""

from __future__ import annotations

import math

import pytest

from olp.datasets import GoldTopic
from olp.evaluation.recall import aspect_recall, doc_ids, iou, match_topics, topic_recall


def doc(ids: list[int] | None = None, span: list[int] | None = None, aspect: str = "Facts") -> dict:
    items = [{"id": i, "text": f"s{i}"} for i in ids or []]
    first_last = span or ([min(ids), max(ids)] if ids else [0, 0])
    return {"span": first_last, "aspects": {aspect: items}}


A = GoldTopic("A", (1, 2, 3, 4))
B = GoldTopic("B", (5, 6, 7, 8))


def test_iou():
    assert iou({1, 2, 3}, {2, 3, 4}) == pytest.approx(2 / 4)
    assert iou(set(), set()) == 0.0


def test_doc_ids_prefers_aspects_and_falls_back_to_the_span():
    assert doc_ids(doc([3, 5])) == {3, 5}
    assert doc_ids({"span": [7, 4], "aspects": {"Facts": []}}) == {4, 5, 6, 7}
    assert doc_ids({"aspects": {}}) == set()


def test_threshold_is_inclusive():
    docs = [doc([1, 2, 3]), doc(span=[5, 12])]  # IoU 3/4 with A; 4/8 = 0.5 with B through the span
    assert topic_recall(docs, [A, B]) == 1.0
    assert topic_recall(docs, [A, B], threshold=0.6) == 0.5


def test_one_prediction_matches_at_most_one_gold_topic():
    whole = [doc(list(range(1, 9)))]  # IoU 0.5 with both A and B
    assert topic_recall(whole, [A, B]) == 0.5
    assert match_topics(whole, [A, B]) == [(0, 0, 0.5)]  # tie broken towards the earlier gold topic


def test_greedy_by_iou_with_overlapping_gold_topics():
    gold = [GoldTopic("A", (1, 2, 3, 4)), GoldTopic("B", (1, 2, 3))]
    docs = [doc([1, 2, 3]), doc([1, 2, 3, 4])]
    assert sorted(match_topics(docs, gold)) == [(0, 1, 1.0), (1, 0, 1.0)]
    assert topic_recall(docs, gold) == 1.0


def test_below_threshold_and_empty_cases():
    assert topic_recall([doc([4, 5])], [A, B]) == 0.0  # IoU 1/5 with each
    assert topic_recall([], [A]) == 0.0
    assert math.isnan(topic_recall([doc([1])], []))


def test_aspect_recall_counts_pairs():
    gold = [GoldTopic("A", (1, 2, 3), {1: "Price", 2: "Opening", 3: "Price"})]
    docs = [{"span": [1, 3], "aspects": {"Price": [{"id": 1, "text": ""}, {"id": 2, "text": ""}],
                                         "Opening": [], "Facts": [{"id": 3, "text": ""}]}},
            {"span": [3, 3], "aspects": {"Price": [{"id": 3, "text": ""}]}}]
    assert aspect_recall(docs, gold) == pytest.approx(2 / 3)  # (1, Price) and (3, Price) found; (2, Opening) not
    assert aspect_recall(docs, [(2, "Opening")]) == 0.0
    assert math.isnan(aspect_recall(docs, []))
