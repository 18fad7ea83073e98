"""``olp produce`` leaves out empty sentences (OLP-MINI lists hold them) and says how many it left out."""

from __future__ import annotations

import json

import pytest

import olp.stream.produce
from olp.cli import main


@pytest.fixture
def sent(monkeypatch) -> list:
    """What ``olp produce`` hands to Kafka (no broker: the send is replaced)."""
    got: list = []

    async def fake_produce(sentences, stream, broker, **kw):
        got.extend(sentences)
        return len(got)

    monkeypatch.setattr(olp.stream.produce, "produce", fake_produce)
    return got


def test_empty_sentences_are_skipped_and_counted(tmp_path, sent, capsys):
    path = tmp_path / "mini.txt"
    pairs = [[1, "okay"], [2, ""], [3, "this wig is $89"], [4, "   "], [5, "\t"], [6, "grab it now"]]
    path.write_text(json.dumps(pairs), encoding="utf-8")
    assert main(["produce", str(path), "--stream-id", "s"]) == 0
    assert [(s.id, s.text) for s in sent] == [(1, "okay"), (3, "this wig is $89"), (6, "grab it now")]
    line = capsys.readouterr().err.strip()
    assert line.startswith("olp produce: sent 3 sentences of stream 's' in ")
    assert line.endswith(" s, skipped 3 empty")


def test_no_skip_note_when_nothing_was_skipped(tmp_path, sent, capsys):
    path = tmp_path / "t.txt"
    path.write_text("hello there\nthis wig is $89\n", encoding="utf-8")
    assert main(["produce", str(path), "--stream-id", "s"]) == 0
    assert len(sent) == 2
    assert "skipped" not in capsys.readouterr().err


def test_quiet_prints_nothing_even_when_sentences_were_skipped(tmp_path, sent, capsys):
    path = tmp_path / "mini.txt"
    path.write_text(json.dumps([[1, "okay"], [2, ""]]), encoding="utf-8")
    assert main(["produce", str(path), "--stream-id", "s", "--quiet"]) == 0
    assert len(sent) == 1
    assert capsys.readouterr().err == ""


def test_input_with_only_empty_sentences_is_refused_before_sending(tmp_path, sent, capsys):
    path = tmp_path / "mini.txt"
    path.write_text(json.dumps([[1, ""], [2, "  "]]), encoding="utf-8")
    assert main(["produce", str(path), "--stream-id", "s"]) == 2
    assert capsys.readouterr().err == f"olp produce: error: {path}: no sentence has any text (2 empty)\n"
    assert sent == []
