"""``olp run`` as a user runs it: formats, --out, progress, and bad input."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from olp.cli import main
from olp.schema import validate_document
from scripted import POOL

TRANSCRIPT = "\n".join(
    [f"hello everyone {i}" for i in range(3)]
    + [f"this #mug is lovely {i}" + (" only $5" if i == 1 else "") for i in range(8)]
    + [f"now the #lamp part {i}" for i in range(9)]
)


@pytest.fixture
def pool(tmp_path, scripted):
    p = tmp_path / "pool.yaml"
    p.write_text(yaml.safe_dump(POOL))
    return str(p)


@pytest.fixture
def transcript(tmp_path):
    p = tmp_path / "live.txt"
    p.write_text(TRANSCRIPT)
    return str(p)


def test_jsonl_documents_on_stdout(pool, transcript, capsys):
    assert main(["run", transcript, "--pool", pool, "--chunk-size", "8", "--quiet"]) == 0
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [d["topic"] for d in docs] == ["mug", "lamp"]
    for d in docs:
        validate_document(d)
        assert d["stream"] == "live" and d["models"]["topic_finder"] == "scripted"
    assert docs[0]["span"] == [3, 10] and docs[1]["span"] == [11, 19]


def test_out_file_markdown_and_summary(pool, transcript, tmp_path, capsys):
    out = tmp_path / "docs.md"
    assert main(["run", transcript, "--pool", pool, "--out", str(out), "--format", "markdown", "--chunk-size", "8"]) == 0
    text = out.read_text()
    assert "## mug" in text and "**Price**" in text and "this #mug is lovely 1 only $5" in text
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "20 sentences, 2 topics" in captured.err


def test_olp_text_layout(pool, transcript, capsys):
    assert main(["run", transcript, "--pool", pool, "--format", "olp-text", "--chunk-size", "8", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "mug"
    assert "(3) Price:" in out and "[4, 'this #mug is lovely 1 only $5']" in out


@pytest.mark.parametrize(
    "content, args, message",
    [
        (b"\x00\x01\x02binary", [], "looks binary"),
        (b"caf\xe9 bad", [], "not valid UTF-8"),
        (b"[[1, 'a'], [2, ", [], "malformed list"),
        (b"", [], "input is empty"),
        (b"hello", ["--profile", "ecommerce-fr"], "unknown profile 'ecommerce-fr' \\(did you mean 'ecommerce-\\w\\w'\\?\\)"),
        (b"hello", ["--chunk-size", "1"], "--chunk-size must be at least 2"),
        (b"hello", ["--pool", "/nonexistent/pool.yaml"], "pool file '/nonexistent/pool.yaml' not found"),
    ],
)
def test_bad_input_one_line_error_and_no_output_file(tmp_path, capsys, content, args, message):
    src = tmp_path / "in.txt"
    src.write_bytes(content)
    out = tmp_path / "out.jsonl"
    code = main(["run", str(src), "--out", str(out), "--quiet", *args])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("olp run: error:")
    assert "Traceback" not in err


    assert re.search(message, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt"]  # nothing half-written


def test_bad_pool_yaml(tmp_path, capsys, transcript):
    bad = tmp_path / "pool.yaml"
    bad.write_text("model_list: [{model_name: x}]")
    assert main(["run", transcript, "--pool", str(bad), "--quiet"]) == 2
    assert "needs `model_name` and `litellm_params`" in capsys.readouterr().err
