"""The authors' LongBench similarity: the metric on hand-made strings, and the stored outputs re-scored
independently (raw bytes, CRLF handled by hand, the hyphen rule written out, python-Levenshtein called directly)."""

from __future__ import annotations

import Levenshtein
import pytest

from olp.datasets import longbench
from olp.evaluation.bench import longbench_table, score_longbench
from olp.evaluation.similarity import dehyphenate, hyphen_rule, normalized_similarity, read_text, similarity
from olp.settings import data_dir

HAS_DATA = (data_dir() / "longbench-olp").is_dir()
needs_data = pytest.mark.skipif(not HAS_DATA, reason="shared LongBench-OLP data not found (set OLP_DATA_DIR)")


def plain_levenshtein(a: str, b: str) -> int:
    """Textbook two-row dynamic programme, independent of the library."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i]
        for j, cb in enumerate(b, start=1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def test_normalized_similarity_known_values():
    assert normalized_similarity("kitten", "sitting") == pytest.approx(1 - 3 / 7)
    assert normalized_similarity("", "") == 1.0
    assert normalized_similarity("abc", "") == 0.0
    assert normalized_similarity("湖北农资", "湖南农资") == pytest.approx(0.75)  # one code point of four differs


def test_dehyphenate_only_removes_ascii_hyphen_minus():
    assert dehyphenate("murder-suicide – 2-3") == "murdersuicide – 23"  # the en dash stays


@pytest.mark.parametrize(
    ("task", "n", "method", "expected"),
    [
        ("lsht", 10, "OLP", (False, False)),
        ("lsht", 20, "OLP_Role-RL", (False, True)),
        ("lsht", 10, "Direct", (False, True)),
        ("multi_news", 10, "OLP", (True, True)),
        ("multi_news", 10, "COA", (True, True)),
        ("multi_news", 20, "OLP", (False, False)),
        ("multi_news", 20, "OLP_Role-RL", (False, True)),
        ("multi_news", 30, "OLP", (True, True)),
    ],
)
def test_hyphen_rule_matches_the_authors_script(task, n, method, expected):
    assert hyphen_rule(task, n, method) == expected


def test_similarity_flags():
    assert similarity("a-b", "a-b") == pytest.approx(2 / 3)  # output loses its hyphen, reference keeps it
    assert similarity("a-b", "a-b", strip_output=False) == 1.0
    assert similarity("a-b", "ab", strip_reference=True) == 1.0


def test_read_text_turns_crlf_into_lf(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes("标题\r\n(1) 未来计划:\r\n".encode())
    assert read_text(path) == "标题\n(1) 未来计划:\n"


def _independent_score(task: str, n: int, method: str) -> float:
    folder = data_dir() / "longbench-olp"
    ref = (folder / f"{task}_sampling_{n}_checked.txt").read_bytes().decode("utf-8").replace("\r\n", "\n")
    out = (folder / f"{task}_sampling_{n}_{method}.txt").read_bytes().decode("utf-8").replace("\r\n", "\n")
    # The rule as written in Longbench_test/Baseline_correctness.py.
    if (task, n) in {("multi_news", 10), ("multi_news", 30)}:
        ref, out = ref.replace("-", ""), out.replace("-", "")
    elif method != "OLP":
        out = out.replace("-", "")
    return 1 - Levenshtein.distance(ref, out) / max(len(ref), len(out))


@needs_data
@pytest.mark.parametrize("task", longbench.TASKS)
@pytest.mark.parametrize("n", longbench.SIZES)
@pytest.mark.parametrize("method", longbench.METHODS)
def test_stored_outputs_rescored_independently(task, n, method):
    assert score_longbench(task, n, method) == pytest.approx(_independent_score(task, n, method), abs=1e-12)


@needs_data
def test_library_distance_agrees_with_plain_dp_on_slices():
    for task in longbench.TASKS:
        ref = longbench.reference_text(task, 10)[:300]
        out = longbench.output_text(task, 10, "OLP")[:300]
        assert Levenshtein.distance(ref, out) == plain_levenshtein(ref, out)


@needs_data
def test_text_mode_matters_for_the_score():
    # Reading bytes without newline translation would count every CR as an edit against LF-only text.
    folder = data_dir() / "longbench-olp"
    raw_ref = (folder / "lsht_sampling_10_checked.txt").read_bytes().decode("utf-8")
    assert "\r\n" in raw_ref
    assert "\r" not in longbench.reference_text("lsht", 10)


@needs_data
def test_table_is_complete_and_bounded():
    table = longbench_table()
    assert set(table) == {f"{t} N={n}" for t in longbench.TASKS for n in longbench.SIZES}
    for row in table.values():
        assert list(row) == list(longbench.METHODS)
        assert all(0.0 <= v <= 1.0 for v in row.values())


@needs_data
def test_method_aliases_score_like_their_tags():
    assert score_longbench("lsht", 10, "CoT") == score_longbench("lsht", 10, "COT")
    assert score_longbench("lsht", 10, "OLP+Role-RL") == score_longbench("lsht", 10, "OLP_Role-RL")
