"""``olp bench judge``: the truth the local judge is measured against (names and spans from the labels)."""

from __future__ import annotations

import pytest

from olp.bench.judge_agreement import finder_right, names_product, span_right, summarize


@pytest.mark.parametrize("topic, product, expected", [
    ("wig number 7: $89", "wig number seven", True),
    ("wig number 13", "wig number seven", False),  # both numbered: the numbers decide
    ("number 1", "link number one tote", True),
    ("bag", "canvas bag (link number one)", True),  # one side has no number: a shared word
    ("product", "silk scarf", False),
    ("茶叶: 59元", "3号链接 茶叶", True),
    ("手链", "玉石吊坠", False),
])
def test_a_topic_names_a_product(topic, product, expected):
    assert names_product(topic, product) is expected


def test_a_finder_answer_is_right_when_it_names_present_products_and_misses_no_substantial_one():
    present, substantial = ["silk scarf: $20", "leather wallet: $15"], ["silk scarf: $20"]
    assert finder_right(["scarf"], present, substantial)
    assert finder_right(["scarf", "wallet"], present, substantial)
    assert not finder_right(["wallet"], present, substantial)  # misses the scarf
    assert not finder_right(["scarf", "hose"], present, substantial)  # names nothing on sale
    assert finder_right([], present, [])


def test_a_span_is_right_at_iou_half_over_the_chunks_sentences():
    ids = [1, 2, 3, 5, 6, 7, 8]  # the chunk skips 4
    assert span_right(1, 5, ids, {1, 2, 3, 5})
    assert span_right(1, 8, ids, {1, 2, 3, 5})  # 4 of 7
    assert not span_right(6, 8, ids, {1, 2, 3, 5})


def test_agreement_counts_right_and_wrong_answers_apart():
    cases = [{"role": "topic_finder", "source": "a", "right": True, "verdict": True},
             {"role": "topic_finder", "source": "a", "right": False, "verdict": True},
             {"role": "topic_finder", "source": "b", "right": False, "verdict": False}]
    r = summarize(cases)["topic_finder"]
    assert (r["agreement"], r["agreement_on_right"], r["agreement_on_wrong"]) == (2 / 3, 1.0, 0.5)
    assert r["sources"]["a"]["said_correct"] == 1.0
