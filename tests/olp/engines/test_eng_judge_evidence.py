"""The local judge checks live-commerce finder and locator answers against the chunk, not against itself."""

from __future__ import annotations

import json

from olp.engines import get_engine
from olp.engines.judge import mentions

EN = "ecommerce-en"
ROWS = [[100 + i, t] for i, t in enumerate([
    "hi everyone welcome back", "okay next up we have this silk scarf",
    "the silk scarf is only twenty dollars tonight", "it is so soft and light",
    "add the scarf to your cart now", "now let me show you this leather wallet",
    "the wallet is fifteen dollars", "it has six card slots", "grab the wallet before it is gone",
])]


def verdict(role: str, inp: dict, answer) -> dict:
    return get_engine("quality").answer({"task": "judge", "role": role, "profile": EN, "input": inp,
                                         "answer": json.dumps(answer)})


def finder(topics) -> dict:
    return verdict("topic_finder", {"sentences": ROWS}, {"topics": topics})


def test_finder_products_named_with_a_price_are_right():
    assert finder(["silk scarf: $20", "leather wallet: $15"]) == {"correct": True}
    assert finder(["scarf"]) == {"correct": True}


def test_finder_generic_unmentioned_and_passing_words_are_wrong():
    assert finder(["product"])["correct"] is False
    assert finder(["garden hose: $30"])["correct"] is False  # never said
    assert finder(["everyone"])["correct"] is False  # said once, not a product on sale
    assert finder(["silk scarf: $20", "garden hose"])["correct"] is False


def test_an_empty_finder_answer_is_wrong_when_the_chunk_sells_something():
    assert finder([])["correct"] is False
    quiet = [[1, "hello"], [2, "how is everyone"], [3, "the weather is nice"]]
    assert verdict("topic_finder", {"sentences": quiet}, {"topics": []}) == {"correct": True}


def locator(first: int, last: int, topic: str = "silk scarf: $20", others=("leather wallet: $15",)) -> dict:
    inp = {"topic": topic, "other_topics": list(others), "sentences": ROWS}
    return verdict("topic_locator", inp, {"first": first, "last": last})


def test_locator_spans_holding_the_topic_and_little_else_are_right():
    assert locator(101, 104) == {"correct": True}
    assert locator(105, 108, "leather wallet: $15", ("silk scarf: $20",)) == {"correct": True}


def test_locator_spans_missing_the_topic_or_swallowing_another_are_wrong():
    assert locator(105, 108)["correct"] is False  # the wallet's span for the scarf
    # the whole chunk: the wallet (3 sentences) is mentioned more often in it than the silk scarf (2)
    assert locator(100, 108, others=("wallet: $15",))["correct"] is False
    assert locator(103, 104)["correct"] is False  # after the scarf's mentions


def test_a_wrong_verdict_carries_a_correction_only_when_the_judges_own_answer_passes():
    v = locator(105, 108)
    if "corrected" in v:  # the quality engine's own span, which must itself pass the check
        c = v["corrected"]
        assert locator(c["first"], c["last"]) == {"correct": True}


def test_mentions_use_the_number_or_the_most_specific_word():
    texts = ["number 9 is here", "lamp number nine", "number 13 now", "a lamp"]
    assert mentions("lamp number 9: $89", texts, False) == [0, 1]
    assert mentions("leather wallet", ["leather shoes", "the wallet", "leather bag"], False) == [1]
    assert mentions("3号链接 茶叶", ["三号链接上了", "茶叶很好", "3号"], True) == [0, 2]
