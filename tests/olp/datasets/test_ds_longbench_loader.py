"""LongBench-OLP loader: inputs, unique re-numbering, references and stored outputs."""

from __future__ import annotations

import ast

import pytest

from olp.datasets import longbench
from olp.errors import BadInputError
from olp.settings import data_dir
from olp.types import Sentence

FOLDER = data_dir() / "longbench-olp"
needs_data = pytest.mark.skipif(not FOLDER.is_dir(), reason="shared LongBench-OLP data not found (OLP_DATA_DIR)")
SETTINGS = [(t, n) for t in longbench.TASKS for n in longbench.SIZES]


def test_renumber_hand_made():
    ids = [5, 6, 7, 5, 6, 9, 1]
    sentences, original = longbench.renumber([Sentence(i, f"t{k}") for k, i in enumerate(ids)])
    # Block 2 (5, 6, 9) starts after 7 and keeps its gap; block 3 (1) starts after 11.
    assert [s.id for s in sentences] == [5, 6, 7, 8, 9, 12, 13]
    assert [original[s.id] for s in sentences] == ids
    assert [s.text for s in sentences] == [f"t{k}" for k in range(7)]


def test_renumber_leaves_unique_ascending_ids_alone():
    sentences = [Sentence(i, "x") for i in (1, 2, 10)]
    same, original = longbench.renumber(sentences)
    assert same == sentences and original == {1: 1, 2: 2, 10: 10}


def test_restore_ids():
    docs = [{"topic": "t", "span": [8, 9], "aspects": {"Facts": [{"id": 8, "text": "a"}, {"id": 9, "text": "b"}]}}]
    back = longbench.restore_ids(docs, {8: 5, 9: 6})
    assert back[0]["span"] == [5, 6] and [i["id"] for i in back[0]["aspects"]["Facts"]] == [5, 6]
    assert docs[0]["span"] == [8, 9]  # the input is not modified


def test_bad_names():
    with pytest.raises(BadInputError, match="choose one of: lsht, multi_news"):
        longbench.file_path("gov_report", 10)
    with pytest.raises(BadInputError, match="COT"):
        longbench.method_tag("Chain")
    assert longbench.method_tag("CoA") == "COA"


@needs_data
@pytest.mark.parametrize(("task", "n"), SETTINGS)
def test_input_in_file_order(task, n):
    raw = ast.literal_eval((FOLDER / f"{task}_sampling_{n}.txt").read_text(encoding="utf-8"))
    sentences = longbench.load_input(task, n)
    assert [(s.id, s.text) for s in sentences] == [tuple(p) for p in raw]
    unique, original = longbench.renumber(sentences)
    assert len({s.id for s in unique}) == len(unique)
    assert [original[s.id] for s in unique] == [s.id for s in sentences]


@needs_data
def test_n20_ids_repeat_and_n10_ids_do_not():
    for task in longbench.TASKS:
        ids20 = [s.id for s in longbench.load_input(task, 20)]
        ids10 = [s.id for s in longbench.load_input(task, 10)]
        assert len(set(ids20)) < len(ids20)
        assert len(set(ids10)) == len(ids10)


@needs_data
@pytest.mark.parametrize(("task", "n"), SETTINGS)
def test_reference_topics(task, n):
    topics = longbench.load_reference(task, n)
    input_ids = {s.id for s in longbench.load_input(task, n)}
    ref = longbench.reference_text(task, n)
    assert len(topics) >= n - 1  # about one topic per news piece
    for t in topics:
        assert t.title and t.title in ref
        assert list(t.aspects) == list(longbench.ASPECTS[task])
        assert set(t.ids) <= input_ids
    gold = longbench.gold_topics(task, n)
    assert gold and all(set(g.aspects.values()) <= set(longbench.ASPECTS[task]) for g in gold)


@needs_data
@pytest.mark.parametrize(("task", "n"), SETTINGS)
def test_seven_outputs(task, n):
    outputs = longbench.load_outputs(task, n)
    assert list(outputs) == list(longbench.METHODS)
    for method, text in outputs.items():
        raw = (FOLDER / f"{task}_sampling_{n}_{method}.txt").read_bytes().decode("utf-8")
        assert text == raw.replace("\r\n", "\n") and "\r" not in text
