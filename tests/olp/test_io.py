"""Readers of every input format, and their one-line errors on bad input."""

from __future__ import annotations

import codecs
import io
import os

import pytest

from olp.errors import BadInputError
from olp.io import AtomicOutput, Renumbering, parse_pair_list, read_sentences, restore_ids
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


@pytest.mark.parametrize(
    "data, expected",
    [
        ("[Music]\nhello\n", [Sentence(0, "[Music]"), Sentence(1, "hello")]),
        ("{laughs} ok\n[[Music]] two\n", [Sentence(0, "{laughs} ok"), Sentence(1, "[[Music]] two")]),
        ("[] hello\n", [Sentence(0, "[] hello")]),
        ("\ufeffhello\n", [Sentence(0, "hello")]),  # a UTF-8 BOM is not part of the first sentence
        ('[\n  [\n    3,\n    "pretty"\n  ]\n]\n', [Sentence(3, "pretty")]),  # pretty-printed JSON is still a list
        ('[[1, "a"]]', [Sentence(1, "a")]),
        ('{\n"text": "a"}', None),
    ],
)
def test_the_format_is_told_from_the_start(tmp_path, data, expected):
    p = write(tmp_path, "x.txt", data)
    if expected is None:
        with pytest.raises(BadInputError, match="line 1 is not valid JSON; olp reads a list of"):
            list(read_sentences(p))
    else:
        assert list(read_sentences(p)) == expected


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-8"])
def test_a_bom_picks_the_encoding_and_is_dropped(tmp_path, encoding):
    p = write(tmp_path, "x.txt", "\ufeff[[1, '价格'], [2, 'b']]".encode(encoding))
    assert list(read_sentences(p)) == [Sentence(1, "价格"), Sentence(2, "b")]


@pytest.mark.parametrize(
    "data, message",
    [
        ("[" * 1000 + "]" * 1000, "nested too deeply"),
        ("[[[[1]]]]", "item 0 is not an \\[id, sentence\\] pair"),
        ('{"a": 1}\n', 'line 1 is not a JSON object with a "text" string; olp reads a list of \\[id, sentence\\]'),
        ("hi there".encode("utf-16-be"), "UTF-16 without a byte-order mark.*UTF-16BE"),
        (codecs.BOM_UTF16_LE + b"\x00\xd8", "not valid UTF-16"),
    ],
)
def test_more_bad_input(tmp_path, data, message):
    p = write(tmp_path, "bad.txt", data)
    with pytest.raises(BadInputError, match=message):
        list(read_sentences(p))


def test_closed_stdin_is_bad_input(monkeypatch):
    monkeypatch.setattr("sys.stdin", None)
    with pytest.raises(BadInputError, match="stdin is closed"):
        read_sentences("-")


def test_ids_that_restart_are_refused_with_a_hint_unless_asked_to_pass(tmp_path):
    p = write(tmp_path, "x.txt", "[[5, 'a'], [6, 'b'], [5, 'c'], [9, 'd'], [1, 'e']]")
    with pytest.raises(BadInputError, match="item 2 has id 5 after 6\\); use --x"):
        list(read_sentences(p, ids_hint="; use --x"))
    ids = Renumbering()
    got = list(ids.apply(read_sentences(p, increasing=False)))
    assert [s.id for s in got] == [5, 6, 7, 11, 12]  # blocks keep their gaps, each after the highest so far
    assert [ids.get(s.id) for s in got] == [5, 6, 5, 9, 1] and ids.get(8) == 6 and ids.get(99) is None
    doc = {"span": [6, 11], "aspects": {"A": [{"id": 6, "text": "b"}, {"id": 11, "text": "d"}]}}
    assert restore_ids(doc, ids) == {"span": [6, 9], "aspects": {"A": [{"id": 6, "text": "b"}, {"id": 9, "text": "d"}]}}


def test_renumbering_jsonl_and_plain_text_stream(tmp_path):
    p = write(tmp_path, "x.jsonl", '{"id": 3, "text": "a"}\n{"id": 1, "text": "b"}\n{"text": "c"}\n')
    assert [s.id for s in Renumbering().apply(read_sentences(p, increasing=False))] == [3, 4, 5]


def test_atomic_output_has_ordinary_permissions(tmp_path):
    target = tmp_path / "out.jsonl"
    out = AtomicOutput(str(target))
    out.write("x\n")
    out.commit()
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
