"""The fixed-window baseline."""

from __future__ import annotations

import pytest

from olp.datasets import GoldTopic
from olp.evaluation.baselines import count_words, fixed_window_topics
from olp.evaluation.recall import topic_recall
from olp.types import Sentence


def test_count_words():
    assert count_words("OK , we 're on .") == 4  # QMSum writes punctuation as separate tokens
    assert count_words("我来到北京清华大学。") == 4  # jieba: 我 / 来到 / 北京 / 清华大学


def test_windows_close_once_they_reach_the_size():
    sentences = [Sentence(100 + i, " ".join(["w"] * 100)) for i in range(10)]
    docs = fixed_window_topics(sentences, words=300, stream="s", profile="news-en")
    assert [d["span"] for d in docs] == [[100, 102], [103, 105], [106, 108], [109, 109]]
    assert [d["topic"] for d in docs] == ["window 1", "window 2", "window 3", "window 4"]
    for d in docs:
        assert list(d["aspects"]) == ["Future Plans", "Assumptions", "Opinions", "Facts"]
        assert all(not d["aspects"][a] for a in ("Future Plans", "Assumptions", "Opinions"))
        assert d["stream"] == "s" and d["cost_usd"] == 0.0
    assert [i["id"] for d in docs for i in d["aspects"]["Facts"]] == [s.id for s in sentences]


def test_into_and_custom_aspects():
    docs = fixed_window_topics([Sentence(1, "a b")], words=5, aspects=("Opening", "Price"), into="Opening")
    assert docs[0]["aspects"] == {"Opening": [{"id": 1, "text": "a b"}], "Price": []}
    with pytest.raises(ValueError):
        fixed_window_topics([], words=0)
    assert fixed_window_topics([]) == []


def test_window_topics_recall_their_own_windows():
    sentences = [Sentence(i, "one two three") for i in range(20)]
    gold = [GoldTopic("g1", tuple(range(0, 4))), GoldTopic("g2", tuple(range(4, 8))), GoldTopic("g3", (11, 12))]
    docs = fixed_window_topics(sentences, words=12)  # four sentences per window
    # g1 and g2 are windows 0..3 and 4..7 exactly; g3 straddles windows 8..11 and 12..15 (IoU 1/5 with each).
    assert topic_recall(docs, gold) == pytest.approx(2 / 3)
