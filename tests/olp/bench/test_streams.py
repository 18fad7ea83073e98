"""``olp bench streams`` on a tiny run: the JSON it promises, and numbers that make sense."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from olp.bench.streams import critical_path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> dict:
    plots = tmp_path_factory.mktemp("plots")
    cmd = [sys.executable, "-m", "olp", "bench", "streams", "--quick", "--paths", "new", "--rate", "20",
           "--latency", "0.05", "--json", "--plots", str(plots)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=600).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_the_json_has_the_promised_keys(tiny):
    for key in ("streams_per_core_local", "streams_per_core_http", "wall_over_critical_path",
                "changelog_bytes_per_sentence", "ttd_bound_s", "configs"):
        assert key in tiny
    assert set(tiny["configs"]) == {"local new", "http new"}
    assert tiny["plots"] and tiny["plots"][0].endswith("streams-backlog.png")


def test_more_streams_make_more_backlog_and_cost_cpu(tiny):
    for name, config in tiny["configs"].items():
        few, many = sorted(config["trials"], key=lambda t: t["streams"])
        assert many["sentences_processed"] > few["sentences_processed"] > 0, name
        assert many["backlog_mean"] >= few["backlog_mean"], name
        assert many["cpu_s"] > few["cpu_s"], name
        assert many["calls"] > 0 and many["cpu_ms_per_call"] > 0, name
        # snapshots at chunk boundaries only (issue 13: under 2 bytes per byte of transcript)
        assert 0 < many["changelog_bytes_per_transcript_byte"] < 2, name


def test_http_chunks_take_at_least_their_critical_path(tiny):
    ratio = tiny["configs"]["http new"]["trials"][-1]["wall_over_critical_path"]
    assert ratio is not None and ratio >= 0.95


def test_critical_path_is_the_longest_chain_of_calls_one_after_another():
    # (end, latency): a and b run together (0-1, 0-2), c after b (2-3), d after a (1-1.5)
    calls = [(1.0, 1.0), (2.0, 2.0), (3.0, 1.0), (1.5, 0.5)]
    assert critical_path(calls) == pytest.approx(3.0)
    assert critical_path([]) == 0.0
