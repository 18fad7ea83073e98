"""The dashboard on the real Prometheus server (Debian's package): it scrapes a running worker, the values
read back through /api/v1/query match the worker's, and the console page shows them in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from olp_harness import dedup, documents_of, produce, reference, wait_for, write_transcript

from olp.types import ROLES

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
]


def query(prometheus: str, expr: str) -> list[dict]:
    url = f"{prometheus}/api/v1/query?{urllib.parse.urlencode({'query': expr})}"
    data = json.loads(urllib.request.urlopen(url, timeout=5).read())
    assert data["status"] == "success", data
    return data["data"]["result"]


def scalar(prometheus: str, expr: str) -> float | None:
    result = query(prometheus, expr)
    return float(result[0]["value"][1]) if result else None


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail("chromium is not installed: run scripts/setup --services")
    return subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def scraped(broker, shared, prometheus, tmp_path_factory):
    """A transcript organized by the shared worker, and Prometheus holding the worker's final values."""
    prefix, worker = shared
    path = tmp_path_factory.mktemp("dash") / "t.jsonl"
    sentences = write_transcript(path, 100, seed=7)
    assert produce(broker, prefix, path, "dash-1", 100).wait(60) == 0
    want = reference(sentences, "dash-1")
    dedup(documents_of(broker, prefix, "dash-1", len(want), timeout=60))
    total = worker.metric("olp_documents_total")
    wait_for(lambda: scalar(prometheus, "sum(olp_documents_total)") == total, 30, "Prometheus to scrape the worker")
    return worker


def test_prometheus_scrapes_the_worker_and_answers_queries(prometheus, scraped):
    worker = scraped
    assert scalar(prometheus, "sum(up{job='olp'})") == 1
    for name in ("olp_sentences_total", "olp_documents_total", "olp_cost_usd_total"):
        assert scalar(prometheus, f"sum({name})") == pytest.approx(worker.metric(name)), name
    assert scalar(prometheus, "sum(olp_documents_total)") > 0
    current = query(prometheus, "olp_role_assignment == 1")
    assert sorted(r["metric"]["role"] for r in current) == sorted(ROLES)
    assert {r["metric"]["model"] for r in current} == {"local-quality"}
    p90 = scalar(prometheus, "histogram_quantile(0.9, sum by (le) (olp_call_latency_seconds_bucket))")
    assert p90 is not None and p90 > 0
    # the worker has caught up (lag is measured each second, after documents are delivered)
    wait_for(lambda: scalar(prometheus, "sum(olp_consumer_lag)") == 0, 15, "the consumer lag to reach 0")
    assert scalar(prometheus, "olp_assigned_partitions") == 4


def test_the_console_page_shows_roles_costs_and_graphs(prometheus, scraped, tmp_path):
    page = urllib.request.urlopen(f"{prometheus}/consoles/olp.html", timeout=10).read().decode()
    assert "No worker reports a role assignment now" not in page
    for role in ROLES:  # the server-rendered table: one row per role with its current model
        assert f"<td>{role}</td>" in page
    assert "<td><b>local-quality</b></td>" in page
    # The shared worker runs without --manager: the reward panel says why it is empty.
    assert 'id="reward_why"' in page and "No rewards: run the worker with <code>--manager</code>" in page

    url = f"{prometheus}/consoles/olp.html"
    # the time of the last sample (an instant query: a subquery's 10 s steps can all fall before the first sample)
    last = scalar(prometheus, "max(timestamp(olp_sentences_total))")
    assert last is not None
    dom = chromium("--virtual-time-budget=8000", "--dump-dom", url, profile=tmp_path / "dom").stdout
    # Rickshaw draws each graph as an SVG path once the range query returns data.
    assert dom.count('class="rickshaw_graph"') >= 4, dom[:2000]
    assert dom.count("<path") >= 10
    # one assignment graph per role, tall enough to read
    heights = [int(h) for h in re.findall(r'<td class="rickshaw_graph"[^>]* height="(\d+)"', dom)]
    assert len(heights) == len(ROLES) + 3 and min(heights) >= 150, heights
    # time axes show clock times (00:28, 00:28:15), y axes plain numbers with no label on the time axis at 0
    times = re.findall(r'<div class="title">([^<]*)</div>', dom)
    assert times and all(re.fullmatch(r"\d\d:\d\d(:\d\d)?", t) for t in times), times
    ticks = re.findall(r"<text[^>]*>([^<]*)</text>", dom)
    assert ticks and not [t for t in ticks if "e+" in t or "e-" in t or t in ("0", "0.000e+0")], ticks

    # The range fits the run: from just before the worker started to now (not the last 15 minutes).
    first = scalar(prometheus, "min(process_start_time_seconds)")
    span = re.search(r'id="olp_range" data-start="([\d.]+)" data-end="([\d.]+)">Graphs: the run, from its start', dom)
    assert first is not None and span, dom[:3000]
    start, end = float(span.group(1)), float(span.group(2))
    assert start < first and end - start <= max(30, (end - first) * 1.05 + 3), (start, first, end)  # 30 s at least
    assert end >= last - 1  # its last sample (before the page was drawn) is in the range

    out = Path(os.environ.get("OLP_ARTIFACTS", tmp_path)) / "dashboard.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    shot = chromium("--virtual-time-budget=8000", "--window-size=1400,2300", f"--screenshot={out}", url,
                    profile=tmp_path / "shot")
    assert out.exists() and out.stat().st_size > 50_000, shot.stderr[-2000:]


def test_a_range_chosen_in_the_address_is_kept(prometheus, scraped, tmp_path):
    url = f'{prometheus}/consoles/olp.html#pctc{{"duration":300,"endTime":0}}'
    dom = chromium("--virtual-time-budget=8000", "--dump-dom", url, profile=tmp_path / "dom").stdout
    assert 'id="olp_range">Graphs: the range in the address' in dom
    assert dom.count("<path") >= 10
