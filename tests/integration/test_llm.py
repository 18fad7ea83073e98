"""A real LLM in the pool: llama.cpp's OpenAI-compatible server (``scripts/llm-dev``) with Gemma 3 270M from PyPI.

The model is small and weak: these tests check what olp promises whatever a model answers (schema-valid
documents, fallbacks as the pool says, the server's own token counts and measured latency), never content.
The first run builds llama-cpp-python from source (cached in ~/.cache/olp; scripts/test installs it before pytest).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from olp_harness import REPO, base_env, free_port, run_script

from olp.caller import ask
from olp.gateway import Gateway
from olp.observer import Observer, Observers
from olp.poolfile import load_pool, parse_pool
from olp.profiles import get_profile
from olp.roles.topic_finder import FinderInput, TopicFinder
from olp.schema import validate_document
from olp.types import Sentence
from role_rl.pool import PoolStats

pytestmark = pytest.mark.timeout(900)  # a CPU model on 2 shared cores: a role call takes seconds

SAMPLE = REPO / "olp/samples/live-commerce-en.txt"
EN = get_profile("ecommerce-en")


def _buildable() -> str | None:
    """Why llama-cpp-python cannot be built here (None when it can, or when it is built already)."""
    cache = Path(os.environ.get("OLP_CACHE_DIR", Path.home() / ".cache/olp"))
    if any(cache.glob("llm-venv-*/.complete-*")):
        return None
    missing = [tool for tool in ("cmake", "c++") if shutil.which(tool) is None]
    return f"cannot build llama-cpp-python: {', '.join(missing)} not installed" if missing else None


def _start(tmp: Path, env_extra: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
    reason = _buildable()
    if reason:
        pytest.skip(reason)
    env = base_env(OLP_LLM_PORT=str(free_port()), OLP_LLM_DIR=str(tmp), **(env_extra or {}))
    # first run on a machine: builds llama-cpp-python (10-15 minutes on 2 cores); later starts take seconds
    url = run_script([str(REPO / "scripts/llm-dev"), "start"], env, timeout=2400)
    return url, env


def _stop(env: dict[str, str]) -> None:
    subprocess.run([str(REPO / "scripts/llm-dev"), "stop"], cwd=REPO, env=env, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def llm(tmp_path_factory) -> Iterator[str]:
    """Base URL (``http://127.0.0.1:PORT/v1``) of a llama.cpp server started with scripts/llm-dev for the session."""
    url, env = _start(tmp_path_factory.mktemp("llm"))
    try:
        yield url
    finally:
        _stop(env)


def pool_data(api_base: str, **olp) -> dict:
    """The bundled local-llm pool pointed at ``api_base``, with ``olp`` settings replaced."""
    data = yaml.safe_load((REPO / "olp/pools/local-llm.yaml").read_text(encoding="utf-8"))
    for entry in data["model_list"]:
        if entry["model_name"] == "llm":
            entry["litellm_params"]["api_base"] = api_base
    data["olp"].update(olp)
    return data


def sentences(n: int) -> list[Sentence]:
    return [Sentence(i, line) for i, line in enumerate(SAMPLE.read_text(encoding="utf-8").splitlines()[:n])]


def test_the_bundled_pool_names_the_llm_beside_the_local_engines():
    pool = load_pool(REPO / "olp/pools/local-llm.yaml")
    assert pool.names == ["local-fast", "local-quality", "llm"]
    llm = pool.spec("llm")
    assert llm.input_cost_per_token and llm.output_cost_per_token  # its price is stated
    assert llm.model_info["supports_response_schema"] and llm.model_info["response_format_type"] == "json_object"
    assert pool.fallbacks["llm"] == ("local-quality",) and pool.judges == ("local-quality",)


def test_olp_run_with_every_role_played_by_the_llm(llm, tmp_path):
    """The sample through ``olp run`` as a user runs it: every role the LLM's, no fallback; documents schema-valid."""
    pool = tmp_path / "pool.yaml"
    pool.write_text(yaml.safe_dump(pool_data(llm, default_model="llm", fallbacks={}, assignment={})))
    out, stats = tmp_path / "docs.jsonl", tmp_path / "stats.json"
    done = subprocess.run(
        [sys.executable, "-m", "olp", "run", str(SAMPLE), "--pool", str(pool), "--out", str(out), "--stats", str(stats),
         "--quiet"], cwd=REPO, env=base_env(), capture_output=True, text=True, timeout=840)
    assert done.returncode == 0, done.stderr[-3000:]
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    for doc in docs:
        validate_document(doc)
        assert set(doc["models"].values()) <= {"llm"}, doc["models"]
    answers = PoolStats.load(stats).get("llm")
    assert answers is not None and answers.calls >= 1 and answers.errors == 0
    # llama.cpp turns each role's schema into a grammar: answers are JSON of the schema's shape (an organizer that
    # places no sentence is still refused by the parser; what a grammar cannot say, e.g. unique ids, is repaired)
    assert answers.outcomes().get("valid", 0) >= 1, answers.answers


async def test_a_timeout_falls_back_as_the_pool_says(llm):
    pool = parse_pool(pool_data(llm, timeout_s=0.05, num_retries=0))
    # a short answer: the server goes on with a request its client gave up on, and the next test queues behind it
    rec = await Gateway(pool, backoff_s=0).complete(
        "topic_finder", "llm", TopicFinder().build_messages(FinderInput(sentences(20)), EN), max_tokens=8)
    assert rec.ok and rec.model == "local-quality" and rec.fallback_from == "llm", rec


class _KillAfter(Observer):
    """Kills the server (SIGKILL: a crash, no goodbye) once it has answered ``n`` calls."""

    def __init__(self, pidfile: Path, n: int) -> None:
        self.pidfile, self.n, self.killed = pidfile, n, False

    def on_call(self, record) -> None:
        if record.model == "llm" and record.ok and not self.killed:
            self.n -= 1
            if self.n <= 0:
                os.kill(int(self.pidfile.read_text()), signal.SIGKILL)
                self.killed = True


async def test_a_server_killed_mid_run_falls_back_as_the_pool_says(tmp_path):
    """Its own server: killed after its first answer, the rest of the run is answered by the pool's fallback."""
    from olp.bench.common import Recorder
    from olp.caller import DirectCaller
    from olp.pipeline import Pipeline
    from olp.settings import PipelineSettings

    url, env = _start(tmp_path / "server")
    try:
        pool = parse_pool(pool_data(url, default_model="llm", num_retries=1, timeout_s=120))
        killer, rec = _KillAfter(tmp_path / "server/server.pid", 1), Recorder()
        gateway = Gateway(pool, Observers(killer, rec), backoff_s=0)
        caller = DirectCaller(gateway, EN, concurrency=1)
        pipe = Pipeline("killed", EN, caller, PipelineSettings.for_chunk(20), rec)
        for s in sentences(40):
            await pipe.feed(s)
        await pipe.flush()
    finally:
        _stop(env)
    assert killer.killed
    after = rec.records[[r.model for r in rec.records].index("llm") + 1:]
    assert after and all(r.fallback_from == "llm" and r.model == "local-quality" and r.ok for r in after), after
    assert rec.docs, "the fallback engine kept the stream going"
    for doc in rec.docs:
        validate_document(doc)


async def test_token_counts_and_latency_are_the_servers(llm):
    """The call record's tokens are the server's usage (Gemma's tokenizer, not a stand-in count), and its latency
    is the measured wall time of the call."""
    pool = parse_pool(pool_data(llm))
    role, inp = TopicFinder(), FinderInput(sentences(12))
    messages = role.build_messages(inp, EN)
    start = time.perf_counter()
    result = await ask(Gateway(pool, backoff_s=0), role, inp, EN, ["llm"])
    wall_ms = (time.perf_counter() - start) * 1000.0
    (rec,) = result.records
    assert rec.ok and rec.model == "llm" and rec.fallback_from is None
    assert 0.5 * wall_ms <= rec.latency_ms <= wall_ms
    body = {"model": "llm", "messages": messages, "temperature": 0, "max_tokens": role.max_tokens,
            "response_format": {"type": "json_object", "schema": role.schema(inp, EN)}}
    request = urllib.request.Request(f"{llm}/chat/completions", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    usage = json.loads(urllib.request.urlopen(request, timeout=600).read())["usage"]
    assert (rec.input_tokens, rec.output_tokens) == (usage["prompt_tokens"], usage["completion_tokens"])
    spec = pool.spec("llm")  # priced by the pool file
    assert rec.cost_usd == pytest.approx(rec.input_tokens * spec.input_cost_per_token
                                         + rec.output_tokens * spec.output_cost_per_token)


def test_llm_dev_names_a_missing_gguf(llm, tmp_path):
    env = base_env(OLP_LLM_PORT=str(free_port()), OLP_LLM_DIR=str(tmp_path))
    done = subprocess.run([str(REPO / "scripts/llm-dev"), "start", str(tmp_path / "nope.gguf")], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "no such GGUF file" in done.stderr
