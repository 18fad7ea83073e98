"""OLP-MINI loader: safe parsing, discovery by language, and the real shared files."""

from __future__ import annotations

import pytest

from olp.datasets import olp_mini
from olp.errors import BadInputError
from olp.settings import olp_mini_dir
from olp.types import Sentence

needs_data = pytest.mark.skipif(not olp_mini_dir().is_dir(), reason="shared OLP-MINI data not found (OLP_MINI_DIR)")


def test_parse_pair_list_python_and_json_literals():
    expected = [Sentence(5, "okay"), Sentence(6, "now let's")]
    assert olp_mini.parse_pair_list("""[[5, 'okay'], [6, "now let's"]]""") == expected
    assert olp_mini.parse_pair_list('[[1, "好"]]') == [Sentence(1, "好")]


@pytest.mark.parametrize(
    "text",
    ["", "[]", "not a list", "[[1, 'a'], [2]]", "[['1', 'a']]", "[[True, 'a']]", "__import__('os').system('true')",
     "[[1, 'a']"],
)
def test_parse_pair_list_rejects_bad_input(text):
    with pytest.raises(BadInputError, match="<text>"):
        olp_mini.parse_pair_list(text)


def test_directory_from_environment(tmp_path, monkeypatch):
    (tmp_path / "EN_").mkdir()
    (tmp_path / "EN_" / "EN777.txt").write_text("[[1, 'hello'], [2, 'world']]", encoding="utf-8")
    (tmp_path / "EN_" / "EN005.txt").write_text("[[9, 'x']]", encoding="utf-8")
    monkeypatch.setenv("OLP_MINI_DIR", str(tmp_path))
    files = olp_mini.list_files("en")
    assert [f.name for f in files] == ["EN005.txt", "EN777.txt"]
    assert list(olp_mini.iter_streams("en", limit=1)) == [("EN005", [Sentence(9, "x")])]
    with pytest.raises(BadInputError, match="OLP_MINI_DIR"):
        olp_mini.list_files("zh")
    with pytest.raises(BadInputError, match="'en' or 'zh'"):
        olp_mini.list_files("fr")


def test_unreadable_file(tmp_path):
    bad = tmp_path / "EN001.txt"
    bad.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(BadInputError, match="UTF-8"):
        olp_mini.load(bad)


@needs_data
@pytest.mark.parametrize(("lang", "first"), [("en", "EN001"), ("zh", "CN001"), ("cn", "CN001")])
def test_real_files_load_with_consecutive_ids(lang, first):
    files = olp_mini.list_files(lang)
    assert files and olp_mini.stream_id(files[0]) == first
    sentences = olp_mini.load(files[0])
    ids = [s.id for s in sentences]
    assert ids == list(range(ids[0], ids[0] + len(ids)))
    assert all(isinstance(s.text, str) for s in sentences)
