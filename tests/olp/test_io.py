"""Readers of every input format, and their one-line errors on bad input."""

from __future__ import annotations

import io

import pytest

from olp.errors import BadInputError
from olp.io import AtomicOutput, parse_pair_list, read_sentences
from olp.types import Sentence


def write(tmp_path, name: str, data: bytes | str):
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return p


def test_olp_mini_python_literal(tmp_path):
    p = write(tmp_path, "x.txt", "[[7, 'okay'], [8, \"now let's\"], [9, '\\u3000价格']]")
    assert list(read_sentences(p)) == [Sentence(7, "okay"), Sentence(8, "now let's"), Sentence(9, "\u3000价格")]


def test_json_list_and_jsonl_and_plain_text(tmp_path):
    assert [s.id for s in read_sentences(write(tmp_path, "a.json", '[[1, "a"], [2, "b"]]'))] == [1, 2]
    jl = write(tmp_path, "b.jsonl", '{"id": 5, "text": "a"}\n\n{"text": "b"}\n')
    assert list(read_sentences(jl)) == [Sentence(5, "a"), Sentence(6, "b")]
    txt = write(tmp_path, "c.txt", "hello there\n\n  second line  \nthird")
    assert list(read_sentences(txt)) == [Sentence(0, "hello there"), Sentence(1, "second line"), Sentence(2, "third")]


def test_literal_parsing_never_evaluates_code(tmp_path):
    p = write(tmp_path, "evil.txt", "[[1, __import__('os').system('touch pwned')]]")
    with pytest.raises(BadInputError, match="malformed list"):
        list(read_sentences(p))
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "input is empty"),
        (b"\n\n  \n", "only blank lines"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "looks binary"),
        (b"caf\xe9 au lait\n", "not valid UTF-8 \\(byte offset 3\\)"),
        (b"[[1, 'a'], [2, 'b'", "malformed list"),
        (b"[[1, 'a'], ['x', 'b']]", "item 1 is not an \\[id, sentence\\] pair"),
        (b"[[2, 'a'], [1, 'b']]", "ids must increase"),
        (b"[]", "list of sentences is empty"),
        (b'{"id": 1, "text": "a"}\n{"id": 1, "text": "b"}\n', "ids must increase"),
        (b'{"id": 1, "text": "a"}\nnot json\n', "line 2 is not valid JSON"),
    ],
)
def test_bad_input_gets_one_clear_error(tmp_path, data, message):
    p = write(tmp_path, "bad.txt", data)
    with pytest.raises(BadInputError, match=message):
        list(read_sentences(p))


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(BadInputError, match="no such file"):
        read_sentences(tmp_path / "nope.txt")
    with pytest.raises(BadInputError, match="is a directory"):
        read_sentences(tmp_path)


def test_stdin_plain_text_is_read_incrementally(monkeypatch):
    class Feed(io.RawIOBase):
        """Hands out one line per read, like a live pipe, and counts reads."""

        def __init__(self, lines):
            self.lines, self.reads = list(lines), 0

        def readable(self):
            return True

        def read1(self, n=-1):
            self.reads += 1
            return self.lines.pop(0) if self.lines else b""

    feed = Feed([b"first line\n", b"second line\n", b"third\n"])
    monkeypatch.setattr("sys.stdin", type("S", (), {"buffer": feed})())
    it = read_sentences("-")
    assert next(it) == Sentence(0, "first line")
    assert feed.reads <= 2  # the first sentence came out before the rest of the input was read


def test_parse_pair_list_rejects_non_lists():
    with pytest.raises(BadInputError, match="expected a list"):
        parse_pair_list('{"a": 1}')


def test_atomic_output_leaves_nothing_half_written(tmp_path):
    target = tmp_path / "out.jsonl"
    out = AtomicOutput(str(target))
    out.write("partial\n")
    assert not target.exists()
    out.abort()
    assert list(tmp_path.iterdir()) == []
    out = AtomicOutput(str(target))
    out.write("done\n")
    out.commit()
    assert target.read_text() == "done\n" and len(list(tmp_path.iterdir())) == 1
