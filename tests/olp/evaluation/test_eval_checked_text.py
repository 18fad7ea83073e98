"""The authors' checked-text layout: writing documents, parsing references, and matching the real files."""

from __future__ import annotations

import ast

import pytest

from olp.datasets import longbench
from olp.evaluation.checked_text import parse_checked_text, parse_items, write_checked_text
from olp.settings import data_dir

EN = ["Future Plans", "Assumptions", "Opinions", "Facts"]
ZH = ["未来计划", "猜测", "观点", "事实"]
needs_data = pytest.mark.skipif(
    not (data_dir() / "longbench-olp").is_dir(), reason="shared LongBench-OLP data not found (OLP_DATA_DIR)"
)


def item(i: int, text: str) -> dict:
    return {"id": i, "text": text}


def as_docs(topics) -> list[dict]:
    return [{"topic": t.title, "aspects": {k: [item(i, s) for i, s in v] for k, v in t.aspects.items()}} for t in topics]


DOCS = [
    {"topic": "Storm hits coast", "aspects": {
        "Future Plans": [item(3, "They will rebuild.")],
        "Assumptions": [],
        "Opinions": [item(2, "It's awful, she said.")],
        "Facts": [item(1, "A storm hit.")],
    }},
    {"topic": "Markets", "aspects": {"Facts": [item(4, 'He said "up".')]}},
]


def test_write_english_layout():
    expected = (
        "Storm hits coast\n"
        "(1) Future Plans:\n[3, 'They will rebuild.']\n\n"
        "(2) Assumptions:\n\n"
        "(3) Opinions:\n[2, \"It's awful, she said.\"]\n\n"
        "(4) Facts:\n[1, 'A storm hit.']\n\n"
        "Markets\n"
        "(1) Future Plans:\n\n(2) Assumptions:\n\n(3) Opinions:\n\n"
        "(4) Facts:\n[4, 'He said \"up\".']\n\n"
    )
    assert write_checked_text(DOCS, EN) == expected


def test_write_chinese_layout_with_empty_note_and_crlf():
    docs = [{"topic": "湖北农资质量抽查", "aspects": {"事实": [item(21981, "近日，抽样检测。")]}}]
    text = write_checked_text(docs, ZH, newline="\r\n")
    assert text == (
        "湖北农资质量抽查\r\n(1) 未来计划:\r\n没有相关内容\r\n\r\n(2) 猜测:\r\n没有相关内容\r\n\r\n"
        "(3) 观点:\r\n没有相关内容\r\n\r\n(4) 事实:\r\n[21981, '近日，抽样检测。']\r\n\r\n"
    )


def test_items_are_python_reprs():
    line = write_checked_text([{"topic": "t", "aspects": {"Facts": [item(7, "a\u3000b 'q'")]}}], EN).splitlines()[-2]
    assert ast.literal_eval(line) == [7, "a\u3000b 'q'"]
    assert "\\u3000" in line  # repr escapes the ideographic space, as the authors' files do


def test_extra_aspects_are_kept_after_the_profile_ones():
    text = write_checked_text([{"topic": "t", "aspects": {"Gossip": [item(1, "x")]}}], EN)
    assert "(5) Gossip:\n[1, 'x']\n" in text


def test_without_profile_aspects_each_document_keeps_its_own_order():
    assert write_checked_text(DOCS[1:], None) == "Markets\n(1) Facts:\n[4, 'He said \"up\".']\n\n"
    zh = write_checked_text([{"topic": "t", "aspects": {"观点": [], "事实": [item(1, "x")]}}])
    assert zh == "t\n(1) 观点:\n没有相关内容\n\n(2) 事实:\n[1, 'x']\n\n"


def test_documents_written_one_by_one_concatenate_to_the_whole():
    assert "".join(write_checked_text([d], EN) for d in DOCS) == write_checked_text(DOCS, EN)


def test_parse_roundtrip():
    topics = parse_checked_text(write_checked_text(DOCS, EN), EN)
    assert [t.title for t in topics] == ["Storm hits coast", "Markets"]
    assert topics[0].aspects == {"Future Plans": [(3, "They will rebuild.")], "Assumptions": [],
                                 "Opinions": [(2, "It's awful, she said.")], "Facts": [(1, "A storm hit.")]}
    assert topics[1].ids == [4]


def test_parse_tolerates_markdown_notes_and_odd_layouts():
    text = (
        "First story\r\n(1) 未来计划：\r\n没有相关内容\r\n\r\n## (2) 猜测:\r\n- [5, '也许。']\r\n"
        "(3) 观点: [6, '好。'], [7, \"坏'的\"]\r\n(4) 事实:\r\n[8, 'unterminated]\r\n\r\n"
        "Second story starts at (4)\r\n(4) 事实:\r\n[9, '事实。']\r\n"
    )
    topics = parse_checked_text(text, ZH)
    assert [t.title for t in topics] == ["First story", "Second story starts at (4)"]
    assert topics[0].aspects == {"未来计划": [], "猜测": [(5, "也许。")], "观点": [(6, "好。"), (7, "坏'的")],
                                 "事实": [(8, "unterminated")]}
    assert topics[1].aspects["事实"] == [(9, "事实。")]


def test_parse_items_without_aspect_names_keeps_heading_names():
    topics = parse_checked_text("T\n(1) Plans:\n[1, 'a']\n")
    assert topics[0].aspects == {"Plans": [(1, "a")]}
    assert parse_items("no items here") == []


@needs_data
@pytest.mark.parametrize(("task", "aspects"), [("lsht", ZH), ("multi_news", EN)])
def test_first_reference_block_is_reproduced_exactly(task, aspects):
    ref = longbench.reference_text(task, 10)
    topics = parse_checked_text(ref, aspects)
    docs = as_docs(topics)
    first_block = ref[: ref.index(topics[1].title + "\n")]
    assert write_checked_text(docs[:1], aspects) == first_block


@needs_data
@pytest.mark.parametrize("task", longbench.TASKS)
@pytest.mark.parametrize("n", longbench.SIZES)
def test_clean_reference_item_lines_are_written_identically(task, n):
    ref = longbench.reference_text(task, n)
    topics = longbench.load_reference(task, n)
    docs = as_docs(topics)
    written = set(write_checked_text(docs, longbench.ASPECTS[task]).splitlines())
    clean = []
    for line in ref.splitlines():
        try:
            value = ast.literal_eval(line)
        except (ValueError, SyntaxError):
            continue
        if isinstance(value, list) and len(value) == 2 and repr(value) == line:
            clean.append(line)
    assert clean and all(line in written for line in clean)
