"""The synthetic live-commerce generator: exact lengths, seeds, and consistent gold labels."""

from __future__ import annotations

import time

import pytest

from olp.datasets.synthetic import ASPECT_LABELS, SyntheticConfig, generate
from olp.profiles import PROFILES


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("n", [0, 1, 17, 1000])
def test_exact_length_and_consecutive_ids(lang, n):
    t = generate(n, lang, seed=5)
    assert len(t.sentences) == n
    assert [s.id for s in t.sentences] == list(range(1, n + 1))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_seeds_reproduce_and_differ(lang):
    a, b, c = generate(500, lang, seed=1), generate(500, lang, seed=1), generate(500, lang, seed=2)
    assert a.sentences == b.sentences and a.topics == b.topics
    assert a.sentences != c.sentences


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_gold_topics_are_the_product_sentences_of_their_product(lang):
    t = generate(3000, lang, seed=7)
    all_ids = {s.id for s in t.sentences}
    seen: set[int] = set()
    for topic in t.topics:
        assert set(topic.aspects) == set(topic.ids)
        assert all(t.product_of[i] == topic.name for i in topic.ids)
        assert not seen & set(topic.ids)  # topics are disjoint
        seen |= set(topic.ids)
        assert topic.aspects[topic.ids[0]] == ASPECT_LABELS[lang]["Opening"]  # a segment opens its product
    assert seen == set(t.product_of)  # every product sentence is in its topic
    chitchat = all_ids - seen
    assert chitchat  # there is chit-chat, and none of it is labeled
    names = [g.name for g in t.topics]
    assert len(names) == len(set(names))  # one topic per product


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_product_is_named_where_it_is_opened_or_priced(lang):
    t = generate(2000, lang, seed=3)
    text = {s.id: s.text for s in t.sentences}
    labels = ASPECT_LABELS[lang]
    for topic in t.topics:
        slots = t.products[topic.name]
        assert topic.name.endswith(slots["item"])
        for i, aspect in topic.aspects.items():
            if aspect in (labels["Opening"], labels["Price"]):
                assert slots["item"] in text[i]
            if aspect == labels["Price"]:
                assert slots["price"] in text[i] or slots["old"] in text[i]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_aspect_labels_are_the_profiles(lang):
    t = generate(1000, lang, seed=0)
    labels = {a for _, a in t.aspect_pairs()}
    assert labels == set(PROFILES[t.profile].aspect_labels)


def test_config_shapes_segments():
    cfg = SyntheticConfig(segment_sentences=(4, 4), opening=(1, 1), price=(1, 1), urging=(1, 1),
                          chitchat_between=(0, 0), chitchat_inside=0.0, start_id=100)
    t = generate(40, "en", seed=0, config=cfg)
    assert [len(g.ids) for g in t.topics] == [4] * 10
    assert t.sentences[0].id == 100 and not set(range(100, 140)) - set(t.product_of)
    for g in t.topics:
        assert sorted(g.aspects.values()) == sorted(["Opening", "Price", "Order Urging", "Product Description"])


def test_bad_arguments():
    with pytest.raises(ValueError):
        generate(-1)
    with pytest.raises(ValueError, match="'en' or 'zh'"):
        generate(10, "fr")


def test_ten_thousand_sentences_are_fast():
    start = time.perf_counter()
    generate(10_000, "zh", seed=11)
    assert time.perf_counter() - start < 1.0
