"""Benchmark runners: oracle predictors score perfectly, baselines score as computed by hand."""

from __future__ import annotations

import pytest

from olp.datasets import longbench, qmsum
from olp.evaluation.baselines import fixed_window_topics
from olp.evaluation.bench import evaluate_longbench, evaluate_qmsum, evaluate_synthetic, markdown_table
from olp.evaluation.checked_text import write_checked_text
from olp.evaluation.similarity import similarity
from olp.settings import data_dir
from olp.types import Sentence


def as_docs(topics) -> list[dict]:
    """Gold topics as predicted documents (QMSum topics have no aspects: all under Discussion)."""
    docs = []
    for g in topics:
        labels = g.aspects or {i: "Discussion" for i in g.ids}
        aspects: dict[str, list[dict]] = {}
        for i, a in labels.items():
            aspects.setdefault(a, []).append({"id": i, "text": ""})
        docs.append({"topic": g.name, "span": list(g.span), "aspects": aspects})
    return docs


def test_synthetic_oracle_scores_one_and_async_predictors_work():
    from olp.datasets.synthetic import generate

    def oracle(sentences: list[Sentence], profile: str, stream: str) -> list[dict]:
        seed = int(stream.rsplit("-", 1)[1])
        return as_docs(generate(len(sentences), "en", seed).topics)

    async def nothing(sentences, profile, stream):
        return []

    res = evaluate_synthetic(oracle, streams=3, n_sentences=200)
    assert (res["topic_recall"], res["aspect_recall"], res["streams"]) == (1.0, 1.0, 3)
    empty = evaluate_synthetic(nothing, streams=2, n_sentences=50)
    assert (empty["topic_recall"], empty["aspect_recall"], empty["predicted_topics"]) == (0.0, 0.0, 0)


@pytest.mark.skipif(not (data_dir() / "qmsum").is_dir(), reason="shared QMSum data not found")
def test_qmsum_oracle_scores_one():
    gold = {m.name: m.topics for m in qmsum.iter_meetings("val", limit=3)}
    res = evaluate_qmsum(lambda s, p, name: as_docs(gold[name]), split="val", limit=3)
    assert res["topic_recall"] == res["topic_recall_macro"] == 1.0
    assert res["gold_topics"] == sum(len(t) for t in gold.values())


@pytest.mark.skipif(not (data_dir() / "longbench-olp").is_dir(), reason="shared LongBench-OLP data not found")
def test_longbench_runner_scores_the_written_text():
    def window(sentences, profile, stream):
        return fixed_window_topics(sentences, 300, longbench.ASPECTS["multi_news"])

    res = evaluate_longbench(window, tasks=["multi_news"], sizes=[20])["multi_news N=20"]
    # By hand: original ids (no renumbering needed for the text), the authors' N=20 rule for a non-OLP output.
    docs = fixed_window_topics(longbench.load_input("multi_news", 20), 300, longbench.ASPECTS["multi_news"])
    text = write_checked_text(docs, longbench.ASPECTS["multi_news"])
    assert res["text"] == text
    assert res["similarity"] == similarity(longbench.reference_text("multi_news", 20), text,
                                           strip_reference=False, strip_output=True)


def test_markdown_table():
    table = markdown_table({"a": {"x": 0.5}}, ["x", "y"], digits=2)
    assert table == "| setting | x | y |\n|---|---|---|\n| a | 0.50 |  |"
